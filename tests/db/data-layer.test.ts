/**
 * The data layer on every backend: the same cases on SQLite, PostgreSQL and
 * MariaDB, each in a database of its own that is dropped afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { decodeRow } from '../../src/db/decode.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { expectedIndexes } from '../../src/db/schema.js';
import { overview } from '../../src/query/overview.js';
import { micros, openDb, withTestDb } from '../helpers/db.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { expectedOverview } from '../helpers/expected.js';
import { run, runJson } from '../helpers/run.js';

const NOW = '2026-03-15T12:00:00Z';
const backends = await backendsUnderTest();

async function open(url: string): Promise<Db> {
  return openDb(url);
}

const us = micros;

/** Rows that exercise decoding: microseconds of 0 and 1, non-ASCII JSON, null/false/true success. */
const SPECIAL: WritableRow[] = [
  {
    job_id: 'special-zero-micro', task_name: 'média_resize_ünïcode', queue_name: 'default',
    args: [0, 'x', { deep: [1, 2.5, null] }], kwargs: { message: 'tést ✓', emoji: '🎬', ключ: 'значение' },
    status: 'failed', duration_ms: 605, job_retry: 3, job_retries: 3, job_retry_after: 60, success: null,
    result: null, error_message: 'Ошибка: недоступен сервис 3 — ✗', worker_id: 'worker-1',
    enqueue_time: us('2026-03-15T11:00:00Z'), expire_time: null, start_time: us('2026-03-15T11:00:00.000001Z'),
    finish_time: us('2026-03-15T11:00:00.606001Z'), created_at: us('2026-03-14T12:00:00Z'), updated_at: us('2026-03-15T11:00:00.606001Z'), user_id: null,
  },
  {
    job_id: 'special-before-window', task_name: 'plain', queue_name: 'knowledge',
    args: [], kwargs: {}, status: 'success', duration_ms: null, job_retry: 0, job_retries: 0, job_retry_after: 60, success: false,
    result: '{"status": "completed"}', error_message: null, worker_id: null,
    enqueue_time: us('2026-03-14T11:59:59.999999Z'), expire_time: us('2026-03-14T12:59:59.999999Z'), start_time: null,
    finish_time: null, created_at: us('2026-03-14T11:59:59.999999Z'), updated_at: us('2026-03-14T11:59:59.999999Z'), user_id: 42,
  },
  {
    job_id: 'special-true', task_name: 'plain', queue_name: 'knowledge',
    args: ['a"b\'c;--%_'], kwargs: { n: 1 }, status: 'success', duration_ms: 1, job_retry: 0, job_retries: 0, job_retry_after: 60, success: true,
    result: null, error_message: '', worker_id: null,
    enqueue_time: us('2026-03-15T11:59:59.5Z'), expire_time: null, start_time: null,
    finish_time: null, created_at: us('2026-03-15T11:59:59.5Z'), updated_at: us('2026-03-15T11:59:59.5Z'), user_id: null,
  },
];

