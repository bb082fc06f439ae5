/**
 * ReArq 0.2.9's tables as Tortoise ORM writes them (rearq_job,
 * rearq_job_results; `job` / `jobresult` before May 2022): the rows decoded
 * into one shape whatever the backend, and values encoded back in the
 * backend's own format (times, JSON, booleans) for filters and for writing.
 */
import { InvalidValue } from '../core/errors.js';
import { decodeTime, toDjangoText, toIso, toMysqlText, type Instant } from '../core/time.js';
import { decodeBool, decodeInt } from '../db/decode.js';
import { decodeJson } from '../db/json.js';
import type { Backend } from '../db/url.js';

export interface RearqTables {
  job: string;
  result: string;
}

export const DEFAULT_TABLES: RearqTables = { job: 'rearq_job', result: 'rearq_job_results' };

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;

/** `--rearq-tables job,jobresult`: the job table, then the result table. */
export function parseTables(raw: string): RearqTables {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length !== 2 || !parts.every((p) => IDENT.test(p))) {
    throw new InvalidValue('expects JOB_TABLE,RESULT_TABLE, e.g. rearq_job,rearq_job_results or job,jobresult');
  }
  return { job: parts[0], result: parts[1] };
}

export const JOB_COLUMNS = ['id', 'task', 'args', 'kwargs', 'job_retry', 'job_retries', 'job_retry_after', 'job_id', 'enqueue_time', 'expire_time', 'status'] as const;
export const RESULT_COLUMNS = ['id', 'worker', 'success', 'msg_id', 'result', 'start_time', 'finish_time', 'job_id'] as const;

/** A rearq_job row: times ISO 8601 UTC (microseconds kept), JSON parsed. */
export interface RearqJob {
  id: number;
  task: string;
  args: unknown;
  kwargs: unknown;
  job_retry: number;
  job_retries: number;
  job_retry_after: number;
  job_id: string;
  enqueue_time: string;
  expire_time: string | null;
  status: string;
}

/** A rearq_job_results row (one attempt); job_id is the job's integer id. */
export interface RearqResult {
  id: number;
  worker: string;
  success: boolean;
  msg_id: string;
  result: string | null;
  start_time: string | null;
  finish_time: string | null;
  job_id: number;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export function decodeJob(raw: Record<string, unknown>, prefix = ''): RearqJob {
  const g = (c: string) => raw[prefix + c];
  return {
    id: Number(g('id')),
    task: text(g('task')) ?? '',
    args: decodeJson(g('args')),
    kwargs: decodeJson(g('kwargs')),
    job_retry: decodeInt(g('job_retry')) ?? 0,
    job_retries: decodeInt(g('job_retries')) ?? 0,
    job_retry_after: decodeInt(g('job_retry_after')) ?? 0,
    job_id: text(g('job_id')) ?? '',
    enqueue_time: decodeTime(g('enqueue_time')) ?? '',
    expire_time: decodeTime(g('expire_time')),
    status: text(g('status')) ?? '',
  };
}

export function decodeResult(raw: Record<string, unknown>, prefix = ''): RearqResult {
  const g = (c: string) => raw[prefix + c];
  return {
    id: Number(g('id')),
    worker: text(g('worker')) ?? '',
    success: decodeBool(g('success')) === true,
    msg_id: text(g('msg_id')) ?? '',
    result: text(g('result')),
    start_time: decodeTime(g('start_time')),
    finish_time: decodeTime(g('finish_time')),
    job_id: Number(g('job_id')),
  };
}

/**
 * A time as the backend stores ReArq's: SQLite Python's isoformat with
 * +00:00 (the fraction left out when 0, so text order is time order),
 * PostgreSQL timestamptz, MySQL naive UTC datetime(6).
 */
export function encodeRearqTime(backend: Backend, t: Instant): string {
  if (backend === 'postgres') return toIso(t);
  if (backend === 'mysql') return toMysqlText(t);
  return toDjangoText(t) + '+00:00';
}

/** JSON as ReArq writes it on SQLite and MySQL: compact, every non-ASCII character a \uXXXX escape. */
export function rearqJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function encodeRearqJson(backend: Backend, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return backend === 'postgres' ? JSON.stringify(value) : rearqJson(value);
}
