/**
 * `logs list | show | related` on every backend: each filter returns exactly
 * the rows an independent JavaScript reading of the same data selects.
 * Data: the demo generator's rows (with the four demo users) plus hand-made
 * edge rows (null success, times without a fraction, non-ASCII, % and _).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRows, DEMO_USERS } from '../../fixtures/generate.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { micros, openDb } from '../helpers/db.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { edgeRow } from '../helpers/rows.js';
import { run, runJson } from '../helpers/run.js';

const NOW = '2026-04-20T10:00:00Z';
const ROWS = 600;
const SEED = 21;
const backends = await backendsUnderTest();

const us = micros;
const NOW_US = us(NOW);
const H = 3_600_000_000;

const edge = (job_id: string, over: Partial<WritableRow>): WritableRow => edgeRow(NOW_US, job_id, over);

const EDGES: WritableRow[] = [
  edge('edge-null-success-failed', { status: 'failed', success: null, error_message: 'Ошибка: ДИСК переполнен', task_name: 'Média.Export_ÜBER' }),
  edge('edge-success-false', { status: 'success', success: false, error_message: '' }),
  edge('edge-percent', { error_message: '100% done_but failed', status: 'failed', success: false, task_name: 'percent%task' }),
  edge('edge-underscore', { error_message: 'x_y', task_name: 'under_score' }),
  edge('edge-quote', { error_message: `it's "quoted"; DROP TABLE x; --`, worker_id: 'w;--' }),
  edge('edge-zero-micro', { created_at: NOW_US - 24 * H, enqueue_time: NOW_US - 24 * H, status: 'expired', success: null, duration_ms: null, start_time: null, finish_time: null }),
  edge('edge-null-duration', { duration_ms: null, status: 'canceled', success: null, start_time: null, finish_time: null, job_retries: 4 }),
  edge('edge-user-email', { user_id: 2, worker_id: 'worker-Ünï' }),
  edge('edge-backslash', { error_message: 'escaped a\\b here' }),
  edge('edge-no-backslash', { error_message: 'grab bag' }),
  // the two characters whose lower case is ASCII: İ (U+0130) → i̇, K (KELVIN SIGN) → k
  edge('edge-dotted-i', { error_message: 'TAXİ fare declined' }),
  edge('edge-kelvin', { worker_id: '\u212AELVIN-7' }),
];

let ALL: (WritableRow & { id: number })[] = [];

describe.each(backends)('logs on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  const list = async (args: string[]) => {
    const r = await run(['logs', 'list', '--db', tdb.url, '--all', '-o', 'jsonl', '--fields', 'job_id', ...args], { now: NOW });
    if (r.code !== 0) throw new Error(`logs list ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l).job_id as string);
  };

  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'logs');
    const demo = await run(['demo', '--db', tdb.url, '--rows', String(ROWS), '--days', '3', '--seed', String(SEED)], { now: NOW });
    expect(demo.code).toBe(0);
    const db = await openDb(tdb.url);
    try {
      await insertRows(db, EDGES);
    } finally {
      await db.close();
    }
    const rows = [...generateRows({ rows: ROWS, days: 3, seed: SEED, now: new Date(NOW), userIds: [1, 2, 3, 4], salt: 0 }), ...EDGES];
    ALL = rows.map((r, i) => ({ ...r, id: i + 1 }));
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  const user = (r: WritableRow) => (r.user_id ? DEMO_USERS[r.user_id - 1] : null);
  const failed = (r: WritableRow) => ['failed', 'expired'].includes(r.status) || r.success === false;
  const has = (v: string | null, term: string) => v !== null && v.toLowerCase().includes(term.toLowerCase());
  const byEnqueueDesc = (a: { enqueue_time: number; id: number }, b: { enqueue_time: number; id: number }) => b.enqueue_time - a.enqueue_time || b.id - a.id;
  const expectRows = (pred: (r: (typeof ALL)[number]) => boolean) => ALL.filter(pred).sort(byEnqueueDesc).map((r) => r.job_id);

  const CASES: [string, string[], (r: (typeof ALL)[number]) => boolean][] = [
    ['--task exact', ['--task', 'webhooks.deliver'], (r) => r.task_name === 'webhooks.deliver'],
    ['--task-name contains, any case', ['--task-name', 'NOTIFICATIONS.'], (r) => r.task_name.toLowerCase().includes('notifications.')],
    ['--task-name non-ASCII, any case', ['--task-name', 'média.export_über'], (r) => r.task_name === 'Média.Export_ÜBER'],
    ['--task-name-exact', ['--task-name-exact', 'média.transcode_vidéo'], (r) => r.task_name === 'média.transcode_vidéo'],
    ['--queue-name', ['--queue-name', 'critical'], (r) => r.queue_name === 'critical'],
    ['--queue-name-in', ['--queue-name-in', 'low,background'], (r) => ['low', 'background'].includes(r.queue_name)],
    ['--status', ['--status', 'in_progress'], (r) => r.status === 'in_progress'],
    ['--status-in', ['--status-in', 'queued,deferred,canceled'], (r) => ['queued', 'deferred', 'canceled'].includes(r.status)],
    ['--job-id', ['--job-id', 'edge-percent'], (r) => r.job_id === 'edge-percent'],
    ['--worker', ['--worker', 'worker-3-51102'], (r) => r.worker_id === 'worker-3-51102'],
    ['--worker-id', ['--worker-id', 'worker-Ünï'], (r) => r.worker_id === 'worker-Ünï'],
    ['--success (bare)', ['--success'], (r) => r.success === true],
    ['--success false', ['--success', 'false'], (r) => r.success === false],
    ['--success null', ['--success', 'null'], (r) => r.success === null],
    ['--is-completed', ['--is-completed'], (r) => ['success', 'failed', 'expired', 'canceled'].includes(r.status)],
    ['--is-completed false', ['--is-completed', 'false'], (r) => !['success', 'failed', 'expired', 'canceled'].includes(r.status)],
    ['--is-successful', ['--is-successful', 'true'], (r) => r.status === 'success' && r.success === true],
    ['--is-successful false (null-safe)', ['--is-successful', 'false'], (r) => !(r.status === 'success' && r.success === true)],
    ['--is-failed', ['--is-failed'], failed],
    ['--is-failed false (null-safe)', ['--is-failed', 'false'], (r) => !failed(r)],
    ['--has-error', ['--has-error'], (r) => r.error_message !== null && r.error_message !== ''],
    ['--has-error false', ['--has-error', 'false'], (r) => r.error_message === null || r.error_message === ''],
    ['--start-time/--end-time (enqueue, ISO with offset)', ['--start-time', '2026-04-19T12:00:00+02:00', '--end-time', '2026-04-19T18:00:00Z'], (r) => r.enqueue_time >= us('2026-04-19T10:00:00Z') && r.enqueue_time <= us('2026-04-19T18:00:00Z')],
    ['--enqueue-after date', ['--enqueue-after', '2026-04-19'], (r) => r.enqueue_time >= us('2026-04-19T00:00:00Z')],
    ['--enqueue-before (no offset = UTC)', ['--enqueue-before', '2026-04-18T06:30:00'], (r) => r.enqueue_time <= us('2026-04-18T06:30:00Z')],
    ['--start-after/--start-before', ['--start-after', '30h', '--start-before', '20h'], (r) => r.start_time !== null && r.start_time >= NOW_US - 30 * H && r.start_time <= NOW_US - 20 * H],
    ['--finish-after', ['--finish-after', '90m'], (r) => r.finish_time !== null && r.finish_time >= NOW_US - 1.5 * H],
    ['--finish-before', ['--finish-before', '2d'], (r) => r.finish_time !== null && r.finish_time <= NOW_US - 48 * H],
    ['--created-after exactly 24 h (boundary row has no fraction)', ['--created-after', '24h'], (r) => r.created_at >= NOW_US - 24 * H],
    ['--created-before', ['--created-before', '2026-04-19T10:00:00.000001Z'], (r) => r.created_at <= us('2026-04-19T10:00:00.000001Z')],
    ['--since/--until', ['--since', '1d', '--until', '3600s'], (r) => r.created_at >= NOW_US - 24 * H && r.created_at <= NOW_US - H],
    ['--duration-min', ['--duration-min', '5000'], (r) => r.duration_ms !== null && r.duration_ms >= 5000],
    ['--duration-max', ['--duration-max', '150'], (r) => r.duration_ms !== null && r.duration_ms <= 150],
    ['--job-retries-min/max', ['--job-retries-min', '2', '--job-retries-max', '3'], (r) => r.job_retries >= 2 && r.job_retries <= 3],
    ['--user by username', ['--user', 'alice'], (r) => r.user_id === 2],
    ['--user by email', ['--user', 'bob@example.com'], (r) => r.user_id === 3],
    ['--user by id', ['--user', '4'], (r) => r.user_id === 4],
    ['--search one word, any case, in error', ['--search', 'ОШИБКА'], (r) => [r.task_name, r.job_id, r.queue_name, r.error_message, r.worker_id, user(r)?.username ?? null, user(r)?.email ?? null].some((v) => has(v, 'ошибка'))],
    ['--search all words must occur', ['--search', 'timeout, payments-api'], (r) => ['timeout', 'payments-api'].every((t) => [r.task_name, r.job_id, r.queue_name, r.error_message, r.worker_id].some((v) => has(v, t)))],
    ['--search username', ['--search', 'ZOË'], (r) => user(r)?.username === 'zoë' || [r.task_name, r.error_message].some((v) => has(v, 'zoë'))],
    ['--search % is literal', ['--search', '%'], (r) => [r.task_name, r.error_message, r.worker_id].some((v) => has(v, '%'))],
    ['--search ASCII word inside a non-ASCII value', ['--search', 'EXPORT_'], (r) => [r.task_name, r.job_id, r.queue_name, r.error_message, r.worker_id, user(r)?.username ?? null, user(r)?.email ?? null].some((v) => has(v, 'export_'))],
    ['--search ASCII word found through İ', ['--search', 'taxi'], (r) => [r.task_name, r.job_id, r.queue_name, r.error_message, r.worker_id, user(r)?.username ?? null, user(r)?.email ?? null].some((v) => has(v, 'taxi'))],
    ['--search ASCII word found through the Kelvin sign', ['--search', 'kelvin-7'], (r) => [r.task_name, r.job_id, r.queue_name, r.error_message, r.worker_id].some((v) => has(v, 'kelvin-7'))],
    ['--search backslash is literal', ['--search', 'a\\b'], (r) => [r.task_name, r.job_id, r.queue_name, r.error_message, r.worker_id].some((v) => has(v, 'a\\b'))],
    ['--search _ is literal', ['--search', 'x_y'], (r) => [r.task_name, r.error_message].some((v) => has(v, 'x_y'))],
    ['--search quotes and ; -- are text', ['--search', `"quoted";`], (r) => has(r.error_message, '"quoted";')],
    ['--task-name with % and _ as text', ['--task-name', '%task'], (r) => r.task_name.includes('%task')],
    ['filters combine with AND', ['--queue-name', 'high', '--is-failed', '--since', '2d'], (r) => r.queue_name === 'high' && failed(r) && r.created_at >= NOW_US - 48 * H],
  ];

  it.skipIf(skip).each(CASES)('%s', async (_name, args, pred) => {
    const expected = expectRows(pred);
    expect(await list(args)).toEqual(expected);
  });

  it.skipIf(skip)('the cases are not vacuous: most select some rows but not all', () => {
    const sizes = CASES.map(([, , p]) => ALL.filter(p).length);
    expect(sizes.filter((n) => n > 0 && n < ALL.length).length).toBeGreaterThanOrEqual(CASES.length - 2);
  });

  const cmpNullsLast = (a: number | null, b: number | null, desc: boolean) => {
    if (a === null && b === null) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    return desc ? b - a : a - b;
  };
  const cmpText = (a: string, b: string, desc: boolean) => {
    const ba = Buffer.from(a);
    const bb = Buffer.from(b);
    return desc ? Buffer.compare(bb, ba) : Buffer.compare(ba, bb);
  };

  it.skipIf(skip).each([
    ['-duration_ms', (a: any, b: any) => cmpNullsLast(a.duration_ms, b.duration_ms, true) || b.id - a.id],
    ['duration_ms', (a: any, b: any) => cmpNullsLast(a.duration_ms, b.duration_ms, false) || a.id - b.id],
    ['-finish_time', (a: any, b: any) => cmpNullsLast(a.finish_time, b.finish_time, true) || b.id - a.id],
    ['task_name,-created_at', (a: any, b: any) => cmpText(a.task_name, b.task_name, false) || b.created_at - a.created_at || b.id - a.id],
    ['-status,job_retries', (a: any, b: any) => cmpText(a.status, b.status, true) || a.job_retries - b.job_retries || a.id - b.id],
    ['queue_name,-start_time', (a: any, b: any) => cmpText(a.queue_name, b.queue_name, false) || cmpNullsLast(a.start_time, b.start_time, true) || b.id - a.id],
  ] as const)('--ordering %s, streamed with --all (keyset), nulls last, ties by id', async (ordering, cmp) => {
    const expected = [...ALL].sort(cmp as (a: unknown, b: unknown) => number).map((r) => r.job_id);
    expect(await list(['--ordering', ordering])).toEqual(expected);
  });

  it.skipIf(skip)('pages are slices of the same order, with count', async () => {
    const expected = expectRows(failed);
    const page2 = await runJson(['logs', 'list', '--db', tdb.url, '--is-failed', '--page', '2', '--page-size', '7'], { now: NOW });
    expect(page2.count).toBe(expected.length);
    expect(page2.page).toBe(2);
    expect(page2.page_size).toBe(7);
    expect(page2.results.map((r: { job_id: string }) => r.job_id)).toEqual(expected.slice(7, 14));
    expect(Object.keys(page2.results[0])).toEqual([
      'id', 'job_id', 'task_name', 'queue_name', 'status', 'status_display', 'success', 'job_retries', 'duration_ms', 'enqueue_time', 'start_time', 'finish_time',
    ]);
    const past = await runJson(['logs', 'list', '--db', tdb.url, '--page', '999'], { now: NOW });
    expect(past.results).toEqual([]);
    expect(past.count).toBe(ALL.length);
  });

  it.skipIf(skip)('a page past the first (read through its ids first) is the same slice of --all, in every ordering, with users', async () => {
    for (const ordering of ['-enqueue_time', 'duration_ms', '-task_name,start_time', 'status,-id']) {
      const fields = ['--ordering', ordering, '--fields', 'job_id,user_display'];
      const r = await run(['logs', 'list', '--db', tdb.url, '--all', '-o', 'jsonl', ...fields], { now: NOW });
      const all = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(all).toHaveLength(ALL.length);
      expect(all.some((x: { user_display: string | null }) => x.user_display !== null)).toBe(true);
      const page = await runJson(['logs', 'list', '--db', tdb.url, ...fields, '--page', '4', '--page-size', '13'], { now: NOW });
      expect(page.results, ordering).toEqual(all.slice(39, 52));
    }
  });

  it.skipIf(skip)("a page's total: counted, or on PostgreSQL the planner's estimate for the whole table, marked; --exact-count and filters always count", async () => {
    const small = await runJson(['logs', 'list', '--db', tdb.url], { now: NOW });
    expect(small).toMatchObject({ count: ALL.length, count_estimated: false });
    const db = await openDb(tdb.url);
    try {
      const { LogReader } = await import('../../src/query/logs.js');
      const reader = new LogReader(db, new Date(NOW));
      const whole = await reader.countForPage({ filters: [], order: [] }, 10);
      if (backend === 'postgres') {
        expect(whole.estimated).toBe(true);
        // demo ran ANALYZE: the estimate is the planner's row count, close to the real one
        expect(Math.abs(whole.count - ALL.length)).toBeLessThan(ALL.length * 0.1);
      } else {
        expect(whole).toEqual({ count: ALL.length, estimated: false });
      }
      expect(await reader.countForPage({ filters: [], order: [] }, null)).toEqual({ count: ALL.length, estimated: false });
      const { FILTERS } = await import('../../src/query/filters.js');
      const def = FILTERS.find((f) => f.option.flags.startsWith('--queue-name '))!;
      const filtered = await reader.countForPage({ filters: [{ def, value: 'high' }], order: [] }, 10);
      expect(filtered).toEqual({ count: ALL.filter((r) => r.queue_name === 'high').length, estimated: false });
    } finally {
      await db.close();
    }
  });

  it.skipIf(skip)('a search page with its count from one statement (PostgreSQL with the search index): the same rows and count as the count and the page apart; otherwise, or for an empty page, none', async () => {
    const { LogReader, parseOrdering } = await import('../../src/query/logs.js');
    const { FILTERS, filterNamed } = await import('../../src/query/filters.js');
    const queue = FILTERS.find((f) => f.option.flags.startsWith('--queue-name '))!;
    const search = (w: string, order: string) => ({ filters: [{ def: filterNamed('search'), value: [w] }], order: parseOrdering(order) });
    const queries = [search('deliver', 'duration_ms'), search('no-row-holds-this', '-enqueue_time'), { filters: [{ def: queue, value: 'high' }], order: parseOrdering('-enqueue_time') }];
    /** per query and page: together, as the count and the page apart would have them, or null */
    const read = async () => {
      const db = await openDb(tdb.url);
      try {
        const reader = new LogReader(db, new Date(NOW));
        const got: unknown[] = [];
        for (const query of queries) {
          const count = await reader.count(query);
          if (query === queries[0]) expect(count).toBeGreaterThan(7);
          for (const page of [1, 2, Math.ceil(count / 7) + 1]) {
            const together = await reader.pageWithCount(query, page, 7);
            const rows = await reader.page(query, page, 7);
            if (together) expect(together).toEqual({ count, rows });
            got.push(together !== null);
          }
        }
        return got;
      } finally {
        await db.close();
      }
    };
    // without the search index: never (a scan loses its parallel count and reads a page past the end twice)
    expect(await read()).toEqual(queries.flatMap(() => [false, false, false]));
    if (backend !== 'postgres') return;
    expect((await run(['migrate', '--search-index', '--db', tdb.url], { now: NOW })).code).toBe(0);
    try {
      // the word's pages with rows; the empty pages and the queue filter still apart
      expect(await read()).toEqual([true, true, false, false, false, false, false, false, false]);
    } finally {
      expect((await run(['migrate', '--drop-index', 'search', '--db', tdb.url], { now: NOW })).code).toBe(0);
    }
  }, 120_000);

  it.skipIf(skip)('logs show by id and by job_id prints the detail fields', async () => {
    const row = ALL.find((r) => r.job_id === 'edge-null-success-failed')!;
    const byJob = await runJson(['logs', 'show', 'edge-null-success-failed', '--db', tdb.url], { now: NOW });
    const byId = await runJson(['logs', 'show', String(byJob.id), '--db', tdb.url], { now: NOW });
    expect(byId).toEqual(byJob);
    expect(byJob.id).toBe(row.id);
    expect(byJob).toMatchObject({
      job_id: 'edge-null-success-failed', task_name: 'Média.Export_ÜBER', status: 'failed', status_display: 'Failed', success: null,
      error_message: 'Ошибка: ДИСК переполнен', duration_ms: 10, duration_seconds: 0.01, job_retry: 3, job_retry_after: 60,
      user: null, user_display: null, args: [], kwargs: {},
    });
    const withUser = await runJson(['logs', 'show', 'edge-user-email', '--db', tdb.url], { now: NOW });
    expect(withUser).toMatchObject({ user: 2, user_display: 'alice (alice@example.com)' });
    const missing = await run(['logs', 'show', 'no-such-job', '--db', tdb.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tasklog: no task log with id or job_id 'no-such-job' in django_cfg_task_log \(.*\)\n$/);
  });

  it.skipIf(skip)('logs related: same job_id or task name, newest created first, ties by id descending', async () => {
    const target = ALL.find((r) => r.task_name === 'reports.build_daily')!;
    const expected = ALL.filter((r) => r.id !== target.id && (r.job_id === target.job_id || r.task_name === target.task_name))
      .sort((a, b) => b.created_at - a.created_at || b.id - a.id)
      .slice(0, 4)
      .map((r) => r.job_id);
    const got = await runJson(['logs', 'related', String(target.id), '--limit', '4', '--db', tdb.url], { now: NOW });
    expect(got.map((r: { job_id: string }) => r.job_id)).toEqual(expected);
    expect(got).toHaveLength(4);
  });

  it.skipIf(skip)('-o csv and --fields', async () => {
    const r = await run(['logs', 'list', '--db', tdb.url, '--job-id', 'edge-quote', '-o', 'csv', '--fields', 'job_id,error_message,kwargs'], { now: NOW });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job_id,error_message,kwargs\r\nedge-quote,"it\'s ""quoted""; DROP TABLE x; --",{}\r\n');
  });
});

