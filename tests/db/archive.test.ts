/**
 * tasklog archive into a private ClickHouse server, from every source
 * backend: every row, exactly once, the latest version answering; killed at
 * any moment (tasklog, ClickHouse, the source) and run again, the archive
 * ends equal to the source, row for row.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { decodeRow } from '../../src/db/decode.js';
import { rowHash } from '../../src/query/archive-rows.js';
import { hostileRows, HOSTILE_JSON_TEXTS } from '../../fixtures/hostile.js';
import { archivedRows, sourceRows, tableCounts } from '../helpers/archive.js';
import { chDatabaseName, clickhouseMissing, startClickhouse, type ClickhouseServer } from '../helpers/clickhouse.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { openDb } from '../helpers/db.js';
import { edgeRow } from '../helpers/rows.js';
import { run, runJson } from '../helpers/run.js';
import { BIN } from '../helpers/servers.js';

const execFileP = promisify(execFile);
const missing = clickhouseMissing();
const backends = await backendsUnderTest();
const nowUs = () => Date.now() * 1000;
/** rows of the runs that are killed: enough batches of 100 that the kill lands mid-run (a run of 5,000 could end before the test cut its source away) */
const KILL_ROWS = 20_000;

let ch: ClickhouseServer;
beforeAll(async () => {
  if (!missing) ch = await startClickhouse();
}, 60_000);
afterAll(async () => {
  await ch?.stop();
});

/** The source's rows replaced by these (the table created first when missing). */
async function fill(url: string, rows: WritableRow[]): Promise<void> {
  const db = await openDb(url);
  try {
    await db.exec(`DELETE FROM ${db.dialect.quote(db.table)}`);
    await insertRows(db, rows);
  } finally {
    await db.close();
  }
}

/** Runs SQL on the source with times encoded for it. */
async function change(url: string, fn: (exec: (sql: string, bindings: unknown[]) => Promise<number>, t: (us: number) => unknown) => Promise<void>): Promise<void> {
  const db = await openDb(url);
  try {
    const { instantFromMicros } = await import('../../src/core/time.js');
    await fn(
      (sql, b) => db.exec(sql.replace(/\bT\b/g, db.dialect.quote(db.table)), b),
      (us) => db.dialect.encodeTime(instantFromMicros(us)),
    );
  } finally {
    await db.close();
  }
}

/** Rows of every shape a column can take: NULLs, microseconds, Unicode, JSON, open and settled. */
function shapes(now: number, storesNul: boolean): WritableRow[] {
  const H = 3_600_000_000;
  return [
    edgeRow(now, 'shape-unicode', { task_name: 'İstanbul.KELVIN.\u212A', error_message: 'Ошибка: 失败 😀', result: 'ok "quoted" \\ back', args: [1, 'two', { three: [3] }], kwargs: { 'ключ': null, nested: { a: true } } }),
    edgeRow(now, 'shape-micros', { enqueue_time: now - H + 1, start_time: now - H + 999_999, finish_time: now - H + 1_000_000, created_at: now - H + 7, updated_at: now - H + 123_456 }),
    edgeRow(now, 'shape-nulls', { status: 'failed', success: null, duration_ms: null, start_time: null, finish_time: null, expire_time: null, worker_id: null, result: null, error_message: '' }),
    edgeRow(now, 'shape-open', { status: 'in_progress', success: null, finish_time: null, duration_ms: null, worker_id: 'w-1', expire_time: now + H }),
    edgeRow(now, 'shape-queued', { status: 'queued', success: null, start_time: null, finish_time: null, duration_ms: null }),
    edgeRow(now, 'shape-control', { error_message: `tab\there\nnewline\r${storesNul ? '\u0000nul' : ''}\u0001\u001f` }),
  ];
}

async function archive(args: string[], env: Record<string, string> = {}) {
  return runJson(['archive', ...args], { env });
}

