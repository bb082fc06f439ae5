/**
 * ReArq's keys in Redis (fixed, no prefix): the streams rearq:queue:<name>,
 * the delay sets rearq:queue:delay:<n>, the worker hash rearq:worker, the
 * task switch hash rearq:task and the channel rearq:channel.
 */
import type { RedisConn } from '../redis/client.js';

export const STREAM_PREFIX = 'rearq:queue:';
export const DELAY_PREFIX = 'rearq:queue:delay:';
export const WORKER_KEY = 'rearq:worker';
export const TASK_KEY = 'rearq:task';
export const CHANNEL = 'rearq:channel';
/** ReArq's server calls a worker offline when its heartbeat is older than this. */
export const ONLINE_WITHIN_MS = 20_000;

export function streamKey(queue: string): string {
  return STREAM_PREFIX + queue;
}

async function scanKeys(conn: RedisConn, match: string, type: string): Promise<string[]> {
  const out = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = (await conn.call('SCAN', cursor, 'MATCH', match, 'COUNT', 1000, 'TYPE', type)) as [string, string[]];
    for (const k of keys) out.add(k);
    cursor = next;
  } while (cursor !== '0');
  return [...out].sort();
}

/** The queue streams (not the delay sets), as queue names. */
export async function listQueues(conn: RedisConn): Promise<string[]> {
  const keys = await scanKeys(conn, STREAM_PREFIX + '*', 'stream');
  return keys.filter((k) => !k.startsWith(DELAY_PREFIX)).map((k) => k.slice(STREAM_PREFIX.length));
}

export async function listDelayKeys(conn: RedisConn): Promise<string[]> {
  return scanKeys(conn, DELAY_PREFIX + '*', 'zset');
}

/** A delay-set member `rearq:queue:<name>:<job_id>` → its queue and job. */
export function parseDelayMember(member: string): { queue: string; job_id: string } | null {
  if (!member.startsWith(STREAM_PREFIX)) return null;
  const rest = member.slice(STREAM_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) return null;
  return { queue: rest.slice(0, colon), job_id: rest.slice(colon + 1) };
}

export interface DelayedJob {
  key: string;
  queue: string;
  job_id: string;
  /** due time, epoch ms */
  due_ms: number;
}

export async function delayedJobs(conn: RedisConn): Promise<DelayedJob[]> {
  const out: DelayedJob[] = [];
  for (const key of await listDelayKeys(conn)) {
    let cursor = '0';
    do {
      const [next, flat] = (await conn.call('ZSCAN', key, cursor, 'COUNT', 1000)) as [string, string[]];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const m = parseDelayMember(flat[i]);
        if (m) out.push({ key, ...m, due_ms: Number(flat[i + 1]) });
      }
      cursor = next;
    } while (cursor !== '0');
  }
  return out;
}

export interface StreamEntry {
  id: string;
  job_id: string | null;
}

function entries(reply: [string, string[]][]): StreamEntry[] {
  return reply.map(([id, fields]) => {
    let job: string | null = null;
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'job_id') job = fields[i + 1];
    return { id, job_id: job };
  });
}

/** Entries after `after` (exclusive; '0' from the start), at most `count`. */
export async function readStream(conn: RedisConn, queue: string, after: string, count: number): Promise<StreamEntry[]> {
  const start = after === '0' ? '-' : '(' + after;
  return entries((await conn.call('XRANGE', streamKey(queue), start, '+', 'COUNT', count)) as [string, string[]][]);
}

