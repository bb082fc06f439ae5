/**
 * What the read commands print, computed from ReArq's database and Redis:
 * a job with its attempts and place in Redis (show), workers, queues and
 * tasks. Each report works with whichever of the two it is given.
 */
import type { RedisConn } from '../redis/client.js';
import { durationMs, errorFromResult } from './mapping.js';
import { attemptsOf, findJob, type RearqDb } from './read.js';
import { delayedJobs, listQueues, locateJob, ONLINE_WITHIN_MS, queuesOfJobs, streamGroups, streamKey, taskSwitches, workerEntries, type GroupInfo, type JobPlace } from './redis.js';
import type { RearqJob } from './schema.js';
import { decodeTime, isoToMs, parseInstant } from '../core/time.js';
import { decodeBool } from '../db/decode.js';
import { REARQ_OPEN_STATUSES } from '../query/status.js';
import { own } from '../core/own.js';

export interface Attempt {
  id: number;
  worker: string;
  msg_id: string;
  start_time: string | null;
  finish_time: string | null;
  duration_ms: number | null;
  success: boolean;
  result: string | null;
  error: string | null;
}

export interface JobReport {
  job: RearqJob;
  attempts: Attempt[];
  /** the queue the job went through (Redis), else the configured one, else null */
  queue: string | null;
  redis: JobPlace | null;
}

export async function jobReport(rearq: RearqDb, redis: RedisConn | null, key: string, queueMap: Record<string, string>): Promise<JobReport | null> {
  const job = await findJob(rearq, key);
  if (!job) return null;
  const list = (await attemptsOf(rearq, [job.id])).get(job.id) ?? [];
  const attempts = list.map((r) => {
    const s = r.start_time ? parseInstant(r.start_time) : null;
    const f = r.finish_time ? parseInstant(r.finish_time) : null;
    return {
      id: r.id,
      worker: r.worker,
      msg_id: r.msg_id,
      start_time: r.start_time,
      finish_time: r.finish_time,
      duration_ms: s && f ? durationMs(s, f) : null,
      success: r.success,
      result: r.success ? r.result : null,
      error: r.success ? null : errorFromResult(r.result),
    };
  });
  const located = redis ? await locateJob(redis, job.job_id, isoToMs(job.enqueue_time)) : null;
  return { job, attempts, queue: located?.queue ?? own(queueMap, job.task) ?? null, redis: located?.place ?? null };
}

export interface WorkerRow {
  name: string;
  group: string | null;
  consumer: string | number | null;
  queue: string | null;
  is_timer: boolean;
  last_heartbeat: string | null;
  age_seconds: number | null;
  online: boolean;
  attempts: { success: number; failed: number } | null;
}

export async function workersReport(redis: RedisConn, rearq: RearqDb | null, now: Date): Promise<WorkerRow[]> {
  const entries = await workerEntries(redis);
  const counts = new Map<string, { success: number; failed: number }>();
  if (rearq) {
    const q = (c: string) => rearq.db.dialect.quote(c);
    const rows = await rearq.db.query<{ worker: string; success: unknown; n: unknown }>(
      `SELECT ${q('worker')} AS worker, ${q('success')} AS success, COUNT(*) AS n FROM ${q(rearq.tables.result)} GROUP BY ${q('worker')}, ${q('success')}`,
    );
    for (const r of rows) {
      const c = counts.get(String(r.worker)) ?? { success: 0, failed: 0 };
      if (decodeBool(r.success) === true) c.success += Number(r.n);
      else c.failed += Number(r.n);
      counts.set(String(r.worker), c);
    }
  }
  return entries.map((w) => {
    const age = w.ms === null ? null : (now.getTime() - w.ms) / 1000;
    return {
      name: w.name,
      group: w.group,
      consumer: w.consumer,
      queue: w.queue,
      is_timer: w.is_timer,
      last_heartbeat: w.ms === null ? null : new Date(w.ms).toISOString(),
      age_seconds: age === null ? null : Math.round(age * 1000) / 1000,
      online: age !== null && age * 1000 <= ONLINE_WITHIN_MS,
      attempts: rearq ? (counts.get(w.name) ?? { success: 0, failed: 0 }) : null,
    };
  });
}

export interface QueueRow {
  name: string;
  stream: string;
  entries: number;
  groups: GroupInfo[];
  delayed: number;
  delayed_overdue: number;
  jobs: { queued: number; deferred: number; in_progress: number } | null;
}

