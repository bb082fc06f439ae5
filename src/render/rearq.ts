/**
 * The rearq commands' pages: the tables of jobs, attempts, tasks, workers and
 * queues (their columns and cells), and one job with its attempts. Each row
 * type names the fields its page reads; src/rearq's rows and reports have them.
 */
import { formatDuration, formatInt } from './format.js';
import { queueBadge, statusBadge } from './style.js';
import { renderTable, type TableOptions } from './table.js';

/** A rearq_job row, as `rearq jobs` shows it. */
export interface JobRow {
  id: number;
  task: string;
  job_id: string;
  status: string;
  job_retry: number;
  job_retries: number;
  enqueue_time: string;
  args: unknown;
  kwargs: unknown;
}

/** An attempt with its job, as `rearq results` shows it. */
export interface ResultRow {
  id: number;
  worker: string;
  success: boolean;
  start_time: string | null;
  result: string | null;
  job: { task: string; status: string };
}

export interface TaskRow {
  task: string;
  enabled: boolean | null;
  jobs: number;
  success: number;
  failed: number;
  last_run: string | null;
}

export interface WorkerRow {
  name: string;
  queue: string | null;
  is_timer: boolean;
  online: boolean;
  age_seconds: number | null;
  attempts: { success: number; failed: number } | null;
}

export interface QueueRow {
  name: string;
  entries: number;
  groups: { name: string; consumers: number; pending: number; lag: number | null }[];
  delayed: number;
  delayed_overdue: number;
  jobs: { queued: number; deferred: number; in_progress: number } | null;
}

/** One job, its attempts and its place in Redis, as `rearq show` shows it. */
export interface JobPage {
  job: JobRow & { expire_time: string | null; job_retry_after: number };
  attempts: { start_time: string | null; duration_ms: number | null; worker: string; success: boolean; result: string | null; error: string | null }[];
  queue: string | null;
  redis: {
    stream: string | null;
    entry_id: string | null;
    pending: { group: string; consumer: string; deliveries: number }[];
    delayed: { key: string; due: string } | null;
  } | null;
}

/** A JSON value in a cell: null as —. */
const json = (v: unknown) => (v === null ? '—' : JSON.stringify(v));

export function renderJobs(rows: JobRow[], o: TableOptions): string {
  return renderTable<JobRow>(
    [
      { header: 'ID', cell: (j) => String(j.id), align: 'right' },
      { header: 'TASK', cell: (j) => j.task, flexible: true },
      { header: 'JOB ID', cell: (j) => j.job_id, flexible: true, droppable: true },
      { header: 'STATUS', cell: (j) => statusBadge(o.style, j.status) },
      { header: 'RETRIES', cell: (j) => `${j.job_retries}/${j.job_retry}`, align: 'right' },
      { header: 'ENQUEUED', cell: (j) => j.enqueue_time },
      { header: 'ARGS', cell: (j) => json(j.args), flexible: true, droppable: true },
      { header: 'KWARGS', cell: (j) => json(j.kwargs), flexible: true, droppable: true },
    ],
    rows,
    o,
  );
}

export function renderResults(rows: ResultRow[], o: TableOptions): string {
  return renderTable<ResultRow>(
    [
      { header: 'ID', cell: (x) => String(x.id), align: 'right' },
      { header: 'TASK', cell: (x) => x.job.task, flexible: true },
      { header: 'WORKER', cell: (x) => x.worker, flexible: true },
      { header: 'OK', cell: (x) => (x.success ? o.style.c.green('yes') : o.style.c.red('no')) },
      { header: 'JOB', cell: (x) => statusBadge(o.style, x.job.status) },
      { header: 'STARTED', cell: (x) => x.start_time ?? '—' },
      { header: 'RESULT', cell: (x) => (x.result ?? '—').replace(/\s+/g, ' '), flexible: true, droppable: true },
    ],
    rows,
    o,
  );
}

export function renderTasks(rows: TaskRow[], o: TableOptions): string {
  return renderTable<TaskRow>(
    [
      { header: 'TASK', cell: (t) => t.task, flexible: true },
      { header: 'ENABLED', cell: (t) => (t.enabled === null ? '—' : t.enabled ? o.style.c.green('enabled') : o.style.c.yellow('disabled')) },
      { header: 'JOBS', cell: (t) => formatInt(t.jobs), align: 'right' },
      { header: 'SUCCESS', cell: (t) => formatInt(t.success), align: 'right' },
      { header: 'FAILED', cell: (t) => formatInt(t.failed), align: 'right' },
      { header: 'LAST RUN', cell: (t) => t.last_run ?? '—' },
    ],
    rows,
    o,
  );
}

