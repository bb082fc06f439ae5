#!/usr/bin/env node
// Side-by-side measurement of the two SQLite drivers knex supports, on
// tasklog's own work: inserting demo rows (as `tasklog demo` does) and the
// overview queries (as `tasklog overview` does). Both run in this process,
// alternating, and the script prints medians and the ratio sqlite3 / better-sqlite3.
// Usage: npm install --no-save sqlite3 && npm run build && node bench/sqlite-drivers.mjs [rows] [rounds]
// (sqlite3 is not a dependency any more: these figures are why.)
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { SqliteDialect } from '../dist/src/db/dialect/sqlite.js';
import { ensureUserTable, migrateTaskTable } from '../dist/src/db/migrate.js';
import { insertRows } from '../dist/src/db/insert.js';
import { overview } from '../dist/src/query/overview.js';
import { generateRows } from '../dist/fixtures/generate.js';

const rows = Number(process.argv[2] ?? 50000);
const rounds = Number(process.argv[3] ?? 5);
const now = new Date('2026-11-27T12:00:00Z');

async function open(client, file) {
  rmSync(file, { force: true });
  const dialect = new SqliteDialect();
  const knex = knexFactory({ client, connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  const db = { knex, dialect, table: 'django_cfg_task_log', userTable: null, userTableName: 'auth_user', target: { display: file }, close: () => knex.destroy() };
  await ensureUserTable(db);
  await migrateTaskTable(db);
  return db;
}

async function once(client) {
  const file = join(tmpdir(), `tasklog-bench-${client}.sqlite`);
  const db = await open(client, file);
  let t = performance.now();
  await insertRows(db, generateRows({ rows, days: 30, seed: 1, now }));
  const insertMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 10; i++) await overview(db, now);
  const overviewMs = (performance.now() - t) / 10;
  await db.close();
  rmSync(file, { force: true });
  return { insertMs, overviewMs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { sqlite3: [], 'better-sqlite3': [] };
await once('sqlite3');
await once('better-sqlite3'); // warm-up
for (let i = 0; i < rounds; i++) {
  for (const c of ['sqlite3', 'better-sqlite3']) results[c].push(await once(c));
}
console.log(`rows=${rows} rounds=${rounds} node=${process.version}`);
console.log('figure                      sqlite3    better-sqlite3   ratio sqlite3/better');
for (const k of ['insertMs', 'overviewMs']) {
  const a = median(results.sqlite3.map((r) => r[k]));
  const b = median(results['better-sqlite3'].map((r) => r[k]));
  console.log(`${k.padEnd(24)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(16)} ${(a / b).toFixed(2).padStart(12)}×`);
}
