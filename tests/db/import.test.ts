/**
 * `tasklog import` on every backend: an export of each backend (NDJSON and
 * CSV) imported into each backend gives the same `logs show --json` for
 * every row; a bad line 1234 leaves the table as it was (or, with
 * --skip-invalid, is reported and the rest imported); ids, users, repeated
 * job ids, partial rows and --dry-run behave as documented.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { STATUSES } from '../../src/query/status.js';
import { backendsUnderTest, createDatabase, type BackendName, type TestDatabase } from '../helpers/databases.js';
import { micros, withTestDb } from '../helpers/db.js';
import { run, runJson } from '../helpers/run.js';

const NOW = '2026-03-15T12:00:00Z';
const ROWS = 1300;
const backends = await backendsUnderTest();
const live = backends.filter((b) => !b.skip).map((b) => b.backend);
const NOW_US = micros(NOW);
const H = 3_600_000_000;
const dir = mkdtempSync(join(tmpdir(), 'tasklog-import-'));

function edge(job_id: string, over: Partial<WritableRow>): WritableRow {
  return {
    job_id, task_name: 'edge.import', queue_name: 'default', args: [], kwargs: {}, status: 'success', duration_ms: 12,
    job_retry: 3, job_retries: 1, job_retry_after: 30, success: true, result: null, error_message: null, worker_id: 'w-1',
    enqueue_time: NOW_US - 5 * H + 1, expire_time: null, start_time: NOW_US - 5 * H + 2, finish_time: NOW_US - 5 * H + 12_002,
    created_at: NOW_US - 5 * H + 3, updated_at: NOW_US - 5 * H + 12_002, user_id: null, ...over,
  };
}

/** What CSV and JSON have to carry through: empty vs null text, line breaks and quotes in cells, non-ASCII, nested JSON, zero microseconds, old times. */
const EDGES: WritableRow[] = [
  edge('imp-empty-text', { status: 'failed', success: false, error_message: '', result: '', worker_id: '' }),
  edge('imp-multiline', { status: 'failed', success: null, error_message: 'Traceback:\n  line 1, "x"\r\n  Ошибка, ДИСК\n', result: ' padded ' }),
  edge('imp-json', { task_name: 'Média.Export_ÜBER', args: ['a,b', '"q"', 1.5, null, true], kwargs: { ключ: 'значение', nested: [1, { a: null }], 'with "quote"': '\u00e9\u{1F600}' } }),
  edge('imp-zero-micros', { enqueue_time: NOW_US - 48 * H, created_at: NOW_US - 48 * H, updated_at: NOW_US - 48 * H, start_time: null, finish_time: null, duration_ms: null, status: 'queued', success: null }),
  edge('imp-old', { enqueue_time: micros('1999-12-31T23:59:59.000001Z'), created_at: micros('2000-01-01T00:00:00Z'), updated_at: micros('2000-01-01T00:00:00.5Z'), expire_time: micros('2000-02-29T12:00:00Z') }),
  edge('imp-user', { user_id: 3, status: 'canceled', success: null, duration_ms: null }),
];

interface Source {
  backend: BackendName;
  db: TestDatabase;
  jsonl: string;
  csv: string;
  /** every row as `logs show --json` prints it, by id */
  rows: Record<string, unknown>[];
}

const sources: Source[] = [];

