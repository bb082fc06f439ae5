/**
 * The shapes rows leave tasklog in, as django-cfg's API serializes them: the
 * list fields, and the detail fields (list fields plus the rest).
 */
import type { TaskLogRow } from '../db/decode.js';
import { pyRound } from './round.js';
import { statusDisplay } from './status.js';

/** The decoded row the readers return and the views draw. */
export type { TaskLogRow };

export const LIST_FIELDS = [
  'id',
  'job_id',
  'task_name',
  'queue_name',
  'status',
  'status_display',
  'success',
  'job_retries',
  'duration_ms',
  'enqueue_time',
  'start_time',
  'finish_time',
] as const;

export const DETAIL_FIELDS = [
  'id',
  'job_id',
  'task_name',
  'queue_name',
  'status',
  'status_display',
  'success',
  'args',
  'kwargs',
  'result',
  'error_message',
  'duration_ms',
  'duration_seconds',
  'job_retry',
  'job_retries',
  'job_retry_after',
  'worker_id',
  'enqueue_time',
  'expire_time',
  'start_time',
  'finish_time',
  'created_at',
  'updated_at',
  'user',
  'user_display',
] as const;

export type DetailField = (typeof DETAIL_FIELDS)[number];
export type Detail = Record<DetailField, unknown>;

/** The columns of the task table each field is made from; user_display also needs the user table. */
const SOURCES: Record<DetailField, readonly string[]> = {
  id: ['id'],
  job_id: ['job_id'],
  task_name: ['task_name'],
  queue_name: ['queue_name'],
  status: ['status'],
  status_display: ['status'],
  success: ['success'],
  args: ['args'],
  kwargs: ['kwargs'],
  result: ['result'],
  error_message: ['error_message'],
  duration_ms: ['duration_ms'],
  duration_seconds: ['duration_ms'],
  job_retry: ['job_retry'],
  job_retries: ['job_retries'],
  job_retry_after: ['job_retry_after'],
  worker_id: ['worker_id'],
  enqueue_time: ['enqueue_time'],
  expire_time: ['expire_time'],
  start_time: ['start_time'],
  finish_time: ['finish_time'],
  created_at: ['created_at'],
  updated_at: ['updated_at'],
  user: ['user_id'],
  user_display: ['user_id'],
};

/** What an export of these fields reads: the table's columns, and whether the user table is joined. */
export interface ColumnSelection {
  columns: string[];
  user: boolean;
}

export function columnsFor(fields: readonly string[]): ColumnSelection {
  const columns = new Set<string>();
  for (const f of fields) for (const c of SOURCES[f as DetailField] ?? []) columns.add(c);
  return { columns: [...columns], user: fields.includes('user_display') };
}

/** "admin (admin@example.com)", as django-cfg's serializer shows a user. */
export function userDisplay(row: TaskLogRow): string | null {
  if (row.user_id === null) return null;
  if (row.username === undefined || row.username === null) return null;
  return displayUser(row.username, row.email ?? null);
}

export function displayUser(username: string, email: string | null): string {
  return email ? `${username} (${email})` : username;
}

export function toDetail(row: TaskLogRow): Detail {
  return {
    id: row.id,
    job_id: row.job_id,
    task_name: row.task_name,
    queue_name: row.queue_name,
    status: row.status,
    status_display: statusDisplay(row.status),
    success: row.success,
    args: row.args,
    kwargs: row.kwargs,
    result: row.result,
    error_message: row.error_message,
    duration_ms: row.duration_ms,
    // the serializer's round(duration_ms / 1000, 2): Python rounds the double's exact value (605 → 0.6)
    duration_seconds: row.duration_ms === null ? null : pyRound(row.duration_ms / 1000, 2),
    job_retry: row.job_retry,
    job_retries: row.job_retries,
    job_retry_after: row.job_retry_after,
    worker_id: row.worker_id,
    enqueue_time: row.enqueue_time,
    expire_time: row.expire_time,
    start_time: row.start_time,
    finish_time: row.finish_time,
    created_at: row.created_at,
    updated_at: row.updated_at,
    user: row.user_id,
    user_display: userDisplay(row),
  };
}

export function pick(detail: Detail, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = detail[f as DetailField];
  return out;
}

export function toListItem(row: TaskLogRow): Record<string, unknown> {
  return pick(toDetail(row), LIST_FIELDS);
}

