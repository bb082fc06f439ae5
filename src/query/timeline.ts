/**
 * The timeline: counts per bucket, aggregated in SQL at a fine granularity
 * (1 or 15 minutes of UTC) and merged into the buckets of the chosen zone
 * here. Every bucket of the window is present; empty ones are zeros.
 */
import { type Db } from '../db/connect.js';
import { toIso, instantFromMs } from '../core/time.js';
import { bucketStarts, fineSeconds, type Interval } from './buckets.js';
import { groupSql } from './status.js';
import { pyInt } from './round.js';
import { durationSql, noteSkippedDurations } from './stats.js';
import type { Window } from './window.js';
import { chooseWindowPlan, windowSource, windowTerm, type WindowPlan } from './plan.js';
import type { Condition } from './conditions.js';

export interface Bucket {
  timestamp: string;
  total: number;
  successful: number;
  failed: number;
  avg_duration_ms: number;
}

/**
 * `condition`: the rows of the window that count (filterCondition);
 * `plan`: how the window's rows are read (default: chosen by the window's share of the table)
 */
export async function timeline(db: Db, window: Window, interval: Interval, tz: string, condition?: Condition | null, plan?: WindowPlan): Promise<Bucket[]> {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const g = fineSeconds(interval, tz);
  const chosen = plan ?? (await chooseWindowPlan(db, window.since)).plan;
  const where = [windowTerm(db, chosen)];
  const bindings: unknown[] = [d.encodeTime(window.since)];
  if (condition) {
    where.push(`(${condition.sql})`);
    bindings.push(...condition.bindings);
  }
  const key = d.intDivSql(d.epochSecondsSql(q('created_at')), String(g));
  const rows = await db.query<Record<string, unknown>>(`SELECT ${key} AS k, COUNT(*) AS total, ` +
      `SUM(CASE WHEN ${groupSql('successful', d)} THEN 1 ELSE 0 END) AS successful, ` +
      `SUM(CASE WHEN ${groupSql('failed', d)} THEN 1 ELSE 0 END) AS failed, ` +
      `COUNT(${durationSql(db)}) AS n_duration, SUM(${durationSql(db)}) AS sum_duration${d.numericSql ? `, COUNT(${q('duration_ms')}) AS n_duration_raw` : ''} ` +
      `FROM ${windowSource(db, chosen)} WHERE ${where.join(' AND ')} GROUP BY ${key}`,
    bindings,
  );
  const starts = bucketStarts(window.since.ms, window.until.ms, interval, tz);
  const acc = starts.map(() => ({ total: 0, successful: 0, failed: 0, n: 0, sum: 0 }));
  noteSkippedDurations(db, rows);
  let timeless = 0;
  for (const r of rows) {
    // a created_at that is no time (SQLite keeps any text) has no bucket
    if (r.k === null || r.k === undefined || !Number.isFinite(Number(r.k))) {
      timeless += Number(r.total);
      continue;
    }
    const t = Number(r.k) * g * 1000;
    const i = Math.max(0, upperBound(starts, t) - 1);
    const a = acc[i];
    a.total += Number(r.total);
    a.successful += Number(r.successful ?? 0);
    a.failed += Number(r.failed ?? 0);
    a.n += Number(r.n_duration ?? 0);
    a.sum += Number(r.sum_duration ?? 0);
  }
  if (timeless > 0) db.note(`${timeless} ${timeless === 1 ? 'row holds' : 'rows hold'} a created_at that is not a time (SQLite keeps any type in any column): left out of the timeline`);
  return starts.map((s, i) => ({
    timestamp: toIso(instantFromMs(s)),
    total: acc[i].total,
    successful: acc[i].successful,
    failed: acc[i].failed,
    avg_duration_ms: acc[i].n > 0 ? pyInt(acc[i].sum / acc[i].n) : 0,
  }));
}

/** index of the first element greater than x */
function upperBound(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
