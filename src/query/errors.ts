/**
 * The error report: failed rows (is_failed) of the window grouped by a
 * normalized error signature. SQL groups by the exact message (so only one
 * row per distinct message and task leaves the database); the signatures —
 * numbers, hex ids, UUIDs, quoted values, paths, URLs and e-mail addresses
 * folded — are applied here, the same way for every backend.
 */
import { type Db } from '../db/connect.js';
import { compareIso, decodeTime } from '../core/time.js';
import { byCountThenName, compareText } from './sort.js';
import { groupSql } from './status.js';
import type { Window } from './window.js';
import { chooseWindowPlan, windowTerm, type WindowPlan } from './plan.js';
import type { Condition } from './conditions.js';

const RULES: [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>»]+/gi, '<url>'],
  [/\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b/g, '<email>'],
  [/'[^'\n]*'|"[^"\n]*"|«[^»\n]*»|`[^`\n]*`/g, "'…'"],
  [/(?:[A-Za-z]:\\|~?\/)[^\s:'",;)]*[\\/][^\s:'",;)]*/g, '<path>'],
  [/\b(?=[0-9a-f_]*\d)(?=[0-9a-f_]*[a-f])(?:[a-z]+_)?[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\b(?:[a-z]{2,6}_)[0-9a-z]{8,}\b/gi, '<id>'],
  [/[-+]?\d+(?:[.,]\d+)*/g, '<n>'],
];

/** "timed out after 3s" and "timed out after 5s" → "timed out after <n>s". */
export function errorSignature(message: string | null): string {
  if (message === null || message.trim() === '') return '(no error message)';
  let s = message.split('\n').find((l) => l.trim() !== '') ?? message;
  // a traceback's last line says what happened
  const lines = message.trim().split('\n');
  if (/^Traceback \(most recent call last\)/.test(lines[0])) s = lines[lines.length - 1];
  for (const [re, token] of RULES) s = s.replace(re, token);
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}

export interface ErrorGroup {
  signature: string;
  /** one real message of the group (the most recent) */
  error_message: string | null;
  count: number;
  tasks: string[];
  first_seen: string | null;
  last_seen: string | null;
  example_job_id: string;
}

export interface ErrorReport {
  total_failures: number;
  by_task: { task_name: string; count: number }[];
  top_errors: ErrorGroup[];
  period_hours: number;
}

/**
 * One read of the window: failures grouped by exact message and task. The
 * counts by task are that grouping's sums per task (every failure is in
 * exactly one message group), the signatures its messages folded.
 * `condition`: the rows that count (filterCondition); `plan`: how the window's rows are read (default:
 * chosen by the window's share of the table).
 */
export async function errorReport(db: Db, window: Window, limit: number, condition?: Condition | null, plan?: WindowPlan): Promise<ErrorReport> {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const where = [windowTerm(db, plan ?? (await chooseWindowPlan(db, window.since)).plan), groupSql('failed', d)];
  const bindings: unknown[] = [d.encodeTime(window.since)];
  if (condition) {
    where.push(`(${condition.sql})`);
    bindings.push(...condition.bindings);
  }
  const table = q(db.table);
  // where the database groups text by its collation, the counts by task come from it too (a second read)
  const [byTask, byMessage] = await Promise.all([
    d.groupsTextExactly
      ? null
      : db.query<{ task_name: string; n: unknown }>(`SELECT ${q('task_name')} AS task_name, COUNT(*) AS n FROM ${table} WHERE ${where.join(' AND ')} GROUP BY ${q('task_name')}`,
          bindings,
        ),
    db.query<{ error_message: string | null; task_name: string; n: unknown; first_seen: unknown; last_seen: unknown; job_id: string }>(`SELECT ${q('error_message')} AS error_message, ${q('task_name')} AS task_name, COUNT(*) AS n, ` +
        `MIN(${q('created_at')}) AS first_seen, MAX(${q('created_at')}) AS last_seen, MAX(${q('job_id')}) AS job_id ` +
        `FROM ${table} WHERE ${where.join(' AND ')} GROUP BY ${q('error_message')}, ${q('task_name')}`,
      bindings,
    ),
  ]);
  const perTask = new Map<string, number>();
  for (const r of byTask ?? byMessage) perTask.set(r.task_name, (perTask.get(r.task_name) ?? 0) + Number(r.n));
  const groups = new Map<string, ErrorGroup>();
  for (const r of byMessage) {
    const sig = errorSignature(r.error_message);
    const first = decodeTime(r.first_seen);
    const last = decodeTime(r.last_seen);
    const g = groups.get(sig);
    if (!g) {
      groups.set(sig, {
        signature: sig,
        error_message: r.error_message,
        count: Number(r.n),
        tasks: [r.task_name],
        first_seen: first,
        last_seen: last,
        example_job_id: r.job_id,
      });
      continue;
    }
    g.count += Number(r.n);
    if (!g.tasks.includes(r.task_name)) g.tasks.push(r.task_name);
    if (compareIso(first, g.first_seen) < 0) g.first_seen = first;
    // the example is the group's most recent message (ties: the larger job id)
    const order = compareIso(last, g.last_seen);
    if (order > 0 || (order === 0 && r.job_id > g.example_job_id)) {
      g.last_seen = last;
      g.error_message = r.error_message;
      g.example_job_id = r.job_id;
    }
  }
  const top = [...groups.values()]
    .sort(byCountThenName((g) => g.count, (g) => g.signature))
    .slice(0, limit)
    .map((g) => ({ ...g, tasks: [...g.tasks].sort(compareText) }));
  const tasks = [...perTask]
    .map(([task_name, count]) => ({ task_name, count }))
    .sort(byCountThenName((t) => t.count, (t) => t.task_name));
  return {
    total_failures: tasks.reduce((s, t) => s + t.count, 0),
    by_task: tasks,
    top_errors: top,
    period_hours: window.period_hours,
  };
}
