/** `stats` on a terminal: a compact summary, and with --by a table of groups. */
import { toIso } from '../core/time.js';
import type { GroupStats, Stats } from '../query/stats.js';
import type { Window } from '../query/window.js';
import { formatDuration, formatInt, plural, visibleLength } from './format.js';
import { paintDuration, paintHealth, statusBadge, successRateHealth, type Style } from './style.js';
import { renderTable } from './table.js';

export interface StatsView {
  style: Style;
  width: number;
  /** the filters, as their flags: '--queue-name high' ('' for none) */
  scope: string;
}

export function describeWindow(w: Window): string {
  const since = toIso(w.since).slice(0, 16).replace('T', ' ');
  const span = Number.isInteger(w.hours) ? `${w.hours} h` : `${w.hours.toFixed(1)} h`;
  return `last ${span} (since ${since} UTC)`;
}

export function renderStats(s: Stats, w: Window, groups: GroupStats[] | undefined, by: string | undefined, v: StatsView): string {
  const { style } = v;
  const { c } = style;
  const lines: string[] = [];
  lines.push(`${c.bold('Task statistics')} · ${describeWindow(w)}${v.scope ? ' · ' + v.scope : ''}`);
  lines.push('');
  const rate = paintHealth(style, successRateHealth(s.success_rate, s.successful + s.failed), `${s.success_rate.toFixed(2)}%`);
  const row = (label: string, value: string, label2 = '', value2 = '') =>
    lines.push(`  ${c.gray(label.padEnd(13))}${value}${label2 ? ' '.repeat(Math.max(2, 14 - visibleLength(value))) + c.gray(label2.padEnd(14)) + value2 : ''}`);
  row('Total', formatInt(s.total), 'Throughput', `${s.throughput_per_hour}/h`);
  row('Successful', formatInt(s.successful), 'Success rate', rate);
  row('Failed', s.failed > 0 ? c.red(formatInt(s.failed)) : formatInt(s.failed), 'In progress', formatInt(s.in_progress));
  lines.push('');
  const d = (ms: number | null) => paintDuration(style, ms, formatDuration(ms));
  const dur = s.duration_ms;
  row('Duration', `avg ${d(s.total ? s.avg_duration_ms : null)} · p50 ${d(dur.p50)} · p95 ${d(dur.p95)} · p99 ${d(dur.p99)} · max ${d(dur.max)}`);
  const w8 = s.queue_wait_ms;
  row('Queue wait', `avg ${formatDuration(w8.avg)} · p50 ${formatDuration(w8.p50)} · p95 ${formatDuration(w8.p95)}`);
  row('Retries', `avg ${s.retries.avg} · max ${s.retries.max} · ${plural(s.retries.retried, 'row')} retried`);
  // statuses, wrapped to the width
  const items = Object.entries(s.by_status).map(([k, n]) => `${statusBadge(style, k)} ${formatInt(n)}`);
  const wrapped: string[] = [];
  for (const item of items) {
    const lineNow = wrapped[wrapped.length - 1];
    if (lineNow !== undefined && visibleLength(lineNow) + 3 + visibleLength(item) <= v.width - 15) wrapped[wrapped.length - 1] = lineNow + c.gray(' · ') + item;
    else wrapped.push(item);
  }
  row('By status', wrapped[0] ?? c.gray('no rows'));
  for (const more of wrapped.slice(1)) lines.push(`  ${' '.repeat(13)}${more}`);
  if (groups) {
    lines.push('');
    const table = renderTable(
      [
        { header: by === 'queue' ? 'QUEUE' : 'TASK', cell: (g: GroupStats) => g.name, flexible: true, min: 12 },
        { header: 'TOTAL', cell: (g) => formatInt(g.total), align: 'right' },
        { header: 'OK', cell: (g) => formatInt(g.successful), align: 'right' },
        { header: 'FAILED', cell: (g) => (g.failed ? c.red(formatInt(g.failed)) : '0'), align: 'right' },
        { header: 'SUCCESS', cell: (g) => paintHealth(style, successRateHealth(g.success_rate, g.successful + g.failed), `${g.success_rate.toFixed(2)}%`), align: 'right' },
        { header: 'AVG', cell: (g) => d(g.avg_duration_ms), align: 'right' },
        { header: 'P95', cell: (g) => d(g.p95_duration_ms), align: 'right' },
        { header: 'MAX', cell: (g) => d(g.max_duration_ms), align: 'right' },
        { header: 'RETRIES', cell: (g) => g.avg_retries.toFixed(2), align: 'right' },
      ],
      groups,
      { style, decorate: style.enabled, width: 200 },
    );
    lines.push(table.trimEnd());
  }
  return lines.join('\n') + '\n';
}
