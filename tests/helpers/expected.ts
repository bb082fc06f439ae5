/**
 * Expected numbers computed in JavaScript straight from the generator's rows,
 * without any database: what every backend's SQL must agree with.
 */
import { generateRows, type DemoOptions } from '../../fixtures/generate.js';

/**
 * The status groups as django-cfg's TaskLog model defines its is_successful
 * and is_failed properties, written here once and apart from the code under
 * test (src/query/status.ts), which must agree with them.
 */
export const isSuccessful = (r: { status: string; success: boolean | null }) => r.status === 'success' && r.success === true;
export const isFailed = (r: { status: string; success: boolean | null }) => ['failed', 'expired'].includes(r.status) || r.success === false;

export function expectedOverview(opts: DemoOptions) {
  const byQueue: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  let total = 0;
  let recent = 0;
  const sinceUs = (opts.now.getTime() - 24 * 3600_000) * 1000;
  for (const r of generateRows(opts)) {
    total++;
    byQueue[r.queue_name] = (byQueue[r.queue_name] ?? 0) + 1;
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.created_at >= sinceUs && isFailed(r)) recent++;
  }
  return { total_tasks: total, active_queues: Object.keys(byQueue).sort(), recent_failures: recent, tasks_by_queue: byQueue, tasks_by_status: byStatus };
}

// ---- analytics, computed from the rows in JavaScript ----------------------

import type { WritableRow } from '../../src/db/insert.js';
import { bucketStarts } from '../../src/query/buckets.js';


