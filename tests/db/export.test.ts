/**
 * `logs list --all -o jsonl` on PostgreSQL, its lines made from the bytes of
 * one streamed COPY (copyTextJsonWriter): byte for byte what tasklog writes
 * from decoded rows — the list fields, every field, with filters and another
 * order — on demo rows plus rows with control characters, quotes,
 * backslashes, non-ASCII, an unknown status and fractions with trailing
 * zeros; the filters' values written into the COPY as literals select what
 * bound values select; a COPY broken off or refused mid-way leaves the pool
 * working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRows } from '../../fixtures/generate.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { LogReader, parseOrdering } from '../../src/query/logs.js';
import { activeFilters } from '../../src/query/filters.js';
import { DETAIL_FIELDS, LIST_FIELDS, pick, toDetail } from '../../src/query/present.js';
import { micros, openDb } from '../helpers/db.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { edgeRow } from '../helpers/rows.js';
import { run } from '../helpers/run.js';

const NOW = '2026-04-20T10:00:00Z';
const NOW_US = micros(NOW);
const H = 3_600_000_000;
const backends = await backendsUnderTest();
const pg = backends.find((b) => b.backend === 'postgres')!;

const edge = (job_id: string, over: Partial<WritableRow>): WritableRow => edgeRow(NOW_US, job_id, over);

const EDGES: WritableRow[] = [
  edge('edge-controls', { error_message: 'tab\there\nline\r\u0001\u0008\u000c\u001f\u007f end', status: 'failed', success: false }),
  edge('edge-quotes', { error_message: `it's "quoted" \\ back\\slash /slash`, worker_id: 'w"1' }),
  edge('edge-unicode', { task_name: 'Média.Export_ÜBER', error_message: 'Ошибка \u2028 \u2029 😀 İ \u212A', result: '{"ok": true}' }),
  edge('edge-unknown-status', { status: 'weird', success: null, duration_ms: null, start_time: null, finish_time: null }),
  edge('edge-trailing-zeros', { enqueue_time: NOW_US - 3 * H + 120_000, start_time: NOW_US - 3 * H + 100_000, finish_time: NOW_US - 3 * H + 1 }),
  edge('edge-zero-fraction', { enqueue_time: NOW_US - 5 * H, created_at: NOW_US - 5 * H, expire_time: NOW_US + H, user_id: 1 }),
  edge('edge-empty', { error_message: '', worker_id: '', result: '' }),
];

describe.skipIf(pg.skip)('PostgreSQL\'s export lines from its COPY bytes, the same bytes', () => {
  let tdb: TestDatabase;

  beforeAll(async () => {
    tdb = await createDatabase('postgres', 'export');
    expect((await run(['demo', '--db', tdb.url, '--rows', '1500', '--days', '5', '--seed', '9'], { now: NOW })).code).toBe(0);
    const db = await openDb(tdb.url);
    try {
      await insertRows(db, [...EDGES, ...generateRows({ rows: 200, days: 2, seed: 10, now: new Date(NOW), salt: 5 })]);
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  /** what tasklog writes from decoded rows (the path every other database takes) */
  async function decodedLines(fields: readonly string[], ordering?: string, status?: string): Promise<string> {
    const db = await openDb(tdb.url);
    try {
      const reader = new LogReader(db, new Date(NOW));
      const filters = activeFilters(status ? { status } : {});
      let out = '';
      for await (const row of reader.stream({ filters, order: parseOrdering(ordering ?? '-enqueue_time') })) out += JSON.stringify(pick(toDetail(row), fields)) + '\n';
      return out;
    } finally {
      await db.close();
    }
  }

  /** a LogReader on a fresh connection pool, closed after fn */
  async function withReader<T>(fn: (reader: LogReader, db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
    const db = await openDb(tdb.url);
    try {
      return await fn(new LogReader(db, new Date(NOW)), db);
    } finally {
      await db.close();
    }
  }
  const everyRow = { filters: [], order: parseOrdering('-enqueue_time') };

  it('an export broken off after its first chunk closes that connection: the next statements run on a new one', () =>
    withReader(async (reader, db) => {
      for (let i = 0; i < 6; i++) {
        for await (const chunk of reader.streamCopyText(everyRow)!.chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          break;
        }
        const [{ n }] = await db.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM django_cfg_task_log');
        expect(Number(n)).toBe(1500 + EDGES.length + 200);
      }
      // six exports broken off, more than the pool keeps: each one's connection was closed, not left open or handed back mid-COPY
      const [{ open }] = await db.query<{ open: unknown }>("SELECT COUNT(*) AS open FROM pg_stat_activity WHERE application_name = 'tasklog' AND datname = current_database()");
      expect(Number(open)).toBeLessThanOrEqual(db.dialect.maxConnections);
      expect(Number(open)).toBeGreaterThan(0);
    }));

  it('a statement the server refuses mid-export is one database error, and the pool goes on', () =>
    withReader(async (reader) => {
      // a division by zero the server meets only on the row with this job_id, after earlier lines went out.
      // pg_sleep makes the expression volatile, so PostgreSQL evaluates it above the sort, row by row as
      // lines leave, whichever plan it picks (with a seq scan and a sort, a stable expression would fail
      // below the sort, before any line, once ANALYZE has told the planner how small the table is); the
      // second it sleeps on the failing row lets the lines already sent reach the reader before the error
      // does (on a loaded machine both came in one read, and a stream that errors drops what it holds).
      const sql = `SELECT *, 1 / (CASE WHEN ${reader.env.col('job_id')} = 'edge-empty' AND pg_sleep(1)::text = '' THEN 0 ELSE 1 END) AS "x" FROM django_cfg_task_log AS t ORDER BY id`;
      // the planner knows the table's size (the plan that once failed this test), whenever autovacuum runs
      await reader.db.query('ANALYZE django_cfg_task_log');
      let lines = 0;
      const read = async () => {
        // by id the edge rows come after the 1,500 demo rows: several chunks before the failing one
        for await (const chunk of reader.db.copyText!(sql, [])) lines += Buffer.from(chunk).toString('latin1').split('\n').length - 1;
      };
      await expect(read()).rejects.toMatchObject({ name: 'DatabaseError', message: expect.stringMatching(/division by zero/) });
      expect(lines).toBeGreaterThan(0);
      const [{ n }] = await reader.db.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM django_cfg_task_log');
      expect(Number(n)).toBeGreaterThan(0);
    }));

  it.each([
    ['the list fields', [] as string[], undefined, undefined],
    ['every field', ['--fields', 'all'], undefined, undefined],
    ['a filter and another order', ['--status', 'failed', '--ordering', 'task_name,-id'], 'task_name,-id', 'failed'],
    ['a field named twice', ['--fields', 'id,job_id,id'], undefined, undefined],
  ])('%s', async (_name, args, ordering, status) => {
    const r = await run(['logs', 'list', '--all', '-o', 'jsonl', '--db', tdb.url, ...args], { now: NOW });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const named = args.includes('--fields') ? args[args.indexOf('--fields') + 1] : null;
    const fields = named === 'all' ? [...DETAIL_FIELDS] : named ? named.split(',') : [...LIST_FIELDS];
    const expected = await decodedLines(fields, ordering, status);
    expect(r.stdout.split('\n').length).toBeGreaterThan(status ? 10 : 1700);
    expect(r.stdout).toBe(expected);
  });

  // A statement streamed with COPY takes no parameters: the filters' values are written into it as
  // literals. The same rows as the pages of `logs list --json`, whose statements bind them.
  it.each([
    ['a search with a quote, a backslash and %', ['--search', `it's "quoted" \\ back\\slash`]],
    ['a search with an underscore, taken as text', ['--search', 'export_']],
    ['a non-ASCII task name, case folded', ['--task-name', 'média.export_über']],
    ['the user and a list of queues', ['--user', '1', '--queue-name-in', 'default,high,low']],
    ['success unknown, an error, a time bound', ['--success', 'null', '--created-after', '2026-04-18T00:00:00Z']],
    ['has an error, no match', ['--has-error', '--search', "nothing'matches"]],
  ])('%s: the literals written into the statement select what the bound values do', async (name, args) => {
    const streamed = await run(['logs', 'list', '--all', '-o', 'jsonl', '--db', tdb.url, ...args], { now: NOW });
    expect(streamed.stderr).toBe('');
    let expected = '';
    for (let page = 1; ; page++) {
      const r = await run(['logs', 'list', '--json', '--page-size', '1000', '--page', String(page), '--db', tdb.url, ...args], { now: NOW });
      expect(r.code).toBe(0);
      const { results } = JSON.parse(r.stdout) as { results: unknown[] };
      for (const row of results) expected += JSON.stringify(row) + '\n';
      if (results.length < 1000) break;
    }
    expect(expected === '').toBe(name.includes('no match'));
    expect(streamed.stdout).toBe(expected);
  });
});
