/**
 * tasklog's own indexes (migrate --search-index / --report-index) on every
 * backend: every answer the same with and without them — each search
 * against an independent JavaScript reading of the rows, pages and
 * orderings, the window reports — the plans read them (EXPLAIN), the
 * SQLite triggers keep the search index in step with writes, and building
 * is idempotent, named tasklog_…, droppable and refused where not offered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRows, DEMO_USERS } from '../../fixtures/generate.js';
import type { Db } from '../../src/db/connect.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { ownIndexName } from '../../src/db/schema.js';
import { apiFilters, filterCondition, filterNamed, searchTerms } from '../../src/query/filters.js';
import { parseWhere } from '../../src/query/where.js';
import { LogReader, parseOrdering, type LogQuery } from '../../src/query/logs.js';
import { StatsQuery } from '../../src/query/stats.js';
import { timeline } from '../../src/query/timeline.js';
import { resolveWindow } from '../../src/query/window.js';
import { instantFromMs } from '../../src/core/time.js';
import { micros, openDb } from '../helpers/db.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { edgeRow } from '../helpers/rows.js';
import { run, runJson } from '../helpers/run.js';

const NOW = '2026-04-20T10:00:00Z';
const ROWS = 400;
const SEED = 7;
const backends = await backendsUnderTest();
const NOW_US = micros(NOW);
const edge = (job_id: string, over: Partial<WritableRow>): WritableRow => edgeRow(NOW_US, job_id, over);

const EDGES: WritableRow[] = [
  edge('edge-cyrillic', { status: 'failed', success: null, error_message: 'Ошибка: ДИСК переполнен', task_name: 'Média.Export_ÜBER' }),
  edge('edge-percent', { error_message: '100% done_but failed', status: 'failed', success: false, task_name: 'percent%task' }),
  edge('edge-underscore', { error_message: 'abc_def here', task_name: 'under_score' }),
  edge('edge-underscore-decoy', { error_message: 'abcxdef here' }),
  edge('edge-backslash', { error_message: 'escaped abc\\def here' }),
  edge('edge-dotted-i', { error_message: 'TAXİ fare declined' }),
  edge('edge-dotted-i-mid', { error_message: 'TAXİCAB ride' }),
  edge('edge-kelvin', { worker_id: '\u212AELVIN-7' }),
  edge('edge-kelvin-mid', { error_message: 'rea\u212Ator overheated' }),
  edge('edge-sharp-s', { error_message: 'STRAẞE gesperrt' }),
  edge('edge-sigma', { error_message: 'ΟΔΟΣ κλειστή' }),
  edge('edge-null-all', { error_message: null, worker_id: null }),
  edge('edge-separator', { task_name: 'sep', error_message: 'tail\u0001head' }),
  edge('edge-user', { user_id: 4, worker_id: 'wörker-zoë' }),
];

/** Searches: [words as typed, whether the CLI's user fields count]. */
const SEARCHES = [
  'timeout', 'TIMEOUT payments', 'ошибка', 'média.export', 'export_', 'EXPORT_ÜBER', '%', '100%', 'percent%task', 'abc_def', '_', 'abc\\def',
  'taxi', 'taxİ', 'taxicab', 'kelvin-7', 'KELVIN', 'reaktor', 'strasse', 'straße', 'ẞe', 'οδος', 'οδοσ', 'ΟΔΟΣ', 'zoë', 'ZOE@EXAMPLE', 'admin', 'example.com',
  'worker-1', 'ab', 'x', 'tail', 'head', 'edge-', 'notifications.send_email', 'nothing-matches-this', 'high, failed', 'webhooks timeout',
];

const ORDERINGS = ['-enqueue_time', 'task_name,-id', 'duration_ms', '-queue_name,created_at'];

