#!/usr/bin/env node
// `npm run bench:serve` (issue #14): a warm `tasklog serve` against the warm Django REST framework
// API of fixtures/django (Debian's python3-django, python3-djangorestframework, python3-django-filters,
// served by Django's own threaded WSGI server) on the same 1,000,000-row tables as `npm run bench`
// (bench/.data/tasklog-1m.sqlite and PostgreSQL database tasklog_bench_1m, generated on first use,
// reused after), both answering the same requests. Each request is sent twice to warm both servers,
// then --runs times to each server, alternating; a new connection per request for both (Django's
// server closes every connection). Prints the median milliseconds and tasklog's time as a share of
// Django's (the target: at most 0.5), and checks that both answered 200 with the same JSON.
//
//   node bench/serve.mjs [--backends sqlite,postgres] [--runs 7] [--only 'search page,timeline'] [--shuffled]
//                        [--sqlite FILE] [--pg-db NAME]
// --shuffled: the tables out of time order; --sqlite/--pg-db: another copy of the same table (one with
// tasklog's own indexes, say: never build them on the shared bench tables), read by both servers.
// --cli: also whole processes (issue #21): `tasklog stats --period-hours 168` against one warm Django
// API request for the same stats and against the Django API one-shot (fixtures/django `get`: a new
// Python process that sets Django up, answers that one request and exits, as a command does), and `tasklog logs list --search timeout` against a hand-written
// full-scan count of the same search (sqlite3 / psql, the count a first page needs), alternating.
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { dbUrl, ensurePostgres, ensureSqlite, pgDatabase, pgUrl } from './lib/data.mjs';
import { NOW, PG, ROOT, TABLE, TASKLOG } from './lib/env.mjs';
import { median } from './lib/measure.mjs';

const args0 = process.argv.slice(2);
const SIZE = args0.includes('--shuffled')
  ? { name: '1m-shuffled', rows: 1_000_000, label: '1,000,000 out of time order', shuffledFrom: { name: '1m', rows: 1_000_000, label: '1,000,000' } }
  : { name: '1m', rows: 1_000_000, label: '1,000,000' };
const PYTHON = process.env.TASKLOG_TEST_PYTHON ?? '/usr/bin/python3';
const FIXTURE = join(ROOT, 'fixtures', 'django', 'django_fixture.py');
const CASES = [
  ['stats 168 h', '/cfg/tasks/logs/stats/?period_hours=168'],
  ['filtered list page', '/cfg/tasks/logs/?status=failed&queue_name=high&page=3'],
  ['overview', '/cfg/tasks/logs/overview/'],
  ['timeline', '/cfg/tasks/logs/timeline/'],
  ['timeline 168 h', '/cfg/tasks/logs/timeline/?period_hours=168'],
  ['search page', '/cfg/tasks/logs/?search=timeout&page=2'],
  ['search task_7', '/cfg/tasks/logs/?search=task_7&page=3'],
];

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const backends = opt('--backends', 'sqlite,postgres').split(',');
const runs = Number(opt('--runs', '7'));
const only = opt('--only', null)?.split(',');
const cli = args.includes('--cli');
const sqliteCopy = opt('--sqlite', null);
const pgCopy = opt('--pg-db', null);
const url = (backend) => (backend === 'sqlite' ? sqliteCopy ?? dbUrl('sqlite', SIZE) : pgUrl(pgCopy ?? pgDatabase(SIZE)));
const log = (s) => process.stderr.write(s + '\n');

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(argv, env, ready) {
  return new Promise((resolve, reject) => {
    const proc = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const check = (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ proc, url: m[1] });
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited ${code}: ${out}`)));
  });
}

function get(base, path) {
  const u = new URL(path, base);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent: false, headers: { Host: 'bench.example', Connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function djangoArgs(backend) {
  if (backend === 'sqlite') return ['--engine', 'sqlite', '--name', url('sqlite')];
  return ['--engine', 'postgresql', '--name', pgCopy ?? pgDatabase(SIZE), '--host', PG.host, '--port', String(PG.port), '--user', PG.user];
}

const rows = [];
for (const backend of backends) {
  if ((backend === 'sqlite' && !sqliteCopy) || (backend === 'postgres' && !pgCopy)) {
    const got = backend === 'sqlite' ? await ensureSqlite(SIZE, log) : await ensurePostgres(SIZE, log);
    log(`${backend}: ${SIZE.label} rows ${got.reused ? 'reused' : `generated in ${got.seconds.toFixed(0)} s`}`);
  }
  const port = await freePort();
  const [tl, dj] = await Promise.all([
    start([process.execPath, TASKLOG, 'serve', '--db', url(backend), '--port', '0', '--allowed-host', 'bench.example'], { TASKLOG_NOW: NOW }, /listening on (http:\/\/\S+)/),
    start([PYTHON, FIXTURE, ...djangoArgs(backend), 'serve', '--listen', `127.0.0.1:${port}`, '--now', NOW], { TZ: 'UTC' }, /"listening": "([^"]+)"/).then((s) => ({ ...s, url: `http://${s.url}` })),
  ]);
  try {
    for (const [name, path] of CASES.filter(([n]) => !only || only.includes(n))) {
      for (let i = 0; i < 2; i++) {
        const [a, b] = [await get(tl.url, path), await get(dj.url, path)];
        if (a.status !== b.status || (a.status !== 200 && a.status !== 404)) throw new Error(`${path}: tasklog ${a.status}, Django ${b.status}: ${b.body.slice(0, 200)}`);
        if (i === 0 && JSON.stringify(JSON.parse(a.body)) !== JSON.stringify(JSON.parse(b.body)) && !sameJson(JSON.parse(a.body), JSON.parse(b.body))) log(`  note: ${path}: the answers differ`);
      }
      const t = [];
      const d = [];
      for (let i = 0; i < runs; i++) {
        t.push((await get(tl.url, path)).ms);
        d.push((await get(dj.url, path)).ms);
      }
      const row = { backend, name, path, tasklog: median(t), django: median(d) };
      row.ratio = row.tasklog / row.django;
      rows.push(row);
      log(`  ${backend.padEnd(8)} ${name.padEnd(20)} tasklog ${row.tasklog.toFixed(1).padStart(8)} ms   Django ${row.django.toFixed(1).padStart(8)} ms   ratio ${row.ratio.toFixed(2)}${row.ratio <= 0.5 ? '' : '  (above 0.5)'}`);
    }
    if (cli) await cliCases(backend, dj);
  } finally {
    tl.proc.kill('SIGTERM');
    dj.proc.kill('SIGTERM');
  }
}

