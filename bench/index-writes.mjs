#!/usr/bin/env node
// What tasklog's own indexes cost writers (issue #21), on a COPY of a 1M-row table (never the shared
// bench tables: this builds and drops indexes on what it is given). For each state of the indexes —
// both, report only, none, search only (switched with `tasklog migrate --drop-index/--…-index`, the
// builds timed too) — it measures:
//   - single-row inserts as Django makes them: one INSERT per row, each its own transaction
//     (autocommit), through the driver; --runs batches of --rows rows, median rows per second;
//   - the same inserts --rows at a time in one transaction: the index's own work, without the commit's
//     flush to disk that dominates a single-row insert;
//   - cleanup with them: --cleanup-rows more rows (old created_at, one transaction, not timed), then
//     `tasklog cleanup --days 1000 --yes` (whole process) deleting exactly the rows this run added.
// Leaves both indexes in place at the end. Prints a table and each mode's figures.
//
// --cycles N goes through the four states N times (alternating), and prints the median of each.
//
//   node bench/index-writes.mjs [--sqlite FILE] [--pg-db NAME] [--rows 500] [--runs 3] [--cleanup-rows 20000] [--cycles 1]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pgUrl } from './lib/data.mjs';
import { TASKLOG, TABLE } from './lib/env.mjs';
import { median } from './lib/measure.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const rowsPerRun = Number(opt('--rows', '500'));
const runs = Number(opt('--runs', '3'));
const cleanupRows = Number(opt('--cleanup-rows', '20000'));
const cycles = Number(opt('--cycles', '1'));
const targets = [];
if (opt('--sqlite', null)) targets.push({ backend: 'sqlite', url: opt('--sqlite', null) });
if (opt('--pg-db', null)) targets.push({ backend: 'postgres', url: pgUrl(opt('--pg-db', null)) });
if (!targets.length) throw new Error('give --sqlite FILE and/or --pg-db NAME (copies: the indexes are built and dropped on them)');
const log = (s) => process.stderr.write(s + '\n');
const require = createRequire(import.meta.url);

