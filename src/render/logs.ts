/** The task log views: the admin-like list table and the detail page of one row. */
import { diffMs, isoToMs } from '../core/time.js';
import { toDetail, userDisplay, type TaskLogRow } from '../query/present.js';
import { formatDuration, formatInt, formatRelative, formatRelativeShort, plural } from './format.js';
import { prettyJson } from './jsoncolor.js';
import { paintDuration, paintRetries, queueBadge, statusBadge, type Style } from './style.js';
import { renderTable, type Column } from './table.js';

export interface ViewOptions {
  style: Style;
  now: Date;
  width?: number;
  decorate: boolean;
}

function when(iso: string | null, now: Date): string {
  return iso ? formatRelative(isoToMs(iso), now.getTime()) : '—';
}

function whenShort(iso: string | null, now: Date): string {
  return iso ? formatRelativeShort(isoToMs(iso), now.getTime()) : '—';
}

/** The list columns: like the admin's list view, with the id first (what `logs show` takes). */
export function listColumns(o: ViewOptions): Column<TaskLogRow>[] {
  const { style, now } = o;
  return [
    { header: 'ID', cell: (r) => String(r.id), align: 'right' },
    { header: 'TASK', cell: (r) => r.task_name, flexible: true, min: 12 },
    { header: 'QUEUE', cell: (r) => queueBadge(style, r.queue_name) },
    { header: 'STATUS', cell: (r) => statusBadge(style, r.status) },
    { header: 'USER', cell: (r) => r.username ?? (r.user_id === null ? '—' : `#${r.user_id}`), flexible: true, min: 6, droppable: true },
    { header: 'DURATION', cell: (r) => paintDuration(style, r.duration_ms, formatDuration(r.duration_ms)), align: 'right' },
    { header: 'RETRIES', cell: (r) => paintRetries(style, r.job_retries, String(r.job_retries)), align: 'right' },
    { header: 'CREATED', cell: (r) => whenShort(r.created_at, now) },
    { header: 'FINISHED', cell: (r) => whenShort(r.finish_time, now), droppable: true },
  ];
}

/** Columns for --fields: the chosen detail fields as plain values. */
export function fieldColumns(fields: readonly string[]): Column<TaskLogRow>[] {
  return fields.map((f) => ({
    header: f.toUpperCase(),
    cell: (r: TaskLogRow) => {
      const v = (toDetail(r) as Record<string, unknown>)[f];
      if (v === null || v === undefined) return '—';
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    },
    flexible: true,
    min: 8,
  }));
}

export function renderList(rows: TaskLogRow[], columns: Column<TaskLogRow>[], o: ViewOptions): string {
  return renderTable(columns, rows, { style: o.style, width: o.width, decorate: o.decorate });
}

export function pageFooter(page: number, pageSize: number, shown: number, count: number, estimated = false): string {
  if (count === 0 && shown === 0) return 'no matching rows';
  const total = estimated ? `about ${formatInt(count)} (estimated; --exact-count counts them)` : formatInt(count);
  if (shown === 0) return `page ${formatInt(page)} is past the end: ${total} ${count === 1 ? 'row' : 'rows'} in ${estimated ? 'about ' : ''}${plural(Math.ceil(count / pageSize), 'page')}`;
  const from = (page - 1) * pageSize + 1;
  return `showing ${formatInt(from)}–${formatInt(from + shown - 1)} of ${total}`;
}

/** `logs show`: sections like the admin's detail view. */
export function renderDetail(r: TaskLogRow, o: ViewOptions): string {
  const { style, now } = o;
  const { c } = style;
  const lines: string[] = [];
  const head = (s: string) => {
    if (lines.length) lines.push('');
    lines.push(c.bold.underline(s));
  };
  const kv = (k: string, v: string) => lines.push(`  ${c.gray(k.padEnd(13))}${v}`);
  const time = (iso: string | null) => (iso ? `${iso}  ${c.gray('(' + when(iso, now) + ')')}` : c.gray('—'));

  head('Task');
  kv('ID', String(r.id));
  kv('Job ID', r.job_id);
  kv('Task', c.bold(r.task_name));
  kv('Queue', queueBadge(style, r.queue_name));
  kv('Status', statusBadge(style, r.status) + (r.success === null ? '' : c.gray(`  success=${r.success}`)));
  kv('User', userDisplay(r) ?? (r.user_id === null ? c.gray('—') : `#${r.user_id}`));

  head('Arguments');
  lines.push(indent(`args   ${prettyJson(r.args, style)}`, 2));
  lines.push(indent(`kwargs ${prettyJson(r.kwargs, style)}`, 2));

  head('Performance');
  kv('Duration', paintDuration(style, r.duration_ms, formatDuration(r.duration_ms)));
  const wait = r.enqueue_time && r.start_time ? diffMs(r.enqueue_time, r.start_time) : null;
  kv('Queue wait', wait === null ? c.gray('—') : formatDuration(wait));
  kv('Retries', paintRetries(style, r.job_retries, `${r.job_retries} of ${r.job_retry}`));
  kv('Retry after', `${r.job_retry_after} s`);
  kv('Worker', r.worker_id ?? c.gray('—'));
  kv('Enqueued', time(r.enqueue_time));
  kv('Started', time(r.start_time));
  kv('Finished', time(r.finish_time));
  kv('Expires', time(r.expire_time));
  kv('Created', time(r.created_at));
  kv('Updated', time(r.updated_at));

  if (r.result !== null && r.result !== '') {
    head('Result');
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.result);
    } catch {
      parsed = undefined;
    }
    lines.push(indent(parsed === undefined ? r.result : prettyJson(parsed, style), 2));
  }
  if (r.error_message) {
    head(c.red('Error'));
    lines.push(indent(c.red(r.error_message), 2));
  }
  return lines.join('\n') + '\n';
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
