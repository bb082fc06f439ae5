#!/usr/bin/env node
// Side-by-side measurement of the two Node SQLite drivers, sqlite3 and
// better-sqlite3, on tasklog's own work, each driver called directly:
//  - demo's insert: src/db/insert.ts insertRows (multi-row INSERTs of 500 rows in one
//    transaction), as `tasklog demo` does;
//  - the same demo rows (fixtures/generate.ts, encoded by encodeRow) through one
//    prepared single-row INSERT in one transaction, the fastest way each driver has;
//  - the overview queries (src/query/overview.ts) on the filled table.
// Both run in this process, alternating, and the script prints medians and the
// ratio sqlite3 / better-sqlite3.
// Usage: npm install --no-save sqlite3 && npm run build && node bench/sqlite-drivers.mjs [rows] [rounds]
// (sqlite3 is not a dependency any more: these figures are why.)
// The whole-process cost of opening a file with each: bench/sqlite-open.mjs.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDialect } from '../dist/src/db/dialect/sqlite.js';
import { ensureUserTable, migrateTaskTable } from '../dist/src/db/migrate.js';
import { encodeRow, insertRows } from '../dist/src/db/insert.js';
import { overview } from '../dist/src/query/overview.js';
import { generateRows } from '../dist/fixtures/generate.js';

const rows = Number(process.argv[2] ?? 50000);
const rounds = Number(process.argv[3] ?? 5);
const now = new Date('2026-11-27T12:00:00Z');
const TABLE = 'django_cfg_task_log';

let sqlite3;
try {
  sqlite3 = (await import('sqlite3')).default;
} catch {
  process.stderr.write('sqlite-drivers: the sqlite3 package is not installed (npm install --no-save sqlite3)\n');
  process.exit(1);
}
const BetterSqlite = (await import('better-sqlite3')).default;

/** One connection of either driver behind the three calls tasklog's code makes: query, exec, prepared run. */
async function openDriver(driver, file) {
  if (driver === 'better-sqlite3') {
    const conn = new BetterSqlite(file);
    return {
      query: async (sql, b = []) => conn.prepare(sql).all(...b),
      exec: async (sql, b = []) => conn.prepare(sql).run(...b).changes,
      prepare: (sql) => {
        const st = conn.prepare(sql);
        return { run: async (b) => st.run(...b), finalize: async () => undefined };
      },
      close: async () => conn.close(),
    };
  }
  const conn = await new Promise((resolve, reject) => {
    const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
  });
  const cb = (resolve, reject) => (err, v) => (err ? reject(err) : resolve(v));
  return {
    query: (sql, b = []) => new Promise((res, rej) => conn.all(sql, b, cb(res, rej))),
    exec: (sql, b = []) =>
      new Promise((res, rej) =>
        conn.run(sql, b, function (err) {
          if (err) rej(err);
          else res(this.changes);
        }),
      ),
    prepare: (sql) => {
      const st = conn.prepare(sql);
      return {
        run: (b) => new Promise((res, rej) => st.run(b, cb(res, rej))),
        finalize: () => new Promise((res) => st.finalize(res)),
      };
    },
    close: () => new Promise((res, rej) => conn.close(cb(res, rej))),
  };
}

/** tasklog's Db interface over one driver connection (what insertRows, migrate and overview call). */
function asDb(conn, file) {
  const db = {
    dialect: new SqliteDialect(),
    table: TABLE,
    userTable: null,
    userTableName: 'auth_user',
    ownIndexes: new Set(),
    target: { display: file },
    query: conn.query,
    exec: conn.exec,
    async transaction(fn) {
      await conn.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn(db);
        await conn.exec('COMMIT');
        return r;
      } catch (err) {
        await conn.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
    session: (fn) => fn(db),
    close: conn.close,
  };
  return db;
}

const demoRows = () => generateRows({ rows, days: 30, seed: 1, now });

async function once(driver) {
  const result = {};
  for (const how of ['insertRows', 'prepared']) {
    const file = join(tmpdir(), `tasklog-bench-${driver}-${process.pid}.sqlite`);
    rmSync(file, { force: true });
    const conn = await openDriver(driver, file);
    const db = asDb(conn, file);
    await ensureUserTable(db);
    await migrateTaskTable(db);
    let t = performance.now();
    if (how === 'insertRows') {
      await insertRows(db, demoRows());
    } else {
      let st = null;
      await conn.exec('BEGIN IMMEDIATE');
      for (const row of demoRows()) {
        const rec = encodeRow(db.dialect, row);
        st ??= conn.prepare(`INSERT INTO "${TABLE}" (${Object.keys(rec).map((c) => `"${c}"`).join(', ')}) VALUES (${Object.keys(rec).map(() => '?').join(', ')})`);
        await st.run(Object.values(rec));
      }
      await conn.exec('COMMIT');
      await st.finalize();
    }
    result[`${how}Ms`] = performance.now() - t;
    if (how === 'prepared') {
      t = performance.now();
      for (let i = 0; i < 10; i++) await overview(db, now);
      result.overviewMs = (performance.now() - t) / 10;
    }
    await conn.close();
    rmSync(file, { force: true });
  }
  return result;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const drivers = ['sqlite3', 'better-sqlite3'];
const results = { sqlite3: [], 'better-sqlite3': [] };
for (const d of drivers) await once(d); // warm-up
for (let i = 0; i < rounds; i++) {
  for (const d of i % 2 ? [...drivers].reverse() : drivers) results[d].push(await once(d));
}
console.log(`rows=${rows} rounds=${rounds} node=${process.version}`);
console.log('figure (ms, median)         sqlite3    better-sqlite3   ratio sqlite3/better');
for (const k of ['insertRowsMs', 'preparedMs', 'overviewMs']) {
  const a = median(results.sqlite3.map((r) => r[k]));
  const b = median(results['better-sqlite3'].map((r) => r[k]));
  console.log(`${k.padEnd(24)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(16)} ${(a / b).toFixed(2).padStart(12)}×`);
}