export function renderWorkers(rows: WorkerRow[], o: TableOptions): string {
  if (!rows.length) return 'no workers in rearq:worker\n';
  return renderTable<WorkerRow>(
    [
      { header: 'NAME', cell: (w) => w.name, flexible: true },
      { header: 'QUEUE', cell: (w) => w.queue ?? '—' },
      { header: 'TIMER', cell: (w) => (w.is_timer ? 'timer' : '') },
      { header: 'STATE', cell: (w) => (w.online ? o.style.c.green('online') : o.style.c.red('offline')) },
      { header: 'HEARTBEAT', cell: (w) => (w.age_seconds === null ? '—' : `${Math.round(w.age_seconds)} s ago`), align: 'right' },
      { header: 'OK', cell: (w) => (w.attempts ? formatInt(w.attempts.success) : '—'), align: 'right' },
      { header: 'FAILED', cell: (w) => (w.attempts ? formatInt(w.attempts.failed) : '—'), align: 'right' },
    ],
    rows,
    o,
  );
}

export function renderQueues(rows: QueueRow[], o: TableOptions): string {
  if (!rows.length) return 'no queue streams (rearq:queue:*) in this Redis database\n';
  return renderTable<QueueRow>(
    [
      { header: 'QUEUE', cell: (q) => queueBadge(o.style, q.name) },
      { header: 'ENTRIES', cell: (q) => formatInt(q.entries), align: 'right' },
      { header: 'GROUPS', cell: (q) => q.groups.map((g) => `${g.name}: ${g.consumers} consumer(s), ${g.pending} pending, lag ${g.lag ?? '?'}`).join('; ') || '—', flexible: true },
      { header: 'DELAYED', cell: (q) => `${formatInt(q.delayed)}${q.delayed_overdue ? ` (${q.delayed_overdue} overdue)` : ''}`, align: 'right' },
      { header: 'QUEUED', cell: (q) => (q.jobs ? formatInt(q.jobs.queued) : '—'), align: 'right' },
      { header: 'DEFERRED', cell: (q) => (q.jobs ? formatInt(q.jobs.deferred) : '—'), align: 'right' },
      { header: 'RUNNING', cell: (q) => (q.jobs ? formatInt(q.jobs.in_progress) : '—'), align: 'right' },
    ],
    rows,
    o,
  );
}

/** `rearq show`: the job's lines, where Redis has it, then its attempts in order. */
export function renderJobPage(report: JobPage, o: Pick<TableOptions, 'style'>): string {
  const { c } = o.style;
  const j = report.job;
  const lines = [
    `${c.bold(j.task)}  ${statusBadge(o.style, j.status)}  job ${j.job_id} (id ${j.id})`,
    `enqueued ${j.enqueue_time}${j.expire_time ? `, expires ${j.expire_time}` : ''}; retries ${j.job_retries}/${j.job_retry}, retry after ${j.job_retry_after} s`,
    `args ${JSON.stringify(j.args)}  kwargs ${JSON.stringify(j.kwargs)}`,
    `queue ${report.queue ?? '— (unknown without --redis)'}`,
  ];
  if (report.redis) {
    const p = report.redis;
    if (p.stream) lines.push(`redis: ${p.stream} entry ${p.entry_id}` + (p.pending.length ? `, pending in ${p.pending.map((x) => `${x.group} (consumer ${x.consumer}, ${x.deliveries} deliveries)`).join(', ')}` : ', not pending'));
    if (p.delayed) lines.push(`redis: due ${p.delayed.due} in ${p.delayed.key}`);
    if (!p.stream && !p.delayed) lines.push('redis: in no stream and no delay set');
  }
  lines.push('', report.attempts.length ? `${report.attempts.length} attempt(s):` : 'no attempts');
  report.attempts.forEach((a, i) => {
    const outcome = a.success ? c.green('success') : c.red('failed');
    lines.push(`  ${i + 1}. ${a.start_time ?? '—'}  ${formatDuration(a.duration_ms)}  ${a.worker}  ${outcome}  ${a.success ? (a.result ?? 'None') : (a.error ?? '')}`);
  });
  return lines.join('\n') + '\n';
}
