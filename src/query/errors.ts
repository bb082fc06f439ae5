/**
 * The error report: failed rows (is_failed) of the window grouped by a
 * normalized error signature. SQL groups by the exact message (so only one
 * row per distinct message and task leaves the database); the signatures —
 * numbers, hex ids, UUIDs, quoted values, paths, URLs and e-mail addresses
 * folded — are applied here, the same way for every backend.
 */
import { type Db } from '../db/connect.js';
import { decodeText } from '../db/decode.js';
import { compareIso, decodeTime } from '../core/time.js';
import { byCountThenName, compareText } from './sort.js';
import { groupSql } from './status.js';
import type { Window } from './window.js';
import { chooseWindowPlan, windowTerm, type WindowPlan } from './plan.js';
import type { Condition } from './conditions.js';

/**
 * How much of the chosen line the rules read: a signature shows at most 300
 * characters, so a longer line only costs time (an exception text can be
 * megabytes, shaped by whoever fed the task).
 */
export const SIGNATURE_READ = 4096;
/** what a signature keeps */
const SIGNATURE_LENGTH = 300;
const NO_MESSAGE = '(no error message)';

/**
 * The folding rules, in order. Each does a bounded amount of work at each
 * position of the text, so a pass is linear in what it reads: every
 * repetition that could run into the next match's start is bounded (a URL's
 * scheme, an e-mail's local part and labels as RFC 3986/5321 bound them), and
 * quoted values are found by a scan (foldQuotes) instead of a pattern that
 * rescans the line from every unmatched opening «.
 */
const RULES: ((s: string) => string)[] = [
  (s) => s.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'),
  (s) => (s.includes('://') ? s.replace(/\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s'"<>»]+/gi, '<url>') : s),
  (s) => (s.includes('@') ? s.replace(/\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,16}\b/g, '<email>') : s),
  (s) => foldQuotes(s, "'…'"),
  (s) => s.replace(/(?:[A-Za-z]:\\|~?\/)[^\s:'",;)]*[\\/][^\s:'",;)]*/g, '<path>'),
  (s) => s.replace(/\b(?=[0-9a-f_]*\d)(?=[0-9a-f_]*[a-f])(?:[a-z]+_)?[0-9a-f]{8,}\b/gi, '<hex>'),
  (s) => s.replace(/\b(?:[a-z]{2,6}_)[0-9a-z]{8,}\b/gi, '<id>'),
  (s) => s.replace(/[-+]?\d+(?:[.,]\d+)*/g, '<n>'),
];

const CLOSING = new Map([["'", "'"], ['"', '"'], ['«', '»'], ['`', '`']]);

/**
 * Every quoted value ('…', "…", «…», `…` on one line) replaced by `token`,
 * leftmost first, each running to the first closing mark after it — what
 * /'[^'\n]*'|"[^"\n]*"|«[^»\n]*»|`[^`\n]*`/g matches — in one pass: the
 * next closing mark of each kind is looked up once and reused until passed,
 * so an opening mark without a closing one costs no rescan.
 */
function foldQuotes(s: string, token: string): string {
  const next = new Map<string, number>();
  const nextOf = (c: string, from: number): number => {
    const known = next.get(c);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const at = s.indexOf(c, from);
    next.set(c, at);
    return at;
  };
  let out = '';
  let copied = 0;
  for (let i = 0; i < s.length; i++) {
    const close = CLOSING.get(s[i]);
    if (close === undefined) continue;
    const end = nextOf(close, i + 1);
    if (end === -1) continue;
    const newline = nextOf('\n', i + 1);
    if (newline !== -1 && newline < end) continue;
    out += s.slice(copied, i) + token;
    copied = end + 1;
    i = end;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/**
 * The line a signature is made of: the first non-blank one, or a traceback's
 * last line (it says what happened); found by scanning for line ends, never
 * by splitting the whole message.
 */
function signatureLine(message: string): string | null {
  const text = message.trim();
  if (text === '') return null;
  const firstEnd = text.indexOf('\n');
  if (/^Traceback \(most recent call last\)/.test(firstEnd === -1 ? text : text.slice(0, firstEnd))) return text.slice(text.lastIndexOf('\n') + 1);
  // the first non-blank line of the message holds its first non-blank character
  const first = message.length - message.trimStart().length;
  const end = message.indexOf('\n', first);
  return message.slice(message.lastIndexOf('\n', first) + 1, end === -1 ? message.length : end);
}

/**
 * "timed out after 3s" and "timed out after 5s" → "timed out after <n>s".
 * The one place a signature is made (the errors report, the dashboard and its
 * log pages); linear in the message, and reads at most SIGNATURE_READ
 * characters of its line.
 */
export function errorSignature(message: string | null): string {
  if (message === null) return NO_MESSAGE;
  const line = signatureLine(message);
  if (line === null) return NO_MESSAGE;
  let s = line.length > SIGNATURE_READ ? line.slice(0, SIGNATURE_READ) : line;
  for (const rule of RULES) s = rule(s);
  return s.replace(/\s+/g, ' ').trim().slice(0, SIGNATURE_LENGTH);
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
  // SQLite keeps any type in any column: a number or a blob in error_message or task_name reads as text
  for (const r of byTask ?? byMessage) perTask.set(decodeText(r.task_name) ?? '', (perTask.get(decodeText(r.task_name) ?? '') ?? 0) + Number(r.n));
  const groups = new Map<string, ErrorGroup>();
  for (const raw of byMessage) {
    const r = { ...raw, error_message: decodeText(raw.error_message), task_name: decodeText(raw.task_name) ?? '', job_id: decodeText(raw.job_id) ?? '' };
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
