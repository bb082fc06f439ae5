#!/usr/bin/env node
// Property-based testing libraries side by side (issue #18): the same property — an error
// signature of any string is one line of at most 300 characters — checked on --cases random
// strings of up to 100 characters by each library, each run a fresh `node` process timed from
// spawn to exit (import + generation + shrinking machinery + the property), alternating, median
// of --runs; the baseline is the same loop over strings from node:crypto's random bytes (no
// library). Also the installed size of each library with its dependencies.
// jsverify and testcheck are not tasklog dependencies: install the candidates anywhere and point
// --modules there:
//
//   (mkdir -p DIR && cd DIR && npm init -y && npm install fast-check@4 jsverify@0.8 testcheck@0.1)
//   npm run build --silent && node bench/property-libs.mjs --modules DIR/node_modules [--runs 7] [--cases 20000]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const MODULES = opt('--modules', null);
const RUNS = Number(opt('--runs', '7'));
const CASES = Number(opt('--cases', '20000'));
if (!MODULES) {
  console.error('usage: node bench/property-libs.mjs --modules DIR/node_modules [--runs N] [--cases N]');
  process.exit(2);
}
const SIGNATURES = new URL('../dist/src/query/errors.js', import.meta.url).href;

// each contender: a program that checks the property on CASES strings and prints how many it ran
const prelude = `const { createRequire } = await import('node:module'); const require = createRequire(${JSON.stringify(join(MODULES, 'x.js'))});
const { errorSignature } = await import(${JSON.stringify(SIGNATURES)});
let n = 0, chars = 0; const prop = (s) => { n++; chars += s.length; const g = errorSignature(s); return typeof g === 'string' && g.length <= 300 && !g.includes('\\n'); };`;
const CONTENDERS = {
  baseline: `const { randomBytes } = await import('node:crypto');
for (let i = 0; i < ${CASES}; i++) { const b = randomBytes(Math.floor(Math.random() * 101) * 2); let s = ''; for (let j = 0; j < b.length; j += 2) s += String.fromCharCode(b.readUInt16LE(j)); if (!prop(s)) throw new Error('failed'); }`,
  'fast-check': `const fc = require('fast-check');
fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100, size: 'max' }), prop), { numRuns: ${CASES}, seed: 42 });`,
  jsverify: `const jsc = require('jsverify');
const r = jsc.check(jsc.forall(jsc.string, prop), { tests: ${CASES}, size: 100, quiet: true, rngState: '0123456789abcdef01' }); if (r !== true) throw new Error('failed');`,
  testcheck: `const tc = require('testcheck');
const r = tc.check(tc.property([tc.gen.string], prop), { times: ${CASES}, maxSize: 100, seed: 42 }); if (r.result !== true) throw new Error('failed');`,
};

function once(name) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `${prelude}\n${CONTENDERS[name]}\nconsole.log(n, chars / n);`], { encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
  const [n, mean] = r.stdout.trim().split(' ').map(Number);
  if (n < CASES) throw new Error(`${name} ran ${n} cases, not ${CASES}`);
  lengths[name] = mean;
  return s;
}

/** bytes of a folder, recursively */
function du(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? du(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}
/** a package and what it depends on, installed in MODULES: [bytes, packages] */
function installed(name, seen = new Set()) {
  if (seen.has(name)) return [0, 0];
  seen.add(name);
  const dir = join(MODULES, name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies ?? {}).reduce(([b, n], d) => { const [b2, n2] = installed(d, seen); return [b + b2, n + n2]; }, [du(dir), 1]);
}
const version = (name) => JSON.parse(readFileSync(join(MODULES, name, 'package.json'), 'utf8')).version;

const names = Object.keys(CONTENDERS);
const lengths = {};
const times = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) once(n); // warm the file cache
for (let i = 0; i < RUNS; i++) for (const n of names) times[n].push(once(n));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times.baseline);
console.log(`${CASES} cases of the property, whole process, median of ${RUNS} alternating runs`);
console.log('| library | version | run | ÷ baseline | mean length | installed |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const n of names) {
  const [bytes, pkgs] = n === 'baseline' ? [0, 0] : installed(n);
  const size = n === 'baseline' ? '—' : `${(bytes / 1e6).toFixed(2)} MB (${pkgs} package${pkgs > 1 ? 's' : ''})`;
  console.log(`| ${n} | ${n === 'baseline' ? '—' : version(n)} | ${median(times[n]).toFixed(3)} s | ${(median(times[n]) / base).toFixed(2)}× | ${lengths[n].toFixed(1)} | ${size} |`);
}
