/**
 * `tasklog sync rearq` on every backend: each task log row equals the
 * mapping of its ReArq job, computed here from the test's own reading of
 * the ReArq rows; a second run changes nothing; a job finishing between
 * runs is updated; a loop of syncs during concurrent inserts loses
 * nothing; over-long job ids and workers are skipped and reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { createRearqDatabase, createTestRedis, insertJob, insertResult, isoOf, readRaw, rearqMissing, redisMissing, setJobStatus, writeRedisFixture, type RawJob, type RawResult, type RearqDatabase, type TestRedis } from '../helpers/rearq.js';
import { run, runJson } from '../helpers/run.js';

const backends = await backendsUnderTest();
const missing = rearqMissing() ?? (await redisMissing());

/** The README's mapping, written out independently of src/rearq. */
function expected(job: RawJob, results: RawResult[], queue: string): Record<string, unknown> {
  const attempts = results
    .filter((r) => r.job_id === job.id)
    .sort((a, b) => (a.start_time ?? '').localeCompare(b.start_time ?? '') || a.id - b.id);
  const last = attempts.at(-1) ?? null;
  const us = (iso: string) => BigInt(Date.parse(iso.slice(0, 19) + 'Z')) * 1000n + BigInt(iso.slice(20, 26));
  const short = (iso: string | null) => (iso === null ? null : iso.replace('.000000Z', 'Z'));
  let error: string | null = null;
  if (last && !last.success && last.result !== null) {
    // by hand, not src/rearq's one regex: cut the head at the first ', exc: ', then one trailing retry part
    const text = last.result;
    const cut = text.indexOf(', exc: ');
    const head = cut < 0 ? null : text.slice(0, cut);
    const wrapped = head !== null && (head === 'Run job error' || /^Run job error in NO\.\d+ times$/.test(head));
    let inner = wrapped ? text.slice(cut + ', exc: '.length) : '';
    const retry = /, retry after \d+ seconds$/.exec(inner);
    if (retry) inner = inner.slice(0, retry.index);
    error = inner.trim() ? inner : text.trim();
  }
  const times = [job.enqueue_time, last?.start_time ?? null, last?.finish_time ?? null].filter((t): t is string => t !== null);
  const latest = times.reduce((a, b) => (us(b) > us(a) ? b : a));
  return {
    job_id: job.job_id,
    task_name: job.task,
    queue_name: queue,
    args: job.args ?? [],
    kwargs: job.kwargs ?? {},
    status: job.status,
    duration_ms: last?.start_time && last.finish_time ? Number((us(last.finish_time) - us(last.start_time)) / 1000n) : null,
    job_retry: job.job_retry,
    job_retries: job.job_retries,
    job_retry_after: job.job_retry_after,
    success: last ? last.success : job.status === 'success' ? true : job.status === 'failed' ? false : null,
    result: last?.success ? last.result : null,
    error_message: error,
    worker_id: last?.worker ?? null,
    enqueue_time: short(job.enqueue_time),
    expire_time: short(job.expire_time),
    start_time: short(last?.start_time ?? null),
    finish_time: short(last?.finish_time ?? null),
    created_at: short(job.enqueue_time),
    updated_at: short(latest),
    user: null,
  };
}

const FIELDS = ['job_id', 'task_name', 'queue_name', 'args', 'kwargs', 'status', 'duration_ms', 'job_retry', 'job_retries', 'job_retry_after', 'success', 'result', 'error_message', 'worker_id', 'enqueue_time', 'expire_time', 'start_time', 'finish_time', 'created_at', 'updated_at', 'user'];

async function taskLog(url: string): Promise<Map<string, Record<string, unknown>>> {
  const r = await run(['logs', 'list', '--all', '-o', 'jsonl', '--fields', FIELDS.join(','), '--db', url]);
  if (r.code !== 0) throw new Error(r.stderr);
  const rows = r.stdout.trim() ? r.stdout.trim().split('\n').map((l) => JSON.parse(l)) : [];
  return new Map(rows.map((x) => [x.job_id, x]));
}

async function expectMapped(rearq: RearqDatabase, url: string, queueOf: (j: RawJob) => string): Promise<number> {
  const raw = await rearq.raw();
  const { jobs, results } = await readRaw(raw);
  await raw.close();
  const log = await taskLog(url);
  let n = 0;
  for (const job of jobs) {
    if (job.job_id.length > 100) continue;
    expect(log.get(job.job_id), job.job_id).toEqual(expected(job, results, queueOf(job)));
    n++;
  }
  return n;
}

