/**
 * Databases that Django itself created and filled: the shared sample.sqlite,
 * and on every backend a database made by fixtures/django/django_fixture.py
 * through Django's ORM. tasklog's overview must equal what the ORM counts,
 * and every decoded row must equal what Django REST framework would print.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRow } from '../../src/db/decode.js';
import { parseInstant } from '../../src/core/time.js';
import { isFailed } from '../helpers/expected.js';
import { backendsUnderTest, createDatabase, REQUIRE_ALL, type BackendName, type TestDatabase } from '../helpers/databases.js';
import { withTestDb } from '../helpers/db.js';
import { run, runJson } from '../helpers/run.js';
import { DJANGO_SCHEMA, REPO_ROOT, sharedMissing } from '../helpers/shared.js';

const SCRIPT = join(REPO_ROOT, 'fixtures', 'django', 'django_fixture.py');
const DRIVER_MODULE: Record<BackendName, string> = { sqlite: 'sqlite3', postgres: 'psycopg2', mysql: 'MySQLdb' };
const ENGINE: Record<BackendName, string> = { sqlite: 'sqlite', postgres: 'postgresql', mysql: 'mysql' };

/** A Python that has Django and the backend's driver (Debian's python3-django etc.), or why there is none. */
function findPython(backend: BackendName): { python: string | null; why: string | null } {
  const candidates = [process.env.TASKLOG_TEST_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import django, ${DRIVER_MODULE[backend]}`], { encoding: 'utf8' });
    if (r.status === 0) return { python, why: null };
  }
  const why = `no python3 with Django and ${DRIVER_MODULE[backend]} (apt-get install python3-django python3-psycopg2 python3-mysqldb)`;
  if (REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
  console.warn(`\n*** SKIPPING Django ORM comparison on ${backend}: ${why}\n`);
  return { python: null, why };
}

function connectionArgs(db: TestDatabase): string[] {
  if (db.backend === 'sqlite') return ['--engine', 'sqlite', '--name', db.url];
  const u = new URL(db.url);
  return ['--engine', ENGINE[db.backend], '--name', db.name, '--host', u.hostname, '--port', u.port || (db.backend === 'postgres' ? '5432' : '3306'), '--user', decodeURIComponent(u.username)];
}

function django(python: string, db: TestDatabase, ...args: string[]): any {
  const out = execFileSync(python, [SCRIPT, ...connectionArgs(db), ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Kolkata' } });
  return JSON.parse(out);
}

const OVERVIEW_KEYS = ['total_tasks', 'active_queues', 'recent_failures', 'tasks_by_queue', 'tasks_by_status'] as const;
const pick = (o: Record<string, unknown>) => Object.fromEntries(OVERVIEW_KEYS.map((k) => [k, o[k]]));

async function decodedRows(url: string) {
  return withTestDb(url, async (db) => (await db.query(`SELECT * FROM ${db.dialect.quote(db.table)} ORDER BY ${db.dialect.quote('id')}`)).map(decodeRow));
}

function ormRowShape(rows: ReturnType<typeof decodeRow>[]) {
  return rows.map((r) => ({
    id: r.id,
    job_id: r.job_id,
    created_at: r.created_at,
    start_time: r.start_time,
    success: r.success,
    args: r.args,
    kwargs: r.kwargs,
    error_message: r.error_message,
  }));
}

const sampleMissing = sharedMissing();

describe.skipIf(sampleMissing)('the Django-written sample.sqlite', () => {
  const NOW = '2026-11-27T20:30:00Z';
  let file: string;
  beforeAll(() => {
    file = join(mkdtempSync(join(tmpdir(), 'tasklog-sample-')), 'sample.sqlite');
    copyFileSync(join(DJANGO_SCHEMA, 'sample.sqlite'), file);
  });

  it('overview equals counts made in JavaScript from the raw text rows', async () => {
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true }).prepare('SELECT queue_name, status, success, created_at FROM django_cfg_task_log').all() as {
      queue_name: string;
      status: string;
      success: number | null;
      created_at: string;
    }[];
    const since = Date.parse(NOW) - 24 * 3600_000;
    const byQueue: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    let recent = 0;
    for (const r of raw) {
      byQueue[r.queue_name] = (byQueue[r.queue_name] ?? 0) + 1;
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      const created = parseInstant(r.created_at)!;
      if (created.ms >= since && isFailed({ status: r.status, success: r.success === null ? null : r.success === 1 })) recent++;
    }
    const got = await runJson(['overview', '--db', file], { now: NOW });
    expect(got).toEqual({
      total_tasks: raw.length,
      active_queues: Object.keys(byQueue).sort(),
      recent_failures: recent,
      tasks_by_queue: byQueue,
      tasks_by_status: byStatus,
    });
    expect(got.total_tasks).toBe(300);
  });

  const { python } = findPython('sqlite');
  it.skipIf(!python)('overview and every decoded row equal what the Django ORM reads', async () => {
    const orm = django(python!, { backend: 'sqlite', url: file, name: file, drop: async () => undefined }, 'counts', '--now', NOW);
    const got = await runJson(['overview', '--db', file], { now: NOW });
    expect(got).toEqual(pick(orm));
    expect(ormRowShape(await decodedRows(file))).toEqual(orm.rows);
  });
});

const backends = await backendsUnderTest();

/**
 * A database Django migrates and fills through its ORM for one describe
 * block (dropped after it), with the ORM's own `counts` of it; `python` is
 * null when the backend or Django is not available (a skip).
 */
function djangoDatabase(backend: BackendName, skip: string | null, tag: string, rows: number, seed: number, now: string) {
  const state = { python: skip ? null : findPython(backend).python, tdb: undefined as unknown as TestDatabase, orm: undefined as any };
  beforeAll(async () => {
    if (!state.python) return;
    state.tdb = await createDatabase(backend, tag);
    django(state.python, state.tdb, 'create', '--rows', String(rows), '--seed', String(seed), '--now', now);
    state.orm = django(state.python, state.tdb, 'counts', '--now', now);
  }, 180_000);
  afterAll(async () => {
    await state.tdb?.drop();
  });
  return state;
}

describe.each(backends)('a database Django created and filled on $backend', ({ backend, skip }) => {
  const NOW = '2026-06-01T08:15:30.250000Z';
  const dj = djangoDatabase(backend, skip, 'django', 150, 3, NOW);

  it.skipIf(!dj.python)('overview --json equals the Django ORM counts', async () => {
    const got = await runJson(['overview', '--db', dj.tdb.url], { now: NOW });
    expect(got).toEqual(pick(dj.orm));
    expect(got.total_tasks).toBe(150);
    expect(got.recent_failures).toBeGreaterThan(0);
  });

  it.skipIf(!dj.python)('every row decodes to what Django REST framework prints (times, JSON, booleans)', async () => {
    const rows = await decodedRows(dj.tdb.url);
    expect(ormRowShape(rows)).toEqual(dj.orm.rows);
    // the fixture has rows whose microseconds are 0 and rows with null success
    expect(rows.some((r) => r.created_at && !r.created_at.includes('.'))).toBe(true);
    expect(rows.some((r) => r.success === null)).toBe(true);
  });
});

/** tasklog flags and the ORM filter (in django_fixture.py's `filters`) that must select the same rows. */
const FILTER_FLAGS: [string, string[]][] = [
  ['is_failed', ['--is-failed']],
  ['not_failed', ['--is-failed', 'false']],
  ['is_successful', ['--is-successful']],
  ['not_successful', ['--is-successful', 'false']],
  ['is_completed', ['--is-completed']],
  ['has_error', ['--has-error']],
  ['success_null', ['--success', 'null']],
  ['created_after_24h', ['--created-after', '24h']],
  ['task_name_contains_data', ['--task-name', 'DATA']],
  ['duration_min_1000', ['--duration-min', '1000']],
  ['queue_in_high_low', ['--queue-name-in', 'high,low']],
  ['user_alice', ['--user', 'alice']],
  ['search_timeout', ['--search', 'timeout']],
];

describe.each(backends)('logs list filters on the Django-made database on $backend', ({ backend, skip }) => {
  const NOW = '2026-06-01T08:15:30.250000Z';
  const dj = djangoDatabase(backend, skip, 'djfilter', 200, 9, NOW);

  it.skipIf(!dj.python).each(FILTER_FLAGS)('%s', async (name, flags) => {
    const r = await run(['logs', 'list', '--db', dj.tdb.url, '--all', '-o', 'jsonl', '--fields', 'id', ...flags], { now: NOW });
    expect(r.code).toBe(0);
    const ids = r.stdout.trim() ? r.stdout.trim().split('\n').map((l) => JSON.parse(l).id as number) : [];
    expect([...ids].sort((a, b) => a - b)).toEqual(dj.orm.filters[name]);
    expect(dj.orm.filters[name].length).toBeGreaterThan(0);
  });
});

const ANALYTICS: string[][] = [
  ['stats', '--period-hours', '24'],
  ['stats', '--period-hours', '168', '--by', 'queue'],
  ['timeline', '--period-hours', '48', '--tz', 'Europe/Berlin'],
  ['timeline', '--period-hours', '240', '--interval', 'day'],
  ['errors', '--period-hours', '240'],
];
const analyticsByBackend = new Map<string, Map<string, any>>();
/** the backends whose Django database is there, so the comparison knows whom to expect */
const analyticsExpected: string[] = [];

describe.each(backends)('stats, timeline and errors on the Django-made database on $backend', ({ backend, skip }) => {
  const NOW = '2026-06-01T08:15:30.250Z';
  const dj = djangoDatabase(backend, skip, 'djstats', 250, 4, NOW);
  if (dj.python) analyticsExpected.push(backend);

  it.skipIf(!dj.python).each([24, 168])("the seed's eight stats fields equal the ORM's (%i h)", async (hours) => {
    const got = await runJson(['stats', '--period-hours', String(hours), '--db', dj.tdb.url], { now: NOW });
    const eight = Object.fromEntries(Object.keys(dj.orm.stats[String(hours)]).map((k) => [k, got[k]]));
    expect(eight).toEqual(dj.orm.stats[String(hours)]);
    expect(got.total).toBeGreaterThan(0);
  });

  // what the cross-backend comparison below reads: this backend's outputs, read once its database is there
  beforeAll(async () => {
    if (!dj.python) return;
    const mine = new Map<string, any>();
    for (const args of ANALYTICS) mine.set(args.join(' '), await runJson([...args, '--db', dj.tdb.url], { now: NOW }));
    // one output per command line (no two ANALYTICS entries collapsing to one key)
    expect(mine.size).toBe(ANALYTICS.length);
    analyticsByBackend.set(backend, mine);
  }, 120_000);
});

describe('Django-made databases give the same analytics on every backend', () => {
  it('stats, timeline and errors are identical across backends', () => {
    const ran = [...analyticsByBackend.keys()];
    // every backend that had a Django database recorded its outputs (none silently missing)
    expect([...ran].sort()).toEqual([...analyticsExpected].sort());
    // under REQUIRE_ALL every backend is there, so this is a comparison and not one backend against itself
    if (process.env.TASKLOG_TEST_REQUIRE_ALL) expect(ran.length).toBeGreaterThan(1);
    if (ran.length === 0) return; // no Django here: the skips above said so (a failure under TASKLOG_TEST_REQUIRE_ALL)
    for (const args of ANALYTICS) {
      const first = analyticsByBackend.get(ran[0])!.get(args.join(' '));
      for (const b of ran.slice(1)) expect(analyticsByBackend.get(b)!.get(args.join(' ')), `${args.join(' ')} on ${b}`).toEqual(first);
    }
  });
});
