// The benchmark tables: demo rows (fixtures/generate.ts, encoded by src/db/insert.ts
// encodeRow, so values are byte for byte what `tasklog demo` writes) spread over
// 90 days before NOW, in a SQLite file under bench/.data/ and a PostgreSQL
// database tasklog_bench_<size>. The schema comes from tasklog itself
// (`tasklog demo --rows 1`: auth_user with the demo users, then Django's DDL);
// the one demo row is deleted, the secondary indexes and constraints are dropped,
// the rows are bulk loaded (better-sqlite3 prepared INSERT in big transactions /
// COPY FROM STDIN through psql), and the indexes and constraints are recreated
// from their own definitions. A marker (a sidecar file / a table comment) says
// which generator version, seed, NOW and row count a table holds: a run reuses
// a table whose marker matches and regenerates any other.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateRows } from '../../dist/fixtures/generate.js';
import { encodeRow } from '../../dist/src/db/insert.js';
import { SqliteDialect } from '../../dist/src/db/dialect/sqlite.js';
import { PostgresDialect } from '../../dist/src/db/dialect/postgres.js';
import { BENCH_DIR, DATA_DIR, NOW, PG, TABLE, TASKLOG } from './env.mjs';

/** bump when the way tables are generated changes: cached tables are then rebuilt */
export const DATA_VERSION = 1;
export const SEED = 1;
export const DAYS = 90;

export function sqliteFile(size) {
  return join(DATA_DIR, `tasklog-${size.name}.sqlite`);
}
export function pgDatabase(size) {
  return `tasklog_bench_${size.name.replace(/-/g, '_')}`;
}
export function pgUrl(database) {
  return `postgres://${PG.user}@${PG.host}:${PG.port}/${database}`;
}
export function dbUrl(backend, size) {
  return backend === 'sqlite' ? sqliteFile(size) : pgUrl(pgDatabase(size));
}

function marker(size) {
  return `tasklog-bench v${DATA_VERSION} rows=${size.rows} days=${DAYS} seed=${SEED} now=${NOW}${size.shuffledFrom ? ' order=shuffled' : ''}`;
}

/**
 * A table out of time order (filled by an import or by several workers): the
 * rows of the ordered table of the same size, inserted in a fixed pseudo-random
 * order (a multiplicative hash of the id modulo a prime: a permutation), so ids
 * and the physical order no longer follow created_at. New ids, same values.
 */
const SHUFFLE_ORDER = '(id * 2654435761) % 4294967291';
const COPIED_COLUMNS = `job_id, task_name, queue_name, args, kwargs, status, duration_ms, job_retry, job_retries, job_retry_after, success, result, error_message, worker_id, enqueue_time, expire_time, start_time, finish_time, created_at, updated_at, user_id`;