describe('logs list: bad input exits 2 with one line naming the flag', () => {
  it.each([
    [['--status', 'done'], /option '--status <status>' argument 'done' is invalid\. Allowed choices are deferred, queued/],
    [['--status-in', 'success,bogus'], /'--status-in <a,b>' argument 'success,bogus' is invalid\. 'bogus' is not one of deferred/],
    [['--fields', 'id,nope'], /'--fields <a,b,…>' argument 'id,nope' is invalid\. 'nope' is not one of id, job_id/],
    [['--since', 'yesterday'], /'--since <time>' argument 'yesterday' is invalid\. expects ISO 8601/],
    [['--created-after', '2026-02-30'], /'--created-after <time>' argument '2026-02-30' is invalid/],
    [['--page', '0'], /'--page <n>' argument '0' is invalid\. expects a whole number ≥ 1/],
    [['--page', '-2'], /'--page <n>' argument '-2' is invalid/],
    [['--page-size', '1001'], /'--page-size <n>' argument '1001' is invalid\. expects a whole number from 1 to 1000/],
    [['--duration-min', 'fast'], /'--duration-min <ms>' argument 'fast' is invalid/],
    [['--ordering', '-nope'], /'--ordering <fields>' argument '-nope' is invalid\. 'nope' is not one of enqueue_time/],
    [['--is-failed', 'maybe'], /'--is-failed \[bool\]' argument 'maybe' is invalid\. expects true or false/],
    [['--task-name'], /option '--task-name <text>' argument missing/],
    [['-o', 'xml'], /'-o, --output <format>' argument 'xml' is invalid/],
  ])('%j', async (args, message) => {
    const r = await run(['logs', 'list', ...(args as string[])]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
