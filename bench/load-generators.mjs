#!/usr/bin/env node
// Which load generator for bench/load.mjs (issue #18): autocannon (npm) and wrk (Debian's package), side by
// side against the same small node:http server (a 1 KB JSON answer, so that the generator's own cost shows),
// 64 connections each, alternating --rounds times. Prints per generator the median requests per second it
// got out of the server and the median CPU time it spent itself per 1,000 requests (user + system, from
// /proc), and autocannon's figures as a share of wrk's. On a shared 2-core machine every CPU second the
// generator takes is one the server under test does not get.
//
// Neither is a tasklog dependency: wrk is `apt-get install wrk`; install autocannon anywhere and point
// --modules there:
//
//   (cd DIR && npm init -y && npm install autocannon@9.0.0)
//   node bench/load-generators.mjs --modules DIR/node_modules [--seconds 8] [--rounds 3]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './lib/measure.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const seconds = Number(opt('--seconds', '8'));
const rounds = Number(opt('--rounds', '3'));
const MODULES = opt('--modules', null);
if (!MODULES) throw new Error('--modules DIR: the node_modules folder that holds autocannon');
const AUTOCANNON = join(MODULES, 'autocannon', 'autocannon.js');
const TICKS = 100; // USER_HZ

const SERVER = `
const body = JSON.stringify({ count: 1, results: Array.from({ length: 8 }, (_, i) => ({ id: i, task_name: 'x'.repeat(100) })) });
require('node:http').createServer((req, res) => { res.setHeader('Content-Type', 'application/json'); res.end(body); })
  .listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });`;

function startServer() {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.stdout.on('data', (d) => {
      const m = /port (\d+)/.exec(String(d));
      if (m) resolve({ proc, port: Number(m[1]) });
    });
  });
}

/** CPU seconds (user + system) of a process and its waited-for children, read from /proc just before it is reaped */
function cpuOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
}

function runGenerator(argv) {
  return new Promise((resolve, reject) => {
    const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let cpu = 0;
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    // sample the CPU time while it runs; the last sample before exit is within 100 ms of its total
    const timer = setInterval(() => {
      try {
        cpu = cpuOf(proc.pid);
      } catch {}
    }, 100);
    proc.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}: ${out}`));
      else resolve({ out, cpu });
    });
  });
}

const generators = {
  autocannon: async (port) => {
    const { out, cpu } = await runGenerator([process.execPath, AUTOCANNON, '-c', '64', '-d', String(seconds), '-j', `http://127.0.0.1:${port}/`]);
    const r = JSON.parse(out.slice(out.indexOf('{')));
    return { requests: r.requests.total, rps: r.requests.total / seconds, cpu, p99: r.latency.p99 };
  },
  wrk: async (port) => {
    const { out, cpu } = await runGenerator(['wrk', '-t', '2', '-c', '64', '-d', `${seconds}s`, '--latency', `http://127.0.0.1:${port}/`]);
    const requests = Number(/(\d+) requests in/.exec(out)[1]);
    const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
    return { requests, rps: requests / seconds, cpu, p99: p99 ? Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2]] : NaN };
  },
};

const server = await startServer();
const results = Object.fromEntries(Object.keys(generators).map((k) => [k, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(generators)) {
      const r = await run(server.port);
      results[name].push(r);
      process.stderr.write(`  round ${round + 1} ${name.padEnd(10)} ${r.rps.toFixed(0).padStart(7)} req/s   ${((r.cpu / r.requests) * 1e6).toFixed(0).padStart(5)} ms CPU per 1,000 requests   p99 ${r.p99.toFixed(1)} ms\n`);
    }
  }
} finally {
  server.proc.kill();
}
const row = (name) => {
  const rs = results[name];
  return { rps: median(rs.map((r) => r.rps)), cpuPer1000: median(rs.map((r) => (r.cpu / r.requests) * 1e6)) };
};
const a = row('autocannon');
const w = row('wrk');
process.stdout.write(
  `median of ${rounds} alternating ${seconds}-s runs, 64 connections, one small node:http server\n\n` +
    `| generator | requests/s it got | its CPU per 1,000 requests (ms) |\n|---|---:|---:|\n` +
    `| wrk ${'4.1.0 (Debian)'} | ${w.rps.toFixed(0)} | ${w.cpuPer1000.toFixed(0)} |\n` +
    `| autocannon 9.0.0 (npm) | ${a.rps.toFixed(0)} | ${a.cpuPer1000.toFixed(0)} |\n` +
    `| autocannon / wrk | ${(a.rps / w.rps).toFixed(2)} | ${(a.cpuPer1000 / w.cpuPer1000).toFixed(2)} |\n`,
);