describe.each(backends)('$backend', ({ backend, skip }) => {
  let tdb: TestDatabase;

  beforeAll(async () => {
    if (!skip) tdb = await createDatabase(backend, 'core');
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it.skipIf(skip)('migrate creates the table with the index names Django gives, and a rerun changes nothing', async () => {
    const first = await runJson(['migrate', '--db', tdb.url]);
    expect(first).toMatchObject({ created: true, table: 'django_cfg_task_log', backend: backend === 'postgres' ? 'postgres' : backend });
    const second = await run(['migrate', '--db', tdb.url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already exists .*nothing changed/);
    const db = await open(tdb.url);
    try {
      const names = await db.dialect.listIndexes(db, db.table);
      for (const idx of expectedIndexes(db.table, db.dialect.maxNameLength, db.dialect.backend)) expect(names).toContain(idx.name);
    } finally {
      await db.close();
    }
  });

  // PostgreSQL only (its sessions' work_mem); defined there alone: a skip fails CI
  if (backend === 'postgres') it.skipIf(skip)("tasklog's PostgreSQL sessions get a work_mem of at least 32 MB and a jit_above_cost of at least 1M: raised from the server's, larger ones kept", async () => {
    const settings = () => withTestDb(tdb.url, async (db) => [
      String((await db.query<{ work_mem: unknown }>('SHOW work_mem'))[0].work_mem),
      String((await db.query<{ jit_above_cost: unknown }>('SHOW jit_above_cost'))[0].jit_above_cost),
    ]);
    expect(await settings()).toEqual(['32MB', '1e+06']);
    const alter = (sql: string) => withTestDb(tdb.url, (db) => db.exec(`ALTER DATABASE ${db.dialect.quote(tdb.name)} ${sql}`));
    await alter(`SET work_mem = '96MB'`);
    await alter(`SET jit_above_cost = 5000000`);
    try {
      expect(await settings()).toEqual(['96MB', '5e+06']);
    } finally {
      await alter('RESET work_mem');
      await alter('RESET jit_above_cost');
    }
    expect(await settings()).toEqual(['32MB', '1e+06']);
  });

  it.skipIf(skip)('demo fills the table deterministically and the overview matches counts made in JavaScript', async () => {
    const r = await run(['demo', '--db', tdb.url, '--rows', '3000', '--days', '5', '--seed', '11', '--json'], { now: NOW });
    expect(r.stderr).toMatch(/Inserted 3,000 demo rows/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.inserted).toBe(3000);
    const db = await open(tdb.url);
    let userIds: number[];
    try {
      userIds = (await db.query<{ id: unknown }>('SELECT id FROM auth_user ORDER BY id')).map((u) => Number(u.id));
    } finally {
      await db.close();
    }
    const expected = expectedOverview({ rows: 3000, days: 5, seed: 11, now: new Date(NOW), userIds, salt: 0 });
    const got = await runJson(['overview', '--db', tdb.url], { now: NOW });
    expect(got).toEqual(expected);
    expect(Object.keys(got)).toEqual(['total_tasks', 'active_queues', 'recent_failures', 'tasks_by_queue', 'tasks_by_status']);
    expect(got.active_queues).toEqual(['background', 'critical', 'default', 'high', 'low']);
    expect(got.recent_failures).toBeGreaterThan(0);
  });

  it.skipIf(skip)('demo refuses a table with rows unless --append, and --append adds new job ids', async () => {
    const refused = await run(['demo', '--db', tdb.url, '--rows', '10'], { now: NOW });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already has 3,000 rows; pass --append/);
    const appended = await runJson(['demo', '--db', tdb.url, '--rows', '500', '--seed', '11', '--append'], { now: NOW });
    expect(appended.overview.total_tasks).toBe(3500);
  });

  it.skipIf(skip)('decodes times, JSON and booleans exactly, and bounds the 24 h window to the microsecond', async () => {
    const db = await open(tdb.url);
    try {
      const before = await overview(db, new Date(NOW));
      await insertRows(db, SPECIAL);
      const rows = (
        await db.query(`SELECT * FROM django_cfg_task_log WHERE job_id IN (${SPECIAL.map(() => '?').join(', ')}) ORDER BY id`, SPECIAL.map((s) => s.job_id))
      ).map(decodeRow);
      expect(rows.map((r) => r.job_id)).toEqual(SPECIAL.map((s) => s.job_id));
      const [a, b, c] = rows;
      expect(a).toMatchObject({
        task_name: 'média_resize_ünïcode',
        args: [0, 'x', { deep: [1, 2.5, null] }],
        kwargs: { message: 'tést ✓', emoji: '🎬', ключ: 'значение' },
        success: null,
        duration_ms: 605,
        error_message: 'Ошибка: недоступен сервис 3 — ✗',
        enqueue_time: '2026-03-15T11:00:00Z',
        start_time: '2026-03-15T11:00:00.000001Z',
        finish_time: '2026-03-15T11:00:00.606001Z',
        created_at: '2026-03-14T12:00:00Z',
        expire_time: null,
      });
      expect(b).toMatchObject({ success: false, args: [], kwargs: {}, created_at: '2026-03-14T11:59:59.999999Z', user_id: 42, duration_ms: null });
      expect(c).toMatchObject({ success: true, args: ['a"b\'c;--%_'], enqueue_time: '2026-03-15T11:59:59.500000Z', error_message: '' });
      const after = await overview(db, new Date(NOW));
      // a (failed, created exactly 24 h before now) counts; b (success=false, 1 µs earlier) does not.
      expect(after.recent_failures - before.recent_failures).toBe(1);
      expect(after.total_tasks - before.total_tasks).toBe(3);
      expect(after.active_queues).toContain('knowledge');
      expect(after.tasks_by_queue.knowledge).toBe(2);
    } finally {
      await db.close();
    }
  });

  it.skipIf(skip)('a JSON string holding JSON stays a string (parsed once, as Django reads it)', async () => {
    const row = { ...SPECIAL[2], job_id: 'special-json-string', args: '[1, 2]', kwargs: { inner: '{"a": 1}', n: '42' } };
    const db = await open(tdb.url);
    try {
      await insertRows(db, [row, { ...row, job_id: 'special-json-number-string', args: '42' }]);
    } finally {
      await db.close();
    }
    for (const [ref, args] of [['special-json-string', '[1, 2]'], ['special-json-number-string', '42']]) {
      const shown = await runJson(['logs', 'show', ref, '--db', tdb.url], { now: NOW });
      expect(shown.args).toBe(args);
      expect(shown.kwargs).toEqual({ inner: '{"a": 1}', n: '42' });
    }
  });

  it.skipIf(skip)('a read command on a database without the table names table, database and fix', async () => {
    const other = await createDatabase(backend, 'empty');
    if (backend === 'sqlite') {
      const Database = (await import('better-sqlite3')).default;
      new Database(other.url).exec('CREATE TABLE unrelated (id integer)');
    }
    try {
      const r = await run(['overview', '--db', other.url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^tasklog: table django_cfg_task_log not found in .* \(run `tasklog migrate` to create it, or point --db\/--table at the database that has it\)\n$/);
      expect(r.stderr.split('\n')).toHaveLength(2);
    } finally {
      await other.drop();
    }
  });

  it.skipIf(skip)('doctor: all checks pass on a migrated table; a dropped index is named with its CREATE INDEX, exit 1', async () => {
    const good = await run(['doctor', '--db', tdb.url, '--json']);
    expect(good.code).toBe(0);
    const report = JSON.parse(good.stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(['connection', 'table', 'indexes', 'rows', 'search index', 'report index', 'user table']);
    const name = 'django_cfg__status_a59726_idx';
    await withTestDb(tdb.url, (db) => db.exec(backend === 'mysql' ? `DROP INDEX \`${name}\` ON django_cfg_task_log` : `DROP INDEX "${name}"`));
    const bad = await run(['doctor', '--db', tdb.url, '--json']);
    expect(bad.code).toBe(1);
    const missing = JSON.parse(bad.stdout).missing_indexes;
    expect(missing.map((m: { name: string }) => m.name)).toEqual([name]);
    await withTestDb(tdb.url, (db) => db.exec(missing[0].sql));
    expect((await run(['doctor', '--db', tdb.url])).code).toBe(0);
  });

  it.skipIf(skip)('a custom --table gets Django-derived index names and works end to end', async () => {
    const m = await runJson(['migrate', '--db', tdb.url, '--table', 'other_task_log']);
    expect(m.created).toBe(true);
    expect(m.indexes[0]).toMatch(/^other_task__task_na_[0-9a-f]{6}_idx$/);
    const r = await runJson(['demo', '--db', tdb.url, '--table', 'other_task_log', '--rows', '50'], { now: NOW });
    expect(r.overview.total_tasks).toBe(50);
  });
});
