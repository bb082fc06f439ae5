#!/usr/bin/env node
// `tasklog sync rearq` against the same work by hand-written SQL through the driver
// (bench/rearq-raw-sync.mjs): the initial sync of N ReArq jobs (~1.1·N result rows) into an empty
// task log, then an incremental sync after 1,000 new jobs; whole processes, wall time and peak
// memory (GNU time). ReArq's tables are generated once (bench/rearq-data.mjs) and copied per run.
//   node bench/rearq-sync.mjs [--jobs 1000000] [--backends sqlite,postgres] [--runs 1] [--new 1000]
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, DATA_DIR, ROOT, TASKLOG } from './lib/env.mjs';
import { GNU_TIME, median, runProcess } from './lib/measure.mjs';
import { ensurePgRearq, ensureSqliteRearq, pgAdmin, pgInsertSql, pgRearqName, pgRun, pgUrl, sqliteInsert } from './rearq-data.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('--jobs', 1_000_000));
const NEW = Number(arg('--new', 1000));
const RUNS = Number(arg('--runs', 1));
const BACKENDS = arg('--backends', 'sqlite,postgres').split(',');
const RAW = join(BENCH_DIR, 'rearq-raw-sync.mjs');
const rows = [];

async function check(res, what) {
  if (res.code !== 0) throw new Error(`${what} exited ${res.code}: ${res.stderr}`);
  return res;
}

async function freshTarget(backend, tag) {
  if (backend === 'sqlite') {
    const file = join(DATA_DIR, `rearq-target-${tag}.sqlite`);
    rmSync(file, { force: true });
    await check(await runProcess([process.execPath, TASKLOG, 'migrate', '--db', file]), 'migrate');
    return file;
  }
  const name = `tasklog_bench_rearq_target_${tag}`;
  await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pgAdmin(`CREATE DATABASE ${name}`);
  await check(await runProcess([process.execPath, TASKLOG, 'migrate', '--db', pgUrl(name)]), 'migrate');
  return pgUrl(name);
}

/** a writable copy of the generated ReArq data */
async function rearqCopy(backend, source) {
  if (backend === 'sqlite') {
    const file = join(DATA_DIR, 'rearq-work.sqlite');
    copyFileSync(source, file);
    return file;
  }
  const name = 'tasklog_bench_rearq_work';
  await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pgAdmin(`CREATE DATABASE ${name} TEMPLATE ${pgRearqName(N)}`);
  return pgUrl(name);
}

async function addJobs(backend, url) {
  if (backend === 'sqlite') {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(url);
    sqliteInsert(db, N + 1, N + NEW);
    db.close();
  } else await pgRun('tasklog_bench_rearq_work', pgInsertSql(N + 1, N + NEW));
}

function record(backend, work, t, r) {
  const row = { backend, work, tasklog: median(t.map((x) => x.ms)), raw: median(r.map((x) => x.ms)), tasklogKb: Math.max(...t.map((x) => x.rssKb ?? 0)), rawKb: Math.max(...r.map((x) => x.rssKb ?? 0)) };
  rows.push(row);
  console.error(`${backend} ${work}: tasklog ${(row.tasklog / 1000).toFixed(2)} s, raw ${(row.raw / 1000).toFixed(2)} s (${(row.tasklog / row.raw).toFixed(2)}×), peak ${Math.round(row.tasklogKb / 1024)} / ${Math.round(row.rawKb / 1024)} MB`);
}

for (const backend of BACKENDS) {
  const source = backend === 'sqlite' ? await ensureSqliteRearq(N) : await ensurePgRearq(N);
  const rearq = await rearqCopy(backend, source);
  const t = [];
  const r = [];
  let tTarget;
  let rTarget;
  for (let i = 0; i < RUNS; i++) {
    tTarget = await freshTarget(backend, 'tasklog');
    t.push(await check(await runProcess([process.execPath, TASKLOG, 'sync', 'rearq', '--rearq-db', rearq, '--db', tTarget, '--json']), 'tasklog sync'));
    rTarget = await freshTarget(backend, 'raw');
    r.push(await check(await runProcess([process.execPath, RAW, backend, rearq, rTarget]), 'raw sync'));
  }
  const first = JSON.parse(t[0].stdout);
  if (first.inserted !== N) throw new Error(`tasklog inserted ${first.inserted}, expected ${N}`);
  record(backend, `initial: ${N.toLocaleString('en')} jobs`, t, r);
  await addJobs(backend, rearq);
  const ti = await check(await runProcess([process.execPath, TASKLOG, 'sync', 'rearq', '--rearq-db', rearq, '--db', tTarget, '--json']), 'tasklog sync');
  const ri = await check(await runProcess([process.execPath, RAW, backend, rearq, rTarget, String(N)]), 'raw sync');
  const inc = JSON.parse(ti.stdout);
  if (inc.inserted !== NEW) throw new Error(`tasklog inserted ${inc.inserted}, expected ${NEW}`);
  record(backend, `incremental: ${NEW.toLocaleString('en')} new jobs`, [ti], [ri]);
}

console.log(`| backend | work | tasklog | raw driver | tasklog ÷ raw | peak memory tasklog / raw |`);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const x of rows) {
  console.log(`| ${x.backend} | ${x.work} | ${(x.tasklog / 1000).toFixed(2)} s | ${(x.raw / 1000).toFixed(2)} s | ${(x.tasklog / x.raw).toFixed(2)}× | ${GNU_TIME ? `${Math.round(x.tasklogKb / 1024)} / ${Math.round(x.rawKb / 1024)} MB` : 'n/a'} |`);
}