async function listAll(url: string): Promise<Record<string, unknown>[]> {
  const r = await run(['logs', 'list', '--all', '-o', 'jsonl', '--fields', 'all', '--ordering', 'id', '--db', url], { now: NOW });
  if (r.code !== 0) throw new Error(`logs list exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

async function wipe(url: string): Promise<void> {
  await withTestDb(url, async (db) => {
    await db.exec(`DELETE FROM ${db.dialect.quote(db.table)}`);
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  for (const backend of live) {
    const db = await createDatabase(backend, 'impsrc');
    const demo = await run(['demo', '--db', db.url, '--rows', String(ROWS), '--days', '3', '--seed', '11'], { now: NOW });
    expect(demo.code).toBe(0);
    await withTestDb(db.url, (d) => insertRows(d, EDGES));
    const jsonl = (await run(['logs', 'list', '--all', '-o', 'jsonl', '--fields', 'all', '--db', db.url], { now: NOW })).stdout;
    const csv = (await run(['logs', 'list', '--all', '-o', 'csv', '--fields', 'all', '--db', db.url], { now: NOW })).stdout;
    sources.push({ backend, db, jsonl, csv, rows: await listAll(db.url) });
  }
}, 240_000);

afterAll(async () => {
  for (const s of sources) await s.db.drop();
});

describe.each(backends)('import into $backend', ({ backend, skip }) => {
  let target: TestDatabase;
  beforeAll(async () => {
    if (skip) return;
    target = await createDatabase(backend, 'imp');
    // the same four users as the sources (demo creates them with ids 1–4), then no rows
    expect((await run(['demo', '--db', target.url, '--rows', '1'], { now: NOW })).code).toBe(0);
    await wipe(target.url);
  }, 120_000);
  afterAll(async () => {
    await target?.drop();
  });

  const pairs = live.flatMap((from) => (['jsonl', 'csv'] as const).map((format) => [from, format] as const));

  it.skipIf(skip).each(pairs)('an export of %s as %s gives identical logs show --json for every row, and a second import updates them all', async (from, format) => {
    const source = sources.find((s) => s.backend === from)!;
    await wipe(target.url);
    const n = source.rows.length;
    expect(n).toBe(ROWS + EDGES.length);
    // NDJSON through stdin, CSV from a file
    const args = format === 'jsonl' ? ['import', '-'] : ['import', file(`export-${from}.csv`, source.csv)];
    const opts = format === 'jsonl' ? { stdin: source.jsonl, now: NOW } : { now: NOW };
    expect(await runJson([...args, '--db', target.url], opts)).toEqual({ inserted: n, updated: 0, skipped: 0, dry_run: false });
    expect(await listAll(target.url)).toEqual(source.rows);
    for (const ref of [...EDGES.map((e) => e.job_id), '1', String(ROWS)]) {
      const there = await runJson(['logs', 'show', ref, '--db', source.db.url], { now: NOW });
      expect(await runJson(['logs', 'show', ref, '--db', target.url], { now: NOW })).toEqual(there);
    }
    // idempotent
    expect(await runJson([...args, '--db', target.url], opts)).toEqual({ inserted: 0, updated: n, skipped: 0, dry_run: false });
    expect(await listAll(target.url)).toEqual(source.rows);
  });

  it.skipIf(skip)('after rows came in with their ids, a new row gets the next id (PostgreSQL: its sequence was moved on; SQLite and MySQL move their counters themselves)', async () => {
    const before = await listAll(target.url);
    const maxId = Math.max(...before.map((r) => r.id as number));
    const line = JSON.stringify({ job_id: 'imp-next-id', task_name: 't', queue_name: 'q', enqueue_time: '2026-03-15T10:00:00Z' });
    expect(await runJson(['import', '-', '--db', target.url], { stdin: line + '\n', now: NOW })).toMatchObject({ inserted: 1 });
    expect((await runJson(['logs', 'show', 'imp-next-id', '--db', target.url])).id).toBe(maxId + 1);
  });

  /** The export of the target with every worker_id changed, 40 new job ids (no id) first, and line 1234 broken. */
  async function badFile(): Promise<{ text: string; brokenJob: string; replacedJobs: string[] }> {
    const r = await run(['logs', 'list', '--all', '-o', 'jsonl', '--fields', 'all', '--db', target.url], { now: NOW });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(1300);
    const replacedJobs: string[] = [];
    lines.forEach((row, i) => {
      row.worker_id = 'moved-by-import';
      if (i < 40) {
        replacedJobs.push(row.job_id);
        row.job_id = `imp-new-${i}`;
        row.id = null;
      }
    });
    const brokenJob = lines[1233].job_id;
    lines[1233].status = 'done';
    return { text: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', brokenJob, replacedJobs };
  }

  it.skipIf(skip)('a bad line 1234 stops the import naming it, and the table is as it was', async () => {
    const before = await listAll(target.url);
    const { text } = await badFile();
    const r = await run(['import', file('bad.jsonl', text), '--db', target.url], { now: NOW });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`tasklog: line 1234: status 'done' is not one of ${STATUSES.join(', ')} (nothing imported)\n`);
    expect(await listAll(target.url)).toEqual(before);
    // --dry-run finds the same line, and keeps nothing either
    const dry = await run(['import', file('bad.jsonl', text), '--dry-run', '--db', target.url], { now: NOW });
    expect(dry.code).toBe(2);
    expect(dry.stderr).toMatch(/^tasklog: line 1234: status 'done'/);
  });

  it.skipIf(skip)('--dry-run counts what would happen and keeps nothing', async () => {
    const before = await listAll(target.url);
    const { text } = await badFile();
    const lines = text.trim().split('\n');
    const sum = await runJson(['import', '-', '--dry-run', '--skip-invalid', '--db', target.url], { stdin: text, now: NOW });
    expect(sum).toEqual({ inserted: 40, updated: lines.length - 41, skipped: 1, skipped_lines: [{ line: 1234, reason: expect.stringContaining("status 'done'") }], dry_run: true });
    expect(await listAll(target.url)).toEqual(before);
  });

  it.skipIf(skip)('--skip-invalid reports line 1234 and imports every other line', async () => {
    const before = await listAll(target.url);
    const { text, brokenJob, replacedJobs } = await badFile();
    const lines = text.trim().split('\n');
    const r = await run(['import', file('bad.jsonl', text), '--skip-invalid', '--db', target.url], { now: NOW });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`tasklog: line 1234: status 'done' is not one of ${STATUSES.join(', ')} (skipped)\n`);
    expect(r.stdout).toMatch(new RegExp(`: 40 inserted, ${(lines.length - 41).toLocaleString('en-US')} updated, 1 skipped\\n$`));
    const after = await listAll(target.url);
    expect(after).toHaveLength(before.length + 40);
    for (const row of after) {
      const untouched = row.job_id === brokenJob || replacedJobs.includes(row.job_id as string);
      expect([row.job_id, row.worker_id]).toEqual([row.job_id, untouched ? before.find((b) => b.job_id === row.job_id)!.worker_id : 'moved-by-import']);
    }
    // the row of line 1234 is exactly as it was
    expect(after.find((a) => a.job_id === brokenJob)).toEqual(before.find((b) => b.job_id === brokenJob));
  });

  const base = { task_name: 'imp.task', queue_name: 'default', enqueue_time: '2026-03-15T11:00:00.123456Z' };
  const ndjson = (...rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

  it.skipIf(skip)('a user id must be a user here, and the same person when the file names one', async () => {
    const r = await run(
      ['import', '-', '--skip-invalid', '--json', '--db', target.url],
      {
        stdin: ndjson(
          { ...base, job_id: 'imp-u-ok', user: 2, user_display: 'alice (alice@example.com)' },
          { ...base, job_id: 'imp-u-other', user: 2, user_display: 'bob (bob@example.com)' },
          { ...base, job_id: 'imp-u-missing', user: 99 },
          { ...base, job_id: 'imp-u-unnamed', user: 3, user_display: null },
        ),
        now: NOW,
      },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      inserted: 2,
      updated: 0,
      skipped: 2,
      skipped_lines: [
        { line: 2, reason: 'user 2 is alice (alice@example.com) here but bob (bob@example.com) in the file' },
        { line: 3, reason: 'user 99 is not in auth_user of this database (create the user first, or leave the user field out)' },
      ],
      dry_run: false,
    });
    expect((await runJson(['logs', 'show', 'imp-u-unnamed', '--db', target.url])).user_display).toBe('bob (bob@example.com)');
  });

  it.skipIf(skip)('an id that belongs to another job is refused; --new-ids numbers the row instead', async () => {
    const taken = (await runJson(['logs', 'show', 'imp-u-ok', '--db', target.url])).id;
    const line = ndjson({ ...base, job_id: 'imp-id-clash', id: taken });
    const r = await run(['import', '-', '--db', target.url], { stdin: line, now: NOW });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tasklog: line 1: id ${taken} belongs to job_id 'imp-u-ok' in django_cfg_task_log (import with --new-ids to let the database number new rows) (nothing imported)\n`);
    const maxId = Math.max(...(await listAll(target.url)).map((x) => x.id as number));
    expect(await runJson(['import', '-', '--new-ids', '--db', target.url], { stdin: line, now: NOW })).toMatchObject({ inserted: 1 });
    expect((await runJson(['logs', 'show', 'imp-id-clash', '--db', target.url])).id).toBe(maxId + 1);
    // an existing row keeps its own id whatever the file says
    const again = ndjson({ ...base, job_id: 'imp-id-clash', id: 999_999, worker_id: 'w-again' });
    expect(await runJson(['import', '-', '--db', target.url], { stdin: again, now: NOW })).toMatchObject({ inserted: 0, updated: 1 });
    expect(await runJson(['logs', 'show', 'imp-id-clash', '--db', target.url])).toMatchObject({ id: maxId + 1, worker_id: 'w-again' });
  });

  it.skipIf(skip)('a job_id repeated in the file: each line applies in turn, the last wins', async () => {
    const text = ndjson(
      { ...base, job_id: 'imp-dup', worker_id: 'first', status: 'in_progress' },
      { ...base, job_id: 'imp-dup-other' },
      { ...base, job_id: 'imp-dup', worker_id: 'second', status: 'success', success: true },
    );
    expect(await runJson(['import', '-', '--db', target.url], { stdin: text, now: NOW })).toEqual({ inserted: 2, updated: 1, skipped: 0, dry_run: false });
    expect(await runJson(['logs', 'show', 'imp-dup', '--db', target.url])).toMatchObject({ worker_id: 'second', status: 'success', success: true });
  });

  it.skipIf(skip)("fields a row lacks: the model's defaults on a new row; an existing row keeps them and gets updated_at now", async () => {
    const edgeRow = (await runJson(['logs', 'show', 'imp-json', '--db', target.url])) as Record<string, unknown>;
    const text = ndjson({ ...base, job_id: 'imp-json', status: 'failed' }, { ...base, job_id: 'imp-minimal' });
    const r = await run(['import', '-', '--db', target.url], { stdin: text, now: NOW });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("tasklog: note: the rows have no args, kwargs, job_retry, job_retries, job_retry_after, created_at, updated_at: new rows got the model's defaults, existing rows kept theirs");
    const updated = await runJson(['logs', 'show', 'imp-json', '--db', target.url]);
    expect(updated).toEqual({ ...edgeRow, status: 'failed', status_display: 'Failed', task_name: 'imp.task', enqueue_time: base.enqueue_time, updated_at: NOW });
    expect(await runJson(['logs', 'show', 'imp-minimal', '--db', target.url])).toMatchObject({
      args: [], kwargs: {}, status: 'queued', job_retry: 0, job_retries: 0, job_retry_after: 60, success: null, user: null,
      enqueue_time: base.enqueue_time, created_at: NOW, updated_at: NOW,
    });
  });

  it.skipIf(skip)('a job_id that differs only in case is the same key where the database compares without case (MySQL), a new row elsewhere', async () => {
    // its own lower-case row first, so the test stands alone
    expect(await runJson(['import', '-', '--db', target.url], { stdin: ndjson({ ...base, job_id: 'imp-case' }), now: NOW })).toMatchObject({ inserted: 1 });
    const r = await run(['import', '-', '--json', '--skip-invalid', '--db', target.url], { stdin: ndjson({ ...base, job_id: 'IMP-CASE' }), now: NOW });
    expect(r.code).toBe(0);
    if (backend === 'mysql') {
      expect(JSON.parse(r.stdout)).toMatchObject({
        inserted: 0,
        skipped: 1,
        skipped_lines: [{ line: 1, reason: "job_id 'IMP-CASE' is the same key as the existing job_id 'imp-case' for this database (it compares job ids ignoring case or accents)" }],
      });
    } else {
      expect(JSON.parse(r.stdout)).toMatchObject({ inserted: 1, skipped: 0 });
    }
  });

  it.skipIf(skip)('two job ids the database compares as equal in one batch: counted back, the import stops there (MySQL), two rows elsewhere', async () => {
    const before = await listAll(target.url);
    // é = e under utf8mb4_unicode_ci, which folding for case alone does not foresee
    const text = ndjson({ ...base, job_id: 'imp-café' }, { ...base, job_id: 'imp-cafe' });
    const r = await run(['import', '-', '--skip-invalid', '--db', target.url], { stdin: text, now: NOW });
    if (backend === 'mysql') {
      expect([r.code, r.stderr]).toEqual([1, "tasklog: line 2: job_id 'imp-cafe' is the same key as 'imp-café' (line 1) for this database, which merged the two rows (nothing imported)\n"]);
      expect(await listAll(target.url)).toEqual(before);
      // in two imports, the second is a line the check refuses before writing
      expect(await runJson(['import', '-', '--db', target.url], { stdin: ndjson({ ...base, job_id: 'imp-café' }), now: NOW })).toMatchObject({ inserted: 1 });
      const again = await runJson(['import', '-', '--skip-invalid', '--db', target.url], { stdin: ndjson({ ...base, job_id: 'imp-cafe' }), now: NOW });
      expect(again).toMatchObject({ inserted: 0, updated: 0, skipped: 1, skipped_lines: [{ line: 1, reason: expect.stringContaining("is the same key as the existing job_id 'imp-café'") }] });
    } else {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/: 2 inserted, 0 updated, 0 skipped\n$/);
    }
  });

  it.skipIf(skip)('--json: a bad line is one JSON error object on stderr', async () => {
    const r = await run(['import', '-', '--json', '--db', target.url], { stdin: ndjson({ ...base, job_id: 'imp-json-err', status: 'nope' }), now: NOW });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({ error: { message: `line 1: status 'nope' is not one of ${STATUSES.join(', ')} (nothing imported)`, kind: 'invalid_line', exit_code: 2 } });
  });
});

