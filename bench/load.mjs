#!/usr/bin/env node
// `tasklog serve` under load (issue #18): 64 concurrent clients (wrk, Debian's package: chosen by
// bench/load-generators.mjs) sending a fixed mix of API and dashboard requests for --seconds on the
// 1,000,000-row tables of `npm run bench` (bench/.data/tasklog-1m.sqlite and PostgreSQL database
// tasklog_bench_1m; this script only reads them: run `npm run bench` once to make them). Prints
// per backend the requests per second, p50/p99 latency, the answers by status class (zero 5xx is
// the target), the server's RSS at the start and at the end (the target: at most +20%) with a sample
// every 30 s between, and its connections to the database at the end. The start is taken after a
// warm-up: every path once, then the mix from all 64 connections for --warm-seconds (30), so the
// heap has grown to what 64 requests in flight need; the RSS after the one-at-a-time part is printed too.
//
// With --restart-pg, PostgreSQL is restarted in the middle of the PostgreSQL run
// (pg_ctlcluster --skip-systemctl-redirect VERSION CLUSTER restart; it is restarted for everyone
// using it): a probe asks for /cfg/tasks/logs/overview/ every 250 ms and the run reports the 503s
// while it was away, the first 200 after it, and any 5xx outside that window (the target: none).
//
//   apt-get install wrk
//   node bench/load.mjs [--backends sqlite,postgres] [--seconds 300] [--warm-seconds 30] [--restart-pg 15/main]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dbUrl } from './lib/data.mjs';
import { NOW, TASKLOG } from './lib/env.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const backends = opt('--backends', 'sqlite,postgres').split(',');
const seconds = Number(opt('--seconds', '300'));
const warmSeconds = Number(opt('--warm-seconds', '30'));
const restartPg = opt('--restart-pg', null);
const CONNECTIONS = 64;
const SIZE = { name: '1m', rows: 1_000_000, label: '1,000,000' };
const log = (s) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

// the mix, sent round-robin by each connection (each from its own offset): list pages with and without
// filters, rows and their related rows, the reports, a search, the dashboard and a row's page
const ids = [1, 4242, 77_777, 123_456, 500_000, 654_321, 999_999];
const PATHS = [
  '/cfg/tasks/logs/',
  '/cfg/tasks/logs/?status=failed&queue_name=high&page=3',
  ...ids.map((id) => `/cfg/tasks/logs/${id}/`),
  '/cfg/tasks/logs/?page=2&page_size=50',
  '/cfg/tasks/logs/stats/',
  `/cfg/tasks/logs/${ids[1]}/related/`,
  '/cfg/tasks/logs/?is_failed=true&ordering=-created_at',
  '/cfg/tasks/logs/timeline/',
  '/cfg/tasks/logs/?task_name=report&created_after=24h',
  '/cfg/tasks/logs/overview/',
  `/logs/${ids[2]}`,
  '/cfg/tasks/logs/?search=timeout',
  '/',
];

const LUA = `
local paths = { ${PATHS.map((p) => JSON.stringify(p)).join(', ')} }
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  counter = tid * 5
  s2, s3, s4, s5, s503 = 0, 0, 0, 0, 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function response(status, headers, body)
  if status >= 500 then
    s5 = s5 + 1
    if status == 503 then s503 = s503 + 1 end
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local t = { s2 = 0, s3 = 0, s4 = 0, s5 = 0, s503 = 0 }
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
  end
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"s2xx":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d,"s503":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, t.s2, t.s3, t.s4, t.s5, t.s503, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout))
end
`;

/**
 * The server's own memory: RssAnon (heap, stacks, buffers) — not RssFile, the pages of the SQLite file
 * it maps (mmap_size), which are the kernel's page cache shared with every reader and grow to the
 * file's size as it is read; VmRSS, the sum, is printed beside it
 */
function rssMb(pid, field = 'RssAnon') {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

function get(base, path, timeoutMs = 60_000) {
  const u = new URL(path, base);
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve(`error: ${err.message}`));
    req.end();
  });
}