describe.each(backends)('archive from $backend', ({ backend, skip }) => {
  const off = Boolean(skip || missing);
  let tdb: TestDatabase;
  beforeAll(async () => {
    if (off) return;
    tdb = await createDatabase(backend, 'arch');
    expect((await run(['demo', '--db', tdb.url, '--rows', '1500', '--days', '3', '--seed', '7'])).code).toBe(0);
    const db = await openDb(tdb.url);
    try {
      await insertRows(db, shapes(nowUs(), db.dialect.storesNul));
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it.skipIf(off)('copies every row with its user; a second run writes nothing; the archive equals the source row for row', async () => {
    const database = chDatabaseName('all');
    const to = ch.url(database);
    const source = await sourceRows(tdb.url);
    const open = source.filter((r) => !['success', 'failed', 'expired', 'canceled'].includes(r.status)).length;
    expect(open).toBeGreaterThan(0);
    expect(source.some((r) => r.username)).toBe(true);
    const first = await archive(['--db', tdb.url, '--to', to]);
    expect(first).toMatchObject({ archived: source.length, updated: 0, unchanged: 0, open, kept_deleted: 0, dry_run: false, archive: to });
    expect(first.created).toEqual(['django_cfg_task_log_settled', 'django_cfg_task_log_open', 'django_cfg_task_log_superseded', 'django_cfg_task_log_runs', 'django_cfg_task_log']);
    expect(await archivedRows(ch, database)).toEqual(source);
    const before = await tableCounts(ch, database);
    const second = await archive(['--db', tdb.url, '--to', to]);
    expect(second).toMatchObject({ archived: 0, updated: 0, open, created: [] });
    // the rows of the last minutes are read again (the overlap) and found unchanged; nothing settled is written twice
    expect(second.unchanged).toBeGreaterThanOrEqual(open);
    const after = await tableCounts(ch, database);
    expect(after).toEqual({ ...before, runs: before.runs + 1 });
    expect(await archivedRows(ch, database)).toEqual(source);
  });

  it.skipIf(off)('a long read (ten batches, then reader threads over ranges of ids) archives the same rows as one read; a second run writes nothing', async () => {
    const database = chDatabaseName('threads');
    const to = ch.url(database);
    const source = await sourceRows(tdb.url);
    expect(source.length).toBeGreaterThan(1000);
    const open = source.filter((r) => !['success', 'failed', 'expired', 'canceled'].includes(r.status)).length;
    // the compiled CLI (reader threads run compiled JavaScript only)
    const compiled = async (args: string[]) => {
      const { stdout } = await execFileP(BIN, ['archive', ...args, '--json']);
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    expect(await compiled(['--db', tdb.url, '--to', to, '--batch-size', '100'])).toMatchObject({ archived: source.length, updated: 0, unchanged: 0, open });
    expect(await archivedRows(ch, database)).toEqual(source);
    const before = await tableCounts(ch, database);
    expect(before.settled).toBe(source.length - open);
    expect(await compiled(['--db', tdb.url, '--to', to, '--batch-size', '100'])).toMatchObject({ archived: 0, updated: 0, open });
    expect(await tableCounts(ch, database)).toEqual({ ...before, runs: before.runs + 1 });
  });

  it.skipIf(off)('a changed row is archived again and only its latest version answers; a row deleted while open keeps its last version', async () => {
    const database = chDatabaseName('chg');
    const to = ch.url(database);
    const now = nowUs();
    const H = 3_600_000_000;
    const base = { created_at: now - H, updated_at: now - H, enqueue_time: now - H };
    const open = { success: null, finish_time: null, duration_ms: null };
    const scratch = await createDatabase(backend, 'chg');
    try {
      expect((await run(['migrate', '--db', scratch.url])).code).toBe(0);
      await fill(scratch.url, [
        edgeRow(now, 'q1', { ...base, ...open, status: 'queued', start_time: null }),
        edgeRow(now, 'p1', { ...base, ...open, status: 'in_progress' }),
        edgeRow(now, 'f1', { ...base, status: 'failed', success: false, error_message: 'Boom' }),
        edgeRow(now, 's1', { ...base }),
        edgeRow(now, 'd1', { ...base, ...open, status: 'queued', start_time: null }),
      ]);
      expect(await archive(['--db', scratch.url, '--to', to])).toMatchObject({ archived: 5, updated: 0, open: 3 });
      const gone = (await archivedRows(ch, database)).find((r) => r.job_id === 'd1');
      await change(scratch.url, async (exec, t) => {
        await exec(`UPDATE T SET status = 'in_progress', start_time = ?, updated_at = ? WHERE job_id = 'q1'`, [t(now), t(now)]);
        await exec(`UPDATE T SET status = 'success', success = ?, finish_time = ?, duration_ms = 5, updated_at = ? WHERE job_id = 'p1'`, [true, t(now), t(now)]);
        // a retried failure goes back to the queue
        await exec(`UPDATE T SET status = 'queued', success = NULL, job_retries = 1, error_message = NULL, updated_at = ? WHERE job_id = 'f1'`, [t(now)]);
        await exec(`DELETE FROM T WHERE job_id = 'd1'`, []);
      });
      const second = await archive(['--db', scratch.url, '--to', to]);
      expect(second).toMatchObject({ archived: 0, updated: 3, open: 2, kept_deleted: 1 });
      expect(await archivedRows(ch, database)).toEqual([...(await sourceRows(scratch.url)), gone].sort((a, b) => a!.id - b!.id));
      await change(scratch.url, async (exec, t) => {
        await exec(`UPDATE T SET status = 'success', success = ?, finish_time = ?, updated_at = ? WHERE job_id IN ('q1', 'f1')`, [true, t(now + 1), t(now + 1)]);
      });
      const third = await archive(['--db', scratch.url, '--to', to]);
      expect(third).toMatchObject({ archived: 0, updated: 2, open: 0, kept_deleted: 0 });
      const rows = await archivedRows(ch, database);
      expect(rows).toEqual([...(await sourceRows(scratch.url)), gone].sort((a, b) => a!.id - b!.id));
      expect(rows.map((r) => r.job_id).sort()).toEqual(['d1', 'f1', 'p1', 'q1', 's1']);
      // f1's failed version was superseded when it went back to the queue; nothing answers twice
      expect((await tableCounts(ch, database)).superseded).toBe(1);
      expect(await archive(['--db', scratch.url, '--to', to])).toMatchObject({ archived: 0, updated: 0 });
    } finally {
      await scratch.drop();
    }
  });

  it.skipIf(off)('hostile values (every control character, quotes, backslashes, NUL where stored, odd JSON texts, a hostile user): the archive equals the source, each _hash the one cleanup --archived computes', async () => {
    const database = chDatabaseName('hostile');
    const scratch = await createDatabase(backend, 'hostile');
    try {
      expect((await run(['demo', '--db', scratch.url, '--rows', '30', '--days', '2', '--seed', '5'])).code).toBe(0);
      const db = await openDb(scratch.url);
      try {
        const q = (c: string) => db.dialect.quote(c);
        await db.exec(
          `INSERT INTO ${q('auth_user')} (${['password', 'is_superuser', 'username', 'first_name', 'last_name', 'email', 'is_staff', 'is_active', 'date_joined'].map(q).join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ['!', db.dialect.encodeBool(false), 'o\'brien "x" \\ \t\n \u2028 юзер', '', '', 'tab\there', db.dialect.encodeBool(false), db.dialect.encodeBool(true), db.dialect.encodeTime({ ms: Date.now(), micros: 0 })],
        );
        const [{ id }] = await db.query<{ id: unknown }>(`SELECT MAX(${q('id')}) AS id FROM ${q('auth_user')}`);
        await insertRows(db, hostileRows(nowUs(), db.dialect.storesNul, [null, Number(id), 1, ...(backend === 'sqlite' ? [424242] : [])]));
        if (backend === 'sqlite' || /mariadb/i.test(await db.dialect.serverVersion(db))) {
          for (let i = 0; i < HOSTILE_JSON_TEXTS.length; i++) {
            await db.exec(`UPDATE ${q(db.table)} SET ${q('args')} = ? WHERE ${q('job_id')} LIKE ?`, [HOSTILE_JSON_TEXTS[i], `hostile-${i}-%`]).catch(() => undefined);
          }
        }
      } finally {
        await db.close();
      }
      const source = await sourceRows(scratch.url);
      expect(source.some((r) => [r.result, r.error_message, r.task_name].some((t) => t?.includes('\u0001\u0002')))).toBe(true);
      expect((await archive(['--db', scratch.url, '--to', ch.url(database)])).archived).toBe(source.length);
      // JSON as JSON.stringify writes it (-0 as 0, 1E400 as null), as every build has archived it
      const json = (v: unknown) => JSON.parse(JSON.stringify(v ?? null)) as unknown;
      expect(await archivedRows(ch, database)).toEqual(source.map((r) => ({ ...r, args: json(r.args), kwargs: json(r.kwargs) })));
      // the hash of each row as cleanup --archived decodes it (SELECT *, decodeRow)
      const expected = await (async () => {
        const src = await openDb(scratch.url);
        try {
          const rows = (await src.query(`SELECT * FROM ${src.dialect.quote(src.table)}`)).map(decodeRow);
          return Object.fromEntries(rows.map((r) => [String(r.id), rowHash(r)]));
        } finally {
          await src.close();
        }
      })();
      const hashes = await ch.rows<{ id: string; h: string }>(
        `SELECT toString(id) AS id, toString(_hash) AS h FROM (SELECT id, _hash FROM django_cfg_task_log_settled UNION ALL SELECT id, _hash FROM django_cfg_task_log_open)`,
        database,
      );
      expect(Object.fromEntries(hashes.map((r) => [r.id, r.h]))).toEqual(expected);
    } finally {
      await scratch.drop();
    }
  });

  it.skipIf(off)('--dry-run writes nothing and counts what a run would; --since leaves older rows out', async () => {
    const database = chDatabaseName('dry');
    const to = ch.url(database);
    const source = await sourceRows(tdb.url);
    const dry = await archive(['--db', tdb.url, '--to', to, '--dry-run']);
    expect(dry).toMatchObject({ archived: source.length, updated: 0, dry_run: true });
    expect((await ch.query(`SELECT count() FROM system.tables WHERE database = '${database}'`)).trim()).toBe('0');
    const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
    const recent = source.filter((r) => r.created_at! >= since);
    expect(recent.length).toBeLessThan(source.length);
    expect(await archive(['--db', tdb.url, '--to', to, '--since', since])).toMatchObject({ archived: recent.length });
    expect(await archivedRows(ch, database)).toEqual(recent);
  });

  if (backend === 'sqlite') it.skipIf(off)('killed (SIGKILL) mid-run: nothing of the run is visible; the next run ends equal to the source', async () => {
    const database = chDatabaseName('kill');
    const to = ch.url(database);
    const big = await createDatabase(backend, 'kill');
    try {
      expect((await run(['demo', '--db', big.url, '--rows', String(KILL_ROWS), '--days', '2', '--seed', '3'])).code).toBe(0);
      const proc = spawn(BIN, ['archive', '--db', big.url, '--to', to, '--batch-size', '100'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      await until(async () => Number((await ch.query(`SELECT count() FROM ${database}.django_cfg_task_log_settled`).catch(() => '0')).trim()) >= 300, exited);
      proc.kill('SIGKILL');
      expect(await exited).toBe(null);
      // the killed run wrote rows, but none is visible: it never finished
      const partial = await tableCounts(ch, database);
      expect(partial.settled).toBeGreaterThanOrEqual(300);
      expect(partial).toMatchObject({ runs: 0, visible: 0 });
      const again = await archive(['--db', big.url, '--to', to]);
      expect(again.archived).toBe(KILL_ROWS);
      expect(await archivedRows(ch, database)).toEqual(await sourceRows(big.url));
      // the rows the killed run wrote were found, not written again
      expect((await tableCounts(ch, database)).settled).toBe((await sourceRows(big.url)).filter((r) => ['success', 'failed', 'expired', 'canceled'].includes(r.status)).length);
    } finally {
      await big.drop();
    }
  });

  if (backend === 'sqlite') it.skipIf(off)('a batch of 100,000 rows looks the archive up in statements under ClickHouse\'s max_query_size', async () => {
    const database = chDatabaseName('bigbatch');
    const to = ch.url(database);
    const big = await createDatabase(backend, 'bigbatch');
    try {
      expect((await run(['demo', '--db', big.url, '--rows', '12000', '--days', '2', '--seed', '6'])).code).toBe(0);
      expect((await archive(['--db', big.url, '--to', to])).archived).toBe(12000);
      // every row changed since: each one is looked up (12,000 ids and times: past 256 KiB in one statement)
      await change(big.url, async (exec, t) => {
        await exec(`UPDATE T SET updated_at = ?`, [t(nowUs())]);
      });
      const second = await archive(['--db', big.url, '--to', to, '--batch-size', '100000']);
      expect(second).toMatchObject({ archived: 0, updated: 12000 });
      expect(await archivedRows(ch, database)).toEqual(await sourceRows(big.url));
    } finally {
      await big.drop();
    }
  });

  if (backend !== 'sqlite') {
    it.skipIf(off)('the source going away mid-run: one line naming it, exit 1; the next run ends equal to the source', async () => {
      const database = chDatabaseName('srcdown');
      const to = ch.url(database);
      const big = await createDatabase(backend, 'srcdown');
      try {
        // PostgreSQL: more rows than the sockets between server and readers hold, so the readers still
        // need the server when it goes away (with 20,000, a loaded CI run once ended well, exit 0)
        const rows = backend === 'postgres' ? 150_000 : KILL_ROWS;
        expect((await run(['demo', '--db', big.url, '--rows', String(rows), '--days', '2', '--seed', '4'])).code).toBe(0);
        let stderr = '';
        const proc = spawn(BIN, ['archive', '--db', big.url, '--to', to, '--batch-size', '100'], { stdio: ['ignore', 'ignore', 'pipe'] });
        proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
        await until(async () => Number((await ch.query(`SELECT count() FROM ${database}.django_cfg_task_log_settled`).catch(() => '0')).trim()) >= 300, exited);
        // gone: no new connection either (a pool would open one), until the run has ended
        await allowConnections(big, false);
        try {
          await dropConnections(big);
          expect(await exited).toBe(1);
        } finally {
          await allowConnections(big, true);
        }
        expect(stderr.trim().split('\n')).toHaveLength(1);
        expect(stderr).toContain(big.url.replace(/\/\/([^:@/]+):[^@]*@/, '//$1:***@'));
        expect((await tableCounts(ch, database)).visible).toBe(0);
        expect((await archive(['--db', big.url, '--to', to])).archived).toBe(rows);
        const got = await archivedRows(ch, database);
        if (got.length !== rows) {
          const have = new Set(got.map((r) => r.id));
          const miss = (await sourceRows(big.url)).filter((r) => !have.has(r.id)).map((r) => r.id);
          console.log('MISSING', miss.length, miss.slice(0, 5), miss.slice(-3));
          console.log(await ch.query(`SELECT id, _run, toString(_hash), status FROM ${database}.django_cfg_task_log_settled WHERE id IN (${miss.slice(0, 3).join(',')})`));
          console.log(await ch.query(`SELECT id, version, _run FROM ${database}.django_cfg_task_log_superseded WHERE id IN (${miss.slice(0, 3).join(',')})`));
          console.log(await ch.query(`SELECT id, _run, status FROM ${database}.django_cfg_task_log_open WHERE id IN (${miss.slice(0, 3).join(',')})`));
          console.log(await ch.query(`SELECT run, archived, updated, unchanged, open FROM ${database}.django_cfg_task_log_runs`));
        }
        expect(got).toEqual(await sourceRows(big.url));
      } finally {
        await big.drop();
      }
    });
  }
});

describe.skipIf(Boolean(missing))('archive: ClickHouse stopping, bad input', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createDatabase('sqlite', 'archbad');
    expect((await run(['demo', '--db', tdb.url, '--rows', String(KILL_ROWS), '--days', '2', '--seed', '9'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('ClickHouse killed mid-run: one line naming it, exit 1; started again, the next run ends equal to the source', async () => {
    const database = chDatabaseName('chdown');
    const to = ch.url(database, 'writer');
    let stderr = '';
    const proc = spawn(BIN, ['archive', '--db', tdb.url, '--to', to, '--batch-size', '100'], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    await until(async () => Number((await ch.query(`SELECT count() FROM ${database}.django_cfg_task_log_settled`).catch(() => '0')).trim()) >= 300, exited);
    await ch.kill();
    try {
      expect(await exited).toBe(1);
    } finally {
      await ch.start();
    }
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('clickhouse://writer:***@127.0.0.1:');
    expect(stderr).not.toContain('p@ss');
    expect((await tableCounts(ch, database)).visible).toBe(0);
    expect((await archive(['--db', tdb.url, '--to', to])).archived).toBe(KILL_ROWS);
    expect(await archivedRows(ch, database)).toEqual(await sourceRows(tdb.url));
  });

  it('only reads the source: the SQLite file is the same bytes after a run', async () => {
    const hash = () => createHash('sha256').update(readFileSync(tdb.url)).digest('hex');
    const before = hash();
    expect((await archive(['--db', tdb.url, '--to', ch.url(chDatabaseName('ro'))])).archived).toBe(KILL_ROWS);
    expect(hash()).toBe(before);
  });

  it('the archive from $TASKLOG_ARCHIVE_URL, else the config file\'s archive.url; none at all is a usage error', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const envDb = chDatabaseName('env');
    expect((await archive(['--db', tdb.url], { TASKLOG_ARCHIVE_URL: ch.url(envDb) })).archive).toBe(ch.url(envDb));
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-cfg-'));
    try {
      const cfgDb = chDatabaseName('cfg');
      writeFileSync(join(dir, 'tasklog.config.json'), JSON.stringify({ archive: { url: ch.url(cfgDb) } }));
      expect((await runJson(['archive', '--db', tdb.url, '--dry-run'], { cwd: dir })).archive).toBe(ch.url(cfgDb));
      writeFileSync(join(dir, 'tasklog.config.json'), JSON.stringify({ archive: { url: 'postgres://x/y' } }));
      const bad = await run(['archive', '--db', tdb.url], { cwd: dir });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/archive\.url must be a ClickHouse URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const none = await run(['archive', '--db', tdb.url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^tasklog: no archive: give --to clickhouse:\/\//);
  });

  it.each([
    ['unreachable', () => 'clickhouse://127.0.0.1:1/x', 1, /^tasklog: cannot connect to clickhouse:\/\/127\.0\.0\.1:1\/x: connection refused/],
    ['a wrong password', () => ch.url('x', 'writer', 'not-it'), 1, /^tasklog: cannot connect to clickhouse:\/\/writer:\*\*\*@127\.0\.0\.1:\d+\/x: authentication failed/],
    ['a read-only user', () => ch.url(chDatabaseName('rdonly'), 'reader'), 1, /^tasklog: cannot connect to clickhouse:\/\/reader@127\.0\.0\.1:\d+\/tasklog_t_rdonly_\w+: the user may only read/],
    ['not ClickHouse', () => 'postgres://127.0.0.1/x', 2, /^tasklog: --to: the archive is a ClickHouse database/],
    ['a bad URL', () => 'clickhouse://127.0.0.1', 2, /^tasklog: --to: 'clickhouse:\/\/127\.0\.0\.1' names no database/],
  ])('%s: one line naming the URL (password hidden) and the problem', async (_what, url, code, message) => {
    const r = await run(['archive', '--db', tdb.url, '--to', url()]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('not-it');
  });

  it('a read-only user on an archive that exists: one line, exit 1, nothing written', async () => {
    const database = chDatabaseName('rdexists');
    expect((await run(['migrate', '--db', ch.url(database)])).code).toBe(0);
    const r = await run(['archive', '--db', tdb.url, '--to', ch.url(database, 'reader')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tasklog: cannot archive into clickhouse:\/\/reader@127\.0\.0\.1:\d+\/\w+: the user may only read/);
    expect((await tableCounts(ch, database)).settled).toBe(0);
  });

  it('a table of another shape is refused, never altered', async () => {
    const database = chDatabaseName('shape');
    await ch.query(`CREATE DATABASE ${database}`);
    await ch.query(`CREATE TABLE ${database}.django_cfg_task_log_settled (id Int64, job_id String) ENGINE = MergeTree ORDER BY id`);
    const r = await run(['archive', '--db', tdb.url, '--to', ch.url(database)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tasklog: clickhouse:\/\/127\.0\.0\.1:\d+\/\w+: table django_cfg_task_log_settled has another shape than the archive's: it has no column task_name \(String\)/);
    expect((await ch.query(`SELECT count() FROM system.columns WHERE database = '${database}' AND table = 'django_cfg_task_log_settled'`)).trim()).toBe('2');
  });

  it('migrate --db clickhouse://… creates the tables alone, once', async () => {
    const database = chDatabaseName('mig');
    const first = await runJson(['migrate', '--db', ch.url(database)]);
    expect(first).toMatchObject({ created: ['django_cfg_task_log_settled', 'django_cfg_task_log_open', 'django_cfg_task_log_superseded', 'django_cfg_task_log_runs', 'django_cfg_task_log'], cluster: null, backend: 'clickhouse' });
    const again = await run(['migrate', '--db', ch.url(database)]);
    expect(again.stdout).toMatch(/already exist .*nothing changed/);
    expect(await tableCounts(ch, database)).toEqual({ settled: 0, open: 0, superseded: 0, runs: 0, visible: 0 });
  });
});

async function sourceCount(url: string): Promise<number> {
  const db = await openDb(url);
  try {
    const [r] = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${db.dialect.quote(db.table)}`);
    return Number(r.n);
  } finally {
    await db.close();
  }
}

/** Waits until `ok`, failing if the process exits first (the run ended before it could be interrupted). */
async function until(ok: () => Promise<boolean>, exited: Promise<number | null>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  for (let i = 0; i < 600; i++) {
    if (await ok()) return;
    if (done) throw new Error('the run finished before it could be interrupted: give it more rows');
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the run wrote nothing within 15 s');
}

/** PostgreSQL: fn on a connection to another database of the same server (the test's own may refuse connections) */
async function fromAnotherDatabase(tdb: TestDatabase, fn: (c: import('pg').Client) => Promise<unknown>): Promise<void> {
  const pg = (await import('pg')).default;
  const u = new URL(tdb.url);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.end();
  }
}

/** PostgreSQL: whether the database takes new connections; elsewhere nothing */
async function allowConnections(tdb: TestDatabase, allow: boolean): Promise<void> {
  if (tdb.backend !== 'postgres') return;
  await fromAnotherDatabase(tdb, (c) => c.query(`ALTER DATABASE "${tdb.name.replace(/"/g, '""')}" ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`));
}

/** Ends every session on the test database: the server going away, as tasklog sees it. */
async function dropConnections(tdb: TestDatabase): Promise<void> {
  if (tdb.backend === 'postgres') {
    await fromAnotherDatabase(tdb, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [tdb.name]));
    return;
  }
  const mysql = await import('mysql2/promise');
  const u = new URL(tdb.url);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  try {
    const [rows] = await c.query(`SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()`, [tdb.name]);
    for (const r of rows as { id: number }[]) await c.query(`KILL ${Number(r.id)}`).catch(() => undefined);
  } finally {
    await c.end();
  }
}

describe.each(backends.filter((b) => b.backend !== 'mysql'))('cleanup --archived on $backend', ({ backend, skip }) => {
  const off = Boolean(skip || missing);
  const D = 24 * 3_600_000_000;

  /** n settled rows created 100 days ago */
  function old(n: number, tag: string): WritableRow[] {
    const now = nowUs();
    return Array.from({ length: n }, (_, i) => edgeRow(now, `${tag}-${i}`, { created_at: now - 100 * D + i, enqueue_time: now - 100 * D, updated_at: now - 100 * D + i }));
  }

  it.skipIf(off)('deletes only rows whose current version is in the archive; the summary says how many stay; archive.required makes it the default', async () => {
    const tdb = await createDatabase(backend, 'cla');
    const database = chDatabaseName('cla');
    try {
      expect((await run(['migrate', '--db', tdb.url])).code).toBe(0);
      await fill(tdb.url, old(20, 'old'));
      expect((await archive(['--db', tdb.url, '--to', ch.url(database)])).archived).toBe(20);
      const archived = await archivedRows(ch, database);
      // after the run: one row changes, one arrives; neither is in the archive as it is now
      await change(tdb.url, async (exec, t) => {
        await exec(`UPDATE T SET error_message = 'changed', updated_at = ? WHERE job_id = 'old-3'`, [t(nowUs())]);
      });
      const db = await openDb(tdb.url);
      try {
        await insertRows(db, old(1, 'late'));
      } finally {
        await db.close();
      }
      const dry = await runJson(['cleanup', '--db', tdb.url, '--days', '90', '--archived', '--to', ch.url(database), '--dry-run']);
      expect(dry).toMatchObject({ deleted: 19, kept: 2, dry_run: true, archived_only: true });
      expect((await sourceRows(tdb.url)).length).toBe(21);
      const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = mkdtempSync(join(tmpdir(), 'tasklog-cfg-'));
      try {
        writeFileSync(join(dir, 'tasklog.config.json'), JSON.stringify({ archive: { url: ch.url(database), required: true } }));
        const r = await run(['cleanup', '--db', tdb.url, '--days', '90', '--yes'], { cwd: dir });
        expect(r.code).toBe(0);
        expect(r.stdout).toBe('Deleted 19 logs older than 90 days that the archive holds; kept 2 logs not (yet) in the archive in their current version\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect((await sourceRows(tdb.url)).map((r) => r.job_id).sort()).toEqual(['late-0', 'old-3']);
      expect(await archivedRows(ch, database)).toEqual(archived);
      // archived in their current version, they go too
      expect(await archive(['--db', tdb.url, '--to', ch.url(database)])).toMatchObject({ archived: 1, updated: 1 });
      expect(await runJson(['cleanup', '--db', tdb.url, '--days', '90', '--archived', '--to', ch.url(database), '--yes'])).toMatchObject({ deleted: 2, kept: 0 });
      expect(await sourceRows(tdb.url)).toEqual([]);
      expect((await archivedRows(ch, database)).length).toBe(21);
    } finally {
      await tdb.drop();
    }
  });

  it.skipIf(off)('killed (SIGKILL) mid-way and run again: nothing lost, everything archived deleted', async () => {
    const tdb = await createDatabase(backend, 'clk');
    const database = chDatabaseName('clk');
    try {
      expect((await run(['migrate', '--db', tdb.url])).code).toBe(0);
      await fill(tdb.url, old(KILL_ROWS, 'old'));
      const original = await sourceRows(tdb.url);
      expect((await archive(['--db', tdb.url, '--to', ch.url(database)])).archived).toBe(KILL_ROWS);
      const proc = spawn(BIN, ['cleanup', '--db', tdb.url, '--days', '90', '--archived', '--to', ch.url(database), '--yes', '--batch-size', '50'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      await until(async () => (await sourceCount(tdb.url)) <= KILL_ROWS - 300, exited);
      proc.kill('SIGKILL');
      expect(await exited).toBe(null);
      const left = await sourceRows(tdb.url);
      expect(left.length).toBeGreaterThan(0);
      // every row is in the source or in the archive, as it was
      const archived = await archivedRows(ch, database);
      expect(archived).toEqual(original);
      expect((await runJson(['cleanup', '--db', tdb.url, '--days', '90', '--archived', '--to', ch.url(database), '--yes'])).deleted).toBe(left.length);
      expect(await sourceRows(tdb.url)).toEqual([]);
      expect(await archivedRows(ch, database)).toEqual(original);
    } finally {
      await tdb.drop();
    }
  });
});