describe('import: bad files and arguments (SQLite)', () => {
  let url: string;
  beforeAll(async () => {
    url = join(mkdtempSync(join(tmpdir(), 'tasklog-import-args-')), 'db.sqlite');
    expect((await run(['migrate', '--db', url])).code).toBe(0);
  });

  const header = 'job_id,task_name,queue_name,status,enqueue_time,error_message';
  const csvRow = (i: number, status = 'success', error = '') => `job-${i},t,q,${status},2026-03-15T10:00:00Z,${error}`;

  it('names the physical line of a CSV record, counting the lines inside quoted cells', async () => {
    const lines = [header];
    // a record spanning three lines early on: line numbers after it are physical ones
    lines.push(csvRow(1, 'failed', '"Traceback\nline two\r\nline three"'));
    while (lines.length < 1235) lines.push(csvRow(lines.length));
    // line 1 header + record 1 on lines 2–4: the array's entry k is on line k + 3 from there on
    const broken = 1234 - 3;
    lines[broken] = csvRow(broken, 'bogus');
    const path = file('lines.csv', lines.join('\r\n') + '\r\n');
    const r = await run(['import', path, '--db', url], { now: NOW });
    expect(r.stderr).toBe(`tasklog: line 1234: status 'bogus' is not one of ${STATUSES.join(', ')} (nothing imported)\n`);
    expect(r.code).toBe(2);
    expect((await runJson(['overview', '--db', url])).total_tasks).toBe(0);
    const ok = await runJson(['import', path, '--skip-invalid', '--db', url], { now: NOW });
    expect(ok).toMatchObject({ inserted: lines.length - 2, skipped: 1, skipped_lines: [{ line: 1234 }] });
    expect((await runJson(['logs', 'show', 'job-1', '--db', url])).error_message).toBe('Traceback\nline two\r\nline three');
    // an unquoted empty cell is null, a quoted one the empty string
    expect((await runJson(['logs', 'show', 'job-5', '--db', url])).error_message).toBeNull();
  });

  it.each([
    ['an unknown CSV header field', 'job_id,task_name,queue,enqueue_time\n', /^tasklog: line 1: the CSV header names an unknown field 'queue' \(the fields are those of `tasklog logs show --json`\)/],
    ['a JSON document instead of lines', '[\n{"job_id": "x"}\n]\n', /^tasklog: line 1: not JSON: /],
    ['a CSV cell never closed', `${header}\n${csvRow(1, 'success', '"open')}\nmore\n`, /^tasklog: line 2: a quoted CSV cell is never closed/],
    ['a CSV record with too few fields', `${header}\njob-1,t,q\n`, /^tasklog: line 2: 3 CSV fields where the header has 6/],
  ])('%s: one line, exit 2', async (_name, text, message) => {
    const name = text.startsWith('[') ? 'doc.json' : 'bad.csv';
    const r = await run(['import', file(name, text), '--db', url], { now: NOW });
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(2);
  });

  it('usage errors: a missing file, stdin on a terminal, an unknown --format, no database table', async () => {
    const missing = await run(['import', join(dir, 'nope.jsonl'), '--db', url]);
    expect([missing.code, missing.stderr]).toEqual([2, `tasklog: cannot read ${join(dir, 'nope.jsonl')}: no such file\n`]);
    const tty = await run(['import', '-', '--db', url], { tty: true });
    expect([tty.code, tty.stderr]).toEqual([2, 'tasklog: import -: stdin is a terminal; pipe the rows in (… | tasklog import -) or name a file\n']);
    const fmt = await run(['import', '-', '--format', 'xml', '--db', url], { stdin: '' });
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toMatch(/--format <format>' argument 'xml' is invalid\. Allowed choices are ndjson, jsonl, csv/);
    const noTable = await run(['import', '-', '--db', join(dir, 'empty.sqlite')], { stdin: '' });
    expect(noTable.code).toBe(1);
    expect(noTable.stderr).toMatch(/no database at .*empty\.sqlite/);
  });

  it('an empty input imports nothing; --format overrides the extension; blank lines and a BOM are fine', async () => {
    expect(await runJson(['import', '-', '--db', url], { stdin: '' })).toEqual({ inserted: 0, updated: 0, skipped: 0, dry_run: false });
    const text = '\ufeff' + ndjsonLine('fmt-1') + '\n\n' + ndjsonLine('fmt-2');
    expect(await runJson(['import', file('rows.txt', text), '--format', 'jsonl', '--db', url], { now: NOW })).toMatchObject({ inserted: 2 });
    expect(await runJson(['import', file('rows.csv.txt', text), '--db', url], { now: NOW })).toMatchObject({ updated: 2 });
  });
});

function ndjsonLine(job_id: string): string {
  return JSON.stringify({ job_id, task_name: 't', queue_name: 'q', enqueue_time: '2026-03-15T10:00:00Z' });
}
