/**
 * `logs list --all -o jsonl` where the database writes the JSON lines
 * (PostgreSQL): byte for byte what tasklog writes from decoded rows — for
 * the list fields, every field the server can format, with filters and
 * another order — on demo rows plus rows with control characters, quotes,
 * backslashes, non-ASCII, an unknown status and fractions with trailing zeros.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRows } from '../../fixtures/generate.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { LogReader, parseOrdering } from '../../src/query/logs.js';
import { activeFilters } from '../../src/query/filters.js';
import { DETAIL_FIELDS, LIST_FIELDS, pick, serverFieldsSql, toDetail } from '../../src/query/present.js';
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

describe.skipIf(pg.skip)('PostgreSQL writes the export lines itself, the same bytes', () => {
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

  const serverFields = DETAIL_FIELDS.filter((f) => serverFieldsSql([f], (c) => c, { serverJson: { isoTimeSql: (c: string) => c, rowJsonSql: (a: string) => a }, quote: (c: string) => c } as never) !== null);

  it('the server formats the list fields and every plain field; JSON columns, the user and rounding stay with tasklog', () => {
    expect(LIST_FIELDS.every((f) => serverFields.includes(f))).toBe(true);
    expect(serverFields).not.toContain('args');
    expect(serverFields).not.toContain('user_display');
    expect(serverFields).not.toContain('duration_seconds');
  });

  it('LogReader.streamJson itself gives the decoded path\'s lines (so the command above is compared with its own path)', async () => {
    const db = await openDb(tdb.url);
    try {
      const reader = new LogReader(db, new Date(NOW));
      const sql = serverFieldsSql(serverFields, (c) => reader.env.col(c), db.dialect)!;
      let out = '';
      for await (const lines of reader.streamJson({ filters: [], order: parseOrdering('-enqueue_time') }, sql, 250)) out += lines.map((l) => l + '\n').join('');
      expect(out).toContain('\\u0001\\b\\f\\u001f');
      expect(out).toBe(await decodedLines(serverFields));
    } finally {
      await db.close();
    }
  });

  it.each([
    ['the list fields', [] as string[], undefined, undefined],
    ['every server field', ['--fields', serverFields.join(',')], undefined, undefined],
    ['a filter and another order', ['--status', 'failed', '--ordering', 'task_name,-id'], 'task_name,-id', 'failed'],
    ['a field named twice (tasklog writes those lines)', ['--fields', 'id,job_id,id'], undefined, undefined],
  ])('%s', async (_name, args, ordering, status) => {
    const r = await run(['logs', 'list', '--all', '-o', 'jsonl', '--db', tdb.url, ...args], { now: NOW });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fields = args.includes('--fields') ? args[args.indexOf('--fields') + 1].split(',') : [...LIST_FIELDS];
    const expected = await decodedLines(fields, ordering, status);
    expect(r.stdout.split('\n').length).toBeGreaterThan(status ? 10 : 1700);
    expect(r.stdout).toBe(expected);
  });
});
