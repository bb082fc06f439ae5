/**
 * Retention: delete rows created before a cutoff, in batches of ids, each
 * batch its own short statement, the condition re-checked at delete time so
 * a row newer than the cutoff is never deleted, even one that arrives or
 * changes mid-run.
 */
import type { Knex } from 'knex';
import { selectRows, type Db } from '../db/connect.js';
import { addMs, instantFromDate, toIso, type Instant } from '../db/time.js';
import { groupSql } from './status.js';

export interface CleanupPlan {
  cutoff: Instant;
  /** failed rows are kept until this older cutoff (--keep-failed-days) */
  failedCutoff?: Instant;
  statuses?: string[];
}

export function planCleanup(now: Date, days: number, keepFailedDays?: number, statuses?: string[]): CleanupPlan {
  const n = instantFromDate(now);
  return {
    cutoff: addMs(n, -days * 86_400_000),
    failedCutoff: keepFailedDays === undefined ? undefined : addMs(n, -keepFailedDays * 86_400_000),
    statuses,
  };
}

/** The WHERE condition of the rows the plan deletes, with its bindings. */
export function cleanupCondition(db: Db, plan: CleanupPlan): { sql: string; bindings: Knex.Value[] } {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const parts = [`${q('created_at')} < ?`];
  const bindings: Knex.Value[] = [d.encodeTime(plan.cutoff)];
  if (plan.statuses?.length) {
    parts.push(`${q('status')} IN (${plan.statuses.map(() => '?').join(', ')})`);
    bindings.push(...plan.statuses);
  }
  if (plan.failedCutoff) {
    parts.push(`(NOT ${groupSql('failed', d)} OR ${q('created_at')} < ?)`);
    bindings.push(d.encodeTime(plan.failedCutoff));
  }
  return { sql: parts.join(' AND '), bindings };
}

export async function countByStatus(db: Db, plan: CleanupPlan): Promise<Record<string, number>> {
  const { sql, bindings } = cleanupCondition(db, plan);
  const q = (c: string) => db.dialect.quote(c);
  const rows = await selectRows<{ status: string; n: unknown }>(
    db,
    `SELECT ${q('status')} AS status, COUNT(*) AS n FROM ${q(db.table)} WHERE ${sql} GROUP BY ${q('status')}`,
    bindings,
  );
  const out: Record<string, number> = {};
  for (const r of rows.sort((a, b) => Number(b.n) - Number(a.n) || (a.status < b.status ? -1 : 1))) out[r.status] = Number(r.n);
  return out;
}

export interface BatchResult {
  deleted: number;
  /** the longest a batch's statement took, ms */
  longestBatchMs: number;
  interrupted: boolean;
}

/**
 * Deletes batch after batch: the next `batchSize` matching ids above the last
 * one seen (the primary key index walks them), then DELETE of exactly those
 * ids with the condition checked again. Stops between batches when `stop()`.
 */
export async function deleteInBatches(
  db: Db,
  plan: CleanupPlan,
  batchSize: number,
  onBatch: (deletedSoFar: number) => void,
  stop: () => boolean,
): Promise<BatchResult> {
  const { sql, bindings } = cleanupCondition(db, plan);
  const q = (c: string) => db.dialect.quote(c);
  const table = q(db.table);
  let lastId = 0;
  let deleted = 0;
  let longest = 0;
  for (;;) {
    // Let the event loop run between batches: a synchronous driver (better-sqlite3) would
    // otherwise never give a Ctrl-C handler the chance to run until everything is deleted.
    await new Promise((resolve) => setImmediate(resolve));
    if (stop()) return { deleted, longestBatchMs: longest, interrupted: true };
    const ids = (
      await selectRows<{ id: unknown }>(db, `SELECT ${q('id')} AS id FROM ${table} WHERE ${sql} AND ${q('id')} > ? ORDER BY ${q('id')} LIMIT ?`, [
        ...bindings,
        lastId,
        batchSize,
      ])
    ).map((r) => Number(r.id));
    if (ids.length === 0) return { deleted, longestBatchMs: longest, interrupted: false };
    lastId = ids[ids.length - 1];
    const started = performance.now();
    const result = await db.knex.raw(`DELETE FROM ${table} WHERE ${q('id')} IN (${ids.map(() => '?').join(', ')}) AND ${sql}`, [...ids, ...bindings]);
    longest = Math.max(longest, performance.now() - started);
    deleted += affectedRows(db, result);
    onBatch(deleted);
  }
}

function affectedRows(db: Db, result: unknown): number {
  switch (db.dialect.backend) {
    case 'postgres':
      return (result as { rowCount: number }).rowCount;
    case 'mysql':
      return (result as [{ affectedRows: number }])[0].affectedRows;
    default:
      return (result as { changes: number }).changes;
  }
}

export function cutoffIso(plan: CleanupPlan): string {
  return toIso(plan.cutoff);
}
