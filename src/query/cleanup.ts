/**
 * Retention: delete rows created before a cutoff, in batches of ids, each
 * batch its own short statement, the condition re-checked at delete time so
 * a row newer than the cutoff is never deleted, even one that arrives or
 * changes mid-run.
 */
import { type Db, type Sql } from '../db/connect.js';
import { addMs, instantFromDate, parseInstant, toIso, type Instant } from '../core/time.js';
import { decodeRow, type TaskLogRow } from '../db/decode.js';
import { countsLargestFirst } from './sort.js';
import { groupSql } from './status.js';
import type { Condition } from './conditions.js';

export interface CleanupPlan {
  cutoff: Instant;
  /** failed rows are kept until this older cutoff (--keep-failed-days) */
  failedCutoff?: Instant;
  /** only the rows the filters hold for (filterCondition) */
  condition?: Condition | null;
}

export function planCleanup(now: Date, days: number, keepFailedDays?: number, condition?: Condition | null): CleanupPlan {
  const n = instantFromDate(now);
  return {
    cutoff: addMs(n, -days * 86_400_000),
    failedCutoff: keepFailedDays === undefined ? undefined : addMs(n, -keepFailedDays * 86_400_000),
    condition,
  };
}

/** The WHERE condition of the rows the plan deletes, with its bindings. */
export function cleanupCondition(db: Db, plan: CleanupPlan): { sql: string; bindings: unknown[] } {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const parts = [`${q('created_at')} < ?`];
  const bindings: unknown[] = [d.encodeTime(plan.cutoff)];
  if (plan.condition) {
    parts.push(`(${plan.condition.sql})`);
    bindings.push(...plan.condition.bindings);
  }
  if (plan.failedCutoff) {
    parts.push(`(NOT ${groupSql('failed', d)} OR ${q('created_at')} < ?)`);
    bindings.push(d.encodeTime(plan.failedCutoff));
  }
  return { sql: parts.join(' AND '), bindings };
}

export interface Candidates {
  byStatus: Record<string, number>;
  total: number;
  /** lowest and highest id of the matching rows (null when none) */
  minId: number | null;
  maxId: number | null;
}

/** One scan: how many rows match, by status, and the id range they lie in. */
export async function findCandidates(db: Db, plan: CleanupPlan): Promise<Candidates> {
  const { sql, bindings } = cleanupCondition(db, plan);
  const q = (c: string) => db.dialect.quote(c);
  const rows = await db.query<{ status: string; n: unknown; lo: unknown; hi: unknown }>(`SELECT ${q('status')} AS status, COUNT(*) AS n, MIN(${q('id')}) AS lo, MAX(${q('id')}) AS hi FROM ${q(db.table)} WHERE ${sql} GROUP BY ${q('status')}`,
    bindings,
  );
  return {
    byStatus: countsLargestFirst(rows.map((r) => [r.status, Number(r.n)])),
    total: rows.reduce((s, r) => s + Number(r.n), 0),
    minId: rows.length ? Math.min(...rows.map((r) => Number(r.lo))) : null,
    maxId: rows.length ? Math.max(...rows.map((r) => Number(r.hi))) : null,
  };
}

export interface BatchResult {
  deleted: number;
  /** the longest a batch's DELETE (its write transaction) took, ms */
  longestBatchMs: number;
  interrupted: boolean;
}

/** A batched delete: what it deletes, the id range found at the start, the batch size, progress and when to stop. */
export interface BatchRun {
  plan: CleanupPlan;
  candidates: Pick<Candidates, 'minId' | 'maxId'>;
  batchSize: number;
  onBatch: (deletedSoFar: number) => void;
  stop: () => boolean;
}

/** One batch of a walk: the rows the plan deletes with ids in (lastId, upper]. */
interface Batch {
  /** the table, quoted */
  table: string;
  /** `id > ? AND id <= ? AND` the plan's condition, with its bindings */
  where: string;
  params: unknown[];
  /** the plan's condition alone */
  condition: { sql: string; bindings: unknown[] };
}

/**
 * Deletes batch after batch, each one short DELETE over the next `batchSize`
 * ids between the lowest and highest matching id (found once, at the start),
 * the condition checked on every row. Stops between batches when `stop()`.
 */
