#!/usr/bin/env node
// Reading the ClickHouse archive (issue #19, "Performance"): tasklog's reports over
// rows generated inside ClickHouse in the archive's shape, each timed as a whole
// process against one hand-written ClickHouse statement giving the same answer,
// sent through the same HTTP client (src/db/clickhouse-http.ts) by a Node process
// of its own; and, with --pg, tasklog on a PostgreSQL bench table against tasklog
// on the same rows copied into ClickHouse.
//
//   node bench/clickhouse-read.mjs --url clickhouse://127.0.0.1:8123/bench [--rows 10m] [--runs 5]
//   node bench/clickhouse-read.mjs --url clickhouse://127.0.0.1:8123/bench --pg tasklog_bench_1m --runs 3 [--pg-only]
//   node bench/clickhouse-read.mjs --url clickhouse://127.0.0.1:SHARD1/bench --rows 10m --cluster tasklog_bench   (bench/cluster-start.mjs)
//
// The ClickHouse server is yours (a private one: the package's config.xml copied
// with its paths and ports changed, see the README); the database of the URL is
// created, its archive tables filled once per row count (a marker table) and kept.
import { spawn, spawnSync } from 'node:child_process';
import { TASKLOG, NOW, PG, ROOT } from './lib/env.mjs';
import { median, runProcess } from './lib/measure.mjs';
import { pgUrl } from './lib/data.mjs';

const args = process.argv.slice(2);
if (args[0] === '--raw') {
  // the baseline: one statement (or one per part of tasklog's answer, one after the other) through
  // tasklog's HTTP client, their rows printed as JSON
  const [, url, ...statements] = args;
  const { ClickhouseHttp } = await import(`${ROOT}/dist/src/db/clickhouse-http.js`);
  const u = new URL(url);
  const http = new ClickhouseHttp({ host: u.hostname, port: Number(u.port || 8123), database: u.pathname.slice(1), timeoutMs: 600_000 });
  for (const sql of statements) {
    const body = await http.text(`${sql}\nFORMAT JSON`);
    process.stdout.write(JSON.stringify(JSON.parse(body).data) + '\n');
  }
  await http.close();
  process.exit(0);
}

const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const url = opt('--url');
if (!url) {
  console.error('usage: node bench/clickhouse-read.mjs --url clickhouse://host:8123/database [--rows 10m] [--runs 5] [--pg tasklog_bench_1m]');
  process.exit(2);
}
const sizeOf = (s) => Math.round(Number(s.replace(/[km]$/i, '')) * (/m$/i.test(s) ? 1e6 : /k$/i.test(s) ? 1e3 : 1));
const rowsText = opt('--rows', '10m');
const ROWS = sizeOf(rowsText);
const RUNS = Number(opt('--runs', '5'));
const PG_DB = opt('--pg');
const u = new URL(url);
const base = `http://${u.hostname}:${u.port || 8123}/`;
const database = u.pathname.slice(1);
const env = { ...process.env, TASKLOG_NOW: NOW, NO_COLOR: '1' };
const NOW_US = Date.parse(NOW) * 1000;
const DAY_US = 86_400_000_000;
const T = 'django_cfg_task_log';

// --cluster NAME: the archive's tables made ON CLUSTER (bench/cluster-start.mjs runs one), the rows generated through
// its Distributed tables (each INSERT on every shard before it returns), the reports read through them
const CLUSTER = opt('--cluster', null);

