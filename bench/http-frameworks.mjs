#!/usr/bin/env node
// How tasklog serve's HTTP layer was chosen (issue #14): node:http against two frameworks, side by
// side — start-up (a fresh `node` process from spawn to its first answered request) and the cost of
// a request (sequential keep-alive GETs of a 1 KB JSON body, and 64 at a time), medians of --runs.
// The frameworks are not tasklog dependencies: install them anywhere and point --modules there:
//
//   (cd /tmp/fw && npm init -y && npm install fastify@5 polka@0.5)
//   node bench/http-frameworks.mjs --modules /tmp/fw/node_modules [--runs 5] [--requests 5000]
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const MODULES = opt('--modules', null);
const RUNS = Number(opt('--runs', '5'));
const REQUESTS = Number(opt('--requests', '5000'));
const BODY = JSON.stringify({ count: 1, next: null, previous: null, results: Array.from({ length: 8 }, (_, i) => ({ id: i, task_name: 'process_data', status: 'success', duration_ms: 1250 })) });

const SERVERS = {
  'node:http': `import { createServer } from 'node:http';
    const s = createServer((req, res) => { if (req.url.startsWith('/cfg/tasks/logs/')) { res.setHeader('Content-Type', 'application/json'); res.end(BODY); } else { res.statusCode = 404; res.end(); } });
    s.listen(0, '127.0.0.1', () => console.log('ready ' + s.address().port));`,
  fastify: `const { default: Fastify } = await import(MODULES + '/fastify/fastify.js');
    const app = Fastify({ logger: false });
    app.get('/cfg/tasks/logs/', async (req, reply) => { reply.type('application/json'); return BODY; });
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log('ready ' + app.server.address().port);`,
  polka: `const { default: polka } = await import(MODULES + '/polka/index.js');
    const app = polka().get('/cfg/tasks/logs/', (req, res) => { res.setHeader('Content-Type', 'application/json'); res.end(BODY); });
    app.listen(0, '127.0.0.1', () => console.log('ready ' + app.server.address().port));`,
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function get(port, agent) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/cfg/tasks/logs/?page=2', agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

async function startServer(name) {
  const code = `const BODY = ${JSON.stringify(BODY)}; const MODULES = ${JSON.stringify(MODULES)};\n${SERVERS[name]}`;
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      const m = /ready (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (c) => reject(new Error(`${name} exited ${c}`)));
  });
  await get(port, false);
  return { proc, port, startupMs: performance.now() - t0 };
}

const names = MODULES ? Object.keys(SERVERS) : ['node:http'];
if (!MODULES) console.error('no --modules: measuring node:http only');
const results = Object.fromEntries(names.map((n) => [n, { startup: [], seq: [], conc: [] }]));
for (let r = 0; r < RUNS; r++) {
  for (const name of names) {
    const { proc, port, startupMs } = await startServer(name);
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    for (let i = 0; i < 500; i++) await get(port, agent); // warm
    let t = performance.now();
    for (let i = 0; i < REQUESTS; i++) await get(port, agent);
    const seq = ((performance.now() - t) * 1000) / REQUESTS;
    t = performance.now();
    for (let i = 0; i < REQUESTS / 64; i++) await Promise.all(Array.from({ length: 64 }, () => get(port, agent)));
    const conc = ((performance.now() - t) * 1000) / (Math.floor(REQUESTS / 64) * 64);
    agent.destroy();
    proc.kill();
    results[name].startup.push(startupMs);
    results[name].seq.push(seq);
    results[name].conc.push(conc);
  }
}
console.log(`node ${process.version}, median of ${RUNS} runs, ${REQUESTS} requests each\n`);
console.log('| server | start-up to first answer (ms) | sequential request (µs) | 64 at a time (µs per request) |');
console.log('|---|---:|---:|---:|');
for (const n of names) console.log(`| ${n} | ${median(results[n].startup).toFixed(1)} | ${median(results[n].seq).toFixed(0)} | ${median(results[n].conc).toFixed(0)} |`);