/** TCP connections from the process to PostgreSQL's port, as ss sees them */
function dbConnections(pid) {
  const r = spawnSync('ss', ['-tnpH', 'state', 'established', '( dport = :5432 )'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.includes(`pid=${pid},`)).length;
}

function startServer(backend) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [TASKLOG, 'serve', '--db', dbUrl(backend, SIZE), '--port', '0', '--connect-timeout', '3'], {
      env: { ...process.env, TASKLOG_NOW: NOW },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // one line per request: time, method, path, status, ms — counted by status as they come
    const lines = [];
    const byStatus = new Map();
    const cut = [];
    const rl = createInterface({ input: proc.stderr });
    let url = null;
    rl.on('line', (line) => {
      const m = /^(\S+Z) (GET|HEAD) (\S+) (\d{3}) /.exec(line);
      if (m) {
        const status = Number(m[4]);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        if (line.endsWith('(connection closed before the answer was read)')) cut.push(line);
        if (status >= 500) lines.push({ at: Date.parse(m[1]), status, path: m[3], line });
        return;
      }
      if (!url) {
        const ready = /listening on (http:\/\/\S+)/.exec(line);
        if (ready) {
          url = ready[1];
          resolve({ proc, url, byStatus, fiveHundreds: lines, cut });
        }
      } else process.stderr.write(`  server: ${line}\n`);
    });
    proc.on('exit', (code) => {
      if (!url) reject(new Error(`tasklog serve exited ${code} before it listened`));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tasklog-load-'));
const script = join(dir, 'mix.lua');
writeFileSync(script, LUA);
const results = [];

for (const backend of backends) {
  log(`${backend}: starting tasklog serve on ${SIZE.label} rows`);
  const server = await startServer(backend);
  const pid = server.proc.pid;
  const exited = new Promise((resolve) => server.proc.on('exit', (code, signal) => resolve(code ?? signal)));
  try {
    // warm-up: every path of the mix once, one after the other
    for (const path of PATHS) {
      const status = await get(server.url, path);
      if (status !== 200) log(`  warm-up: ${path} answered ${status}`);
    }
    const rssSequential = rssMb(pid);
    // then the same mix from all 64 connections for --warm-seconds: the heap grows to what 64
    // requests in flight need before the measured run starts, so start and end compare like with like
    if (warmSeconds > 0) {
      log(`  warm-up under load: ${CONNECTIONS} connections for ${warmSeconds} s (RSS ${rssSequential.toFixed(0)} MB after one request at a time)`);
      const warm = spawnSync('wrk', ['-t', '2', '-c', String(CONNECTIONS), '-d', `${warmSeconds}s`, '--timeout', '60s', '-s', script, server.url], { encoding: 'utf8' });
      if (warm.status !== 0) throw new Error(`wrk warm-up failed: ${warm.stderr}`);
    }
    const rssStart = rssMb(pid);
    const started = Date.now();
    let rssMax = rssStart;
    // the RSS every 30 s of the run: a plateau or a slope
    const series = [{ s: 0, mb: rssStart }];
    const seriesTimer = setInterval(() => series.push({ s: Math.round((Date.now() - started) / 1000), mb: rssMb(pid) }), 30_000);
    // RSS under load: once a tenth of the run has passed (the heap grown to what 64 requests in flight need), and at the end
    let rssLoaded = null;
    const sampler = setInterval(() => {
      const now = rssMb(pid);
      rssMax = Math.max(rssMax, now);
      if (rssLoaded === null && Date.now() - started >= seconds * 100) rssLoaded = now;
    }, 1000);
    // the probe: one request at a time, every 250 ms
    const probes = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const at = Date.now();
        probes.push({ at, status: await get(server.url, '/cfg/tasks/logs/overview/', 60_000), ms: Date.now() - at });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    log(`  ${CONNECTIONS} connections for ${seconds} s (RSS ${rssStart.toFixed(0)} MB after the warm-up)`);
    const wrk = spawn('wrk', ['-t', '2', '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--timeout', '60s', '-s', script, server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let wrkOut = '';
    wrk.stdout.on('data', (d) => (wrkOut += d));
    wrk.stderr.on('data', (d) => (wrkOut += d));
    const wrkDone = new Promise((resolve) => wrk.on('exit', resolve));
    let restart = null;
    if (backend === 'postgres' && restartPg) {
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
      const [version, cluster] = restartPg.split('/');
      log(`  restarting PostgreSQL ${version}/${cluster} now`);
      const from = Date.now();
      const r = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, cluster, 'restart'], { encoding: 'utf8' });
      restart = { from, to: Date.now(), code: r.status, stderr: r.stderr.trim() };
      log(`  PostgreSQL restarted in ${((restart.to - restart.from) / 1000).toFixed(1)} s (exit ${r.status})`);
    }
    await wrkDone;
    const elapsed = (Date.now() - started) / 1000;
    probing = false;
    await probe;
    clearInterval(sampler);
    clearInterval(seriesTimer);
    const rssEnd = rssMb(pid);
    const vmRssEnd = rssMb(pid, 'VmRSS');
    series.push({ s: Math.round(elapsed), mb: rssEnd });
    const connections = backend === 'postgres' ? dbConnections(pid) : null;
    const m = /RESULT (\{.*\})/.exec(wrkOut);
    if (!m) throw new Error(`wrk gave no result: ${wrkOut}`);
    const w = JSON.parse(m[1]);
    const row = { backend, seconds: elapsed, ...w, rps: w.requests / (w.duration_us / 1e6), rssSequential, rssStart, rssLoaded, rssEnd, rssMax, vmRssEnd, series, connections, restart };
    if (restart) {
      // the window: from the restart until the probe's first 200 after it
      const firstOk = probes.find((p) => p.at >= restart.from && p.status === 200);
      const windowEnd = firstOk ? firstOk.at + firstOk.ms : Infinity;
      const during = probes.filter((p) => p.at >= restart.from && p.at < (firstOk?.at ?? Infinity));
      row.probe = {
        during: [...new Set(during.map((p) => p.status))],
        firstOkAfterS: firstOk ? (firstOk.at - restart.to) / 1000 : null,
        okAfter: probes.filter((p) => p.at > windowEnd).every((p) => p.status === 200),
      };
      row.fiveHundredsOutside = server.fiveHundreds.filter((l) => l.at < restart.from - 1000 || l.at > windowEnd + 1000).length;
      row.fiveHundredsDuring = server.fiveHundreds.length - row.fiveHundredsOutside;
    } else {
      row.fiveHundredsOutside = server.fiveHundreds.length;
      row.fiveHundredsDuring = 0;
    }
    row.probeStatuses = Object.fromEntries([...new Set(probes.map((p) => p.status))].map((s) => [s, probes.filter((p) => p.status === s).length]));
    row.serverStatuses = Object.fromEntries(server.byStatus);
    row.cut = server.cut.length;
    for (const l of server.cut.slice(0, 5)) log(`  cut: ${l}`);
    for (const l of server.fiveHundreds.slice(0, 5)) log(`  5xx: ${l.line}`);
    results.push(row);
    log(`  ${JSON.stringify(row)}`);
  } finally {
    server.proc.kill('SIGTERM');
  }
  const code = await exited;
  results.at(-1).exit = code;
  if (backend === 'postgres') results.at(-1).connectionsAfterStop = dbConnections(pid);
  log(`  tasklog serve exited ${code}`);
}

const ms = (us) => (us / 1000).toFixed(us < 100_000 ? 1 : 0);
const lines = [
  `| database | seconds | requests/s | p50 ms | p99 ms | 2xx | 4xx | 5xx | socket errors | RssAnon MB: one at a time, start (after the warm-up under load), at 10% of the run, end (max) | end / start | end / at 10% | VmRSS MB at end (with the mapped file) | DB connections at end |`,
  `|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|`,
  ...results.map(
    (r) =>
      `| ${r.backend} | ${r.seconds.toFixed(0)} | ${r.rps.toFixed(1)} | ${ms(r.p50_us)} | ${ms(r.p99_us)} | ${r.s2xx} | ${r.s4xx} | ${r.s5xx}${r.restart ? ` (${r.fiveHundredsDuring} while PostgreSQL restarted, ${r.fiveHundredsOutside} outside)` : ''} | ${r.connect + r.read + r.write + r.timeout} | ${r.rssSequential.toFixed(0)}, ${r.rssStart.toFixed(0)}, ${r.rssLoaded?.toFixed(0)}, ${r.rssEnd.toFixed(0)} (${r.rssMax.toFixed(0)}) | ${(r.rssEnd / r.rssStart).toFixed(2)} | ${(r.rssEnd / r.rssLoaded).toFixed(2)} | ${r.vmRssEnd.toFixed(0)} | ${r.connections ?? '—'} |`,
  ),
  '',
  ...results.map((r) => `RssAnon of the ${r.backend} server every 30 s (s: MB): ${r.series.map((p) => `${p.s}: ${p.mb.toFixed(0)}`).join(', ')}`),
];
process.stdout.write(`${CONNECTIONS} connections, the mix of ${PATHS.length} paths round-robin, ${SIZE.label} rows, now = ${NOW}\n\n${lines.join('\n')}\n`);
for (const r of results.filter((x) => x.restart)) {
  process.stdout.write(
    `\nPostgreSQL restart (${((r.restart.to - r.restart.from) / 1000).toFixed(1)} s): the probe got ${r.probe.during.join(', ') || 'no answer'} while it was away, ` +
      `200 again ${r.probe.firstOkAfterS?.toFixed(1)} s after the restart returned, ${r.probe.okAfter ? 'and 200 to every probe after' : 'but not 200 to every probe after'}; ` +
      `server exit code ${r.exit} after SIGTERM; its connections to PostgreSQL: ${r.connections} at the end, ${r.connectionsAfterStop} after it stopped.\n`,
  );
}
for (const r of results.filter((x) => !x.restart)) process.stdout.write(`\n${r.backend}: server exit code ${r.exit} after SIGTERM${r.backend === 'postgres' ? `; connections to PostgreSQL ${r.connections} at the end, ${r.connectionsAfterStop} after it stopped` : ''}.\n`);
