/**
 * The SQL of one row condition, written once for the filter flags and the
 * --where language, so that a condition says the same thing — the same
 * statement, the same indexes — whichever way it was asked for.
 */
import type { Db } from '../db/connect.js';
import { SEARCH_COLUMNS } from '../db/schema.js';
import { groupSqlWith, type StatusGroup } from './status.js';

export interface FilterEnv {
  db: Db;
  now: Date;
  /** a quoted column of the task table (alias t, or the bare table in an aggregate) */
  col(c: string): string;
  /** a quoted column of the user table (alias u, or a lookup by user_id); only when the filter says needsUser */
  ucol(c: string): string;
  /** the rows are read in order, a page or batch at a time (not counted): planner hints may apply */
  ordered?: boolean;
}

/** Where a filter adds its condition (ANDed with the others); values travel as `?` bindings. */
export interface Where {
  and(sql: string, bindings?: readonly unknown[]): void;
}

/** A condition with its bindings. */
export interface Condition {
  sql: string;
  bindings: unknown[];
}

/**
 * A queue condition read in order: a task log has a handful of queues, so
 * one queue is never selective, and the planner does better walking an
 * index in the page's order (status, -enqueue_time …) than reading a whole
 * queue through the queue index and sorting it (SQLite chose the latter:
 * 0.15 s against 0.01 s for a page of failed rows of one queue in 1M).
 */
export function fewQueues(sql: string, e: FilterEnv): string {
  return e.ordered && e.db.dialect.unselective ? e.db.dialect.unselective(sql) : sql;
}

/** column = value (the queue through fewQueues) */
export function equalsSql(column: string, e: FilterEnv): string {
  const sql = `${e.col(column)} = ?`;
  return column === 'queue_name' ? fewQueues(sql, e) : sql;
}

/** column IN (values) (the queue through fewQueues) */
export function inSql(column: string, count: number, e: FilterEnv): string {
  const sql = `${e.col(column)} IN (${new Array(count).fill('?').join(', ')})`;
  return column === 'queue_name' ? fewQueues(sql, e) : sql;
}

/** A status group (status.ts) over the env's columns; never NULL, so NOT of it is the exact complement. */
export function statusGroupSql(group: StatusGroup, e: FilterEnv): string {
  return neverNull(groupSqlWith(group, e.db.dialect, (c) => e.col(c)), e);
}

/** "every other row": NOT of a condition that is never NULL, as the dialect writes it (ClickHouse 18.16's AND gives NULL for false AND NULL). */
export function negate(sql: string, e: FilterEnv): string {
  return e.db.dialect.negateSql ? e.db.dialect.negateSql(sql) : `NOT ${sql}`;
}

/** error_message is neither null nor empty; never NULL. */
export function hasErrorSql(e: FilterEnv): string {
  return neverNull(`(${e.col('error_message')} IS NOT NULL AND ${e.col('error_message')} <> '')`, e);
}

/** a condition standard SQL never makes NULL, kept so on every database (dialect's neverNullSql) */
function neverNull(sql: string, e: FilterEnv): string {
  return e.db.dialect.neverNullSql ? e.db.dialect.neverNullSql(sql) : sql;
}

/**
 * `column` holds `term`, case-insensitively over all of Unicode (the search's fold). On a column the search index
 * holds (`tasklog migrate --search-index`), the index's own condition for the term — every row whose indexed
 * columns hold it, a superset — goes first, for the planner to read the index by; the fold then decides, so the
 * rows are the same with or without the index. Only where the condition is not negated (`positive`): a NULL
 * column makes the fold NULL and the pair FALSE, which NOT would turn into a match.
 */
export function containsCondition(column: string, term: string, e: FilterEnv, positive = true): Condition {
  const d = e.db.dialect;
  const exact = d.foldContains(e.col(column), term);
  if (!positive || !e.db.ownIndexes?.has('search') || !(SEARCH_COLUMNS as readonly string[]).includes(column)) return exact;
  const index = d.indexedSearch?.(e.db.table, e.col, term, null);
  return index ? { sql: `(${index.sql} AND ${exact.sql})`, bindings: [...index.bindings, ...exact.bindings] } : exact;
}
