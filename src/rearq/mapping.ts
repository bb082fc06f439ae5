/**
 * One ReArq job (with its attempts) as one TaskLog row — the mapping the
 * README states, in one place:
 *  - copied: job_id, task → task_name, status, job_retry, job_retries,
 *    job_retry_after, enqueue_time, expire_time; args/kwargs (NULL → [] / {});
 *  - the latest attempt (by start_time, then id) gives start_time,
 *    finish_time, worker_id, success, duration_ms (finish − start, whole ms,
 *    truncated); no attempt: success true for status success, false for
 *    failed, else NULL;
 *  - result: the latest attempt's text when it succeeded; error_message:
 *    when it failed, the message inside ReArq's wrapper;
 *  - created_at = enqueue_time; updated_at = the latest of enqueue, start
 *    and finish; user_id NULL; queue_name as the caller decides.
 */
import { parseInstant, type Instant } from '../core/time.js';
import type { TaskLogColumns } from '../db/schema.js';
import type { RearqJob, RearqResult } from './schema.js';

/** The TaskLog columns' lengths a ReArq value may exceed (ReArq allows 200). */
export const TASKLOG_MAX = { job_id: 100, worker_id: 100, task_name: 200 } as const;

const WRAPPER = /^Run job error(?: in NO\.\d+ times)?, exc: ([\s\S]*?)(?:, retry after \d+ seconds)?$/;

/** The exception message inside ReArq's failure text; the whole text trimmed when that leaves nothing. */
export function errorFromResult(text: string | null): string | null {
  if (text === null) return null;
  const m = WRAPPER.exec(text);
  if (m && m[1].trim() !== '') return m[1];
  return text.trim();
}

function instant(iso: string | null): Instant | null {
  return iso === null ? null : parseInstant(iso);
}

function later(a: Instant, b: Instant | null): Instant {
  if (b === null) return a;
  const sa = Math.floor(a.ms / 1000);
  const sb = Math.floor(b.ms / 1000);
  return sb > sa || (sb === sa && b.micros > a.micros) ? b : a;
}

/** Whole milliseconds from a to b, truncated toward zero (microsecond-exact). */
export function durationMs(a: Instant, b: Instant): number {
  const us = (Math.floor(b.ms / 1000) - Math.floor(a.ms / 1000)) * 1_000_000 + (b.micros - a.micros);
  return Math.trunc(us / 1000);
}

/** `attempts` in attempt order (compareAttempts): the last one is the latest. */
export function mapJob(job: RearqJob, attempts: readonly RearqResult[], queueName: string): TaskLogColumns<Instant> {
  const last = attempts.length ? attempts[attempts.length - 1] : null;
  const enqueue = instant(job.enqueue_time)!;
  const start = last ? instant(last.start_time) : null;
  const finish = last ? instant(last.finish_time) : null;
  const success = last ? last.success : job.status === 'success' ? true : job.status === 'failed' ? false : null;
  return {
    job_id: job.job_id,
    task_name: job.task,
    queue_name: queueName,
    args: job.args ?? [],
    kwargs: job.kwargs ?? {},
    status: job.status,
    duration_ms: start && finish ? durationMs(start, finish) : null,
    job_retry: job.job_retry,
    job_retries: job.job_retries,
    job_retry_after: job.job_retry_after,
    success,
    result: last && last.success ? last.result : null,
    error_message: last && !last.success ? errorFromResult(last.result) : null,
    worker_id: last ? last.worker : null,
    enqueue_time: enqueue,
    expire_time: instant(job.expire_time),
    start_time: start,
    finish_time: finish,
    created_at: enqueue,
    updated_at: later(later(enqueue, start), finish),
    user_id: null,
  };
}

/** Why a job cannot be a TaskLog row without truncating something, or null. */
export function tooLong(job: RearqJob, attempts: readonly RearqResult[]): string | null {
  if (job.job_id.length > TASKLOG_MAX.job_id) return `job_id is ${job.job_id.length} characters, the task log holds ${TASKLOG_MAX.job_id}`;
  if (job.task.length > TASKLOG_MAX.task_name) return `task is ${job.task.length} characters, the task log holds ${TASKLOG_MAX.task_name}`;
  const last = attempts[attempts.length - 1];
  if (last && last.worker.length > TASKLOG_MAX.worker_id) return `worker '${last.worker.slice(0, 40)}…' is ${last.worker.length} characters, the task log holds ${TASKLOG_MAX.worker_id}`;
  return null;
}
