/**
 * What ReArq's server does to jobs, done the same way: cancel (publish the
 * cancel message on rearq:channel and set status canceled, for queued,
 * deferred and in_progress jobs) and requeue (a new job with the same
 * task, args, kwargs and retry settings, XADDed to a queue stream; the
 * original row is never changed).
 */
import { randomUUID } from 'node:crypto';
import { instantFromDate, isoToMs } from '../core/time.js';
import { REARQ_OPEN_STATUSES } from '../query/status.js';
import type { RedisConn } from '../redis/client.js';
import { jobsByJobId, type RearqDb } from './read.js';
import { CHANNEL, queuesOfJobs, streamKey } from './redis.js';
import { encodeRearqJson, encodeRearqTime, type RearqJob } from './schema.js';
import { own } from '../core/own.js';

export interface CancelOutcome {
  canceled: { job_id: string; task: string; previous_status: string }[];
  refused: { job_id: string; status: string | null; reason: string }[];
}

/** ReArq's cancel message, as its server publishes it (Python's json.dumps). */
export function cancelMessage(job: RearqJob): string {
  return `{"type": "cancel_task", "task_name": ${JSON.stringify(job.task)}, "job_id": ${JSON.stringify(job.job_id)}}`;
}

export async function cancelJobs(rearq: RearqDb, redis: RedisConn, jobIds: readonly string[]): Promise<CancelOutcome> {
  const out: CancelOutcome = { canceled: [], refused: [] };
  const found = new Map((await jobsByJobId(rearq, [...new Set(jobIds)])).map((j) => [j.job_id, j]));
  const q = (c: string) => rearq.db.dialect.quote(c);
  for (const jobId of jobIds) {
    const job = found.get(jobId);
    if (!job) {
      out.refused.push({ job_id: jobId, status: null, reason: `job ${jobId}: no such job in ${rearq.tables.job}` });
      continue;
    }
    if (!(REARQ_OPEN_STATUSES as readonly string[]).includes(job.status)) {
      out.refused.push({ job_id: jobId, status: job.status, reason: `job ${jobId} is ${job.status}: only queued, deferred and in_progress jobs can be canceled` });
      continue;
    }
    // the status changes only if it is still cancelable; the message goes out before the commit, so a
    // failed publish leaves the row as it was
    const changed = await rearq.db.transaction(async (tx) => {
      const n = await tx.exec(
        `UPDATE ${q(rearq.tables.job)} SET ${q('status')} = 'canceled' WHERE ${q('job_id')} = ? AND ${q('status')} IN (${REARQ_OPEN_STATUSES.map(() => '?').join(', ')})`,
        [jobId, ...REARQ_OPEN_STATUSES],
      );
      if (n > 0) await redis.call('PUBLISH', CHANNEL, cancelMessage(job));
      return n > 0;
    });
    if (changed) out.canceled.push({ job_id: jobId, task: job.task, previous_status: job.status });
    else out.refused.push({ job_id: jobId, status: null, reason: `job ${jobId} changed status meanwhile: not canceled` });
  }
  return out;
}

export interface RequeuePlan {
  from: RearqJob;
  queue: string;
}

/** The queue each job goes back to: the stream it went through, else --queue, else the task's configured queue, else default. */
export async function planRequeue(redis: RedisConn, jobs: RearqJob[], queueFlag: string | undefined, queueMap: Record<string, string>): Promise<RequeuePlan[]> {
  const seen = await queuesOfJobs(redis, jobs.map((j) => ({ job_id: j.job_id, enqueue_ms: isoToMs(j.enqueue_time) })));
  return jobs.map((job) => ({ from: job, queue: seen.get(job.job_id) ?? queueFlag ?? own(queueMap, job.task) ?? 'default' }));
}

export interface Requeued {
  from: string;
  job_id: string;
  queue: string;
}

/**
 * Enqueues as ReArq's POST /job does: the row (status queued, a new uuid4
 * hex job_id, enqueue_time now), then XADD job_id to the stream. When the
 * XADD fails the new row is deleted again.
 */
export async function requeue(rearq: RearqDb, redis: RedisConn, plan: RequeuePlan, now: Date): Promise<Requeued> {
  const backend = rearq.db.dialect.backend;
  const q = (c: string) => rearq.db.dialect.quote(c);
  const jobId = randomUUID().replace(/-/g, '');
  const { from } = plan;
  const cols = ['task', 'args', 'kwargs', 'job_retry', 'job_retries', 'job_retry_after', 'job_id', 'enqueue_time', 'expire_time', 'status'];
  const values = [
    from.task,
    encodeRearqJson(backend, from.args),
    encodeRearqJson(backend, from.kwargs),
    from.job_retry,
    0,
    from.job_retry_after,
    jobId,
    encodeRearqTime(backend, instantFromDate(now)),
    null,
    'queued',
  ];
  await rearq.db.exec(`INSERT INTO ${q(rearq.tables.job)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, values);
  try {
    await redis.call('XADD', streamKey(plan.queue), '*', 'job_id', jobId);
  } catch (err) {
    await rearq.db.exec(`DELETE FROM ${q(rearq.tables.job)} WHERE ${q('job_id')} = ?`, [jobId]);
    throw err;
  }
  return { from: from.job_id, job_id: jobId, queue: plan.queue };
}
