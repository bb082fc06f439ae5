#!/usr/bin/env node
// tasklog archive against a hand pipe (issue #19): the same rows from the source into a fresh
// ClickHouse database, whole process from spawn to exit, alternating, median of --runs.
//   hand       sqlite3 -csv "SELECT t.*, u.username, u.email …" | clickhouse-client --query "INSERT … FORMAT CSV"
//              (PostgreSQL: psql -c "COPY (SELECT …) TO STDOUT (FORMAT csv)" | …), into a table of strings
//   tasklog    bin/tasklog archive --db SOURCE --to clickhouse://…/fresh (tables created, rows hashed, typed)
// A ClickHouse server must be running (HTTP and native ports); the source is only read.
//
//   node bench/archive-speed.mjs --db bench/.data/tasklog-1m.sqlite --http 8123 --tcp 9000 [--runs 3]
//   node bench/archive-speed.mjs --db postgres://postgres@127.0.0.1/tasklog_bench_1m --http 8123 --tcp 9000
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const DB = opt('--db', null);
const HTTP = Number(opt('--http', '8123'));
const TCP = Number(opt('--tcp', '9000'));
const RUNS = Number(opt('--runs', '3'));
if (!DB) {
  console.error('usage: node bench/archive-speed.mjs --db SOURCE --http PORT --tcp PORT [--runs N]');
  process.exit(2);
}
const BIN = join(import.meta.dirname, '..', 'bin', 'tasklog');
const COLUMNS = ['id', 'job_id', 'task_name', 'queue_name', 'args', 'kwargs', 'status', 'duration_ms', 'job_retry', 'job_retries', 'job_retry_after', 'success', 'result', 'error_message', 'worker_id', 'enqueue_time', 'expire_time', 'start_time', 'finish_time', 'created_at', 'updated_at', 'user_id', 'username', 'email'];
const SELECT = 'SELECT t.*, u.username, u.email FROM django_cfg_task_log AS t LEFT JOIN auth_user AS u ON u.id = t.user_id';

async function ch(sql) {
  const res = await fetch(`http://127.0.0.1:${HTTP}/`, { method: 'POST', body: sql });
  const text = await res.text();
  if (!res.ok) throw new Error(text);
  return text.trim();
}

/** ms from spawn to exit; with `peak`, the process's own memory (RssAnon: not the pages of a file it maps) sampled every 100 ms, its maximum in peak.kb */
function sh(cmd, argv, peak = null) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const p = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
    const timer = peak
      ? setInterval(() => {
          try {
            const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
            if (m) peak.kb = Math.max(peak.kb, Number(m[1]));
          } catch {
            // gone
          }
        }, 100)
      : null;
    p.on('error', reject);
    p.on('exit', (code) => {
      if (timer) clearInterval(timer);
      code === 0 ? resolve(performance.now() - start) : reject(new Error(`${cmd} exited ${code}`));
    });
  });
}

const pg = /^postgres(ql)?:/.test(DB);
let n = 0;
const fresh = async () => {
  const name = `tasklog_bench_archive_${process.pid}_${n++}`;
  await ch(`CREATE DATABASE ${name}`);
  return name;
};

async function hand() {
  const db = await fresh();
  await ch(`CREATE TABLE ${db}.s (${COLUMNS.map((c) => `${c} Nullable(String)`).join(', ')}) ENGINE = MergeTree ORDER BY tuple()`);
  const source = pg ? `psql ${JSON.stringify(DB)} -qAt -c ${JSON.stringify(`COPY (${SELECT}) TO STDOUT (FORMAT csv)`)}` : `sqlite3 -csv ${JSON.stringify(DB)} ${JSON.stringify(SELECT)}`;
  const ms = await sh('bash', ['-c', `set -o pipefail; ${source} | clickhouse-client --port ${TCP} --query "INSERT INTO ${db}.s FORMAT CSV"`]);
  const rows = Number(await ch(`SELECT count() FROM ${db}.s`));
  await ch(`DROP DATABASE ${db}`);
  return { ms, rows };
}

async function tasklog() {
  const db = await fresh();
  const peak = { kb: 0 };
  const ms = await sh(BIN, ['archive', '--db', DB, '--to', `clickhouse://127.0.0.1:${HTTP}/${db}`, '--json'], peak);
  const rows = Number(await ch(`SELECT count() FROM ${db}.django_cfg_task_log`));
  await ch(`DROP DATABASE ${db}`);
  return { ms, rows, kb: peak.kb };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const t = { hand: [], tasklog: [] };
for (let i = 0; i < RUNS; i++) {
  for (const [name, fn] of i % 2 ? [['tasklog', tasklog], ['hand', hand]] : [['hand', hand], ['tasklog', tasklog]]) {
    const r = await fn();
    t[name].push(r.ms);
    console.log(`run ${i + 1} ${name.padEnd(8)} ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.rows.toLocaleString('en')} rows${r.kb ? `  peak RssAnon ${(r.kb / 1024).toFixed(0)} MB` : ''}`);
  }
}
const a = median(t.hand);
const b = median(t.tasklog);
console.log(`source ${DB.replace(/:[^:@/]*@/, ':***@')}: hand pipe ${(a / 1000).toFixed(1)} s, tasklog archive ${(b / 1000).toFixed(1)} s, ratio ${(b / a).toFixed(2)}× (median of ${RUNS})`);
