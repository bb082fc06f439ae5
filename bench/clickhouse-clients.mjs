#!/usr/bin/env node
// Which client speaks to ClickHouse (issue #19): tasklog's own over node:http (src/db/clickhouse-http.ts)
// against the official @clickhouse/client 1.x, on the same server, the same statements, alternating,
// median of --runs, each case a ratio against tasklog's own measured in the same run:
//   query    SELECT of --rows generated rows as JSON, parsed into objects
//   stream   the same rows as JSONEachRow text, counted line by line as they arrive
//   insert   --rows rows as JSONEachRow into a MergeTree table
//   import   the module's import time (a fresh node process each run)
// @clickhouse/client is not a tasklog dependency: install it anywhere and point --modules there:
//
//   (mkdir -p DIR && cd DIR && npm init -y && npm install @clickhouse/client@1)
//   node bench/clickhouse-clients.mjs --modules DIR/node_modules --url http://127.0.0.1:8123 [--rows 200000] [--runs 5]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClickhouseHttp } from '../dist/src/db/clickhouse-http.js';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const MODULES = opt('--modules', null);
const URL_ = opt('--url', 'http://127.0.0.1:8123');
const ROWS = Number(opt('--rows', '200000'));
const RUNS = Number(opt('--runs', '5'));
if (!MODULES) {
  console.error('usage: node bench/clickhouse-clients.mjs --modules DIR/node_modules [--url http://host:8123] [--rows N] [--runs N]');
  process.exit(2);
}
const u = new URL(URL_);
const DB = 'tasklog_bench_clients';
const { createClient } = await import(pathToFileURL(join(MODULES, '@clickhouse/client/dist/index.js')).href);
const own = new ClickhouseHttp({ host: u.hostname, port: Number(u.port || 8123), database: null, timeoutMs: 60_000 });
const official = createClient({ url: URL_, request_timeout: 60_000 });

const SELECT = `SELECT number AS id, concat('job-', toString(number)) AS job_id, 'tasks.send_email' AS task_name, 'default' AS queue_name, '[1, 2]' AS args, toInt64(number * 1000) AS created_at, if(number % 7 = 0, NULL, 'boom') AS error_message FROM system.numbers LIMIT ${ROWS}`;
await own.text(`CREATE DATABASE IF NOT EXISTS ${DB}`);
await own.text(`DROP TABLE IF EXISTS ${DB}.t`);
await own.text(`CREATE TABLE ${DB}.t (id UInt64, job_id String, task_name String, queue_name String, args String, created_at Int64, error_message Nullable(String)) ENGINE = MergeTree ORDER BY id`);
const body = await own.text(`${SELECT} FORMAT JSONEachRow`);
const values = body.split('\n').filter(Boolean).map((l) => JSON.parse(l));

const cases = {
  query: {
    async own() {
      const r = JSON.parse(await own.text(`${SELECT} FORMAT JSON`));
      return r.data.length;
    },
    async official() {
      const rs = await official.query({ query: SELECT, format: 'JSON' });
      return (await rs.json()).data.length;
    },
  },
  stream: {
    async own() {
      let n = 0;
      for await (const chunk of own.stream(`${SELECT} FORMAT JSONEachRow`)) for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
      return n;
    },
    async official() {
      const rs = await official.query({ query: SELECT, format: 'JSONEachRow' });
      let n = 0;
      for await (const rows of rs.stream()) n += rows.length;
      return n;
    },
  },
  insert: {
    async own() {
      await own.text(`TRUNCATE TABLE ${DB}.t`);
      await own.text(`INSERT INTO ${DB}.t FORMAT JSONEachRow`, { body });
      return Number((await own.text(`SELECT count() FROM ${DB}.t`)).trim());
    },
    async official() {
      await own.text(`TRUNCATE TABLE ${DB}.t`);
      await official.insert({ table: `${DB}.t`, values, format: 'JSONEachRow' });
      return Number((await own.text(`SELECT count() FROM ${DB}.t`)).trim());
    },
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`ClickHouse ${(await own.text('SELECT version()')).trim()} at ${URL_}; ${ROWS.toLocaleString('en')} rows; median of ${RUNS} alternating runs (ms)`);
for (const [name, c] of Object.entries(cases)) {
  const t = { own: [], official: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const who of i % 2 ? ['official', 'own'] : ['own', 'official']) {
      const start = performance.now();
      const n = await c[who]();
      t[who].push(performance.now() - start);
      if (n !== ROWS) throw new Error(`${name} ${who}: ${n} rows, not ${ROWS}`);
    }
  }
  const a = median(t.own);
  const b = median(t.official);
  console.log(`${name.padEnd(8)} tasklog ${a.toFixed(0).padStart(6)}   @clickhouse/client ${b.toFixed(0).padStart(6)}   ratio ${(b / a).toFixed(2)}×`);
}
const importMs = (spec) => {
  const xs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(spec)}); console.log(performance.now() - t)`], { encoding: 'utf8' });
    xs.push(Number(r.stdout.trim()));
  }
  return median(xs);
};
const ownImport = importMs(pathToFileURL(join(process.cwd(), 'dist/src/db/clickhouse-http.js')).href);
const officialImport = importMs(pathToFileURL(join(MODULES, '@clickhouse/client/dist/index.js')).href);
console.log(`import   tasklog ${ownImport.toFixed(1).padStart(6)}   @clickhouse/client ${officialImport.toFixed(1).padStart(6)}   ratio ${(officialImport / ownImport).toFixed(2)}×`);
await own.text(`DROP DATABASE ${DB}`);
await official.close();
await own.close();
