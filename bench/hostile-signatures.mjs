#!/usr/bin/env node
// A failed row with a huge error message (issue #18): `tasklog errors --period-hours 720` (whole
// process, spawn to exit) and serve's `GET /` (one request, server started beforehand) on a
// `tasklog demo` SQLite database of 5,000 rows, against the same database without that row — the
// baseline, measured in the same run, alternating, median of --runs. Messages of --bytes
// characters: 'a.' repeated (the URL and e-mail rules' worst case before issue #18), '«' repeated
// (the quote rule's), and 'x.' repeated then '@b.c'.
//
//   npm run build --silent && node bench/hostile-signatures.mjs [--runs 5] [--bytes 1000000] [--bin bin/tasklog]
//
// --bin: another build's bin/tasklog (e.g. an older checkout) to measure it the same way.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const RUNS = Number(opt('--runs', '5'));
const BYTES = Number(opt('--bytes', '1000000'));
const BIN = resolve(opt('--bin', new URL('../bin/tasklog', import.meta.url).pathname));
const Database = createRequire(import.meta.url)('better-sqlite3');

const dir = mkdtempSync(join(tmpdir(), 'tasklog-bench-sig-'));
const base = join(dir, 'base.sqlite');
const demo = spawnSync(BIN, ['demo', '--db', base, '--rows', '5000', '--seed', '1', '--json'], { encoding: 'utf8' });
if (demo.status !== 0) throw new Error(demo.stderr);

const SHAPES = {
  dots: 'a.'.repeat(BYTES / 2),
  guillemets: '«'.repeat(BYTES),
  'dots then @': 'x.'.repeat(BYTES / 2 - 2) + '@b.c',
};
const dbs = { baseline: base };
for (const [name, message] of Object.entries(SHAPES)) {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.sqlite`);
  copyFileSync(base, file);
  const db = new Database(file);
  const row = db.prepare(`SELECT * FROM django_cfg_task_log WHERE status = 'failed' ORDER BY id DESC LIMIT 1`).get();
  const cols = Object.keys(row).filter((c) => c !== 'id');
  db.prepare(`INSERT INTO django_cfg_task_log (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => (c === 'job_id' ? 'hostile' : c === 'error_message' ? message : row[c])));
  db.close();
  dbs[name] = file;
}

function errorsOnce(file) {
  const t = process.hrtime.bigint();
  const r = spawnSync(BIN, ['errors', '--period-hours', '720', '--json', '--db', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function serve(file) {
  const proc = spawn(BIN, ['serve', '--db', file, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((ok, fail) => {
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) ok(m[1]);
    });
    proc.once('exit', () => fail(new Error(err)));
  });
  return { url, stop: () => new Promise((ok) => { proc.once('exit', ok); proc.kill('SIGTERM'); }) };
}

async function pageOnce(url) {
  const t = process.hrtime.bigint();
  const res = await fetch(url + '/');
  await res.text();
  if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const names = Object.keys(dbs);
const times = Object.fromEntries(names.map((n) => [n, { errors: [], page: [] }]));
const servers = {};
for (const n of names) servers[n] = await serve(dbs[n]);
for (const n of names) await pageOnce(servers[n].url); // first answers: caches warm
for (let i = 0; i < RUNS; i++) {
  for (const n of names) {
    times[n].errors.push(errorsOnce(dbs[n]));
    times[n].page.push(await pageOnce(servers[n].url));
  }
}
for (const n of names) await servers[n].stop();
rmSync(dir, { recursive: true, force: true });

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`a failed row with a ${BYTES.toLocaleString('en')}-character message, demo database of 5,000 rows; median of ${RUNS}, alternating`);
console.log('| message | `errors --period-hours 720` | ÷ baseline | serve `GET /` | ÷ baseline |');
console.log('| --- | --- | --- | --- | --- |');
const b = times.baseline;
for (const n of names) {
  const t = times[n];
  console.log(`| ${n === 'baseline' ? 'none (baseline)' : n} | ${median(t.errors).toFixed(3)} s | ${(median(t.errors) / median(b.errors)).toFixed(2)}× | ${median(t.page).toFixed(3)} s | ${(median(t.page) / median(b.page)).toFixed(2)}× |`);
}
