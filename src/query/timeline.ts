/**
 * The timeline: counts per bucket, aggregated in SQL at a fine granularity
 * (1 or 15 minutes of UTC) and merged into the buckets of the chosen zone
 * here. Every bucket of the window is present; empty ones are zeros.
 */
import { type Db } from '../db/connect.js';
import { instantFromMs, toIso } from '../core/time.js';
import { bucketStarts, fineSeconds, type Interval } from './buckets.js';
import { groupSql } from './status.js';
import { pyInt } from './round.js';
import { durationSql, noteSkippedDurations } from './stats.js';
import type { Window } from './window.js';
import { chooseWindowPlan, SCAN_SHARE_IN_TIME_ORDER, windowShare, windowSource, windowTerm, type WindowPlan } from './plan.js';
import type { Condition } from './conditions.js';
import { countWhen, type TableExtent } from '../db/dialect/types.js';

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
  const starts = bucketStarts(window.since.ms, window.until.ms, interval, tz);
  const sums = `COUNT(*) AS total, ` +
    `${countWhen(d, groupSql('successful', d))} AS successful, ` +
    `${countWhen(d, groupSql('failed', d))} AS failed, ` +
    `COUNT(${durationSql(db)}) AS n_duration, SUM(${durationSql(db)}) AS sum_duration${d.numericSql ? `, COUNT(${q('duration_ms')}) AS n_duration_raw` : ''}`;
  const rows = d.bucketRangesSql && starts.length <= RANGED_BUCKETS_MAX && (await rangesFit(db, window, starts.length))
    ? await rangedCounts(db, window, starts, sums, condition)
    : await keyedCounts(db, window, interval, tz, plan ?? (await chooseWindowPlan(db, window.since)).plan, sums, condition);
  const acc = starts.map(() => ({ total: 0, successful: 0, failed: 0, n: 0, sum: 0 }));
  const add = (i: number, r: Record<string, unknown>) => {
    const a = acc[i];
    a.total += Number(r.total ?? 0);
    a.successful += Number(r.successful ?? 0);
    a.failed += Number(r.failed ?? 0);
    a.n += Number(r.n_duration ?? 0);
    a.sum += Number(r.sum_duration ?? 0);
  };
  noteSkippedDurations(db, rows);
  let timeless = 0;
  for (const r of rows) {
    if (Object.hasOwn(r, 'i')) {
      add(Number(r.i) - 1, r);
      continue;
    }
    // a created_at that is no time (SQLite keeps any text) has no bucket
    if (r.k === null || r.k === undefined || !Number.isFinite(Number(r.k))) {
      timeless += Number(r.total);
      continue;
    }
    const t = Number(r.k) * fineSeconds(interval, tz) * 1000;
    add(Math.max(0, upperBound(starts, t) - 1), r);
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

/** the most buckets counted one range each (the statement carries two bounds a bucket) */
export const RANGED_BUCKETS_MAX = 2000;

/**
 * The fewest rows a bucket should hold on average for the ranges to pay:
 * each range is a lookup of its own (PostgreSQL: about 12 µs) and saves
 * about 0.16 µs a row (1M rows in time order: 168 hourly buckets of 460
 * rows, 25 → 15 ms; 1,440 minutes of 7.5 rows, 6 → 20 ms).
 */
export const RANGED_ROWS_PER_BUCKET = 100;

/**
 * Whether the ranges are the cheaper read. Each range walks an index, so the
 * rows of a bucket must lie together — in the report index (it holds them)
 * or in a table in time order: out of time order every range reads pages all
 * over the table again (1M rows, 168 hourly buckets: 190 → 440 ms; 92 daily
 * buckets over the whole table: 0.47 → 3.9 s). The buckets must be full
 * enough (RANGED_ROWS_PER_BUCKET) and the window less than a third of the
 * table, both judged from the table's extent.
 */
async function rangesFit(db: Db, window: Window, buckets: number): Promise<boolean> {
  const extent = await tableExtent(db);
  if (!extent || (!db.ownIndexes.has('report') && !extent.inTimeOrder)) return false;
  // the window's rows, the table's spread evenly over its span (windowShare, as SQLite's plan judges them)
  const share = windowShare(extent, window.since);
  if (share === null) return false;
  // a window of a third of the table or more is read whole at least as fast, and from disk in one sweep
  // (10M rows, 92 days by day, warm: ranges 3.4–3.5 s, one pass 3.0–3.5 s; cold, the ranges took 8–32 s)
  return extent.rows * share >= buckets * RANGED_ROWS_PER_BUCKET && share < SCAN_SHARE_IN_TIME_ORDER;
}

/** The table's extent (the dialect's), read once a minute per database: a request's own catalog reads cost more than its statement saves */
const EXTENT_TTL_MS = 60_000;
/** by database and table (a server's requests each have a Db of their own over the same connections) */
const extents = new Map<string, { at: number; extent: TableExtent | null }>();
const extentKey = (db: Db) => `${db.target.display}\u0000${db.table}`;

/** Reads the table's extent again at the next timeline (after its rows were rewritten, say). */
export function forgetTableExtent(db: Db): void {
  extents.delete(extentKey(db));
}

async function tableExtent(db: Db): Promise<TableExtent | null> {
  const key = extentKey(db);
  const known = extents.get(key);
  if (known && Date.now() - known.at < EXTENT_TTL_MS) return known.extent;
  const extent = (await db.dialect.tableExtent?.(db, db.table)) ?? null;
  if (extents.size >= 64) extents.clear();
  extents.set(key, { at: Date.now(), extent });
  return extent;
}

/**
 * The window's rows grouped by a key computed from created_at at the fine
 * granularity (whole UTC minutes, quarters or the interval itself), merged
 * into the zone's buckets by the caller: one pass over the window.
 */
async function keyedCounts(db: Db, window: Window, interval: Interval, tz: string, plan: WindowPlan, sums: string, condition?: Condition | null): Promise<Record<string, unknown>[]> {
  const d = db.dialect;
  const where = [windowTerm(db, plan)];
  const bindings: unknown[] = [d.encodeTime(window.since)];
  if (condition) {
    where.push(`(${condition.sql})`);
    bindings.push(...condition.bindings);
  }
  const key = d.intDivSql(d.epochSecondsSql(d.quote('created_at')), String(fineSeconds(interval, tz)));
  return db.query<Record<string, unknown>>(`SELECT ${key} AS k, ${sums} FROM ${windowSource(db, plan)} WHERE ${where.join(' AND ')} GROUP BY ${key}`, bindings);
}

/**
 * One created_at range per bucket, each counted by itself: the first from the
 * window's start, the last with no end (as the keyed pass puts later rows in
 * the last bucket). No key is computed from a row and nothing is hashed
 * (PostgreSQL, 1M rows in time order, 168 hourly buckets: 25 → 15 ms).
 */
async function rangedCounts(db: Db, window: Window, starts: number[], sums: string, condition?: Condition | null): Promise<Record<string, unknown>[]> {
  const d = db.dialect;
  const col = d.quote('created_at');
  const lo = starts.map((s, i) => d.encodeTime(i === 0 ? window.since : instantFromMs(s)));
  const hi = starts.map((_, i) => (i + 1 < starts.length ? d.encodeTime(instantFromMs(starts[i + 1])) : null));
  const where = [`${col} >= b.lo`, `${col} < b.hi`, ...(condition ? [`(${condition.sql})`] : [])];
  return db.query<Record<string, unknown>>(`SELECT b.i AS i, a.* FROM ${d.bucketRangesSql!()} CROSS JOIN LATERAL (SELECT ${sums} FROM ${d.quote(db.table)} WHERE ${where.join(' AND ')}) a`,
    [lo, hi, ...(condition?.bindings ?? [])],
  );
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
