#!/usr/bin/env node
/**
 * The Redis client choice: whole-process time of `import + connect + PING +
 * quit` for ioredis and node-redis, against a bare node:net PING, median of
 * N runs, alternating; and each client's installed size.
 *
 *   node bench/redis-client.mjs [--runs 10] [--node-redis DIR] [--url redis://127.0.0.1:6379/0]
 *
 * ioredis comes from this repository's node_modules; node-redis (not a
 * dependency) from DIR, a folder where `npm i redis` was run (default: a
 * temporary folder, installed on first use with the ordinary npm client).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('--runs', 10));
const url = arg('--url', 'redis://127.0.0.1:6379/0');
const u = new URL(url);
const repo = resolve(new URL('..', import.meta.url).pathname);
let nodeRedisDir = arg('--node-redis', null);
if (!nodeRedisDir) {
  nodeRedisDir = join(tmpdir(), 'tasklog-bench-node-redis');
  if (!existsSync(join(nodeRedisDir, 'node_modules', 'redis'))) {
    mkdirSync(nodeRedisDir, { recursive: true });
    writeFileSync(join(nodeRedisDir, 'package.json'), '{"name":"b","version":"1.0.0","private":true}');
    execFileSync('npm', ['i', 'redis', '--no-audit', '--no-fund', '--silent'], { cwd: nodeRedisDir, stdio: 'inherit' });
  }
}
const dir = mkdtempSync(join(tmpdir(), 'tasklog-bench-redis-'));
const scripts = {
  'node:net PING (baseline)': [
    repo,
    `import net from 'node:net';
await new Promise((r) => { const s = net.connect(${Number(u.port || 6379)}, ${JSON.stringify(u.hostname)}, () => { s.write('PING\\r\\n'); s.once('data', () => { s.end(); r(); }); }); });`,
  ],
  ioredis: [
    repo,
    `import { Redis } from 'ioredis';
const c = new Redis(${JSON.stringify(url)}, { lazyConnect: true }); await c.connect(); await c.ping(); await c.quit();`,
  ],
  'node-redis': [
    nodeRedisDir,
    `import { createClient } from 'redis';
const c = createClient({ url: ${JSON.stringify(url)} }); await c.connect(); await c.ping(); await c.quit();`,
  ],
};
const files = {};
for (const [name, [cwd, code]] of Object.entries(scripts)) {
  const file = join(cwd === repo ? dir : cwd, `bench-${name.replace(/\W+/g, '_')}.mjs`);
  // ioredis must resolve from the repository: write its script where node finds the repo's node_modules
  const target = cwd === repo ? join(repo, 'bench', `.tmp-${name.replace(/\W+/g, '_')}.mjs`) : file;
  writeFileSync(target, code);
  files[name] = target;
}
const times = Object.fromEntries(Object.keys(files).map((k) => [k, []]));
for (let i = 0; i < runs + 1; i++) {
  for (const [name, file] of Object.entries(files)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed`);
    if (i > 0) times[name].push(ms); // the first round warms the disk cache
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times['node:net PING (baseline)']);
const du = (p) => Number(execFileSync('du', ['-sk', p]).toString().split('\t')[0]);
const ioSize = ['ioredis', '@ioredis', 'cluster-key-slot', 'debug', 'denque', 'ms', 'redis-errors', 'redis-parser', 'standard-as-callback', 'lodash.defaults', 'lodash.isarguments']
  .map((p) => join(repo, 'node_modules', p))
  .filter(existsSync)
  .reduce((s, p) => s + du(p), 0);
const nrSize = du(join(nodeRedisDir, 'node_modules'));
console.log(`| client | import + connect + PING, median of ${runs} | ÷ node:net | installed size |`);
console.log('| --- | --- | --- | --- |');
for (const [name, list] of Object.entries(times)) {
  const m = median(list);
  const size = name === 'ioredis' ? `${(ioSize / 1024).toFixed(1)} MB` : name === 'node-redis' ? `${(nrSize / 1024).toFixed(1)} MB` : '—';
  console.log(`| ${name} | ${(m / 1000).toFixed(3)} s | ${(m / base).toFixed(2)}× | ${size} |`);
}
for (const f of Object.values(files)) if (f.includes('.tmp-')) execFileSync('rm', ['-f', f]);