export function psql(database, args, opts = {}) {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', database, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    ...opts,
  });
  if (r.status !== 0) throw new Error(`psql ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** `tasklog demo --rows 1`: the user table with the demo users and the task table with Django's DDL. */
function tasklogSchema(url) {
  const r = spawnSync(process.execPath, [TASKLOG, 'demo', '--rows', '1', '--days', String(DAYS), '--seed', String(SEED), '--db', url, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, TASKLOG_NOW: NOW },
  });
  if (r.status !== 0) throw new Error(`tasklog demo --rows 1 --db ${url}: ${r.stderr}`);
}

function* rows(size, userIds) {
  yield* generateRows({ rows: size.rows, days: DAYS, seed: SEED, now: new Date(NOW), userIds });
}

/** Returns how the table was obtained: { reused: true } or { reused: false, seconds }. */
export async function ensureSqlite(size, log) {
  mkdirSync(DATA_DIR, { recursive: true });
  const file = sqliteFile(size);
  const meta = `${file}.marker`;
  if (existsSync(file) && existsSync(meta) && readFileSync(meta, 'utf8') === marker(size)) return { reused: true };
  if (size.shuffledFrom) await ensureSqlite(size.shuffledFrom, log);
  const started = performance.now();
  rmSync(meta, { force: true });
  for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  log(`generating ${size.label} rows in ${file.slice(BENCH_DIR.length - 'bench'.length)} …`);
  tasklogSchema(file);
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('cache_size = -1000000');
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = OFF');
  const userIds = db.prepare('SELECT id FROM auth_user ORDER BY id LIMIT 20').pluck().all();
  db.exec(`DELETE FROM "${TABLE}"; DELETE FROM sqlite_sequence WHERE name = '${TABLE}'`);
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(TABLE);
  for (const i of indexes) db.exec(`DROP INDEX "${i.name}"`);
  if (size.shuffledFrom) {
    db.exec(`ATTACH DATABASE '${sqliteFile(size.shuffledFrom).replace(/'/g, "''")}' AS base`);
    db.exec(`INSERT INTO main."${TABLE}" (${COPIED_COLUMNS}) SELECT ${COPIED_COLUMNS} FROM base."${TABLE}" ORDER BY ${SHUFFLE_ORDER}`);
    db.exec('DETACH DATABASE base');
  }
  const dialect = new SqliteDialect();
  let insert = null;
  let n = 0;
  db.exec('BEGIN');
  for (const row of size.shuffledFrom ? [] : rows(size, userIds)) {
    const rec = encodeRow(dialect, row);
    if (!insert) {
      const cols = Object.keys(rec);
      insert = db.prepare(`INSERT INTO "${TABLE}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    }
    insert.run(Object.values(rec));
    if (++n % 200_000 === 0) {
      db.exec('COMMIT');
      db.exec('BEGIN');
      if (n % 1_000_000 === 0) log(`  ${n.toLocaleString('en')} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  db.exec('COMMIT');
  const loaded = performance.now();
  for (const i of indexes) db.exec(i.sql);
  db.exec(`ANALYZE`);
  db.pragma('journal_mode = DELETE');
  db.close();
  const seconds = (performance.now() - started) / 1000;
  log(`  ${size.label} SQLite rows in ${seconds.toFixed(1)} s (load ${((loaded - started) / 1000).toFixed(1)} s, indexes and ANALYZE ${((performance.now() - loaded) / 1000).toFixed(1)} s)`);
  writeFileSync(meta, marker(size));
  return { reused: false, seconds };
}

/** COPY's text format: \N for NULL, backslash escapes for backslash, tab, newline, carriage return. */
function copyValue(v) {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  const s = String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

export async function ensurePostgres(size, log) {
  const database = pgDatabase(size);
  const exists = psql('postgres', ['-c', `SELECT 1 FROM pg_database WHERE datname = '${database}'`]) === '1';
  if (exists) {
    const comment = psql(database, ['-c', `SELECT obj_description(to_regclass('${TABLE}'), 'pg_class')`]);
    if (comment === marker(size)) return { reused: true };
  }
  if (size.shuffledFrom) await ensurePostgres(size.shuffledFrom, log);
  const started = performance.now();
  log(`generating ${size.label} rows in PostgreSQL database ${database} …`);
  psql('postgres', ['-c', `DROP DATABASE IF EXISTS ${database}`]);
  psql('postgres', ['-c', `CREATE DATABASE ${database}`]);
  tasklogSchema(pgUrl(database));
  const userIds = psql(database, ['-c', 'SELECT id FROM auth_user ORDER BY id LIMIT 20']).split('\n').filter(Boolean).map(Number);
  // every constraint but the primary key, and every index that is not a constraint's, by definition
  const constraints = psql(database, [
    '-F', '\t', '-c',
    `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '${TABLE}'::regclass AND contype <> 'p' ORDER BY contype DESC`,
  ]).split('\n').filter(Boolean).map((l) => l.split('\t'));
  const indexes = psql(database, [
    '-F', '\t', '-c',
    `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = '${TABLE}' AND i.schemaname = current_schema() ` +
      `AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  ]).split('\n').filter(Boolean).map((l) => l.split('\t'));
  const drops = [
    ...constraints.map(([name]) => `ALTER TABLE "${TABLE}" DROP CONSTRAINT "${name}";`),
    ...indexes.map(([name]) => `DROP INDEX "${name}";`),
  ];
  psql(database, ['-c', `TRUNCATE "${TABLE}" RESTART IDENTITY; ${drops.join(' ')}`]);
  if (size.shuffledFrom) {
    const from = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', PG.host, '-p', String(PG.port), '-U', PG.user];
    const copy = (db, sql) => ['psql', ...from, '-d', db, '-c', sql].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = spawnSync(
      'bash',
      ['-o', 'pipefail', '-c', `${copy(pgDatabase(size.shuffledFrom), `COPY (SELECT ${COPIED_COLUMNS} FROM "${TABLE}" ORDER BY ${SHUFFLE_ORDER}) TO STDOUT`)} | ${copy(database, `COPY "${TABLE}" (${COPIED_COLUMNS}) FROM STDIN`)}`],
      { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
    );
    if (r.status !== 0) throw new Error(`copying ${pgDatabase(size.shuffledFrom)} into ${database} failed: ${r.stderr}`);
  }
  const dialect = new PostgresDialect();
  const cols = Object.keys(encodeRow(dialect, rows({ rows: 1 }, userIds).next().value));
  const child = spawn(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', database, '-c', `COPY "${TABLE}" (${cols.map((c) => `"${c}"`).join(', ')}) FROM STDIN`],
    { stdio: ['pipe', 'inherit', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`COPY into ${database} failed: ${stderr}`))));
  });
  let chunk = '';
  let n = 0;
  for (const row of size.shuffledFrom ? [] : rows(size, userIds)) {
    const rec = encodeRow(dialect, row);
    let line = '';
    for (const c of cols) line += (line ? '\t' : '') + copyValue(rec[c]);
    chunk += line + '\n';
    if (++n % 2000 === 0) {
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
      chunk = '';
      if (n % 1_000_000 === 0) log(`  ${n.toLocaleString('en')} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  child.stdin.end(chunk);
  await done;
  const loaded = performance.now();
  // the sequence past the loaded ids, as after ordinary inserts
  const rebuild = [
    `SET maintenance_work_mem = '512MB';`,
    `SELECT setval(pg_get_serial_sequence('${TABLE}', 'id'), (SELECT MAX(id) FROM "${TABLE}"));`,
    ...indexes.map(([, def]) => `${def};`),
    ...constraints.reverse().map(([name, def]) => `ALTER TABLE "${TABLE}" ADD CONSTRAINT "${name}" ${def};`),
  ];
  psql(database, ['-c', rebuild.join(' ')]);
  // VACUUM sets the visibility map (index-only scans), as autovacuum would on a live table
  psql(database, ['-c', `VACUUM (ANALYZE) "${TABLE}"`]);
  psql(database, ['-c', `COMMENT ON TABLE "${TABLE}" IS '${marker(size)}'`]);
  const seconds = (performance.now() - started) / 1000;
  log(`  ${size.label} PostgreSQL rows in ${seconds.toFixed(1)} s (COPY ${((loaded - started) / 1000).toFixed(1)} s, indexes, constraints and VACUUM ANALYZE ${((performance.now() - loaded) / 1000).toFixed(1)} s)`);
  return { reused: false, seconds };
}

/** An empty, migrated database for the start-up figures. */
export async function ensureEmpty(backend) {
  if (backend === 'sqlite') {
    mkdirSync(DATA_DIR, { recursive: true });
    const file = join(DATA_DIR, 'tasklog-empty.sqlite');
    if (!existsSync(file)) {
      const r = spawnSync(process.execPath, [TASKLOG, 'migrate', '--db', file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tasklog migrate: ${r.stderr}`);
    }
    return file;
  }
  const database = 'tasklog_bench_empty';
  if (psql('postgres', ['-c', `SELECT 1 FROM pg_database WHERE datname = '${database}'`]) !== '1') {
    psql('postgres', ['-c', `CREATE DATABASE ${database}`]);
    const r = spawnSync(process.execPath, [TASKLOG, 'migrate', '--db', pgUrl(database)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tasklog migrate: ${r.stderr}`);
  }
  return pgUrl(database);
}