async function ch(sql, db = database) {
  const params = { ...(db ? { database: db } : {}), ...(CLUSTER ? { insert_distributed_sync: '1' } : {}) };
  const res = await fetch(`${base}?${new URLSearchParams(params)}`, { method: 'POST', body: sql });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text.trim().slice(0, 300)}`);
  return text;
}

/** The archive's tables (tasklog migrate) in `db`, filled with `rows` generated rows once. */
async function ensureGenerated(db, rows) {
  await ch(`CREATE DATABASE IF NOT EXISTS ${db}${CLUSTER ? ` ON CLUSTER ${CLUSTER}` : ''}`, null);
  const marker = `generated ${rows} rows v1 NOW=${NOW}`;
  const have = await ch(`SELECT count() FROM system.tables WHERE database = '${db}' AND name = 'bench_marker'`, null);
  if (have.trim() === '1' && (await ch('SELECT m FROM bench_marker', db)).trim() === marker) return;
  if (CLUSTER && (await ch(`SELECT count() FROM system.tables WHERE database = '${db}'`, null)).trim() !== '0') throw new Error(`--cluster: ${db} holds tables already; name a new database`);
  for (const t of ['', '_settled', '_open', '_superseded', '_runs']) await ch(`DROP TABLE IF EXISTS ${T}${t}`, db);
  const m = spawnSync(TASKLOG, ['migrate', '--db', `clickhouse://${u.host}/${db}`, ...(CLUSTER ? ['--cluster', CLUSTER] : [])], { encoding: 'utf8' });
  if (m.status !== 0) throw new Error(m.stderr);
  console.error(`generating ${rows} rows in ${db} …`);
  const started = Date.now();
  // 250 tasks, five queues; 90 % success, 6 % failed, 1 % each expired, canceled, queued and in progress;
  // durations spread exponentially from 0.15 s to 110 s, queue waits up to 5 s, created over 90 days in time order
  const h = (k) => `cityHash64(number, ${k})`;
  await ch(
    `INSERT INTO ${T}_settled SELECT number + 1 AS id, concat('job-', toString(number)) AS job_id, concat('tasks.task_', toString(${h(1)} % 250)) AS task_name, ` +
      `['critical', 'high', 'default', 'low', 'background'][${h(2)} % 5 + 1] AS queue_name, '[]' AS args, '{}' AS kwargs, ` +
      `multiIf(${h(3)} % 100 < 90, 'success', ${h(3)} % 100 < 96, 'failed', ${h(3)} % 100 < 97, 'expired', ${h(3)} % 100 < 98, 'canceled', ${h(3)} % 100 < 99, 'queued', 'in_progress') AS status, ` +
      `if(status IN ('queued', 'in_progress', 'expired'), NULL, toInt64(exp(5 + (${h(4)} % 1000) / 150))) AS duration_ms, ` +
      `toInt64(3) AS job_retry, toInt64(if(status = 'failed', ${h(5)} % 4, 0)) AS job_retries, toInt64(60) AS job_retry_after, ` +
      `multiIf(status = 'success', 1, status = 'failed', 0, NULL) AS success, NULL AS result, ` +
      `if(status IN ('failed', 'expired'), concat(['TimeoutError: timed out after ', 'ConnectionError: host-', 'KeyError: order '][${h(6)} % 3 + 1], toString(${h(7)} % 60), 's'), NULL) AS error_message, ` +
      `concat('worker-', toString(${h(8)} % 20)) AS worker_id, ` +
      `toInt64(${NOW_US - 90 * DAY_US} + intDiv(number * ${90 * DAY_US}, ${rows})) AS enqueue_time, NULL AS expire_time, ` +
      `if(status = 'queued', NULL, enqueue_time + toInt64(${h(9)} % 5000000)) AS start_time, ` +
      `if(duration_ms IS NULL, NULL, start_time + duration_ms * 1000) AS finish_time, enqueue_time AS created_at, ifNull(finish_time, created_at) AS updated_at, ` +
      `NULL AS user_id, NULL AS username, NULL AS email, number AS _hash, toUInt64(1) AS _run FROM numbers(${rows})`,
  );
  await ch(`INSERT INTO ${T}_runs (run, started, finished, watermark, source, source_table) VALUES (1, ${NOW_US}, ${NOW_US}, ${NOW_US}, 'bench', '${T}')`, db);
  await ch('DROP TABLE IF EXISTS bench_marker', db);
  // (on a cluster the marker lives on the server of the URL alone: a bench's own bookkeeping)
  await ch('CREATE TABLE bench_marker (m String) ENGINE = TinyLog', db);
  await ch(`INSERT INTO bench_marker VALUES ('${marker}')`, db);
  console.error(`… in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const us = (h) => NOW_US - h * 3_600_000_000;
const failed = `(status IN ('failed', 'expired') OR success = 0)`;
// percentile_cont exactly without a sort (what tasklog does too): quantilesExact picks a value near each position,
// and the counts below and up to it with its nearest neighbours give the two values around the position
const around = (x, q) => `countIf(${x} < ${q}), countIf(${x} <= ${q}), maxIf(${x}, ${x} < ${q}), minIf(${x}, ${x} > ${q})`;
// the quantiles of both measures in one pass over the window, then every count and sum, with the
// counts and neighbours around each pick, in a second pass (the window joined with the one row of picks)
const stats = (hours) =>
  `SELECT count() AS total, countIf(status = 'success' AND success = 1) AS successful, countIf(${failed}) AS failed, countIf(status IN ('queued', 'in_progress')) AS in_progress, ` +
  `count(duration_ms), sum(duration_ms), min(duration_ms), max(duration_ms), count(start_time - enqueue_time), sum(start_time - enqueue_time), ` +
  `${[1, 2, 3].map((i) => around('duration_ms', `qd[${i}]`)).join(', ')}, ${[1, 2].map((i) => around('(start_time - enqueue_time)', `qw[${i}]`)).join(', ')}, ` +
  `sum(job_retries), max(job_retries), countIf(job_retries > 0), ` +
  `${['deferred', 'queued', 'in_progress', 'success', 'failed', 'expired', 'canceled'].map((st) => `countIf(status = '${st}')`).join(', ')} FROM ${T} ` +
  `CROSS JOIN (SELECT quantilesExact(0.5, 0.95, 0.99)(duration_ms) AS qd, quantilesExact(0.5, 0.95)(start_time - enqueue_time) AS qw FROM ${T} WHERE created_at >= ${us(hours)}) AS q ` +
  `WHERE created_at >= ${us(hours)}`;

const CASES = [
  { name: 'stats-full', argv: ['stats', '--period-hours', '2400'], sql: stats(2400) },
  {
    name: 'stats-by-task-full',
    argv: ['stats', '--by', 'task', '--period-hours', '2400'],
    // its answer is the window's stats and then one row per task: two statements
    sql: [
      stats(2400),
      `SELECT task_name, count(), countIf(status = 'success' AND success = 1), countIf(${failed}), count(duration_ms), sum(duration_ms), max(duration_ms), sum(job_retries), ${around('duration_ms', 'q')} ` +
      `FROM ${T} ANY LEFT JOIN (SELECT task_name, quantileExact(0.95)(duration_ms) AS q FROM ${T} WHERE created_at >= ${us(2400)} GROUP BY task_name) USING task_name ` +
      `WHERE created_at >= ${us(2400)} GROUP BY task_name ORDER BY count() DESC, task_name`,
    ],
  },
  {
    name: 'timeline-day-full',
    argv: ['timeline', '--interval', 'day', '--period-hours', '2400'],
    sql: `SELECT intDiv(intDiv(created_at, 1000000), 86400) AS day, count(), countIf(status = 'success' AND success = 1), countIf(${failed}), avg(duration_ms) FROM ${T} WHERE created_at >= ${us(2400)} GROUP BY day ORDER BY day`,
  },
  {
    name: 'errors-full',
    argv: ['errors', '--period-hours', '2400'],
    sql: `SELECT error_message, task_name, count(), min(created_at), max(created_at), max(job_id) FROM ${T} WHERE created_at >= ${us(2400)} AND ${failed} GROUP BY error_message, task_name`,
  },
  { name: 'stats-168h', argv: ['stats', '--period-hours', '168'], sql: stats(168) },
];

async function timeCase(c, db, pgDatabase) {
  const chUrl = `clickhouse://${u.host}/${db}`;
  const contenders = {
    tasklog: [TASKLOG, ...c.argv, '--json', '--db', chUrl],
    statement: [process.execPath, new URL(import.meta.url).pathname, '--raw', chUrl, ...[c.sql].flat()],
    ...(pgDatabase ? { postgres: [TASKLOG, ...c.argv, '--json', '--db', pgUrl(pgDatabase)] } : {}),
  };
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const outputs = {};
  for (const n of names) {
    const r = await runProcess(contenders[n], { env }); // warm-up
    if (r.code !== 0) throw new Error(`${c.name} ${n}: ${r.stderr}`);
    outputs[n] = r.stdout;
  }
  for (let i = 0; i < RUNS; i++) {
    // alternate, the order rotating each round
    for (const n of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) times[n].push((await runProcess(contenders[n], { env })).ms);
  }
  return { times: Object.fromEntries(names.map((n) => [n, median(times[n])])), outputs };
}

