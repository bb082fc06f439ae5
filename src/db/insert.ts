/**
 * Writing task log rows: values encoded for the dialect (Django's formats),
 * inserted in multi-row batches inside one transaction.
 */
import type { Db, Sql } from './connect.js';
import type { Dialect } from './dialect/types.js';
import type { TaskLogColumns } from './schema.js';
import { instantFromMicros, type Instant } from '../core/time.js';

/** A row to write; times are microseconds since the epoch. */
export type WritableRow = TaskLogColumns<number>;

/**
 * A row encodeRow takes: times as microseconds since the epoch or as an
 * Instant (exact over the whole range of years, where a double of
 * microseconds is exact only within about 285 years of 1970).
 */
export type EncodableRow = TaskLogColumns<number | Instant>;

export { instantFromMicros };

function time(dialect: Dialect, t: number | Instant | null): string | number | null {
  if (t === null) return null;
  return dialect.encodeTime(typeof t === 'number' ? instantFromMicros(t) : t);
}

export function encodeRow(dialect: Dialect, row: EncodableRow): Record<string, unknown> {
  return {
    job_id: row.job_id,
    task_name: row.task_name,
    queue_name: row.queue_name,
    args: dialect.encodeJson(row.args),
    kwargs: dialect.encodeJson(row.kwargs),
    status: row.status,
    duration_ms: row.duration_ms,
    job_retry: row.job_retry,
    job_retries: row.job_retries,
    job_retry_after: row.job_retry_after,
    success: dialect.encodeBool(row.success),
    result: row.result,
    error_message: row.error_message,
    worker_id: row.worker_id,
    enqueue_time: time(dialect, row.enqueue_time),
    expire_time: time(dialect, row.expire_time),
    start_time: time(dialect, row.start_time),
    finish_time: time(dialect, row.finish_time),
    created_at: time(dialect, row.created_at),
    updated_at: time(dialect, row.updated_at),
    user_id: row.user_id,
  };
}

/** Rows per INSERT (the dialect knows its limit on bound values). */
export function batchSize(dialect: Dialect): number {
  return dialect.insertBatchRows;
}

/** One multi-row INSERT of records that all have the same keys (the columns). */
export async function insertRecords(sql: Sql, dialect: Dialect, table: string, records: Record<string, unknown>[]): Promise<number> {
  if (records.length === 0) return 0;
  const columns = Object.keys(records[0]);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const bindings: unknown[] = [];
  for (const r of records) for (const c of columns) bindings.push(r[c] ?? null);
  const text = `INSERT INTO ${dialect.quote(table)} (${columns.map((c) => dialect.quote(c)).join(', ')}) VALUES ${records.map(() => tuple).join(', ')}`;
  await sql.exec(text, bindings);
  return records.length;
}

/** Inserts rows in multi-row batches, in one transaction (the given one, or a new one). */
export async function insertRows(db: Db, rows: Iterable<WritableRow>, onProgress?: (done: number) => void, tx?: Sql): Promise<number> {
  const run = async (t: Sql) => {
    const size = batchSize(db.dialect);
    let batch: Record<string, unknown>[] = [];
    let done = 0;
    for (const row of rows) {
      batch.push(encodeRow(db.dialect, row));
      if (batch.length >= size) {
        done += await insertRecords(t, db.dialect, db.table, batch);
        batch = [];
        onProgress?.(done);
      }
    }
    if (batch.length > 0) {
      done += await insertRecords(t, db.dialect, db.table, batch);
      onProgress?.(done);
    }
    return done;
  };
  return tx ? run(tx) : db.transaction(run);
}
