import type { Overview } from '../query/overview.js';
import { RECENT_FAILURE_HOURS } from '../query/overview.js';
import { formatInt, formatPercent, visibleLength } from './format.js';
import { queueBadge, statusBadge, type Style } from './style.js';

/** The overview as a terminal page: headline numbers, then queues and statuses with share bars. */
export function renderOverview(o: Overview, v: { style: Style; columns: number }): string {
  const { style } = v;
  const { c } = style;
  const width = Math.min(v.columns, 100);
  const lines: string[] = [];
  lines.push(c.bold('Task log overview'));
  lines.push('');
  const label = (s: string) => s.padEnd(17);
  lines.push(`  ${label('Total tasks')}${c.bold(formatInt(o.total_tasks))}`);
  lines.push(`  ${label('Active queues')}${o.active_queues.length}${o.active_queues.length ? c.gray('  ' + o.active_queues.join(', ')) : ''}`);
  const rf = formatInt(o.recent_failures);
  lines.push(`  ${label('Recent failures')}${o.recent_failures > 0 ? c.red.bold(rf) : c.green(rf)}${c.gray(`  created in the last ${RECENT_FAILURE_HOURS} h`)}`);
  lines.push('');
  lines.push(...section(style, 'By queue', o.tasks_by_queue, o.total_tasks, (q) => queueBadge(style, q), width));
  lines.push('');
  lines.push(...section(style, 'By status', o.tasks_by_status, o.total_tasks, (s) => statusBadge(style, s), width));
  return lines.join('\n') + '\n';
}

function section(style: Style, title: string, counts: Record<string, number>, total: number, badge: (k: string) => string, width: number): string[] {
  const { c } = style;
  const entries = Object.entries(counts);
  if (entries.length === 0) return [`  ${c.bold(title)}`, c.gray('  (no rows)')];
  const keyWidth = Math.max(...entries.map(([k]) => visibleLength(badge(k))), 10);
  const numWidth = Math.max(...entries.map(([, n]) => formatInt(n).length), 5);
  const barRoom = Math.max(0, width - (2 + keyWidth + 2 + numWidth + 2 + 6 + 2) - 1);
  const out = [`  ${c.bold(title)}`];
  for (const [k, n] of entries) {
    const share = total > 0 ? (n / total) * 100 : 0;
    const bar = barRoom > 4 ? '  ' + c.gray('█'.repeat(Math.round((share / 100) * barRoom)) || '▏') : '';
    const b = badge(k);
    out.push(`  ${b}${' '.repeat(keyWidth - visibleLength(b))}  ${formatInt(n).padStart(numWidth)}  ${formatPercent(share).padStart(6)}${bar}`);
  }
  return out;
}
