/** `errors` on a terminal: the top error signatures, then failures by task. */
import { isoToMs } from '../core/time.js';
import type { ErrorReport } from '../query/errors.js';
import type { Window } from '../query/window.js';
import { formatInt, formatRelativeShort } from './format.js';
import { describeWindow } from './stats.js';
import type { Style } from './style.js';

export function renderErrors(r: ErrorReport, w: Window, v: { style: Style; now: Date; width: number }): string {
  const { c } = v.style;
  const width = Math.min(v.width, 120);
  const lines = [`${c.bold('Errors')} · ${describeWindow(w)} · ${r.total_failures ? c.red(formatInt(r.total_failures) + ' failures') : c.green('no failures')}`];
  if (r.total_failures === 0) return lines.join('\n') + '\n';
  lines.push('');
  const ago = (iso: string | null) => (iso ? formatRelativeShort(isoToMs(iso), v.now.getTime()) : '—');
  const countWidth = Math.max(...r.top_errors.map((e) => formatInt(e.count).length), 5);
  r.top_errors.forEach((e, i) => {
    const sig = e.signature.length > width - countWidth - 6 ? e.signature.slice(0, width - countWidth - 7) + '…' : e.signature;
    lines.push(`${c.red(formatInt(e.count).padStart(countWidth))}  ${c.bold(sig)}`);
    const tasks = e.tasks.length > 3 ? `${e.tasks.slice(0, 3).join(', ')} +${e.tasks.length - 3}` : e.tasks.join(', ');
    const detail = `first ${ago(e.first_seen)} · last ${ago(e.last_seen)} · e.g. ${e.example_job_id} · ${tasks}`;
    const room = width - countWidth - 2;
    lines.push(`${' '.repeat(countWidth)}  ${c.gray(detail.length > room ? detail.slice(0, room - 1) + '…' : detail)}`);
    if (i < r.top_errors.length - 1) lines.push('');
  });
  lines.push('', c.bold('Failures by task'));
  const nameWidth = Math.max(...r.by_task.map((t) => t.task_name.length));
  const top = r.by_task[0]?.count ?? 1;
  for (const t of r.by_task) {
    const bar = '█'.repeat(Math.max(1, Math.round((t.count / top) * Math.max(5, width - nameWidth - countWidth - 8))));
    lines.push(`  ${t.task_name.padEnd(nameWidth)}  ${formatInt(t.count).padStart(countWidth)}  ${c.red(bar)}`);
  }
  return lines.join('\n') + '\n';
}