/** percentile_cont as PostgreSQL documents it: linear interpolation between the two nearest ranks */
export function percentileCont(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (p * (sorted.length - 1)) / 1000;
  const lo = Math.floor(pos);
  const frac = (p * (sorted.length - 1) - lo * 1000) / 1000;
  return frac === 0 ? sorted[lo] : sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function expectedStats(rows: WritableRow[], sinceUs: number, hours: number) {
  const w = rows.filter((r) => r.created_at >= sinceUs);
  const durations = w.map((r) => r.duration_ms).filter((d): d is number => d !== null).sort((a, b) => a - b);
  const waits = w.filter((r) => r.start_time !== null).map((r) => (r.start_time as number) - r.enqueue_time).sort((a, b) => a - b);
  const s = w.filter(isSuccessful).length;
  const f = w.filter(isFailed).length;
  const avg = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0;
  const byStatus: Record<string, number> = {};
  for (const r of w) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const us = (v: number | null) => (v === null ? null : Math.round(v) / 1000);
  return {
    total: w.length,
    successful: s,
    failed: f,
    in_progress: w.filter((r) => r.status === 'in_progress' || r.status === 'queued').length,
    success_rate: s + f ? r2((s / (s + f)) * 100) : 0,
    avg_duration_ms: Math.trunc(avg),
    avg_duration_seconds: r2(avg / 1000),
    period_hours: hours,
    duration_ms: {
      min: durations[0] ?? null,
      max: durations[durations.length - 1] ?? null,
      p50: percentileCont(durations, 500) === null ? null : r2(percentileCont(durations, 500)!),
      p95: percentileCont(durations, 950) === null ? null : r2(percentileCont(durations, 950)!),
      p99: percentileCont(durations, 990) === null ? null : r2(percentileCont(durations, 990)!),
    },
    queue_wait_ms: {
      avg: waits.length ? Math.round((waits.reduce((a, b) => a + b, 0) / waits.length / 1000) * 1000) / 1000 : null,
      p50: us(percentileCont(waits, 500)),
      p95: us(percentileCont(waits, 950)),
    },
    retries: {
      avg: w.length ? r2(w.reduce((a, r) => a + r.job_retries, 0) / w.length) : 0,
      max: w.reduce((m, r) => Math.max(m, r.job_retries), 0),
      retried: w.filter((r) => r.job_retries > 0).length,
    },
    by_status: byStatus,
    throughput_per_hour: r2(w.length / hours),
  };
}

export function expectedTimeline(rows: WritableRow[], sinceUs: number, untilUs: number, interval: 'minute' | 'hour' | 'day', tz: string, task?: string) {
  const starts = bucketStarts(Math.floor(sinceUs / 1000), Math.floor(untilUs / 1000), interval, tz);
  const out = starts.map((s) => ({ timestamp: new Date(s).toISOString().replace('.000Z', 'Z'), total: 0, successful: 0, failed: 0, n: 0, sum: 0 }));
  for (const r of rows) {
    if (r.created_at < sinceUs || (task && r.task_name !== task)) continue;
    const ms = Math.floor(r.created_at / 1000);
    let i = starts.length - 1;
    while (i > 0 && starts[i] > ms) i--;
    const b = out[i];
    b.total++;
    if (isSuccessful(r)) b.successful++;
    if (isFailed(r)) b.failed++;
    if (r.duration_ms !== null) {
      b.n++;
      b.sum += r.duration_ms;
    }
  }
  return out.map(({ n, sum, ...b }) => ({ ...b, avg_duration_ms: n ? Math.trunc(sum / n) : 0 }));
}

export function expectedErrorCounts(rows: WritableRow[], sinceUs: number) {
  const w = rows.filter((r) => r.created_at >= sinceUs && isFailed(r));
  const bySig = new Map<string, number>();
  const byTask = new Map<string, number>();
  for (const r of w) {
    const sig = expectedSignature(r.error_message);
    bySig.set(sig, (bySig.get(sig) ?? 0) + 1);
    byTask.set(r.task_name, (byTask.get(r.task_name) ?? 0) + 1);
  }
  return { total: w.length, bySig, byTask };
}

/** A run of hex digits as the signature shows it: <hex> when it has a digit and a letter, <n> when only digits. */
const hexToken = (h: string) => (/\d/.test(h) && /[a-f]/i.test(h) ? '<hex>' : /^\d+$/.test(h) ? '<n>' : h);

/**
 * The signature of every message the demo generator (and the analytics
 * tests' edge rows) can write, worked out by hand from the documented
 * folding (numbers, hex ids, UUIDs, quoted values, paths, URLs, e-mail
 * addresses), not by calling the code under test. A message no template
 * matches fails the test: a new error in the generator needs its line here.
 */
const SIGNATURES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^TimeoutError: request to ([a-z-]+) timed out after \d+s$/, (m) => `TimeoutError: request to ${m[1]} timed out after <n>s`],
  [/^TimeoutError: timed out after \d+s$/, () => 'TimeoutError: timed out after <n>s'],
  [/^ConnectionError: could not connect to ([a-z-]+):\d+ \(connection refused\)$/, (m) => `ConnectionError: could not connect to ${m[1]}:<n> (connection refused)`],
  [/^OperationalError: deadlock detected while updating row \d+$/, () => 'OperationalError: deadlock detected while updating row <n>'],
  [/^PaymentDeclined: card ending \d{4} declined \(insufficient_funds\)$/, () => 'PaymentDeclined: card ending <n> declined (insufficient_funds)'],
  [/^StripeError: rate limit exceeded for account acct_[0-9a-f]{10}$/, () => 'StripeError: rate limit exceeded for account <id>'],
  [/^SMTPRecipientsRefused: 550 5\.1\.1 <user\d+@example\.com>: mailbox unavailable$/, () => 'SMTPRecipientsRefused: <n> <n> <<email>>: mailbox unavailable'],
  [/^APNsError: BadDeviceToken for device ([0-9a-f]{16})$/, (m) => `APNsError: BadDeviceToken for device ${hexToken(m[1])}`],
  [/^HTTPError: 50\d Server Error for url https:\/\/hooks\.example\.com\/[0-9a-f]{8}$/, () => 'HTTPError: <n> Server Error for url <url>'],
  [/^KeyError: 'customer_\d+'$/, () => "KeyError: '…'"],
  [/^ValidationError: Ungültige E-Mail-Adresse für Benutzer \d+$/, () => 'ValidationError: Ungültige E-Mail-Adresse für Benutzer <n>'],
  [/^FileNotFoundError: \[Errno 2\] No such file or directory: '[^']+'$/, () => "FileNotFoundError: [Errno <n>] No such file or directory: '…'"],
  [/^PIL\.UnidentifiedImageError: cannot identify image file '[^']+'$/, () => "PIL.UnidentifiedImageError: cannot identify image file '…'"],
  [/^MemoryError: image \d+x\d+ too large$/, () => 'MemoryError: image <n>x<n> too large'],
  [/^MemoryError: worker exceeded \d+ GiB while building report$/, () => 'MemoryError: worker exceeded <n> GiB while building report'],
  [/^ElasticsearchException: version conflict, document \[\d+\] already exists$/, () => 'ElasticsearchException: version conflict, document [<n>] already exists'],
  [/^SoftTimeLimitExceeded: export [0-9a-f-]{36} exceeded 300s$/, () => 'SoftTimeLimitExceeded: export <uuid> exceeded <n>s'],
  [/^Ошибка: недоступен сервис аналитики \d — повторите позже$/, () => 'Ошибка: недоступен сервис аналитики <n> — повторите позже'],
  [/^FFmpegError: codec non pris en charge dans « [^»]+ »$/, () => "FFmpegError: codec non pris en charge dans '…'"],
  [/^エラー: ワーカー \d がタイムアウトしました$/, () => 'エラー: ワーカー <n> がタイムアウトしました'],
];

export function expectedSignature(message: string | null): string {
  if (message === null || message.trim() === '') return '(no error message)';
  for (const [re, signature] of SIGNATURES) {
    const m = re.exec(message);
    if (m) return signature(m);
  }
  throw new Error(`no expected signature for the generator's message ${JSON.stringify(message)}: add its template to SIGNATURES`);
}