/**
 * Per stream: XLEN, the groups, the delay sets' jobs of that queue (and how
 * many are overdue); with the database, its open jobs by status, each put
 * in the queue Redis shows it in (stream entry or delay member), else the
 * configured queue of its task, else default.
 */
export async function queuesReport(redis: RedisConn, rearq: RearqDb | null, now: Date, queueMap: Record<string, string>): Promise<QueueRow[]> {
  const names = await listQueues(redis);
  const delayed = await delayedJobs(redis);
  const rows: QueueRow[] = [];
  for (const name of names) {
    const mine = delayed.filter((d) => d.queue === name);
    rows.push({
      name,
      stream: streamKey(name),
      entries: Number(await redis.call('XLEN', streamKey(name))),
      groups: await streamGroups(redis, name),
      delayed: mine.length,
      delayed_overdue: mine.filter((d) => d.due_ms <= now.getTime()).length,
      jobs: rearq ? { queued: 0, deferred: 0, in_progress: 0 } : null,
    });
  }
  if (!rearq) return rows;
  const q = (c: string) => rearq.db.dialect.quote(c);
  const open = await rearq.db.query<{ job_id: string; task: string; status: string; enqueue_time: unknown }>(
    `SELECT ${q('job_id')} AS job_id, ${q('task')} AS task, ${q('status')} AS status, ${q('enqueue_time')} AS enqueue_time FROM ${q(rearq.tables.job)} WHERE ${q('status')} IN (${REARQ_OPEN_STATUSES.map(() => '?').join(', ')})`,
    [...REARQ_OPEN_STATUSES],
  );
  if (!open.length) return rows;
  const placed = open.map((o) => ({ job_id: String(o.job_id), enqueue_ms: isoToMs(decodeTime(o.enqueue_time) ?? '') }));
  const where = await queuesOfJobs(redis, placed, { queues: names, delayed });
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const o of open) {
    const queue = where.get(String(o.job_id)) ?? own(queueMap, String(o.task)) ?? 'default';
    let row = byName.get(queue);
    if (!row) {
      row = { name: queue, stream: streamKey(queue), entries: 0, groups: [], delayed: 0, delayed_overdue: 0, jobs: { queued: 0, deferred: 0, in_progress: 0 } };
      byName.set(queue, row);
      rows.push(row);
    }
    const status = String(o.status) as (typeof REARQ_OPEN_STATUSES)[number];
    row.jobs![status]++;
  }
  return rows;
}

export interface TaskRow {
  task: string;
  /** from rearq:task (a task missing there is enabled); null without Redis */
  enabled: boolean | null;
  jobs: number;
  success: number;
  failed: number;
  /** the latest attempt's start */
  last_run: string | null;
}

export async function tasksReport(rearq: RearqDb, redis: RedisConn | null): Promise<TaskRow[]> {
  const q = (c: string) => rearq.db.dialect.quote(c);
  const jobs = await rearq.db.query<{ task: string; n: unknown; ok: unknown; bad: unknown }>(
    `SELECT ${q('task')} AS task, COUNT(*) AS n, SUM(CASE WHEN ${q('status')} = 'success' THEN 1 ELSE 0 END) AS ok, ` +
      `SUM(CASE WHEN ${q('status')} = 'failed' THEN 1 ELSE 0 END) AS bad FROM ${q(rearq.tables.job)} GROUP BY ${q('task')}`,
  );
  const last = await rearq.db.query<{ task: string; t: unknown }>(
    `SELECT j.${q('task')} AS task, MAX(r.${q('start_time')}) AS t FROM ${q(rearq.tables.result)} r JOIN ${q(rearq.tables.job)} j ON j.${q('id')} = r.${q('job_id')} GROUP BY j.${q('task')}`,
  );
  const lastRun = new Map(last.map((l) => [String(l.task), decodeTime(l.t)]));
  const switches = redis ? await taskSwitches(redis) : null;
  return jobs
    .map((j) => ({
      task: String(j.task),
      enabled: switches ? switches.get(String(j.task)) !== 'disabled' : null,
      jobs: Number(j.n),
      success: Number(j.ok),
      failed: Number(j.bad),
      last_run: lastRun.get(String(j.task)) ?? null,
    }))
    .sort((a, b) => a.task.localeCompare(b.task));
}