function tasklog(argv) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [TASKLOG, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tasklog ${argv.join(' ')}: ${r.stderr}`);
  return { seconds: (performance.now() - t0) / 1000, out: r.stdout };
}

const COLS = ['job_id', 'task_name', 'queue_name', 'args', 'kwargs', 'status', 'duration_ms', 'job_retry', 'job_retries', 'job_retry_after', 'success', 'result', 'error_message', 'worker_id', 'enqueue_time', 'expire_time', 'start_time', 'finish_time', 'created_at', 'updated_at', 'user_id'];

function row(tag, i, backend) {
  // created in 2020: `cleanup --days 1000` deletes exactly these
  const t = new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString();
  const time = backend === 'sqlite' ? t.replace('T', ' ').replace('Z', '') : t;
  const failed = i % 10 === 0;
  return [`wbench-${tag}-${i}`, `bench.task_${i % 12}`, ['default', 'high', 'low'][i % 3], '[]', '{}', failed ? 'failed' : 'success', 100 + (i % 900), 0, 0, 60,
    backend === 'sqlite' ? (failed ? 0 : 1) : !failed, null, failed ? `ConnectionTimeout: upstream did not answer after ${i % 30} s` : null, `worker-${i % 8}-4242`,
    time, null, time, time, time, time, null];
}

async function driver(target) {
  if (target.backend === 'sqlite') {
    const Database = require('better-sqlite3');
    const db = new Database(target.url);
    db.pragma('busy_timeout = 5000');
    const ins = db.prepare(`INSERT INTO "${TABLE}" (${COLS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLS.map(() => '?').join(', ')})`);
    return {
      insertOne: async (values) => void ins.run(...values),
      insertMany: async (rows) => db.transaction((rs) => rs.forEach((v) => ins.run(...v)))(rows),
      close: async () => db.close(),
    };
  }
  const pg = require('pg');
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  const sql = `INSERT INTO "${TABLE}" (${COLS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING "id"`;
  return {
    insertOne: (values) => client.query({ name: 'ins', text: sql, values }),
    insertMany: async (rows) => {
      await client.query('BEGIN');
      for (const v of rows) await client.query({ name: 'ins', text: sql, values: v });
      await client.query('COMMIT');
    },
    close: () => client.end(),
  };
}

const STATES = [
  { name: 'both', search: true, report: true },
  { name: 'report only', search: false, report: true },
  { name: 'none', search: false, report: false },
  { name: 'search only', search: true, report: false },
];

const results = [];
let tag = Date.now().toString(36);
for (const target of targets) {
  log(`${target.backend}: ${target.url}`);
  tasklog(['migrate', '--db', target.url, '--search-index', '--report-index']);
  for (let cycle = 0; cycle < cycles; cycle++) {
  for (const state of STATES) {
    const drop = [!state.search && 'search', !state.report && 'report'].filter(Boolean);
    const build = [state.search && '--search-index', state.report && '--report-index'].filter(Boolean);
    let buildSeconds = null;
    if (drop.length) tasklog(['migrate', '--db', target.url, '--drop-index', drop.join(',')]);
    if (build.length) {
      const r = tasklog(['migrate', '--db', target.url, ...build, '--json']);
      const made = JSON.parse(r.out).own_indexes.filter((i) => i.action === 'created');
      if (made.length) buildSeconds = made.reduce((a, i) => a + i.seconds, 0);
    }
    const d = await driver(target);
    const rates = [];
    const batched = [];
    let n = 0;
    try {
      for (let run = 0; run < runs; run++) {
        const t0 = performance.now();
        for (let i = 0; i < rowsPerRun; i++) await d.insertOne(row(`${tag}-${state.name.replace(/ /g, '')}`, n++, target.backend));
        rates.push(rowsPerRun / ((performance.now() - t0) / 1000));
        const many = [];
        for (let i = 0; i < rowsPerRun; i++) many.push(row(`${tag}-${state.name.replace(/ /g, '')}`, n++, target.backend));
        const t1 = performance.now();
        await d.insertMany(many);
        batched.push(rowsPerRun / ((performance.now() - t1) / 1000));
      }
      const extra = [];
      for (let i = 0; i < cleanupRows; i++) extra.push(row(`${tag}-${state.name.replace(/ /g, '')}`, n++, target.backend));
      await d.insertMany(extra);
    } finally {
      await d.close();
    }
    const cleanup = tasklog(['cleanup', '--db', target.url, '--days', '1000', '--yes', '--json']);
    const deleted = JSON.parse(cleanup.out).deleted;
    if (deleted !== n) throw new Error(`cleanup deleted ${deleted} rows, expected the ${n} this run added`);
    const r = { backend: target.backend, state: state.name, inserts_per_s: median(rates), batched_per_s: median(batched), runs: rates, cleanup_rows: n, cleanup_s: cleanup.seconds, build_s: buildSeconds };
    results.push(r);
    log(`  ${state.name.padEnd(12)} ${r.inserts_per_s.toFixed(0).padStart(6)} single-row inserts/s (${rates.map((x) => x.toFixed(0)).join(', ')})   in one transaction ${r.batched_per_s.toFixed(0)}/s   cleanup of ${n} rows ${r.cleanup_s.toFixed(2)} s${buildSeconds ? `   (built in ${buildSeconds.toFixed(1)} s)` : ''}`);
  }
  }
  tasklog(['migrate', '--db', target.url, '--search-index', '--report-index']);
  tag += 'x';
}

// the median of each figure over the cycles
const merged = [];
for (const r of results) {
  if (merged.some((m) => m.backend === r.backend && m.state === r.state)) continue;
  const same = results.filter((x) => x.backend === r.backend && x.state === r.state);
  merged.push({ ...r, inserts_per_s: median(same.map((x) => x.inserts_per_s)), batched_per_s: median(same.map((x) => x.batched_per_s)), cleanup_s: median(same.map((x) => x.cleanup_s)) });
}
const base = (b) => merged.find((r) => r.backend === b && r.state === 'none');
process.stdout.write(
  [
    `single-row inserts (autocommit, as Django makes them) and the same rows ${rowsPerRun} per transaction: median of ${runs} runs × ${cycles} cycle(s); cleanup: tasklog cleanup of the rows added (whole process), median of ${cycles}`,
    '',
    '| database | indexes | single-row inserts/s | vs none | in one transaction, rows/s | vs none | cleanup (s) | vs none |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...merged.map((r) => `| ${r.backend} | ${r.state} | ${r.inserts_per_s.toFixed(0)} | ${(r.inserts_per_s / base(r.backend).inserts_per_s).toFixed(2)} | ${r.batched_per_s.toFixed(0)} | ${(r.batched_per_s / base(r.backend).batched_per_s).toFixed(2)} | ${r.cleanup_s.toFixed(2)} | ${(r.cleanup_s / base(r.backend).cleanup_s).toFixed(2)} |`),
  ].join('\n') + '\n',
);
