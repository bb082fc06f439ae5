/**
 * The read commands on every backend against the real ReArq data and the
 * Redis fixture: every answer is checked against the test's own reading of
 * the rows and what the fixture wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest } from '../helpers/databases.js';
import { createRearqDatabase, createTestRedis, readRaw, rearqMissing, redisMissing, writeRedisFixture, fixtureQueue, type RawJob, type RawResult, type RearqDatabase, type RedisFixture, type TestRedis } from '../helpers/rearq.js';
import { run, runJson } from '../helpers/run.js';

const backends = await backendsUnderTest();
const missing = rearqMissing() ?? (await redisMissing());
const short = (iso: string | null) => (iso === null ? null : iso.replace('.000000Z', 'Z'));
const jobJson = (j: RawJob) => ({ ...j, enqueue_time: short(j.enqueue_time), expire_time: short(j.expire_time) });

let redis: TestRedis;
let fx: RedisFixture;
let jobs: RawJob[];
let results: RawResult[];
const NOW = Date.parse('2026-11-30T09:00:00Z');

beforeAll(async () => {
  if (missing) return;
  redis = await createTestRedis();
  const { openRaw, REARQ_SQLITE } = await import('../helpers/rearq.js');
  const raw = await openRaw('sqlite', REARQ_SQLITE);
  ({ jobs, results } = await readRaw(raw));
  await raw.close();
  fx = await writeRedisFixture(redis, jobs, results, NOW);
});
afterAll(async () => {
  await redis?.drop();
});

for (const { backend, skip } of backends) {
  describe.skipIf(Boolean(skip || missing))(`rearq read commands on ${backend}`, () => {
    let db: RearqDatabase;
    const opts = { now: new Date(NOW) };
    const rq = (...args: string[]) => runJson(['rearq', ...args, '--rearq-db', db.url], opts);

    beforeAll(async () => {
      db = await createRearqDatabase(backend);
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('jobs: newest first, ReArq\'s shape, filters and paging', async () => {
      const page = await rq('jobs');
      expect(page.total).toBe(jobs.length);
      expect(page.rows).toEqual([...jobs].reverse().slice(0, 10).map(jobJson));
      const failed = await rq('jobs', '--status', 'failed,expired', '--limit', '100');
      expect(failed.rows.map((r: RawJob) => r.id)).toEqual(jobs.filter((j) => j.status === 'failed' || j.status === 'expired').map((j) => j.id).reverse());
      const send = await rq('jobs', '--task', 'send_email', '--limit', '5', '--offset', '5');
      const allSend = jobs.filter((j) => j.task === 'send_email').reverse();
      expect(send.total).toBe(allSend.length);
      expect(send.rows.map((r: RawJob) => r.id)).toEqual(allSend.slice(5, 10).map((j) => j.id));
      // inclusive on enqueue_time, to the microsecond
      const [a, b] = [jobs[99], jobs[109]];
      const range = await rq('jobs', '--start-time', a.enqueue_time, '--end-time', b.enqueue_time, '--limit', '100');
      expect(range.rows.map((r: RawJob) => r.id).sort((x: number, y: number) => x - y)).toEqual(jobs.filter((j) => j.enqueue_time >= a.enqueue_time && j.enqueue_time <= b.enqueue_time).map((j) => j.id));
      const one = await rq('jobs', '--job-id', 'invoice-2024-0001');
      expect(one.rows).toEqual([jobJson(jobs.find((j) => j.job_id === 'invoice-2024-0001')!)]);
    });

    it('jobs --all streams every row (jsonl, csv, json)', async () => {
      const r = await run(['rearq', 'jobs', '--all', '-o', 'jsonl', '--rearq-db', db.url]);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.id)).toEqual(jobs.map((j) => j.id).reverse());
      const csv = await run(['rearq', 'jobs', '--all', '-o', 'csv', '--rearq-db', db.url]);
      expect(csv.stdout.split('\r\n')[0]).toBe('id,task,args,kwargs,job_retry,job_retries,job_retry_after,job_id,enqueue_time,expire_time,status');
      const all = await rq('jobs', '--all');
      expect(all.total).toBe(jobs.length);
      expect(all.rows).toEqual([...jobs].reverse().map(jobJson));
    });

    it('results: filters and the job inside each row', async () => {
      const failed = await rq('results', '--success', 'false', '--limit', '1000');
      const expectedFailed = results.filter((r) => !r.success).reverse();
      expect(failed.total).toBe(expectedFailed.length);
      const byId = new Map(jobs.map((j) => [j.id, j]));
      expect(failed.rows).toEqual(
        expectedFailed.map((r) => {
          const j = byId.get(r.job_id)!;
          return { id: r.id, worker: r.worker, success: false, msg_id: r.msg_id, result: r.result, start_time: short(r.start_time), finish_time: short(r.finish_time), job: { id: j.id, task: j.task, job_id: j.job_id, status: j.status } };
        }),
      );
      const w = await rq('results', '--worker', 'payments-w-high', '--task', 'process_payment', '--limit', '1');
      expect(w.total).toBe(results.filter((r) => r.worker === 'payments-w-high' && byId.get(r.job_id)!.task === 'process_payment').length);
      const s = results[50].start_time!;
      const since = await rq('results', '--start-time', s, '--limit', '1000');
      expect(since.total).toBe(results.filter((r) => r.start_time !== null && r.start_time >= s).length);
    });

    it('show: attempts in order, and where the job is in Redis', async () => {
      const retried = jobs.find((j) => results.filter((r) => r.job_id === j.id).length >= 2)!;
      const s = await rq('show', retried.job_id, '--redis', redis.url);
      const attempts = results.filter((r) => r.job_id === retried.id).sort((a, b) => a.start_time!.localeCompare(b.start_time!) || a.id - b.id);
      expect(s.job).toEqual(jobJson(retried));
      expect(s.attempts.map((a: { id: number }) => a.id)).toEqual(attempts.map((a) => a.id));
      expect(s.queue).toBe(fixtureQueue(retried.task));
      expect(s.redis.stream).toBe(`rearq:queue:${fixtureQueue(retried.task)}`);
      expect(s.redis.entry_id).toBe(attempts.at(-1)!.msg_id);
      expect(s.redis.pending).toEqual([]);
      const running = jobs.find((j) => j.status === 'in_progress')!;
      const r = await rq('show', String(running.id), '--redis', redis.url);
      expect(r.job.job_id).toBe(running.job_id);
      expect(r.redis.pending).toHaveLength(1);
      expect(r.redis.pending[0]).toMatchObject({ group: 'vm', consumer: '12952', deliveries: 1 });
      const deferred = jobs.find((j) => j.status === 'deferred')!;
      const d = await rq('show', deferred.job_id, '--redis', redis.url);
      expect(d.redis.delayed).toEqual({ key: 'rearq:queue:delay:0', due: new Date(fx.delayed.get(deferred.job_id)!).toISOString() });
      expect(d.queue).toBe('default');
    });

    it('workers: heartbeats, online by ReArq\'s 20 s rule, attempts by success', async () => {
      const w = await rq('workers', '--redis', redis.url);
      const count = (name: string, ok: boolean) => results.filter((r) => r.worker === name && r.success === ok).length;
      expect(w.workers).toEqual([
        { name: 'payments-w-high', group: 'payments', consumer: 'w-high', queue: 'high', is_timer: false, last_heartbeat: new Date(NOW - 95_000).toISOString(), age_seconds: 95, online: false, attempts: { success: count('payments-w-high', true), failed: count('payments-w-high', false) } },
        { name: 'vm-12951', group: 'vm', consumer: 12951, queue: 'default', is_timer: true, last_heartbeat: new Date(NOW - 9_000).toISOString(), age_seconds: 9, online: true, attempts: { success: 0, failed: 0 } },
        { name: 'vm-12952', group: 'vm', consumer: 12952, queue: 'default', is_timer: false, last_heartbeat: new Date(NOW - 4_000).toISOString(), age_seconds: 4, online: true, attempts: { success: count('vm-12952', true), failed: count('vm-12952', false) } },
      ]);
    });

    it('workers: a worker named like an Object member (__proto__, constructor) is listed like any other', async () => {
      const beat = JSON.stringify({ group: 'x', consumer: 'y', queue: 'default', is_timer: false, ms: NOW - 1_000 });
      await redis.call('HSET', 'rearq:worker', '__proto__', beat, 'constructor', beat);
      try {
        const w = await rq('workers', '--redis', redis.url);
        expect(w.workers.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
      } finally {
        await redis.call('HDEL', 'rearq:worker', '__proto__', 'constructor');
      }
    });

    it('queues: entries, groups, delay sets and open jobs per queue', async () => {
      const q = await rq('queues', '--redis', redis.url);
      const withResults = new Set(results.map((r) => r.job_id));
      const expectQueue = (name: string) => {
        const mine = jobs.filter((j) => fixtureQueue(j.task) === name);
        const attempts = results.filter((r) => fixtureQueue(jobs.find((j) => j.id === r.job_id)!.task) === name).length;
        const waiting = mine.filter((j) => ['queued', 'in_progress', 'canceled'].includes(j.status) && !withResults.has(j.id));
        const undelivered = waiting.filter((j) => j.status !== 'in_progress').length;
        const delayed = mine.filter((j) => j.status === 'deferred');
        return {
          name,
          stream: `rearq:queue:${name}`,
          entries: attempts + waiting.length,
          groups: [{ name: name === 'high' ? 'payments' : 'vm', consumers: 1, pending: waiting.filter((j) => j.status === 'in_progress').length, lag: undelivered, last_delivered_id: expect.any(String) }],
          delayed: delayed.length,
          delayed_overdue: delayed.filter((j) => fx.delayed.get(j.job_id)! <= NOW).length,
          jobs: { queued: mine.filter((j) => j.status === 'queued').length, deferred: delayed.length, in_progress: mine.filter((j) => j.status === 'in_progress').length },
        };
      };
      expect(q.queues).toEqual([expectQueue('default'), expectQueue('high')]);
    });

    it('tasks: switches from rearq:task, counts from the jobs', async () => {
      const t = await rq('tasks', '--redis', redis.url);
      const names = [...new Set(jobs.map((j) => j.task))].sort();
      expect(t.tasks.map((x: { task: string }) => x.task)).toEqual(names);
      for (const row of t.tasks) {
        const mine = jobs.filter((j) => j.task === row.task);
        const starts = results.filter((r) => mine.some((j) => j.id === r.job_id)).map((r) => r.start_time!).sort();
        expect(row).toEqual({
          task: row.task,
          enabled: row.task !== 'always_fails',
          jobs: mine.length,
          success: mine.filter((j) => j.status === 'success').length,
          failed: mine.filter((j) => j.status === 'failed').length,
          last_run: short(starts.at(-1) ?? null),
        });
      }
    });

    it('bad input is one line with the right exit code', async () => {
      const cases: [string[], number, RegExp][] = [
        [['rearq', 'jobs', '--status', 'done'], 2, /--status.*'done' is not one of/],
        [['rearq', 'jobs', '--start-time', 'yesterday-ish'], 2, /--start-time/],
        [['rearq', 'workers'], 2, /needs ReArq's Redis/],
        [['rearq', 'workers', '--redis', 'redis://127.0.0.1:1/0'], 1, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1\/0: connection refused/],
        [['rearq', 'workers', '--redis', 'redis://:secret@127.0.0.1:6379/x'], 2, /database number/],
        [['rearq', 'show', 'no-such-job'], 1, /no ReArq job with job_id or id 'no-such-job'/],
      ];
      for (const [argv, code, message] of cases) {
        const r = await run([...argv, '--rearq-db', db.url]);
        expect(r.code, argv.join(' ')).toBe(code);
        expect(r.stderr, argv.join(' ')).toMatch(message);
        expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
        expect(r.stderr).not.toContain('secret');
      }
    });
  });
}
