#!/usr/bin/env node
// Why tasklog talks to its drivers directly instead of through knex: the
// whole-process cost of opening a database and running the overview's
// queries, once through knex + the driver and once through the driver alone,
// on each backend, alternating A B A B …, median of N runs.
// Usage: npm install --no-save knex && npm run build && node bench/db-layer.mjs [runs] [pg-url] [mysql-url]
// (knex is not a dependency any more: these figures are why.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 10);
const pgUrl = process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/tasklog_bench_layer';
const myUrl = process.argv[4] ?? 'mysql://root@127.0.0.1:3306/tasklog_bench_layer';
const dir = mkdtempSync(join(tmpdir(), 'tasklog-layer-'));
const sqliteFile = join(dir, 'layer.sqlite');
const bin = new URL('../bin/tasklog', import.meta.url).pathname;
const NOW = '2026-11-27T12:00:00Z';

// The child: open, run overview's three queries, close. `knex` mode goes through knex.
const child = `
const [mode, backend, url] = process.argv.slice(1);
const sql = ['SELECT status, COUNT(*) AS n FROM django_cfg_task_log GROUP BY status',
  'SELECT queue_name, COUNT(*) AS n FROM django_cfg_task_log GROUP BY queue_name',
  'SELECT * FROM django_cfg_task_log ORDER BY created_at DESC, id DESC LIMIT 10'];
if (mode === 'knex') {
  const knex = (await import('knex')).default;
  const client = { sqlite: 'better-sqlite3', postgres: 'pg', mysql: 'mysql2' }[backend];
  const k = knex({ client, connection: backend === 'sqlite' ? { filename: url } : url, useNullAsDefault: true });
  for (const q of sql) await k.raw(q);
  await k.destroy();
} else if (backend === 'sqlite') {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(url);
  for (const q of sql) db.prepare(q).all();
  db.close();
} else if (backend === 'postgres') {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const q of sql) await c.query(q);
  await c.end();
} else {
  const mysql = (await import('mysql2/promise')).default;
  const c = await mysql.createConnection(url);
  for (const q of sql) await c.query(q);
  await c.end();
}
`;

function demo(url, create) {
  create?.();
  const r = spawnSync(bin, ['demo', '--rows', '5000', '--db', url, '--json'], { env: { ...process.env, TASKLOG_NOW: NOW }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`demo into ${url} failed: ${r.stderr}`);
}
const admin = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });

const targets = [['sqlite', sqliteFile]];
demo(sqliteFile);
if (admin('psql', ['-X', '-q', '-d', new URL('/postgres', pgUrl).toString(), '-c', 'DROP DATABASE IF EXISTS tasklog_bench_layer', '-c', 'CREATE DATABASE tasklog_bench_layer']).status === 0) {
  demo(pgUrl);
  targets.push(['postgres', pgUrl]);
}
if (admin('mysql', ['-h', '127.0.0.1', '-uroot', '-e', 'DROP DATABASE IF EXISTS tasklog_bench_layer; CREATE DATABASE tasklog_bench_layer']).status === 0) {
  demo(myUrl);
  targets.push(['mysql', myUrl]);
}

const time = (mode, backend, url) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child, mode, backend, url], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
  if (r.status !== 0) throw new Error(`${mode} ${backend}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};

console.log(`| backend | knex + driver | driver alone | knex / driver |\n| --- | --- | --- | --- |`);
for (const [backend, url] of targets) {
  time('knex', backend, url);
  time('direct', backend, url);
  const k = [];
  const d = [];
  for (let i = 0; i < runs; i++) {
    k.push(time('knex', backend, url));
    d.push(time('direct', backend, url));
  }
  const ratios = k.map((x, i) => x / d[i]);
  console.log(`| ${backend} | ${median(k).toFixed(3)} s | ${median(d).toFixed(3)} s | ${median(ratios).toFixed(2)}× |`);
}
rmSync(dir, { recursive: true, force: true });
admin('psql', ['-X', '-q', '-d', new URL('/postgres', pgUrl).toString(), '-c', 'DROP DATABASE IF EXISTS tasklog_bench_layer']);
admin('mysql', ['-h', '127.0.0.1', '-uroot', '-e', 'DROP DATABASE IF EXISTS tasklog_bench_layer']);