/** terms for the one-column contains of --task-name and --where, which the search index narrows first */
const CONTAINS = ['timeout', 'ошибка', 'EXPORT_ÜBER', 'taxİ', 'KELVIN', 'straße', '100%', 'abc_def', 'ab', 'x', 'worker-1', 'deliver'];
/** the --where shapes around a contains: positive ones the index may narrow, negated ones it must not (NULLs) */
const CONTAINS_WHERE = (t: string) => [
  `error_message contains '${t}'`,
  `task_name contains '${t}' or worker_id contains '${t}'`,
  `not (error_message contains '${t}')`,
  `error_message not contains '${t}'`,
  `not (not (queue_name contains '${t}')) and job_retries >= 0`,
  `not (status = 'success' and error_message contains '${t}')`,
];

let ALL: (WritableRow & { id: number })[] = [];

describe.each(backends)('tasklog indexes on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  const searchable = backend !== 'mysql';
  const before = new Map<string, unknown>();

  const user = (r: WritableRow) => (r.user_id ? DEMO_USERS[r.user_id - 1] : null);
  const fields = (r: WritableRow, withUser: boolean) => [r.task_name, r.job_id, r.queue_name, r.error_message, r.worker_id, ...(withUser ? [user(r)?.username ?? null, user(r)?.email ?? null] : [])];
  const holds = (r: WritableRow, words: string, withUser: boolean) => searchTerms(words).every((w) => fields(r, withUser).some((v) => v !== null && v.toLowerCase().includes(w.toLowerCase())));

  const query = (words: string, api: boolean, order = '-enqueue_time'): LogQuery => ({
    filters: [{ def: api ? apiFilters().get('search')! : filterNamed('search'), value: searchTerms(words) }],
    order: parseOrdering(order),
  });

  /** Every answer the searches, pages and reports give on this connection. */
  async function answers(db: Db): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    const reader = new LogReader(db, new Date(NOW));
    for (const words of SEARCHES) {
      for (const api of [false, true]) {
        const q = query(words, api);
        out.set(`count ${api} ${words}`, await reader.count(q));
        const ids: string[] = [];
        for await (const r of reader.stream(q, 50)) ids.push(r.job_id);
        out.set(`rows ${api} ${words}`, ids);
      }
    }
    for (const t of CONTAINS) {
      const order = parseOrdering('-enqueue_time');
      const byFlag: LogQuery = { filters: [{ def: filterNamed('task_name'), value: t }], order };
      out.set(`--task-name ${t}`, [await reader.count(byFlag), (await reader.page(byFlag, 1, 25)).map((r) => r.job_id)]);
      for (const where of CONTAINS_WHERE(t)) {
        const q: LogQuery = { filters: [{ def: filterNamed('where'), value: parseWhere(where) }], order };
        out.set(`--where ${where}`, [await reader.count(q), (await reader.page(q, 1, 25)).map((r) => r.job_id)]);
      }
    }
    for (const order of ORDERINGS) {
      for (const page of [1, 2, 4]) out.set(`page ${order} ${page}`, (await reader.page(query('worker', true, order), page, 7)).map((r) => r.job_id));
    }
    const window = resolveWindow({ periodHours: 168 }, new Date(NOW));
    const day = resolveWindow({ periodHours: 24 }, new Date(NOW));
    for (const [name, w] of [['168h', window], ['24h', day]] as const) {
      out.set(`summary ${name}`, await new StatsQuery(db, { window: w }).summary());
      out.set(`basic ${name}`, await new StatsQuery(db, { window: w }).basic());
      out.set(`basic task ${name}`, await new StatsQuery(db, { window: w, condition: filterCondition(db, new Date(NOW), { where: "task_name = 'webhooks.deliver'" }) }).basic());
      out.set(`groups ${name}`, await new StatsQuery(db, { window: w }).groups('task'));
      out.set(`timeline ${name}`, await timeline(db, w, 'hour', 'UTC'));
      out.set(`timeline task ${name}`, await timeline(db, w, 'day', 'Europe/Berlin', filterCondition(db, new Date(NOW), { where: "task_name = 'webhooks.deliver'" })));
    }
    return out;
  }

  const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = await openDb(tdb.url);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'ownidx');
    expect((await run(['demo', '--db', tdb.url, '--rows', String(ROWS), '--days', '9', '--seed', String(SEED)], { now: NOW })).code).toBe(0);
    await withDb((db) => insertRows(db, EDGES));
    const rows = [...generateRows({ rows: ROWS, days: 9, seed: SEED, now: new Date(NOW), userIds: [1, 2, 3, 4], salt: 0 }), ...EDGES];
    ALL = rows.map((r, i) => ({ ...r, id: i + 1 }));
    for (const [k, v] of await withDb(answers)) before.set(k, v);
  }, 180_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it.skipIf(skip)('the searches are not vacuous: most find some rows but not all, and the user fields and Unicode folds matter', () => {
    const sizes = SEARCHES.map((w) => ALL.filter((r) => holds(r, w, true)).length);
    expect(sizes.filter((n) => n > 0 && n < ALL.length).length).toBeGreaterThanOrEqual(SEARCHES.length - 8);
    expect(SEARCHES.filter((w) => ALL.filter((r) => holds(r, w, true)).length !== ALL.filter((r) => holds(r, w, false)).length).length).toBeGreaterThan(2);
    for (const w of ['taxi', 'kelvin-7', 'reaktor', 'οδος', 'straße', 'abc_def', '%']) expect(ALL.filter((r) => holds(r, w, false)).length, w).toBeGreaterThan(0);
  });

  // MySQL/MariaDB compare by the column's collation, whose folds are not JavaScript's (İ, ß): there the baseline is itself
  it.skipIf(skip)('without the indexes --task-name and a --where contains count what JavaScript counts, NULLs outside both a contains and its negation', () => {
    const has = (v: string | null, t: string) => v !== null && v.toLowerCase().includes(t.toLowerCase());
    for (const t of ['timeout', 'deliver', 'ab']) {
      expect(before.get(`--task-name ${t}`), t).toEqual([ALL.filter((r) => has(r.task_name, t)).length, expect.any(Array)]);
      const yes = ALL.filter((r) => has(r.error_message, t)).length;
      const no = ALL.filter((r) => r.error_message !== null && !has(r.error_message, t)).length;
      expect((before.get(`--where error_message contains '${t}'`) as number[])[0], t).toBe(yes);
      expect((before.get(`--where not (error_message contains '${t}')`) as number[])[0], t).toBe(no);
      expect((before.get(`--where error_message not contains '${t}'`) as number[])[0], t).toBe(no);
    }
    // not vacuous: some rows hold 'timeout' in their error, some hold another error, some none
    const [yes, no] = [`--where error_message contains 'timeout'`, `--where not (error_message contains 'timeout')`].map((k) => (before.get(k) as number[])[0]);
    expect(yes).toBeGreaterThan(0);
    expect(no).toBeGreaterThan(0);
    expect(yes + no).toBeLessThan(ALL.length);
  });

  if (searchable) it.skipIf(skip)('without the indexes each search finds what JavaScript finds (the baseline the indexes must equal)', () => {
    for (const words of SEARCHES) {
      for (const api of [false, true]) {
        expect(before.get(`count ${api} ${words}`), words).toBe(ALL.filter((r) => holds(r, words, !api)).length);
      }
    }
  });

  if (!searchable) it.skipIf(skip)('MySQL/MariaDB: --search-index is refused in one line, exit 2; the report index is built', async () => {
    const r = await run(['migrate', '--db', tdb.url, '--search-index']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tasklog: the search index is not offered on MySQL\/MariaDB: .*\n$/);
    expect(r.stdout).toBe('');
  });

  it.skipIf(skip)('migrate builds them, named tasklog_<table>_<kind>; a second run changes nothing; Django\'s indexes untouched', async () => {
    const djangoBefore = await withDb((db) => db.dialect.listIndexes(db, db.table));
    const flags = searchable ? ['--search-index', '--report-index'] : ['--report-index'];
    const first = await runJson(['migrate', '--db', tdb.url, ...flags, '--json']);
    expect(first.own_indexes.map((i: { action: string; name: string }) => [i.action, i.name])).toEqual(
      (searchable ? ['search', 'report'] : ['report']).map((k) => ['created', `tasklog_django_cfg_task_log_${k}`]),
    );
    const second = await runJson(['migrate', '--db', tdb.url, ...flags, '--json']);
    expect(second.own_indexes.map((i: { action: string }) => i.action)).toEqual(flags.map(() => 'exists'));
    const after = await withDb((db) => db.dialect.listIndexes(db, db.table));
    expect(after.filter((n) => !n.startsWith('tasklog_')).sort()).toEqual(djangoBefore.sort());
    expect(await withDb(async (db) => [...db.ownIndexes].sort())).toEqual(searchable ? ['report', 'search'] : ['report']);
  }, 60_000);

  it.skipIf(skip)('every answer is the same with the indexes: searches (CLI and API), pages, orderings, stats, timeline', async () => {
    const after = await withDb(answers);
    for (const [k, v] of before) expect(after.get(k), k).toEqual(v);
  }, 120_000);

  it.skipIf(skip)('the queries read them: EXPLAIN shows the search index and an index-only read of the window', async () => {
    await withDb(async (db) => {
      const sqls: string[] = [];
      const spy: Db = { ...db, query: (sql: string, b?: readonly unknown[]) => (sqls.push(sql), db.query(sql, b)) } as Db;
      const statements = async (fn: (d: Db) => Promise<unknown>) => {
        sqls.length = 0;
        await fn(spy);
        return [...sqls];
      };
      /** the plan, on one connection; on PostgreSQL with the plans that read the whole table off: a table this small would be read whole, and an index read is what is asked of the planner on a large one */
      const explain = (sql: string, bindings: unknown[]) =>
        db.session(async (conn) => {
          const prefix = backend === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : backend === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN FORMAT=JSON ';
          if (backend === 'postgres') await conn.exec('SET enable_seqscan = off');
          try {
            const rows = await conn.query(prefix + sql, bindings);
            return rows.map((r) => Object.values(r).join(' ')).join('\n');
          } finally {
            if (backend === 'postgres') await conn.exec('RESET enable_seqscan');
          }
        });
      const window = resolveWindow({ periodHours: 168 }, new Date(NOW));
      // the 168 h window is most of this table: without the index SQLite would scan the table
      const stats = (await statements((d) => new StatsQuery(d, { window }).basic())).find((q) => q.startsWith('SELECT COUNT(*) AS total'))!;
      const statsPlan = await explain(stats, [db.dialect.encodeTime(window.since)]);
      if (backend === 'postgres') {
        // on a table in time order PostgreSQL may rather walk Django's created_at index (it reads the heap in order);
        // with that one out of the way (rolled back) the report index alone answers, without one heap fetch
        const plan = await db.session(async (conn) => {
          await conn.exec('BEGIN');
          try {
            await conn.exec('DROP INDEX "django_cfg__created_4eea05_idx"');
            await conn.exec('SET LOCAL enable_seqscan = off');
            const rows = await conn.query(`EXPLAIN (ANALYZE, FORMAT TEXT) ${stats}`, [db.dialect.encodeTime(window.since)]);
            return rows.map((r) => Object.values(r).join(' ')).join('\n');
          } finally {
            await conn.exec('ROLLBACK');
          }
        });
        expect(plan, plan).toMatch(/Index Only Scan using tasklog_django_cfg_task_log_report/);
        expect(plan, plan).toMatch(/Heap Fetches: 0/);
      }
      else if (backend === 'sqlite') expect(statsPlan).toMatch(/USING COVERING INDEX tasklog_django_cfg_task_log_report/);
      else {
        expect(statsPlan).toMatch(/"using_index": true/);
        expect(statsPlan).toMatch(/tasklog_django_cfg_task_log_report/);
      }
      if (!searchable) return;
      for (const api of [false, true]) {
        const q = query('timeout', api);
        const count = (await statements((d) => new LogReader(d, new Date(NOW)).count(q))).find((q) => q.startsWith('SELECT COUNT(*) AS n'))!;
        expect(count).toContain(backend === 'sqlite' ? 'MATCH' : 'LIKE');
        const bindings: unknown[] = [];
        // the bindings as the reader sends them
        const db2: Db = { ...db, query: (sql: string, b?: readonly unknown[]) => (bindings.push(...(b ?? [])), db.query(sql, b)) } as Db;
        await new LogReader(db2, new Date(NOW)).count(q);
        const plan = await explain(count, bindings);
        expect(plan, count).toMatch(backend === 'sqlite' ? /VIRTUAL TABLE INDEX/ : /Bitmap Index Scan on tasklog_django_cfg_task_log_search/);
      }
      // a one-column contains (--task-name, --where) reads the search index too; under a not it does not
      for (const [filter, indexed] of [
        [{ def: filterNamed('task_name'), value: 'timeout' }, true],
        [{ def: filterNamed('where'), value: parseWhere("error_message contains 'timeout' or worker_id contains 'timeout'") }, true],
        [{ def: filterNamed('where'), value: parseWhere("not (error_message contains 'timeout')") }, false],
      ] as const) {
        const q: LogQuery = { filters: [filter], order: parseOrdering('-enqueue_time') };
        const bindings: unknown[] = [];
        const db2: Db = { ...db, query: (sql: string, b?: readonly unknown[]) => (bindings.push(...(b ?? [])), db.query(sql, b)) } as Db;
        const count = (await statements((d) => new LogReader(d, new Date(NOW)).count(q))).find((x) => x.startsWith('SELECT COUNT(*) AS n'))!;
        await new LogReader(db2, new Date(NOW)).count(q);
        const plan = await explain(count, bindings);
        const reads = backend === 'sqlite' ? /VIRTUAL TABLE INDEX/ : /Bitmap Index Scan on tasklog_django_cfg_task_log_search/;
        if (indexed) expect(plan, count).toMatch(reads);
        else expect(plan, count).not.toMatch(reads);
      }
    });
  }, 60_000);

  if (searchable) it.skipIf(skip)('writes after the build (single-row INSERT as Django makes it, UPDATE, DELETE) are searched as JavaScript reads them', async () => {
    await withDb(async (db) => {
      const q = (c: string) => db.dialect.quote(c);
      const t = q(db.table);
      const cols = ['job_id', 'task_name', 'queue_name', 'args', 'kwargs', 'status', 'job_retry', 'job_retries', 'job_retry_after', 'error_message', 'worker_id', 'enqueue_time', 'created_at', 'updated_at'];
      const time = db.dialect.encodeTime(instantFromMs(Date.parse(NOW) - 3_600_000));
      const insert = (jobId: string, error: string | null) =>
        db.exec(`INSERT INTO ${t} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, [
          jobId, 'late.task', 'default', '[]', '{}', 'failed', 0, 0, 60, error, null, time, time, time,
        ]);
      await insert('late-1', 'Quantum FLUX capacitor');
      await insert('late-2', 'plain words');
      await insert('late-3', 'to be removed: fluxion');
      await db.exec(`UPDATE ${t} SET ${q('error_message')} = ? WHERE ${q('job_id')} = ?`, ['now a FLUX too', 'late-2']);
      await db.exec(`UPDATE ${t} SET ${q('error_message')} = ? WHERE ${q('job_id')} = ?`, ['nothing here', 'late-1']);
      await db.exec(`UPDATE ${t} SET ${q('status')} = ? WHERE ${q('job_id')} = ?`, ['success', 'late-2']);
      await db.exec(`DELETE FROM ${t} WHERE ${q('job_id')} = ?`, ['late-3']);
      const reader = new LogReader(db, new Date(NOW));
      const found = async (words: string) => {
        const ids: string[] = [];
        for await (const r of reader.stream(query(words, true), 100)) ids.push(r.job_id);
        return ids;
      };
      expect(db.ownIndexes.has('search')).toBe(true);
      expect(await found('flux')).toEqual(['late-2']);
      expect(await found('capacitor')).toEqual([]);
      expect(await found('fluxion')).toEqual([]);
      expect(await found('nothing here')).toContain('late-1');
      const scan = new LogReader({ ...db, ownIndexes: new Set() } as Db, new Date(NOW));
      for (const words of ['flux', 'nothing', 'late', 'timeout']) {
        expect(await reader.count(query(words, true)), words).toBe(await scan.count(query(words, true)));
      }
      await db.exec(`DELETE FROM ${t} WHERE ${q('job_id')} IN (?, ?)`, ['late-1', 'late-2']);
    });
  });

  if (backend === 'sqlite') it.skipIf(skip)('SQLite: a build broken off is not used, and the next migrate completes it', async () => {
    await withDb(async (db) => {
      await db.dialect.ownIndexes.drop(db, db.table, 'search');
      let calls = 0;
      await expect(
        db.dialect.ownIndexes.create({ sql: db, transaction: db.transaction, progress: () => { if (++calls === 1) throw new Error('broken off'); } }, db.table, 'search'),
      ).rejects.toThrow('broken off');
      expect(await db.dialect.ownIndexes.present(db, db.table)).toEqual(new Set(['report']));
    });
    // rows written while it was half built go in through the build's triggers, and the rest on the rerun
    await withDb((db) => insertRows(db, [edge('mid-build', { error_message: 'halfway ZEBRA' })]));
    const again = await runJson(['migrate', '--db', tdb.url, '--search-index', '--json']);
    expect(again.own_indexes[0].action).toBe('created');
    await withDb(async (db) => {
      expect(db.ownIndexes.has('search')).toBe(true);
      const reader = new LogReader(db, new Date(NOW));
      expect(await reader.count(query('zebra', true))).toBe(1);
      expect(await reader.count(query('timeout', true))).toBe(before.get('count true timeout'));
      const triggers = await db.query(`SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`);
      expect(triggers.map((r) => r.name)).toEqual(['insert', 'update', 'delete'].map((k) => `tasklog_django_cfg_task_log_search_${k}`).sort());
      await db.exec(`DELETE FROM ${db.dialect.quote(db.table)} WHERE job_id = 'mid-build'`);
    });
  });

  if (backend === 'postgres') it.skipIf(skip)('PostgreSQL: an index left invalid by a broken concurrent build is not used, and the next migrate replaces it', async () => {
    const name = ownIndexName('django_cfg_task_log', 'search', 63);
    await withDb((db) => db.exec(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = ?::regclass`, [`"${name}"`]));
    await withDb(async (db) => expect(db.ownIndexes.has('search')).toBe(false));
    const again = await runJson(['migrate', '--db', tdb.url, '--search-index', '--json']);
    expect(again.own_indexes[0].action).toBe('created');
    await withDb(async (db) => expect(db.ownIndexes.has('search')).toBe(true));
  }, 60_000);

  if (backend === 'postgres') it.skipIf(skip)('PostgreSQL: a user who may not create pg_trgm gets one line naming what to ask for, exit 1', async () => {
    const other = await createDatabase('postgres', 'noext');
    const role = `tasklog_noext_${process.pid}`;
    const admin = await openDb(tdb.url);
    try {
      await admin.exec(`CREATE ROLE "${role}" LOGIN`);
      const u = new URL(other.url);
      const own = await import('pg');
      const c = new own.default.Client({ connectionString: other.url });
      await c.connect();
      await c.query(`GRANT CREATE ON SCHEMA public TO "${role}"`);
      await c.end();
      u.username = role;
      expect((await run(['migrate', '--db', u.toString()])).code).toBe(0);
      const r = await run(['migrate', '--db', u.toString(), '--search-index']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^tasklog: the search index needs the pg_trgm extension, which database \S+ does not have and this user may not create: ask a superuser to run CREATE EXTENSION pg_trgm; in it, then run this again\n$/);
      // the report index needs no extension
      expect((await run(['migrate', '--db', u.toString(), '--report-index'])).code).toBe(0);
    } finally {
      await other.drop();
      await admin.exec(`DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
      await admin.close();
    }
  }, 60_000);

  it.skipIf(skip)('doctor says which exist and what each saves, measured', async () => {
    const report = await runJson(['doctor', '--db', tdb.url, '--json'], { now: NOW });
    const own = new Map(report.own_indexes.map((o: { kind: string }) => [o.kind, o]));
    const search = own.get('search') as Record<string, unknown>;
    const rep = own.get('report') as Record<string, unknown>;
    expect(rep.present).toBe(true);
    expect(rep.ms).toBeGreaterThan(0);
    if (searchable) {
      expect(search.present).toBe(true);
      expect(search.ms).toBeGreaterThan(0);
      expect(search.ms_without).toBeGreaterThan(0);
      expect(search.sample).toMatch(/^logs list --search <newest job id>: 1 row counted$/);
    } else {
      expect(search.not_offered).toMatch(/MySQL\/MariaDB/);
    }
    expect(report.checks.map((c: { name: string }) => c.name)).toContain('search index');
  });

  it.skipIf(skip)('--drop-index removes them and nothing else; the answers stay the same, also on a connection opened before; dropping again is a no-op', async () => {
    const open = await openDb(tdb.url);
    expect(open.ownIndexes.has('report')).toBe(true);
    const dropped = await runJson(['migrate', '--db', tdb.url, '--drop-index', 'search,report', '--json']);
    try {
      // a long-running reader (serve) connected while the report index existed
      const window = resolveWindow({ periodHours: 168 }, new Date(NOW));
      expect(await new StatsQuery(open, { window }).summary()).toEqual(before.get('summary 168h'));
      expect(await timeline(open, window, 'hour', 'UTC')).toEqual(before.get('timeline 168h'));
    } finally {
      await open.close();
    }
    expect(dropped.own_indexes.map((i: { action: string }) => i.action)).toEqual(searchable ? ['dropped', 'dropped'] : ['absent', 'dropped']);
    const again = await runJson(['migrate', '--db', tdb.url, '--drop-index', 'search,report', '--json']);
    expect(again.own_indexes.map((i: { action: string }) => i.action)).toEqual(['absent', 'absent']);
    await withDb(async (db) => {
      expect(db.ownIndexes.size).toBe(0);
      expect((await db.dialect.listIndexes(db, db.table)).filter((n) => n.startsWith('tasklog_'))).toEqual([]);
      if (backend === 'sqlite') expect(await db.query(`SELECT name FROM sqlite_master WHERE name LIKE 'tasklog%'`)).toEqual([]);
      const after = await answers(db);
      for (const [k, v] of before) expect(after.get(k), k).toEqual(v);
    });
    const doctor = await runJson(['doctor', '--db', tdb.url, '--json'], { now: NOW });
    const rep = doctor.own_indexes.find((o: { kind: string }) => o.kind === 'report');
    expect(rep.present).toBe(false);
    expect(rep.saves_ms).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it.skipIf(skip)('--drop-index with its own --…-index contradicts, and an unknown kind is refused: one line, exit 2', async () => {
    const r = await run(['migrate', '--db', tdb.url, '--drop-index', 'report', '--report-index']);
    expect([r.code, r.stderr]).toEqual([2, 'tasklog: --drop-index report and --report-index contradict each other\n']);
    const bad = await run(['migrate', '--db', tdb.url, '--drop-index', 'fulltext']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')).toHaveLength(2);
  });
});