export function pairs(flat: unknown[]): Record<string, unknown> {
  // field names come from Redis: no prototype, so a worker named "__proto__" is a field like any other
  const out: Record<string, unknown> = Object.create(null);
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

export interface GroupInfo {
  name: string;
  consumers: number;
  pending: number;
  lag: number | null;
  last_delivered_id: string;
}

export async function streamGroups(conn: RedisConn, queue: string): Promise<GroupInfo[]> {
  const reply = (await conn.call('XINFO', 'GROUPS', streamKey(queue))) as unknown[][];
  return reply.map((g) => {
    const p = pairs(g);
    return {
      name: String(p.name),
      consumers: Number(p.consumers),
      pending: Number(p.pending),
      lag: p.lag === null || p.lag === undefined ? null : Number(p.lag),
      last_delivered_id: String(p['last-delivered-id']),
    };
  });
}

export interface WorkerEntry {
  name: string;
  group: string | null;
  consumer: string | number | null;
  queue: string | null;
  is_timer: boolean;
  /** heartbeat, epoch ms */
  ms: number | null;
}

export async function workerEntries(conn: RedisConn): Promise<WorkerEntry[]> {
  const flat = (await conn.call('HGETALL', WORKER_KEY)) as string[];
  const out: WorkerEntry[] = [];
  for (const [name, raw] of Object.entries(pairs(flat))) {
    let v: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(String(raw));
      if (parsed && typeof parsed === 'object') v = parsed;
    } catch {
      /* a value that is not JSON: the name is all there is */
    }
    const consumer = v.consumer;
    out.push({
      name,
      group: typeof v.group === 'string' ? v.group : null,
      consumer: typeof consumer === 'number' || typeof consumer === 'string' ? consumer : null,
      queue: typeof v.queue === 'string' ? (v.queue.startsWith(STREAM_PREFIX) ? v.queue.slice(STREAM_PREFIX.length) : v.queue) : null,
      is_timer: v.is_timer === true,
      ms: typeof v.ms === 'number' ? v.ms : null,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** rearq:task: task → enabled / disabled (a task missing from it is enabled). */
export async function taskSwitches(conn: RedisConn): Promise<Map<string, string>> {
  const flat = (await conn.call('HGETALL', TASK_KEY)) as string[];
  return new Map(Object.entries(pairs(flat)).map(([k, v]) => [k, String(v)]));
}

export interface JobPlace {
  stream: string | null;
  entry_id: string | null;
  pending: { group: string; consumer: string; deliveries: number; idle_ms: number }[];
  delayed: { key: string; due: string } | null;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => '\\' + c);
}

/**
 * Where a job is in Redis: its entries in the queue streams (searched from
 * a minute before it was enqueued; the last one counts), whether that entry
 * is pending in a consumer group, and its place in a delay set; with the
 * queue it shows (the stream's, else the first delay member's).
 */
export async function locateJob(conn: RedisConn, jobId: string, enqueueMs: number): Promise<{ place: JobPlace; queue: string | null }> {
  const place: JobPlace = { stream: null, entry_id: null, pending: [], delayed: null };
  let delayedQueue: string | null = null;
  for (const queue of await listQueues(conn)) {
    let after = `${Math.max(0, enqueueMs - 60_000)}-0`;
    let first = true;
    for (;;) {
      const reply = (await conn.call('XRANGE', streamKey(queue), first ? after : '(' + after, '+', 'COUNT', 1000)) as [string, string[]][];
      first = false;
      for (const e of entries(reply)) {
        if (e.job_id === jobId) {
          place.stream = streamKey(queue);
          place.entry_id = e.id;
        }
      }
      if (reply.length < 1000) break;
      after = reply[reply.length - 1][0];
    }
  }
  if (place.stream && place.entry_id) {
    const queue = place.stream.slice(STREAM_PREFIX.length);
    for (const g of await streamGroups(conn, queue)) {
      const p = (await conn.call('XPENDING', place.stream, g.name, place.entry_id, place.entry_id, 1)) as [string, string, number, number][];
      for (const [, consumer, idle, deliveries] of p) place.pending.push({ group: g.name, consumer, idle_ms: Number(idle), deliveries: Number(deliveries) });
    }
  }
  for (const key of await listDelayKeys(conn)) {
    let cursor = '0';
    do {
      const [next, flat] = (await conn.call('ZSCAN', key, cursor, 'MATCH', `${STREAM_PREFIX}*:${globEscape(jobId)}`, 'COUNT', 1000)) as [string, string[]];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const m = parseDelayMember(flat[i]);
        if (m && m.job_id === jobId) {
          place.delayed = { key, due: new Date(Number(flat[i + 1])).toISOString() };
          delayedQueue ??= m.queue;
        }
      }
      cursor = next;
    } while (cursor !== '0');
  }
  return { place, queue: place.stream ? place.stream.slice(STREAM_PREFIX.length) : delayedQueue };
}

/**
 * The queue Redis shows each job in, for many jobs in one pass: its stream
 * entry (the streams read once, from a minute before the earliest enqueue
 * time; the last entry counts), else its delay-set member (the first one
 * counts). Jobs Redis does not show are left out. `known` saves re-reading
 * what the caller already has.
 */
export async function queuesOfJobs(
  conn: RedisConn,
  jobs: readonly { job_id: string; enqueue_ms: number }[],
  known: { queues?: string[]; delayed?: DelayedJob[] } = {},
): Promise<Map<string, string>> {
  const where = new Map<string, string>();
  if (!jobs.length) return where;
  const names = known.queues ?? (await listQueues(conn));
  const delayed = known.delayed ?? (await delayedJobs(conn));
  for (const d of delayed) if (!where.has(d.job_id)) where.set(d.job_id, d.queue);
  const wanted = new Set(jobs.map((j) => j.job_id));
  // pairwise Math.min, not Math.min(...all): no argument-count limit (a NaN still propagates as before)
  const since = jobs.reduce((min, j) => Math.min(min, j.enqueue_ms), Infinity) - 60_000;
  for (const name of names) {
    let after = `${Math.max(0, since)}-0`;
    for (;;) {
      const batch = await readStream(conn, name, after, 5000);
      for (const e of batch) if (e.job_id && wanted.has(e.job_id)) where.set(e.job_id, name);
      if (batch.length < 5000) break;
      after = batch[batch.length - 1].id;
    }
  }
  return where;
}
