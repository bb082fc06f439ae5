/**
 * SQLite's export by reader threads over ranges of its order (LogReader.rawRanges,
 * query/export-ranges.ts): the ranges' statements, read one after another, are the whole
 * statement's rows — every row once, in order — for orders with ties, NULLs and filters; an
 * order no index gives is not cut; and the compiled threads (they run compiled JavaScript
 * only) write the very bytes of the one-statement export, small ranges and the CLI's own.
 * SQLite alone: the other databases stream one statement from a server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileRows } from '../../fixtures/hostile.js';
import { insertRows } from '../../src/db/insert.js';
import { activeFilters } from '../../src/query/filters.js';
import { LogReader, parseOrdering, type LogQuery } from '../../src/query/logs.js';
import { columnsFor, DETAIL_FIELDS } from '../../src/query/present.js';
import { createDatabase, type TestDatabase } from '../helpers/databases.js';
import { micros, withTestDb } from '../helpers/db.js';
import { run } from '../helpers/run.js';
import { BIN } from '../helpers/servers.js';
import { REPO_ROOT } from '../helpers/shared.js';

const execFileP = promisify(execFile);
const NOW = '2026-04-20T10:00:00Z';
const ROWS = 45_000;

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createDatabase('sqlite', 'ranges');
  // more rows than two of the CLI's ranges (20,000 rows each), with the hostile ones among them
  expect((await run(['demo', '--db', tdb.url, '--rows', String(ROWS), '--days', '3', '--seed', '4'], { now: NOW })).code).toBe(0);
  await withTestDb(tdb.url, (db) => insertRows(db, hostileRows(micros(NOW), db.dialect.storesNul, [null, 1, 424242])));
}, 120_000);
afterAll(async () => {
  await tdb?.drop();
});

const query = (ordering: string, filters: Record<string, unknown> = {}): LogQuery => ({ filters: activeFilters(filters), order: parseOrdering(ordering) });

describe('rawRanges: a statement cut into ranges of its order', () => {
  const all = columnsFor([...DETAIL_FIELDS]);
  it.each([
    ['the export\'s order', '-enqueue_time', {}],
    ['ties on the first field (few queues), ascending', 'queue_name', {}],
    ['by id', 'id', {}],
    ['a search', '-enqueue_time', { search: ['e'] }],
    ['a search, ties', 'queue_name', { search: ['e'] }],
  ])('%s: the ranges one after another are the whole statement\'s rows', async (_name, ordering, filters) =>
    withTestDb(tdb.url, async (db) => {
      const reader = new LogReader(db, new Date(NOW));
      const q = query(ordering, filters);
      const whole: unknown[][] = [];
      for await (const batch of reader.streamRaw(q, all).batches) whole.push(...batch);
      const every = 997;
      const planned = await reader.rawRanges(q, all, every);
      expect(planned).not.toBeNull();
      const ranged: unknown[][] = [];
      let ranges = 0;
      // the cuts are read on this connection while the ranges are read on another (as the threads do)
      await withTestDb(tdb.url, async (other) => {
        for await (const range of planned!) {
          ranges++;
          for await (const batch of other.streamRows(range.sql, range.bindings, 500)) ranged.push(...batch);
        }
      });
      expect(whole.length).toBeGreaterThan(every * 2);
      expect(ranges).toBe(Math.floor(whole.length / every) + 1);
      expect(ranged).toEqual(whole);
    }));

  it('an order no index gives in full (each range would sort its rows again) is not cut', () =>
    withTestDb(tdb.url, async (db) => {
      const reader = new LogReader(db, new Date(NOW));
      for (const ordering of ['-duration_ms', 'finish_time,-id', 'task_name,-created_at', '-created_at']) expect(await reader.rawRanges(query(ordering), all, 1000), ordering).toBeNull();
    }));
});

describe('the export by reader threads (compiled)', () => {
  /** exportRanges of the compiled build with ranges of `rangeRows`: its bytes, and whether it took the threads */
  async function threaded(ordering: string, filters: Record<string, unknown>, rangeRows: number): Promise<{ used: boolean; stdout: string }> {
    const dist = (p: string) => pathToFileURL(join(REPO_ROOT, 'dist', 'src', p)).href;
    const script = `
      const { connect } = await import(${JSON.stringify(dist('db/connect.js'))});
      const { LogReader, parseOrdering } = await import(${JSON.stringify(dist('query/logs.js'))});
      const { activeFilters } = await import(${JSON.stringify(dist('query/filters.js'))});
      const { exportRanges } = await import(${JSON.stringify(dist('query/export-ranges.js'))});
      const { DETAIL_FIELDS } = await import(${JSON.stringify(dist('query/present.js'))});
      const [url, ordering, filters, rows] = process.argv.slice(2);
      const settings = { url, source: '--db', table: 'django_cfg_task_log', userTable: 'auth_user', connectTimeoutMs: 10000 };
      const db = await connect(settings, process.cwd(), { requireTable: true });
      const reader = new LogReader(db, new Date(${JSON.stringify(NOW)}));
      const q = { filters: activeFilters(JSON.parse(filters)), order: parseOrdering(ordering) };
      const parts = [];
      const used = await exportRanges(reader, { settings, cwd: process.cwd() }, q, [...DETAIL_FIELDS], async (b) => { parts.push(Buffer.from(b)); }, Number(rows));
      await db.close();
      process.stdout.write(Buffer.concat(parts));
      process.stderr.write(JSON.stringify({ used }));
    `;
    // a file, not --input-type=module -e: the threads inherit the process's flags, and that one is for -e alone
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-ranges-'));
    const file = join(dir, 'harness.mjs');
    writeFileSync(file, script);
    try {
      const { stdout, stderr } = await execFileP(process.execPath, [file, tdb.url, ordering, JSON.stringify(filters), String(rangeRows)], { maxBuffer: 1 << 30 });
      return { used: JSON.parse(stderr).used as boolean, stdout };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.each([
    ['-enqueue_time', {}, []],
    ['id', {}, ['--ordering', 'id']],
    ['queue_name', { search: ['e'] }, ['--ordering', 'queue_name', '--search', 'e']],
  ] as const)('ordering %s, filters %j: ranges of 300 rows give the one statement\'s bytes', async (ordering, filters, args) => {
    const one = await run(['logs', 'list', '--all', '-o', 'jsonl', '--fields', 'all', '--db', tdb.url, ...args], { now: NOW });
    expect(one.code).toBe(0);
    const { used, stdout } = await threaded(ordering, filters, 300);
    expect(used).toBe(true);
    expect(stdout.split('\n').length).toBeGreaterThan(2 * 300);
    expect(stdout).toBe(one.stdout);
  }, 60_000);

  it('fewer rows than two ranges: declined, nothing written (the caller reads one statement)', async () => {
    const { used, stdout } = await threaded('-enqueue_time', {}, 1_000_000);
    expect(used).toBe(false);
    expect(stdout).toBe('');
  });

  it('the CLI: `logs list --all -o jsonl` of every field, and of the list fields, as the one statement writes them', async () => {
    for (const fields of [['--fields', 'all'], []]) {
      const one = await run(['logs', 'list', '--all', '-o', 'jsonl', ...fields, '--db', tdb.url], { now: NOW });
      const { stdout, stderr } = await execFileP(BIN, ['logs', 'list', '--all', '-o', 'jsonl', ...fields, '--db', tdb.url], { maxBuffer: 1 << 30, env: { ...process.env, TASKLOG_NOW: NOW } });
      expect(stderr).toBe('');
      expect(stdout.split('\n').length - 1).toBe(ROWS + 60);
      expect(stdout).toBe(one.stdout);
    }
  }, 60_000);
});