export async function deleteInBatches(db: Db, run: BatchRun): Promise<BatchResult> {
  // One connection for the whole run, its commits not waiting for the disk where that is safe.
  return db.session(async (conn) => {
    for (const s of db.dialect.relaxedCommitSql()) await conn.exec(s);
    // A batch is one DELETE over the next batch-size ids: a range scan of the primary key,
    // at most batch-size rows, the condition checked on each.
    return walkIds(conn, db, run, (b) => conn.exec(`DELETE FROM ${b.table} WHERE ${b.where}`, b.params));
  });
}

/**
 * The ids between the lowest and highest matching id (found once, at the
 * start), batch after batch of `batchSize`: `deleteBatch` deletes in one
 * batch and says how many rows it deleted. Stops between batches when
 * `stop()`.
 */
async function walkIds(conn: Sql, db: Db, { plan, candidates, batchSize, onBatch, stop }: BatchRun, deleteBatch: (batch: Batch) => Promise<number>): Promise<BatchResult> {
  const condition = cleanupCondition(db, plan);
  const { sql, bindings } = condition;
  const q = (c: string) => db.dialect.quote(c);
  const table = q(db.table);
  let lastId = 0;
  let deleted = 0;
  let longest = 0;
  const nextMatching = async (above: number): Promise<number | null> => {
    const [r] = await conn.query<{ v: unknown }>(`SELECT MIN(${q('id')}) AS v FROM ${table} WHERE ${sql} AND ${q('id')} > ?`, [...bindings, above]);
    return r?.v === null || r?.v === undefined ? null : Number(r.v);
  };
  // Rows that matched at the start lie between these ids; newer rows never match.
  const { minId, maxId } = candidates;
  if (minId === null || maxId === null) return { deleted, longestBatchMs: longest, interrupted: false };
  lastId = minId - 1;
  while (lastId < maxId) {
    // Let the event loop run between batches: a synchronous driver (better-sqlite3) would
    // otherwise never give a Ctrl-C handler the chance to run until everything is deleted.
    await new Promise((resolve) => setImmediate(resolve));
    if (stop()) return { deleted, longestBatchMs: longest, interrupted: true };
    const upper = Math.min(lastId + batchSize, maxId);
    const started = performance.now();
    const n = await deleteBatch({ table, where: `${q('id')} > ? AND ${q('id')} <= ? AND ${sql}`, params: [lastId, upper, ...bindings], condition });
    longest = Math.max(longest, performance.now() - started);
    deleted += n;
    lastId = upper;
    if (n > 0) onBatch(deleted);
    else {
      // a gap in the ids (or rows that stay): jump to the next matching id
      const next = await nextMatching(lastId);
      if (next === null) break;
      lastId = next - 1;
    }
  }
  return { deleted, longestBatchMs: longest, interrupted: false };
}

export function cutoffIso(plan: CleanupPlan): string {
  return toIso(plan.cutoff);
}

/** Which of these rows' current versions the archive holds (their ids). */
export interface ArchiveCheck {
  archived(rows: TaskLogRow[]): Promise<Set<number>>;
}

/**
 * cleanup --archived: batch after batch as deleteInBatches, each in a
 * transaction that reads the batch's matching rows (locking them where the
 * database can), asks the archive which of them it holds in their current
 * version, and deletes only those — and only if each is still the version
 * read (its updated_at unchanged). `kept` counts the rows left for not
 * being archived (yet).
 */
export async function deleteArchivedInBatches(db: Db, archive: ArchiveCheck, run: BatchRun): Promise<BatchResult & { kept: number }> {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  let kept = 0;
  // each batch takes a connection for its transaction (SQLite has one): the walk itself holds none
  const result = await walkIds(db, db, run, (b) =>
    db.transaction(async (tx) => {
      const rows = (await tx.query(`SELECT * FROM ${b.table} WHERE ${b.where}${d.lockingRead}`, b.params)).map(decodeRow);
      if (rows.length === 0) return 0;
      const ids = await archive.archived(rows);
      const gone = rows.filter((r) => ids.has(r.id));
      kept += rows.length - gone.length;
      if (gone.length === 0) return 0;
      const versions = gone.map(() => '(?, ?)').join(', ');
      const versionBindings = gone.flatMap((r) => [r.id, d.encodeTime(parseInstant(r.updated_at!)!)]);
      return tx.exec(
        `DELETE FROM ${b.table} WHERE ${q('id')} IN (${gone.map(() => '?').join(', ')}) AND (${q('id')}, ${q('updated_at')}) IN (${versions}) AND ${b.condition.sql}`,
        [...gone.map((r) => r.id), ...versionBindings, ...b.condition.bindings],
      );
    }),
  );
  return { ...result, kept };
}
