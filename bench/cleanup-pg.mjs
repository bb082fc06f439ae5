#!/usr/bin/env node
// Issue #5's cleanup figure: deleting 1,000,000 of 2,000,000 PostgreSQL rows
// with `tasklog cleanup --days 90 --yes` (whole process) against one plain
// `DELETE … WHERE created_at < cutoff` through psql, each on a fresh copy of
// the same database (CREATE DATABASE … TEMPLATE, not timed), alternating
// A B A B …; prints each run, the medians, their ratio and tasklog's longest
// batch.
//
// Usage: npm run build && node bench/cleanup-pg.mjs [runs] [admin-url]
// The 2,000,000-row template (tasklog_bench_cleanup_2m) is made once and reused:
// 200,000 demo rows over 180 days, copied nine times with new job ids, so
// about half the rows are older than 90 days.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 5);
const admin = new URL(process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/test');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'tasklog');
const NOW = '2026-11-27T12:00:00Z';
const TEMPLATE = 'tasklog_bench_cleanup_2m';
const url = (db) => Object.assign(new URL(admin), { pathname: `/${db}` }).toString();
const psql = (db, sql) =>
  execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url(db), '-c', sql], { encoding: 'utf8' }).trim();

function ensureTemplate() {
  const exists = psql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${TEMPLATE}'`) === '1';
  if (exists && psql(TEMPLATE, 'SELECT COUNT(*) FROM django_cfg_task_log') === '2000000') return;
  console.error(`making ${TEMPLATE} (once; a few minutes)…`);
  psql('postgres', `DROP DATABASE IF EXISTS ${TEMPLATE}`);
  psql('postgres', `CREATE DATABASE ${TEMPLATE}`);
  execFileSync(bin, ['demo', '--rows', '200000', '--days', '180', '--db', url(TEMPLATE), '--json'], {
    env: { ...process.env, TASKLOG_NOW: NOW },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const cols =
    'task_name, queue_name, args, kwargs, status, duration_ms, job_retry, job_retries, job_retry_after, success, result, ' +
    'error_message, worker_id, enqueue_time, expire_time, start_time, finish_time, created_at, updated_at, user_id';
  psql(TEMPLATE, `INSERT INTO django_cfg_task_log (job_id, ${cols}) SELECT job_id || '-c' || g, ${cols} FROM django_cfg_task_log, generate_series(1, 9) g`);
  psql(TEMPLATE, 'VACUUM ANALYZE django_cfg_task_log');
}

function freshCopy(name) {
  psql('postgres', `DROP DATABASE IF EXISTS ${name}`);
  psql('postgres', `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  // warm both copies the same way: a scan that reads the table into the cache
  psql(name, 'SELECT COUNT(*) FROM django_cfg_task_log');
}

function timed(cmd, args, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr}`);
  return { s, out: r.stdout };
}

const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};

ensureTemplate();
const cutoff = new Date(Date.parse(NOW) - 90 * 86_400_000).toISOString();
const a = [];
const b = [];
const longest = [];
for (let i = 1; i <= runs; i++) {
  freshCopy('tasklog_bench_cleanup_a');
  const t = timed(bin, ['cleanup', '--days', '90', '--yes', '--json', '--db', url('tasklog_bench_cleanup_a')], { TASKLOG_NOW: NOW });
  const j = JSON.parse(t.out);
  a.push(t.s);
  longest.push(j.longest_batch_ms);
  freshCopy('tasklog_bench_cleanup_b');
  const d = timed('psql', ['-X', '-q', '-d', url('tasklog_bench_cleanup_b'), '-c', `DELETE FROM django_cfg_task_log WHERE created_at < '${cutoff}'`]);
  b.push(d.s);
  console.log(`run ${i}: tasklog cleanup ${t.s.toFixed(3)} s (deleted ${j.deleted}, longest batch ${j.longest_batch_ms} ms)  plain DELETE ${d.s.toFixed(3)} s  ratio ${(t.s / d.s).toFixed(2)}×`);
}
psql('postgres', 'DROP DATABASE IF EXISTS tasklog_bench_cleanup_a');
psql('postgres', 'DROP DATABASE IF EXISTS tasklog_bench_cleanup_b');
const pairRatios = a.map((x, i) => x / b[i]);
console.log(
  `\nmedian of ${runs}: tasklog cleanup ${median(a).toFixed(3)} s, plain DELETE ${median(b).toFixed(3)} s, ratio of medians ${(median(a) / median(b)).toFixed(2)}×, ` +
    `median of pair ratios ${median(pairRatios).toFixed(2)}×; longest batch ${Math.max(...longest)} ms`,
);
