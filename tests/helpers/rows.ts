/** Rows the tests write by hand. */
import type { WritableRow } from '../../src/db/insert.js';

const H = 3_600_000_000;

/** A finished row two hours before `nowUs` (microseconds), with `over` changed: the start of an edge case. */
export function edgeRow(nowUs: number, job_id: string, over: Partial<WritableRow>): WritableRow {
  return {
    job_id, task_name: 'edge.task', queue_name: 'default', args: [], kwargs: {}, status: 'success', duration_ms: 10,
    job_retry: 3, job_retries: 0, job_retry_after: 60, success: true, result: null, error_message: null, worker_id: null,
    enqueue_time: nowUs - 2 * H, expire_time: null, start_time: nowUs - 2 * H, finish_time: nowUs - 2 * H + 10_000,
    created_at: nowUs - 2 * H, updated_at: nowUs - 2 * H, user_id: null, ...over,
  };
}