/** ms of a whole process */
function processMs(argv, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return performance.now() - t0;
}

async function cliCases(backend, dj) {
  const db = url(backend);
  const cols = ['task_name', 'job_id', 'queue_name', 'error_message', 'worker_id'];
  // the full scan a search without an index is: every row's five columns folded and searched
  const hand = backend === 'sqlite'
    ? ['sqlite3', '-readonly', db, `SELECT COUNT(*) FROM ${TABLE} WHERE ${cols.map((c) => `${c} LIKE '%timeout%'`).join(' OR ')}`]
    : ['psql', '-X', '-A', '-t', '-d', db, '-c', `SELECT COUNT(*) FROM ${TABLE} WHERE ${cols.map((c) => `lower(${c}) LIKE '%timeout%'`).join(' OR ')}`];
  const statsArgv = [process.execPath, TASKLOG, 'stats', '--db', db, '--period-hours', '168', '--json'];
  const oneShotArgv = [PYTHON, FIXTURE, ...djangoArgs(backend), 'get', '/cfg/tasks/logs/stats/?period_hours=168', '--now', NOW];
  // the one-shot and the command line answer the same eight numbers
  const mine = JSON.parse(spawnSync(statsArgv[0], statsArgv.slice(1), { env: { ...process.env, TASKLOG_NOW: NOW }, encoding: 'utf8' }).stdout);
  const theirs = JSON.parse(spawnSync(oneShotArgv[0], oneShotArgv.slice(1), { env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8' }).stdout).body;
  if (Object.keys(theirs).some((k) => JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]))) log(`  note: stats 168 h: tasklog ${JSON.stringify(mine)} but Django ${JSON.stringify(theirs)}`);
  const cases = [
    ['CLI stats 168 h', 'Django API request', () => processMs(statsArgv, { TASKLOG_NOW: NOW }), async () => (await get(dj.url, '/cfg/tasks/logs/stats/?period_hours=168')).ms],
    // the Django API one-shot: a new Python process that sets Django up, answers the one request through its WSGI application and exits
    ['CLI stats 168 h', 'Django API one-shot', () => processMs(statsArgv, { TASKLOG_NOW: NOW }), async () => processMs(oneShotArgv, { TZ: 'UTC' })],
    ['CLI logs list --search', 'full-scan count (hand)', () => processMs([process.execPath, TASKLOG, 'logs', 'list', '--db', db, '--search', 'timeout', '--json'], { TASKLOG_NOW: NOW }), async () => processMs(hand)],
  ];
  for (const [name, baseline, a, b] of cases) {
    await a();
    await b();
    const t = [];
    const d = [];
    for (let i = 0; i < runs; i++) {
      t.push(await a());
      d.push(await b());
    }
    const row = { backend, name, path: baseline, tasklog: median(t), django: median(d) };
    row.ratio = row.tasklog / row.django;
    rows.push(row);
    log(`  ${backend.padEnd(8)} ${name.padEnd(20)} tasklog ${row.tasklog.toFixed(1).padStart(8)} ms   ${baseline} ${row.django.toFixed(1).padStart(8)} ms   ratio ${row.ratio.toFixed(2)}`);
  }
}

function sameJson(a, b) {
  const norm = (v) => (v && typeof v === 'object' ? (Array.isArray(v) ? v.map(norm) : Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm(v[k])]))) : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

const lines = [
  `| database | request | tasklog serve (ms) | Django API (ms) | tasklog / Django |`,
  `|---|---|---:|---:|---:|`,
  ...rows.map((r) => `| ${r.backend} | ${r.name} (\`${r.path.replace('/cfg/tasks/logs/', '')}\`) | ${r.tasklog.toFixed(1)} | ${r.django.toFixed(1)} | ${r.ratio.toFixed(2)} |`),
];
process.stdout.write(`median of ${runs} warm requests each, ${SIZE.label} rows, now = ${NOW}\n\n${lines.join('\n')}\n`);
