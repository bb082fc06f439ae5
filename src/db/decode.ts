/**
 * Row decoding, in one place for every command: whatever the driver hands
 * back, a task log row leaves here with ISO 8601 UTC times (microseconds
 * kept), JSON values, true/false/null booleans and numbers.
 */
import { decodeJson } from './json.js';
import type { TaskLogColumns } from './schema.js';
import { decodeTime } from '../core/time.js';

/** A row as every command sees it: ISO 8601 UTC times (null where the database has none). */
export interface TaskLogRow extends TaskLogColumns<string | null> {
  id: number;
  /** from the user table when it exists */
  username?: string | null;
  email?: string | null;
}

export function decodeBool(value: unknown): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0;
  if (Buffer.isBuffer(value)) return value.length > 0 && value[0] !== 0;
  const s = String(value).trim().toLowerCase();
  if (s === '' ) return null;
  return !(s === '0' || s === 'f' || s === 'false');
}

export function decodeInt(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A text column's value as text: SQLite may hand back a number or a blob from any column. */
export function decodeText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

export function decodeRow(raw: Record<string, unknown>): TaskLogRow {
  const row: TaskLogRow = {
    id: decodeInt(raw.id) ?? 0,
    job_id: decodeText(raw.job_id) ?? '',
    task_name: decodeText(raw.task_name) ?? '',
    queue_name: decodeText(raw.queue_name) ?? '',
    args: decodeJson(raw.args),
    kwargs: decodeJson(raw.kwargs),
    status: decodeText(raw.status) ?? '',
    duration_ms: decodeInt(raw.duration_ms),
    job_retry: decodeInt(raw.job_retry) ?? 0,
    job_retries: decodeInt(raw.job_retries) ?? 0,
    job_retry_after: decodeInt(raw.job_retry_after) ?? 0,
    success: decodeBool(raw.success),
    result: decodeText(raw.result),
    error_message: decodeText(raw.error_message),
    worker_id: decodeText(raw.worker_id),
    enqueue_time: decodeTime(raw.enqueue_time),
    expire_time: decodeTime(raw.expire_time),
    start_time: decodeTime(raw.start_time),
    finish_time: decodeTime(raw.finish_time),
    created_at: decodeTime(raw.created_at),
    updated_at: decodeTime(raw.updated_at),
    user_id: decodeInt(raw.user_id),
  };
  if ('username' in raw) row.username = decodeText(raw.username);
  if ('email' in raw) row.email = decodeText(raw.email);
  return row;
}

/** decodeRow of a row of values in the order of `columns` (LogReader.streamRaw's batches). */
export function decodeRawRow(columns: readonly string[], values: readonly unknown[]): TaskLogRow {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) raw[columns[i]] = values[i];
  return decodeRow(raw);
}