for (const { backend, skip } of backends) {
  describe.skipIf(Boolean(skip || missing))(`sync rearq: ReArq on ${backend}`, () => {
    let rearq: RearqDatabase;
    let log: TestDatabase;
    let redis: TestRedis;
    const sync = (...extra: string[]) => runJson(['sync', 'rearq', '--rearq-db', rearq.url, '--db', log.url, ...extra]);

    beforeAll(async () => {
      rearq = await createRearqDatabase(backend);
      // the task log on another backend than ReArq's (any pair works)
      log = await createDatabase(backend === 'sqlite' ? (backends.find((b) => b.backend === 'postgres' && !b.skip) ? 'postgres' : 'sqlite') : 'sqlite', 'synclog');
      redis = await createTestRedis();
    });
    afterAll(async () => {
      await rearq?.drop();
      await log?.drop();
      await redis?.drop();
    });

    it('maps every job as the README says, and a second run changes nothing', async () => {
      const first = await sync('--queue-map', 'process_payment=high');
      expect(first).toMatchObject({ inserted: 207, updated: 0, skipped: 0 });
      const n = await expectMapped(rearq, log.url, (j) => (j.task === 'process_payment' ? 'high' : 'default'));
      expect(n).toBe(207);
      const second = await sync('--queue-map', 'process_payment=high');
      expect(second).toMatchObject({ inserted: 0, updated: 0, skipped: 0 });
    });

    it('pinned rows: values read by hand off a copy of the real ReArq database, not computed', async () => {
      // after the first test's sync (--queue-map process_payment=high), before later tests touch these jobs
      const rows = await taskLog(log.url);
      const base = { job_retry: 1, job_retry_after: 60, user: null };
      // two attempts; the latest (08:30:28) is a bare 'Run job error, exc: ' (a timeout): the whole text trimmed
      expect(rows.get('9438d750b8e04ba6af6d6817ee60c0ff')).toEqual({
        ...base, job_id: '9438d750b8e04ba6af6d6817ee60c0ff', task_name: 'timeout_task', queue_name: 'default', args: [3], kwargs: {}, status: 'failed',
        duration_ms: 1001, job_retries: 1, success: false, result: null, error_message: 'Run job error, exc:', worker_id: 'vm-12952',
        enqueue_time: '2026-11-30T08:30:24.554103Z', expire_time: null, start_time: '2026-11-30T08:30:28.500892Z', finish_time: '2026-11-30T08:30:29.502775Z',
        created_at: '2026-11-30T08:30:24.554103Z', updated_at: '2026-11-30T08:30:29.502775Z',
      });
      // its only attempt ends in ', retry after 2 seconds' around an empty message: again the whole text trimmed
      expect(rows.get('106c9fa9de154d0d8b9da17a85d2a07e')).toEqual({
        ...base, job_id: '106c9fa9de154d0d8b9da17a85d2a07e', task_name: 'timeout_task', queue_name: 'default', args: [3], kwargs: {}, status: 'failed',
        duration_ms: 1002, job_retries: 1, success: false, result: null, error_message: 'Run job error in NO.0 times, exc: , retry after 2 seconds', worker_id: 'vm-12952',
        enqueue_time: '2026-11-30T08:30:24.564413Z', expire_time: null, start_time: '2026-11-30T08:30:25.527446Z', finish_time: '2026-11-30T08:30:26.529987Z',
        created_at: '2026-11-30T08:30:24.564413Z', updated_at: '2026-11-30T08:30:26.529987Z',
      });
      // no result rows: success from the status alone (success → true, expired / queued / in_progress → null), no attempt times
      const none = { duration_ms: null, job_retries: 0, result: null, error_message: null, worker_id: null, start_time: null, finish_time: null };
      expect(rows.get('9f217f5b2af74d808cef0f942d0e26c1')).toEqual({
        ...base, ...none, job_id: '9f217f5b2af74d808cef0f942d0e26c1', task_name: 'send_email', queue_name: 'default', args: ['later2@example.org', 'Deferred 2 \u23f0'], kwargs: {},
        status: 'success', success: true, enqueue_time: '2026-11-30T08:30:24.833209Z', expire_time: null, created_at: '2026-11-30T08:30:24.833209Z', updated_at: '2026-11-30T08:30:24.833209Z',
      });
      expect(rows.get('c18af67f9b0146679668b63881154342')).toEqual({
        ...base, ...none, job_id: 'c18af67f9b0146679668b63881154342', task_name: 'send_email', queue_name: 'default', args: ['expired0@example.org', 'too late'], kwargs: {},
        status: 'expired', success: null, enqueue_time: '2026-11-30T08:30:24.889372Z', expire_time: '2026-11-30T08:30:25.888489Z', created_at: '2026-11-30T08:30:24.889372Z', updated_at: '2026-11-30T08:30:24.889372Z',
      });
      expect(rows.get('88773a89d08d49808325bc224f431d2b')).toEqual({
        ...base, ...none, job_id: '88773a89d08d49808325bc224f431d2b', task_name: 'process_payment', queue_name: 'high', args: [], kwargs: { order_id: 999, amount: 12.5, currency: 'CHF' },
        status: 'queued', success: null, enqueue_time: '2026-11-30T08:30:43.231054Z', expire_time: null, created_at: '2026-11-30T08:30:43.231054Z', updated_at: '2026-11-30T08:30:43.231054Z',
      });
      // the one in progress: no result row yet either
      expect(rows.get('73ea3a8cdb3b4e79b175ecb7f79dab00')).toEqual({
        ...base, ...none, job_id: '73ea3a8cdb3b4e79b175ecb7f79dab00', task_name: 'long_running', queue_name: 'default', args: [120], kwargs: {},
        status: 'in_progress', success: null, enqueue_time: '2026-11-30T08:30:34.093060Z', expire_time: null, created_at: '2026-11-30T08:30:34.093060Z', updated_at: '2026-11-30T08:30:34.093060Z',
      });
    });

    it('takes the queue from the streams with --redis', async () => {
      const raw = await rearq.raw();
      const { jobs, results } = await readRaw(raw);
      await raw.close();
      const fx = await writeRedisFixture(redis, jobs, results, Date.now());
      const r = await sync('--redis', redis.url);
      // the jobs of flaky_sync and locked_task went through high: only Redis knows
      const moved = jobs.filter((j) => j.task === 'flaky_sync' || j.task === 'locked_task').length;
      expect(r).toMatchObject({ inserted: 0, updated: moved });
      await expectMapped(rearq, log.url, (j) => fx.queueOf.get(j.job_id)!);
      expect(await sync('--redis', redis.url)).toMatchObject({ inserted: 0, updated: 0 });
    });

    it('updates a job that finished between two runs', async () => {
      const raw = await rearq.raw();
      const { jobs } = await readRaw(raw);
      const running = jobs.find((j) => j.status === 'in_progress')!;
      await insertResult(raw, { worker: 'vm-12952', success: true, msg_id: '1896027999000-0', result: 'done: 120', start_time: '2026-11-30T08:30:34.100000Z', finish_time: '2026-11-30T08:32:34.099999Z', job_id: running.id });
      await setJobStatus(raw, running.job_id, 'success');
      await raw.close();
      const r = await sync();
      expect(r).toMatchObject({ inserted: 0, updated: 1 });
      const row = (await taskLog(log.url)).get(running.job_id)!;
      expect(row).toMatchObject({ status: 'success', success: true, result: 'done: 120', duration_ms: 119999, worker_id: 'vm-12952', finish_time: '2026-11-30T08:32:34.099999Z' });
    });

    it('updates an open job whose status alone changed (a cancel writes no result row)', async () => {
      const raw = await rearq.raw();
      const { jobs } = await readRaw(raw);
      const queued = jobs.find((j) => j.status === 'queued')!;
      await setJobStatus(raw, queued.job_id, 'canceled');
      await raw.close();
      expect(await sync()).toMatchObject({ inserted: 0, updated: 1 });
      expect((await taskLog(log.url)).get(queued.job_id)).toMatchObject({ status: 'canceled', success: null, start_time: null });
      expect(await sync()).toMatchObject({ inserted: 0, updated: 0 });
    });

    it('skips a job_id or worker longer than the task log holds, and says so', async () => {
      const raw = await rearq.raw();
      const longId = 'x'.repeat(150);
      await insertJob(raw, { task: 'add', args: [1], kwargs: {}, job_retry: 1, job_retries: 0, job_retry_after: 60, job_id: longId, enqueue_time: '2026-11-30T09:00:00.000000Z', expire_time: null, status: 'queued' });
      const id = await insertJob(raw, { task: 'add', args: [2], kwargs: {}, job_retry: 1, job_retries: 0, job_retry_after: 60, job_id: 'long-worker-job', enqueue_time: '2026-11-30T09:00:01.000000Z', expire_time: null, status: 'success' });
      await insertResult(raw, { worker: 'w'.repeat(120), success: true, msg_id: '1896028000000-0', result: '3', start_time: '2026-11-30T09:00:01.5Z', finish_time: '2026-11-30T09:00:02Z', job_id: id });
      await raw.close();
      const r = await run(['sync', 'rearq', '--rearq-db', rearq.url, '--db', log.url, '--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ inserted: 0, updated: 0, skipped: 2 });
      expect(out.skipped_jobs.map((s: { job_id: string }) => s.job_id).sort()).toEqual([longId, 'long-worker-job'].sort());
      expect(r.stderr).toContain('skipped job long-worker-job: worker');
      expect(r.stderr).toContain(`skipped job ${longId}: job_id`);
      const logRows = await taskLog(log.url);
      expect(logRows.has('long-worker-job')).toBe(false);
      expect(logRows.has(longId)).toBe(false);
      expect([...logRows.keys()].some((k) => k.startsWith('xxxxxxxxxx'))).toBe(false);
    });

    it('a loop of syncs while jobs are inserted and finished loses nothing', async () => {
      const raw = await rearq.raw();
      let stop = false;
      const writer = (async () => {
        for (let i = 0; i < 60; i++) {
          const jobId = `conc-${backend}-${i}`;
          const t = new Date(Date.parse('2026-11-30T10:00:00Z') + i * 1000 + 123).toISOString().replace('Z', '456Z');
          const id = await insertJob(raw, { task: 'send_email', args: [`u${i}@exämple.com`], kwargs: {}, job_retry: 1, job_retries: 0, job_retry_after: 60, job_id: jobId, enqueue_time: t, expire_time: null, status: 'queued' });
          if (i % 2 === 0) {
            await insertResult(raw, { worker: 'vm-12952', success: i % 4 === 0, msg_id: `${1896030000000 + i}-0`, result: i % 4 === 0 ? 'ok' : 'Run job error, exc: boom', start_time: t, finish_time: t, job_id: id });
            await setJobStatus(raw, jobId, i % 4 === 0 ? 'success' : 'failed');
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        stop = true;
      })();
      let runs = 0;
      while (!stop) {
        const r = await run(['sync', 'rearq', '--rearq-db', rearq.url, '--db', log.url, '--json']);
        expect(r.code, r.stderr).toBe(0);
        runs++;
      }
      await writer;
      await raw.close();
      // one more run after the last write, as cron's next minute would
      await sync();
      expect(runs).toBeGreaterThan(1);
      const logRows = await taskLog(log.url);
      const check = await rearq.raw();
      const { jobs, results } = await readRaw(check);
      await check.close();
      for (const j of jobs.filter((x) => x.job_id.startsWith('conc-'))) expect(logRows.get(j.job_id)).toEqual(expected(j, results, 'default'));
      expect(jobs.filter((x) => x.job_id.startsWith('conc-')).length).toBe(60);
    });

    it('--dry-run writes nothing; --full rereads everything and finds it unchanged', async () => {
      // a job ReArq wrote since the last sync, its one attempt a retried failure with a message
      const raw = await rearq.raw();
      const id = await insertJob(raw, { task: 'flaky_sync', args: ['dry'], kwargs: { n: 1 }, job_retry: 3, job_retries: 1, job_retry_after: 5, job_id: `dry-run-${backend}`, enqueue_time: '2026-11-30T11:00:00.250000Z', expire_time: null, status: 'failed' });
      await insertResult(raw, { worker: 'vm-12952', success: false, msg_id: '1896040000000-0', result: 'Run job error in NO.1 times, exc: disk full, retry after 5 seconds', start_time: '2026-11-30T11:00:01.000000Z', finish_time: '2026-11-30T11:00:01.750000Z', job_id: id });
      await raw.close();
      const before = await taskLog(log.url);
      expect(before.has(`dry-run-${backend}`)).toBe(false);
      const dry = await sync('--full', '--dry-run');
      expect(dry).toMatchObject({ inserted: 1, updated: 0, dry_run: true });
      const afterDry = await taskLog(log.url);
      expect(afterDry.has(`dry-run-${backend}`)).toBe(false);
      expect(afterDry).toEqual(before);
      const real = await sync();
      expect(real).toMatchObject({ inserted: 1, updated: 0, dry_run: false });
      expect((await taskLog(log.url)).get(`dry-run-${backend}`)).toMatchObject({ status: 'failed', success: false, error_message: 'disk full', duration_ms: 750, worker_id: 'vm-12952' });
      const full = await sync('--full');
      expect(full.inserted + full.updated).toBe(0);
      expect(full.unchanged).toBe(before.size + 1);
    });
  });
}

describe.skipIf(Boolean(missing))('sync rearq: bad input', () => {
  it('needs the ReArq database (exit 2), refuses a malformed Redis URL (exit 2), a Redis that is down (exit 1)', async () => {
    const none = await run(['sync', 'rearq', '--db', '/tmp/x.sqlite']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await run(['sync', 'rearq', '--rearq-db', 'x.sqlite', '--redis', 'http://nope', '--db', '/tmp/x.sqlite']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--redis: 'http:\/\/nope' is not a Redis URL/);
    expect(isoOf('2026-11-30 08:30:20+00:00')).toBe('2026-11-30T08:30:20.000000Z');
  });
});
