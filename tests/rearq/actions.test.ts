/**
 * rearq cancel and requeue on every backend with a real Redis: the cancel
 * message ReArq's workers listen for, the status change, refusals; the
 * requeued job's row in the backend's own format and its stream entry,
 * the original untouched; filter mode's safeguards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest } from '../helpers/databases.js';
import { createRearqDatabase, createTestRedis, fixtureQueue, pyJson, readRaw, rearqMissing, redisMissing, writeRedisFixture, type RawJob, type RearqDatabase, type TestRedis } from '../helpers/rearq.js';
import { run, runJson } from '../helpers/run.js';

const backends = await backendsUnderTest();
const missing = rearqMissing() ?? (await redisMissing());
let redis: TestRedis;

beforeAll(async () => {
  if (!missing) redis = await createTestRedis();
});
afterAll(async () => {
  await redis?.drop();
});

async function listen(): Promise<{ messages: string[]; stop(): Promise<void> }> {
  const { Redis } = await import('ioredis');
  const sub = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await sub.connect();
  const messages: string[] = [];
  sub.on('message', (_channel: string, message: string) => messages.push(message));
  await sub.subscribe('rearq:channel');
  return { messages, stop: async () => void (await sub.quit()) };
}

for (const { backend, skip } of backends) {
  describe.skipIf(Boolean(skip || missing))(`rearq cancel and requeue on ${backend}`, () => {
    let db: RearqDatabase;
    let jobs: RawJob[];
    const args = (...a: string[]) => [...a, '--rearq-db', db.url, '--redis', redis.url];
    const fresh = async () => {
      const raw = await db.raw();
      const data = await readRaw(raw);
      await raw.close();
      return data;
    };

    beforeAll(async () => {
      db = await createRearqDatabase(backend);
      await redis.call('FLUSHDB');
      const data = await fresh();
      jobs = data.jobs;
      await writeRedisFixture(redis, data.jobs, data.results, Date.now());
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('cancel: publishes ReArq\'s message and sets canceled; a finished job is refused by name (exit 1)', async () => {
      const queued = jobs.find((j) => j.status === 'queued')!;
      const done = jobs.find((j) => j.status === 'success')!;
      const sub = await listen();
      const r = await run([...args('rearq', 'cancel', queued.job_id, done.job_id), '--json']);
      await new Promise((res) => setTimeout(res, 200));
      await sub.stop();
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`tasklog: job ${done.job_id} is success: only queued, deferred and in_progress jobs can be canceled`]);
      expect(JSON.parse(r.stdout)).toEqual({
        canceled: [{ job_id: queued.job_id, task: queued.task, previous_status: 'queued' }],
        refused: [{ job_id: done.job_id, status: 'success', reason: expect.stringContaining(done.job_id) }],
      });
      expect(sub.messages.filter((m) => m.includes(queued.job_id))).toEqual([`{"type": "cancel_task", "task_name": "${queued.task}", "job_id": "${queued.job_id}"}`]);
      const after = await fresh();
      expect(after.jobs.find((j) => j.job_id === queued.job_id)!.status).toBe('canceled');
      expect(after.jobs.find((j) => j.job_id === done.job_id)!.status).toBe('success');
      const again = await run(args('rearq', 'cancel', queued.job_id));
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`job ${queued.job_id} is canceled`);
      const needsRedis = await run(['rearq', 'cancel', queued.job_id, '--rearq-db', db.url]);
      expect(needsRedis.code).toBe(2);
    });

    it('requeue: a new queued job on the original\'s stream, in ReArq\'s format, the original untouched', async () => {
      const failed = jobs.find((j) => j.status === 'failed' && j.task === 'process_payment')!;
      const before = await fresh();
      const lenBefore = Number(await redis.call('XLEN', 'rearq:queue:high'));
      const out = await runJson(args('rearq', 'requeue', failed.job_id));
      expect(out.requeued).toHaveLength(1);
      const { from, job_id, queue } = out.requeued[0];
      expect(from).toBe(failed.job_id);
      expect(job_id).toMatch(/^[0-9a-f]{32}$/);
      expect(queue).toBe(fixtureQueue(failed.task));
      const after = await fresh();
      expect(after.jobs.find((j) => j.job_id === failed.job_id)).toEqual(before.jobs.find((j) => j.job_id === failed.job_id));
      const added = after.jobs.find((j) => j.job_id === job_id)!;
      expect(added).toMatchObject({ task: failed.task, args: failed.args, kwargs: failed.kwargs, job_retry: failed.job_retry, job_retries: 0, job_retry_after: failed.job_retry_after, status: 'queued', expire_time: null });
      expect(Math.abs(Date.parse(added.enqueue_time) - Date.now())).toBeLessThan(60_000);
      expect(Number(await redis.call('XLEN', 'rearq:queue:high'))).toBe(lenBefore + 1);
      const [[, fields]] = await redis.call('XREVRANGE', 'rearq:queue:high', '+', '-', 'COUNT', 1);
      expect(fields).toEqual(['job_id', job_id]);
      const raw = await db.raw();
      const [stored] = await raw.query('SELECT args, kwargs, enqueue_time FROM rearq_job WHERE job_id = ?', [job_id]);
      await raw.close();
      if (backend === 'sqlite') {
        expect(String(stored.enqueue_time)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
        // ReArq's own JSON text (Python's json.dumps, compact, \uXXXX escapes), not merely equal JSON
        expect(stored.kwargs).toBe(pyJson(failed.kwargs));
        expect(stored.args).toBe(pyJson(failed.args));
      }
    });

    it('requeue by filter: --dry-run lists, off a terminal it needs --yes, no match is exit 1 with nothing written', async () => {
      const matching = jobs.filter((j) => j.status === 'failed' && j.task === 'always_fails');
      const dry = await runJson(args('rearq', 'requeue', '--status', 'failed', '--task', 'always_fails', '--dry-run'));
      expect(dry.requeued.map((x: { from: string }) => x.from)).toEqual(matching.map((j) => j.job_id));
      expect(dry.dry_run).toBe(true);
      const countBefore = (await fresh()).jobs.length;
      const noYes = await run(args('rearq', 'requeue', '--status', 'failed', '--task', 'always_fails'));
      expect(noYes.code).toBe(2);
      const none = await run(args('rearq', 'requeue', '--status', 'failed', '--task', 'no_such_task', '--yes'));
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/no ReArq job matches/);
      expect((await fresh()).jobs.length).toBe(countBefore);
      const yes = await runJson(args('rearq', 'requeue', '--status', 'failed', '--task', 'always_fails', '--yes'));
      expect(yes.requeued).toHaveLength(matching.length);
      expect((await fresh()).jobs.length).toBe(countBefore + matching.length);
      const unknown = await run(args('rearq', 'requeue', 'nope-1'));
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toMatch(/^tasklog: no ReArq job with job_id nope-1: nothing requeued$/);
    });

    it('requeue: a job in no stream goes to --queue; a failing XADD leaves no new row behind', async () => {
      const expired = jobs.find((j) => j.status === 'expired')!;
      const ok = await runJson(args('rearq', 'requeue', expired.job_id, '--queue', 'low'));
      expect(ok.requeued[0]).toMatchObject({ from: expired.job_id, queue: 'low' });
      const [[, fields]] = await redis.call('XRANGE', 'rearq:queue:low', '-', '+');
      expect(fields).toEqual(['job_id', ok.requeued[0].job_id]);
      await redis.call('SET', 'rearq:queue:broken', 'not a stream');
      const before = (await fresh()).jobs.length;
      const r = await run(args('rearq', 'requeue', expired.job_id, '--queue', 'broken'));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/WRONGTYPE/);
      expect((await fresh()).jobs.length).toBe(before);
    });
  });
}