const lines = [];
const say = (s) => {
  lines.push(s);
  console.log(s);
};
const version = (await ch('SELECT version()', null)).trim();
say(`ClickHouse ${version}, ${RUNS} runs each (median, whole process), machine shared with other work: load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);

// --pg-only: just the PostgreSQL comparison (the generated rows' table is timed by a run without it)
if (!args.includes('--pg-only')) {
  await ensureGenerated(database, ROWS);
  say(`\n${rowsText} generated rows (${ROWS}) in ClickHouse: tasklog against one hand-written statement through the same client`);
  say('| case | tasklog | statement | ratio |');
  say('|---|---:|---:|---:|');
  for (const c of CASES) {
    const { times } = await timeCase(c, database, null);
    say(`| ${c.name} | ${(times.tasklog / 1000).toFixed(2)} s | ${(times.statement / 1000).toFixed(2)} s | ${(times.tasklog / times.statement).toFixed(2)}× |`);
  }
}

if (PG_DB) {
  // the same rows in both: the PostgreSQL bench table copied into the archive's tables (username and email joined)
  const db = `${database}_pg_${PG_DB.replace(/\W/g, '_')}`;
  const have = await ch(`SELECT count() FROM system.tables WHERE database = '${db}' AND name = '${T}_runs'`, null);
  if (have.trim() === '0') {
    await ch(`CREATE DATABASE IF NOT EXISTS ${db}`, null);
    const m = spawnSync(TASKLOG, ['migrate', '--db', `clickhouse://${u.host}/${db}`], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(m.stderr);
    console.error(`copying ${PG_DB} into ${db} …`);
    const us = (c) => `(EXTRACT(EPOCH FROM ${c}) * 1000000)::bigint`;
    const select =
      `SELECT t.id, t.job_id, t.task_name, t.queue_name, t.args::text, t.kwargs::text, t.status, t.duration_ms, t.job_retry, t.job_retries, t.job_retry_after, ` +
      `CASE WHEN t.success IS NULL THEN NULL WHEN t.success THEN 1 ELSE 0 END, t.result, t.error_message, t.worker_id, ${us('t.enqueue_time')}, ${us('t.expire_time')}, ` +
      `${us('t.start_time')}, ${us('t.finish_time')}, ${us('t.created_at')}, ${us('t.updated_at')}, t.user_id, u.username, u.email, t.id, 1 ` +
      `FROM ${T} t LEFT JOIN auth_user u ON u.id = t.user_id`;
    // psql's COPY text (tab separated, \N for NULL, backslash escapes) is ClickHouse's TabSeparated
    const copy = spawn('psql', ['-X', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', PG_DB, '-c', `COPY (${select}) TO STDOUT`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const { request } = await import('node:http');
    await new Promise((resolve, reject) => {
      const req = request(`${base}?${new URLSearchParams({ database: db, query: `INSERT INTO ${T}_settled FORMAT TabSeparated` })}`, { method: 'POST' }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(text))));
      });
      req.on('error', reject);
      copy.stdout.pipe(req);
    });
    await ch(`INSERT INTO ${T}_runs (run, started, finished, watermark, source, source_table) VALUES (1, ${NOW_US}, ${NOW_US}, ${NOW_US}, '${PG_DB}', '${T}')`, db);
  }
  say(`\nThe same rows (${PG_DB}) in PostgreSQL and in ClickHouse: tasklog on each, and whether the answers are the same`);
  say('| case | PostgreSQL | ClickHouse | ratio | same answer |');
  say('|---|---:|---:|---:|---|');
  for (const c of CASES) {
    const { times, outputs } = await timeCase(c, db, PG_DB);
    say(`| ${c.name} | ${(times.postgres / 1000).toFixed(2)} s | ${(times.tasklog / 1000).toFixed(2)} s | ${(times.tasklog / times.postgres).toFixed(3)}× | ${outputs.tasklog === outputs.postgres ? 'yes' : 'NO'} |`);
  }
}
