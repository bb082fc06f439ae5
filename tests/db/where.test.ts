/**
 * --where on every backend: each expression selects exactly the rows an
 * independent JavaScript reading of the same data selects (so the three
 * databases agree with each other and with a hand count), JSON paths into
 * args, kwargs and result included, with hostile values (quotes, % and _,
 * the two characters whose lower case is ASCII, non-ASCII keys). An
 * expression the flags can say gives the flags' statement: the same SQL,
 * and on PostgreSQL the same plan. The reports, ?q= and views take it too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRows } from '../../fixtures/generate.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import type { Db } from '../../src/db/connect.js';
import { activeFilters, filterCondition } from '../../src/query/filters.js';
import { LogReader, parseOrdering } from '../../src/query/logs.js';
import { parseWhere } from '../../src/query/where.js';
import { listLogs, ApiError } from '../../src/server/api.js';
import { micros, openDb } from '../helpers/db.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { edgeRow } from '../helpers/rows.js';
import { run, runJson } from '../helpers/run.js';

const NOW = '2026-04-20T10:00:00Z';
const ROWS = 500;
const backends = await backendsUnderTest();
const NOW_US = micros(NOW);
const H = 3_600_000_000;
const edge = (job_id: string, over: Partial<WritableRow>): WritableRow => edgeRow(NOW_US, job_id, over);

const HOSTILE = {
  user_id: 42,
  name: "O'Brien",
  pct: '100%_done',
  city: 'İstanbul',
  k: '\u212Aelvin',
  empty: '',
  nul: null,
  flag: true,
  big: 12345678901,
  neg: -3.5,
  list: ['a', 'b'],
  'odd key': 'v',
  über: 'Ünïcode',
};

const EDGES: WritableRow[] = [
  edge('w-hostile', { kwargs: HOSTILE, args: ["it's", 7, null, { deep: ['x'] }], result: JSON.stringify({ note: "it's 100%_done", n: 1.5, ok: false, nested: { arr: [1, 'two', null] } }), task_name: 'Média.Export_ÜBER', error_message: '100% done_but failed', status: 'failed', success: false }),
  edge('w-string-id', { kwargs: { user_id: '42', flag: false, name: 'o’brien' }, args: ['x'], result: 'plain text, not JSON', worker_id: 'w;--' }),
  edge('w-scalar-result', { kwargs: { user_id: 41.5, flag: 'true', nul: 0 }, args: [], result: '"just a string"', status: 'failed', success: null, error_message: `it's "quoted"; DROP TABLE x; --` }),
  edge('w-null-flag', { kwargs: { flag: null, list: [] }, args: [1, 2], result: '[1, {"a": "b"}]', status: 'canceled', success: null, duration_ms: null, start_time: null, finish_time: null }),
  edge('w-kelvin', { kwargs: { k: 'KELVIN', city: 'istanbul' }, worker_id: '\u212AELVIN-7', error_message: 'TAXİ fare declined', status: 'success', success: true }),
];

type Row = WritableRow & { id: number };
let ALL: Row[] = [];

/** The value at a path, as the language reads it: undefined where the path leads nowhere. */
function at(v: unknown, path: (string | number)[]): unknown {
  let cur = v;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof step === 'number') cur = Array.isArray(cur) ? cur[step] : undefined;
    else cur = Array.isArray(cur) ? undefined : (cur as Record<string, unknown>)[step];
  }
  return cur;
}
const json = (text: string | null) => {
  try {
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};
const failed = (r: Row) => ['failed', 'expired'].includes(r.status) || r.success === false;
const has = (v: unknown, term: string) => typeof v === 'string' && v.toLowerCase().includes(term.toLowerCase());
const isNum = (v: unknown): v is number => typeof v === 'number';

const CASES: [string, (r: Row) => boolean][] = [
  ["status = 'failed' and queue_name = 'high'", (r) => r.status === 'failed' && r.queue_name === 'high'],
  ['is_failed or duration_ms > 5s', (r) => failed(r) || (r.duration_ms !== null && r.duration_ms > 5000)],
  ['not is_completed', (r) => !['success', 'failed', 'expired', 'canceled'].includes(r.status)],
  ['(is_failed or is_open) and has_error', (r) => (failed(r) || ['queued', 'in_progress'].includes(r.status)) && !!r.error_message],
  ["task_name contains 'ÜBER'", (r) => has(r.task_name, 'über')],
  ["task_name startswith 'notifications.'", (r) => r.task_name.startsWith('notifications.')],
  ["task_name startswith 'Média.E'", (r) => r.task_name.startsWith('Média.E')],
  ["task_name startswith 'NOTIFICATIONS.'", (r) => r.task_name.startsWith('NOTIFICATIONS.')],
  ["error_message contains '100%'", (r) => has(r.error_message, '100%')],
  ["error_message contains 'e_b'", (r) => has(r.error_message, 'e_b')],
  ["error_message contains 'it''s \"quoted\"'", (r) => has(r.error_message, `it's "quoted"`)],
  ["error_message contains 'taxi'", (r) => has(r.error_message, 'taxi')],
  ["worker_id contains 'kelvin'", (r) => has(r.worker_id, 'kelvin')],
  ["worker_id != 'w;--'", (r) => r.worker_id !== null && r.worker_id !== 'w;--'],
  ["task_name < 'n'", (r) => r.task_name < 'n'],
  ['kwargs.user_id = 42', (r) => at(r.kwargs, ['user_id']) === 42],
  ["kwargs.user_id = '42'", (r) => at(r.kwargs, ['user_id']) === '42'],
  ['kwargs.user_id > 41', (r) => isNum(at(r.kwargs, ['user_id'])) && (at(r.kwargs, ['user_id']) as number) > 41],
  ["kwargs.name = 'O''Brien'", (r) => at(r.kwargs, ['name']) === "O'Brien"],
  ["kwargs.name = 'o''brien'", (r) => at(r.kwargs, ['name']) === "o'brien"],
  ["kwargs.pct contains '%_'", (r) => has(at(r.kwargs, ['pct']), '%_')],
  ["kwargs.city contains 'STANBUL'", (r) => has(at(r.kwargs, ['city']), 'stanbul')],
  ["kwargs.city = 'istanbul'", (r) => at(r.kwargs, ['city']) === 'istanbul'],
  ["kwargs.k contains 'kelvin'", (r) => has(at(r.kwargs, ['k']), 'kelvin')],
  ["kwargs.empty = ''", (r) => at(r.kwargs, ['empty']) === ''],
  ['kwargs.flag = true', (r) => at(r.kwargs, ['flag']) === true],
  ['kwargs.flag = false', (r) => at(r.kwargs, ['flag']) === false],
  ['kwargs.flag != true', (r) => at(r.kwargs, ['flag']) === false],
  ['kwargs.nul is null', (r) => at(r.kwargs, ['nul']) === undefined || at(r.kwargs, ['nul']) === null],
  ['kwargs.nul is not null', (r) => at(r.kwargs, ['nul']) !== undefined && at(r.kwargs, ['nul']) !== null],
  ['kwargs.big > 12345678900 or kwargs.neg < -3', (r) => (at(r.kwargs, ['big']) as number) > 12345678900 || (at(r.kwargs, ['neg']) as number) < -3],
  ['kwargs.amount >= 500 and kwargs.amount < 600', (r) => isNum(at(r.kwargs, ['amount'])) && (at(r.kwargs, ['amount']) as number) >= 500 && (at(r.kwargs, ['amount']) as number) < 600],
  ["kwargs.list[1] = 'b'", (r) => at(r.kwargs, ['list', 1]) === 'b'],
  ["kwargs.fields[0] in ('email', 'phone')", (r) => ['email', 'phone'].includes(at(r.kwargs, ['fields', 0]) as string)],
  ["kwargs['odd key'] = 'v'", (r) => at(r.kwargs, ['odd key']) === 'v'],
  ["kwargs['über'] contains 'ünï'", (r) => has(at(r.kwargs, ['über']), 'ünï')],
  ["args[0] = 'it''s'", (r) => at(r.args, [0]) === "it's"],
  ['args[1] = 7', (r) => at(r.args, [1]) === 7],
  ['args[1] is not null', (r) => at(r.args, [1]) !== undefined && at(r.args, [1]) !== null],
  ["args[3].deep[0] = 'x'", (r) => at(r.args, [3, 'deep', 0]) === 'x'],
  ["args[0] startswith 'https://hooks.'", (r) => typeof at(r.args, [0]) === 'string' && (at(r.args, [0]) as string).startsWith('https://hooks.')],
  ["result.status in ('sent', 'captured')", (r) => ['sent', 'captured'].includes(at(json(r.result), ['status']) as string)],
  ["result.nested.arr[1] = 'two'", (r) => at(json(r.result), ['nested', 'arr', 1]) === 'two'],
  ['result.n = 1.5 and result.ok = false', (r) => at(json(r.result), ['n']) === 1.5 && at(json(r.result), ['ok']) === false],
  ["result.note contains '%_'", (r) => has(at(json(r.result), ['note']), '%_')],
  ['result.status_code = 200 and result.elapsed_ms > 500', (r) => at(json(r.result), ['status_code']) === 200 && (at(json(r.result), ['elapsed_ms']) as number) > 500],
  ["result[1].a = 'b'", (r) => at(json(r.result), [1, 'a']) === 'b'],
  ['result is null', (r) => r.result === null],
  ["result contains 'not json'", (r) => has(r.result, 'not json')],
  ['created_at > -1d', (r) => r.created_at > NOW_US - 24 * H],
  ['created_at >= 1d ago and created_at < 2h ago', (r) => r.created_at >= NOW_US - 24 * H && r.created_at < NOW_US - 2 * H],
  ['created_at >= 2026-04-19', (r) => r.created_at >= micros('2026-04-19T00:00:00Z')],
  ["enqueue_time < '2026-04-19T10:00:00+02:00'", (r) => r.enqueue_time < micros('2026-04-19T08:00:00Z')],
  ['start_time is null', (r) => r.start_time === null],
  ["job_retries in (2, 3) and not status in ('success')", (r) => [2, 3].includes(r.job_retries) && r.status !== 'success'],
  ["status not in ('success', 'failed')", (r) => !['success', 'failed'].includes(r.status)],
  ['success = false', (r) => r.success === false],
  ['success is null', (r) => r.success === null],
  ['success != true', (r) => r.success === false],
  ['duration_ms >= 1.5s and duration_ms <= 2m', (r) => r.duration_ms !== null && r.duration_ms >= 1500 && r.duration_ms <= 120_000],
  ['NOT (is_failed OR is_successful)', (r) => !(failed(r) || (r.status === 'success' && r.success === true))],
];

/**
 * Expressions the flags can say, their conditions in the filter table's order (the order the flags
 * add theirs): the same SQL, bindings and (PostgreSQL) plan.
 */
const SAME_AS_FLAGS: [string, Record<string, unknown>][] = [
  ["queue_name = 'high' and status = 'failed'", { status: 'failed', queue_name: 'high' }],
  ["task_name contains 'payment' and is_failed", { task_name: 'payment', is_failed: true }],
  ["task_name = 'webhooks.deliver' and created_at >= -2d", { task: 'webhooks.deliver', since: { kind: 'relative', ms: 2 * 86_400_000, text: '2d' } }],
  ["queue_name in ('low', 'background') and has_error and duration_ms >= 5s", { queue_name_in: ['low', 'background'], duration_min: 5000, has_error: true }],
  ["status in ('failed', 'expired') and job_retries >= 1", { status_in: ['failed', 'expired'], job_retries_min: 1 }],
];

describe.each(backends)('--where on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  let db: Db;
  const now = new Date(NOW);
  const list = async (args: string[]) => {
    const r = await run(['logs', 'list', '--db', tdb.url, '--all', '-o', 'jsonl', '--fields', 'job_id', ...args], { now: NOW });
    if (r.code !== 0) throw new Error(`logs list ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l).job_id as string);
  };
  const expectRows = (pred: (r: Row) => boolean) =>
    ALL.filter(pred)
      .sort((a, b) => b.enqueue_time - a.enqueue_time || b.id - a.id)
      .map((r) => r.job_id);

  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'where');
    const demo = await run(['demo', '--db', tdb.url, '--rows', String(ROWS), '--days', '3', '--seed', '5'], { now: NOW });
    expect(demo.code).toBe(0);
    db = await openDb(tdb.url);
    await insertRows(db, EDGES);
    ALL = [...generateRows({ rows: ROWS, days: 3, seed: 5, now, userIds: [1, 2, 3, 4], salt: 0 }), ...EDGES].map((r, i) => ({ ...r, id: i + 1 }));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it.skipIf(skip).each(CASES)('%s', async (expr, pred) => {
    expect(await list(['--where', expr])).toEqual(expectRows(pred));
  });

  it.skipIf(skip)('the cases are not vacuous: most select some rows but not all', () => {
    const sizes = CASES.map(([, p]) => ALL.filter(p).length);
    expect(sizes.filter((n) => n > 0 && n < ALL.length).length).toBeGreaterThanOrEqual(CASES.length - 4);
  });

  it.skipIf(skip).each(SAME_AS_FLAGS)('%s is the statement of its flags', async (expr, values) => {
    const statements = async (filters: ReturnType<typeof activeFilters>) => {
      const seen: { sql: string; bindings: readonly unknown[] }[] = [];
      const recording = Object.create(db, {
        query: { value: (sql: string, bindings: readonly unknown[] = []) => (seen.push({ sql, bindings }), db.query(sql, bindings)) },
      }) as Db;
      const reader = new LogReader(recording, now);
      const query = { filters, order: parseOrdering('-enqueue_time') };
      const rows = await reader.page(query, 1, 20);
      const count = await reader.count(query);
      return { seen, ids: rows.map((r) => r.id), count };
    };
    const byFlags = await statements(activeFilters(values));
    const byWhere = await statements(activeFilters({ where: parseWhere(expr) }));
    expect(byWhere.seen).toEqual(byFlags.seen);
    expect(byWhere.ids).toEqual(byFlags.ids);
    expect(byFlags.count).toBeGreaterThan(0);
    expect(filterCondition(db, now, { where: expr })).toEqual(filterCondition(db, now, { filters: values }));
    if (backend === 'postgres') {
      await db.exec(`ANALYZE ${db.dialect.quote(db.table)}`);
      const plan = async (s: { sql: string; bindings: readonly unknown[] }) => JSON.stringify((await db.query(`EXPLAIN (FORMAT JSON) ${s.sql}`, s.bindings))[0]);
      for (let i = 0; i < byFlags.seen.length; i++) expect(await plan(byWhere.seen[i])).toEqual(await plan(byFlags.seen[i]));
    }
  });

  it.skipIf(skip)('the reports read the rows of --where as they read those of the same flags', async () => {
    const common = ['--db', tdb.url, '--period-hours', '72'];
    for (const cmd of [['stats', '--by', 'queue'], ['timeline'], ['errors'], ['overview']]) {
      const byWhere = await runJson([...cmd, ...common.filter((a) => cmd[0] !== 'overview' || a !== '--period-hours' && a !== '72'), '--where', "queue_name = 'critical' and is_failed"], { now: NOW });
      const byFlags = await runJson([...cmd, ...common.filter((a) => cmd[0] !== 'overview' || a !== '--period-hours' && a !== '72'), '--queue-name', 'critical', '--is-failed'], { now: NOW });
      expect(byWhere).toEqual(byFlags);
    }
    const stats = await runJson(['stats', ...common, '--where', "kwargs.currency = 'EUR'"], { now: NOW });
    const eur = ALL.filter((r) => at(r.kwargs, ['currency']) === 'EUR' && r.created_at >= NOW_US - 72 * H);
    expect(stats.total).toBe(eur.length);
    expect(stats.total).toBeGreaterThan(0);
    expect(stats.failed).toBe(eur.filter(failed).length);
  });

  it.skipIf(skip)('stats, timeline and errors read --task-name as contains and --task as exact, as logs list does', async () => {
    const common = ['--db', tdb.url, '--period-hours', '72'];
    const inWindow = ALL.filter((r) => r.created_at >= NOW_US - 72 * H);
    const contains = await runJson(['stats', ...common, '--task-name', 'NOTIFICATIONS.'], { now: NOW });
    expect(contains.total).toBe(inWindow.filter((r) => has(r.task_name, 'notifications.')).length);
    const exact = await runJson(['stats', ...common, '--task', 'notifications.send_email'], { now: NOW });
    expect(exact.total).toBe(inWindow.filter((r) => r.task_name === 'notifications.send_email').length);
    expect(exact.total).toBeLessThan(contains.total);
    const timeline = await runJson(['timeline', ...common, '--task-name', 'notifications.'], { now: NOW });
    expect(timeline.reduce((s: number, b: { total: number }) => s + b.total, 0)).toBe(contains.total);
  });

  it.skipIf(skip)('?q= is the list API\'s --where; a bad one is 400 naming q', async () => {
    const req = (query: string) => ({ path: '/cfg/tasks/logs/', query, origin: 'http://testserver', now });
    const answer = await listLogs(db, req(`q=${encodeURIComponent("kwargs.user_id = 42 or kwargs.flag = true")}&page_size=100`));
    const want = ALL.filter((r) => at(r.kwargs, ['user_id']) === 42 || at(r.kwargs, ['flag']) === true);
    expect((answer.body as { count: number }).count).toBe(want.length);
    expect(want.length).toBeGreaterThan(0);
    const bad = await listLogs(db, req('q=stauts%3D1')).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).status).toBe(400);
    expect(Object.keys((bad as ApiError).body as object)).toEqual(['q']);
    expect(((bad as ApiError).body as { q: string[] }).q[0]).toMatch(/^unknown field 'stauts'; fields: id, job_id,.* \(at character 1\)$/);
  });

  it.skipIf(skip)('--view NAME is the saved expression, ANDed with the other filters; tasklog views counts each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-views-'));
    try {
      writeFileSync(join(dir, 'tasklog.config.json'), JSON.stringify({ views: { 'hostile-kwargs': "kwargs.name = 'O''Brien' or kwargs.user_id = 42", failing: 'is_failed' } }));
      const opts = { now: NOW, cwd: dir };
      const viewed = await run(['logs', 'list', '--db', tdb.url, '--all', '-o', 'jsonl', '--fields', 'job_id', '--view', 'failing', '--queue-name', 'high'], opts);
      expect(viewed.code).toBe(0);
      expect(viewed.stdout.trim().split('\n').map((l) => JSON.parse(l).job_id)).toEqual(expectRows((r) => failed(r) && r.queue_name === 'high'));
      const views = await runJson(['views', '--db', tdb.url], opts);
      expect(views).toEqual([
        { name: 'hostile-kwargs', where: "kwargs.name = 'O''Brien' or kwargs.user_id = 42", count: ALL.filter((r) => at(r.kwargs, ['name']) === "O'Brien" || at(r.kwargs, ['user_id']) === 42).length },
        { name: 'failing', where: 'is_failed', count: ALL.filter(failed).length },
      ]);
      const missing = await run(['stats', '--db', tdb.url, '--view', 'nope'], opts);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe("tasklog: no view 'nope' in the config file (views: hostile-kwargs, failing)\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(backends)('the other commands over --where on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  let db: Db;
  const now = new Date(NOW);
  let ALL2: Row[] = [];
  const H1 = NOW_US - H;

  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'whereops');
    const demo = await run(['demo', '--db', tdb.url, '--rows', '300', '--days', '2', '--seed', '9'], { now: NOW });
    expect(demo.code).toBe(0);
    db = await openDb(tdb.url);
    // the last hour: payments failing, everything else fine
    const recent = Array.from({ length: 12 }, (_, i) =>
      edgeRow(NOW_US, `pay-${i}`, { created_at: H1 + (i + 1) * 60_000_000, enqueue_time: H1 + (i + 1) * 60_000_000, queue_name: 'payments', kwargs: { amount: 1000 + i * 100 }, status: i < 4 ? 'failed' : 'success', success: i >= 4 }),
    );
    await insertRows(db, recent);
    ALL2 = [...generateRows({ rows: 300, days: 2, seed: 9, now, userIds: [1, 2, 3, 4], salt: 0 }), ...recent].map((r, i) => ({ ...r, id: i + 1 }));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it.skipIf(skip)('an alert rule of its own with a where fires on its rows only; the command\'s filters narrow every rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-alerts-'));
    try {
      const rule = { where: "queue_name = 'payments' and kwargs.amount >= 1100", failureRate: 10, minRows: 3 };
      writeFileSync(join(dir, 'tasklog.config.json'), JSON.stringify({ alerts: { tasks: [rule] } }));
      const r = await run(['alerts', 'check', '--db', tdb.url, '--json', '--stuck-count', '1000', '--failure-rate', '100'], { now: NOW, cwd: dir });
      const out = JSON.parse(r.stdout);
      const rows = ALL2.filter((x) => x.created_at >= H1 && x.queue_name === 'payments' && (at(x.kwargs, ['amount']) as number) >= 1100);
      const bad = rows.filter(failed);
      expect(bad.length).toBeGreaterThan(0);
      expect(out.alerts.map((a: { id: string }) => a.id)).toEqual([`where_failure_rate::${rule.where}`]);
      expect(out.alerts[0].value).toBe(Math.round((bad.length / rows.length) * 10000) / 100);
      expect(out.alerts[0].evidence).toContain(`Total tasks: ${rows.length}`);
      expect(r.code).toBe(1);
      // scoped to another queue, the rule finds no payments rows: nothing fires
      const scoped = await run(['alerts', 'check', '--db', tdb.url, '--json', '--stuck-count', '1000', '--failure-rate', '100', '--queue-name', 'low'], { now: NOW, cwd: dir });
      expect(JSON.parse(scoped.stdout).alerts).toEqual([]);
      expect(scoped.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(skip)('health --where checks those rows; metrics --where counts those rows', async () => {
    // 4 of 12 failed: CRITICAL (exit 2), the numbers on stdout all the same
    const checked = await run(['health', '--db', tdb.url, '--where', "queue_name = 'payments'", '--json'], { now: NOW });
    expect(checked.code).toBe(2);
    const h = JSON.parse(checked.stdout);
    const lastHour = ALL2.filter((x) => x.created_at >= H1 && x.queue_name === 'payments');
    expect(h.total_last_hour).toBe(lastHour.length);
    expect(h.failed_last_hour).toBe(lastHour.filter(failed).length);
    expect(h.failure_rate).toBe(Math.round((lastHour.filter(failed).length / lastHour.length) * 10000) / 100);
    const all = JSON.parse((await run(['health', '--db', tdb.url, '--json'], { now: NOW })).stdout);
    expect(all.total_last_hour).toBeGreaterThan(h.total_last_hour);
    const m = await run(['metrics', '--db', tdb.url, '--where', 'is_failed'], { now: NOW });
    const sum = m.stdout.split('\n').filter((l) => l.startsWith('tasklog_tasks{')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    expect(sum).toBe(ALL2.filter(failed).length);
  });

  it.skipIf(skip)('the user filters work in the reports too: --user and --search read the user by user_id', async () => {
    const { DEMO_USERS } = await import('../../fixtures/generate.js');
    const alice = ALL2.filter((x) => x.user_id === 2);
    expect(alice.length).toBeGreaterThan(0);
    const o = await runJson(['overview', '--db', tdb.url, '--user', DEMO_USERS[1].username], { now: NOW });
    expect(o.total_tasks).toBe(alice.length);
    const s = await runJson(['stats', '--db', tdb.url, '--period-hours', '72', '--search', DEMO_USERS[1].email.toUpperCase()], { now: NOW });
    expect(s.total).toBe(alice.filter((x) => x.created_at >= NOW_US - 72 * H).length);
    const cleanupCount = await runJson(['cleanup', '--db', tdb.url, '--days', '1', '--user', String(2), '--dry-run'], { now: NOW });
    expect(cleanupCount.deleted).toBe(alice.filter((x) => x.created_at < NOW_US - 24 * H).length);
  });

  it.skipIf(skip)("the dashboard's reports are of the list's rows (?q=), and it links the saved views", async () => {
    const { dashboard } = await import('../../src/server/dashboard.js');
    const views = new Map([['payments <&>', "queue_name = 'payments'"]]);
    const reply = await dashboard(db, { path: '/', query: `q=${encodeURIComponent("queue_name = 'payments'")}`, origin: 'http://testserver', now }, [], views);
    expect(reply.status).toBe(200);
    const html = reply.text!;
    expect(html).toMatch(new RegExp(`data-k="total_tasks">${ALL2.filter((x) => x.queue_name === 'payments').length}<`));
    expect(html).toContain(`<a data-view="payments &lt;&amp;&gt;" href="/?q=queue_name+%3D+%27payments%27"`);
    const bad = await dashboard(db, { path: '/', query: 'q=nope', origin: 'http://testserver', now });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/class="err">q: unknown field &#39;nope&#39;; fields: id, job_id/);
  });

  it.skipIf(skip)('cleanup --where deletes exactly the old rows the expression selects', async () => {
    const expr = "queue_name = 'payments' or (task_name startswith 'notifications.' and kwargs.title contains '✓')";
    const old = (x: Row) => x.created_at < NOW_US - 24 * H;
    const chosen = (x: Row) => x.queue_name === 'payments' || (x.task_name.startsWith('notifications.') && has(at(x.kwargs, ['title']), '✓'));
    const dry = await runJson(['cleanup', '--db', tdb.url, '--days', '1', '--where', expr, '--dry-run'], { now: NOW });
    const want = ALL2.filter((x) => old(x) && chosen(x));
    expect(want.length).toBeGreaterThan(0);
    expect(dry.deleted).toBe(want.length);
    const done = await runJson(['cleanup', '--db', tdb.url, '--days', '1', '--where', expr, '--yes', '--batch-size', '7'], { now: NOW });
    expect(done.deleted).toBe(want.length);
    const left = await run(['logs', 'list', '--db', tdb.url, '--all', '-o', 'jsonl', '--fields', 'job_id'], { now: NOW });
    expect(left.stdout.trim().split('\n').map((l) => JSON.parse(l).job_id).sort()).toEqual(ALL2.filter((x) => !(old(x) && chosen(x))).map((x) => x.job_id).sort());
  });
});
