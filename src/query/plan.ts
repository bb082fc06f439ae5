/**
 * The plan of a read of a created_at window, chosen by the window's share of
 * the table where the database cannot judge it itself (SQLite: without
 * statistics it walks the created_at index for any bound, one row lookup per
 * row of the window). The share is estimated from the table's created_at
 * range, assuming rows spread evenly over it: cheap (the ends of an index and
 * a few rowid lookups), never a count of the window.
 *
 * Where each plan wins, measured on 1,000,000 demo rows over 90 days (the
 * stats query, CPU time, `bench/explain.mjs`): a table in time order (rows
 * appended as created, so the index walk reads the table's pages in order)
 * scans faster from about a third of the table; a table out of time order
 * (filled by an import or by several workers: each lookup lands on another
 * page) from about a tenth.
 */
import { decodeTime, isoToMs, type Instant } from '../core/time.js';
import type { Db } from '../db/connect.js';
import type { TableExtent, WindowPlan } from '../db/dialect/types.js';

export type { WindowPlan };

export const SCAN_SHARE_IN_TIME_ORDER = 0.3;
export const SCAN_SHARE_OUT_OF_ORDER = 0.1;

export interface PlanChoice {
  plan: WindowPlan;
  /** the estimated share of the table's rows in the window (null: not estimated) */
  share: number | null;
  /** the estimated rows of the table (null: not estimated) */
  rows: number | null;
  why: string;
}

/** The share of the table's rows created at or after `since`, assuming they spread evenly between the first and last. */
export function windowShare(extent: TableExtent, since: Instant): number | null {
  const first = decodeTime(extent.first);
  const last = decodeTime(extent.last);
  if (first === null || last === null) return null;
  const [a, b] = [isoToMs(first), isoToMs(last)];
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  if (since.ms <= a) return 1;
  if (since.ms > b) return 0;
  return b > a ? (b - since.ms) / (b - a) : 1;
}

export function planFor(extent: TableExtent | null, since: Instant): PlanChoice {
  if (!extent) return { plan: 'index', share: null, rows: null, why: 'empty table' };
  const share = windowShare(extent, since);
  if (share === null) return { plan: 'index', share, rows: extent.rows, why: 'created_at range unknown' };
  const limit = extent.inTimeOrder ? SCAN_SHARE_IN_TIME_ORDER : SCAN_SHARE_OUT_OF_ORDER;
  const order = extent.inTimeOrder ? 'in time order' : 'out of time order';
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return share >= limit
    ? { plan: 'scan', share, rows: extent.rows, why: `window ≈ ${pct(share)} of ${extent.rows} rows (${order}): scan from ${pct(limit)}` }
    : { plan: 'index', share, rows: extent.rows, why: `window ≈ ${pct(share)} of ${extent.rows} rows (${order}): index below ${pct(limit)}` };
}

/** The plan for a window starting at `since`; 'index' (the database's own choice) where the dialect has no choice to make. */
export async function chooseWindowPlan(db: Db, since: Instant): Promise<PlanChoice> {
  const d = db.dialect;
  if (!d.tableExtent || !d.windowColumnSql) return { plan: 'index', share: null, rows: null, why: "the database's planner chooses" };
  // where the queries name the report index, look again (one catalog row): a long-running server must not name one dropped since
  if (d.reportIndexHint) db.ownIndexes = await d.ownIndexes.present(db, db.table);
  // the covering index holds every column a window report reads: walking it reads no row of the table
  if (db.ownIndexes.has('report')) return { plan: 'index', share: null, rows: null, why: 'the report index covers the window (migrate --report-index)' };
  return planFor(await d.tableExtent(db, db.table), since);
}

/**
 * The task table as a window read names it: on SQLite, with the report
 * index and the index plan, pinned to the report index — SQLite 3.53 (not
 * 3.40) rather walks Django's created_at index and looks up each row (1M rows
 * out of time order, stats over 168 h: 2.1 s against 0.04 s reading the
 * covering index alone).
 */
export function windowSource(db: Db, plan: WindowPlan): string {
  const d = db.dialect;
  const table = d.quote(db.table);
  return plan === 'index' && db.ownIndexes.has('report') && d.reportIndexHint ? `${table}${d.reportIndexHint(db.table)}` : table;
}

/** `created_at >= ?` for a plan (its binding: the dialect's encoding of the window's start). */
export function windowTerm(db: Db, plan: WindowPlan): string {
  const d = db.dialect;
  const col = d.quote('created_at');
  return `${d.windowColumnSql ? d.windowColumnSql(col, plan) : col} >= ?`;
}
