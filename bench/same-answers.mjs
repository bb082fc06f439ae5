#!/usr/bin/env node
// Every report's answer before and after a change, on the bench tables: runs
// each command below with this checkout's tasklog and with another build's
// (BASE: a checkout of the commit before, built with `npm run build`), and
// compares their stdout byte for byte. Prints one line per command and
// table, the two wall-clock times, and exits 1 on any difference.
//   node bench/same-answers.mjs BASE [--sizes 1m,1m-shuffled] [--backends sqlite,postgres] [--export]
// e.g. git archive <commit> | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/ && (cd /tmp/base && npx tsc -p tsconfig.json)
//      node bench/same-answers.mjs /tmp/base
// --export adds `logs list --all -o jsonl` (tens of seconds per table at 1M).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FULL } from './lib/cases.mjs';
import { dbUrl } from './lib/data.mjs';
import { NOW, TASKLOG } from './lib/env.mjs';

const argv = process.argv.slice(2);
const base = argv[0];
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1].split(',') : dflt;
};
if (!base || !existsSync(join(base, 'bin', 'tasklog'))) {
  process.stderr.write('usage: node bench/same-answers.mjs BASE [--sizes 1m,1m-shuffled] [--backends sqlite,postgres] [--export]\n');
  process.exit(2);
}
const sizes = opt('--sizes', ['1m', '1m-shuffled']);
const backends = opt('--backends', ['sqlite', 'postgres']);

const COMMANDS = [
  ['stats', '--period-hours', '24'],
  ['stats', '--period-hours', '168'],
  ['stats', '--period-hours', String(FULL)],
  ['stats', '--period-hours', '720', '--queue', 'critical'],
  ['stats', '--by', 'task', '--period-hours', '168'],
  ['stats', '--by', 'task', '--period-hours', String(FULL)],
  ['stats', '--by', 'queue', '--period-hours', String(FULL)],
  ['timeline', '--period-hours', '168'],
  ['timeline', '--interval', 'day', '--period-hours', String(FULL)],
  ['errors', '--period-hours', '24', '--limit', '1000'],
  ['errors', '--period-hours', '168', '--limit', '1000'],
  ['errors', '--period-hours', String(FULL), '--limit', '1000'],
  ['errors', '--period-hours', String(FULL), '--task-name', 'orders.process_payment'],
  ['metrics'],
].map((c) => (c[0] === 'metrics' ? c : [...c, '--json']));
if (argv.includes('--export')) COMMANDS.push(['logs', 'list', '--all', '-o', 'jsonl']);

const env = { ...process.env, TASKLOG_NOW: NOW, NO_COLOR: '1' };
function once(bin, args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { env, maxBuffer: 1 << 30 });
  return { ms: performance.now() - t, code: r.status, out: r.stdout, err: r.stderr.toString() };
}

let differ = 0;
for (const s of sizes) {
  for (const b of backends) {
    const url = dbUrl(b, { name: s, shuffledFrom: s.endsWith('-shuffled') || undefined });
    for (const args of COMMANDS) {
      const full = [...args, '--db', url];
      const before = once(join(base, 'bin', 'tasklog'), full);
      const after = once(TASKLOG, full);
      const same = before.code === after.code && Buffer.compare(before.out, after.out) === 0;
      if (!same) differ++;
      const sha = createHash('sha256').update(after.out).digest('hex').slice(0, 12);
      console.log(
        `${same ? 'same' : 'DIFFERENT'}  ${s.padEnd(11)} ${b.padEnd(8)} ${args.join(' ').padEnd(58)} ${(before.ms / 1000).toFixed(2).padStart(7)} s → ${(after.ms / 1000).toFixed(2).padStart(7)} s  ${after.out.length} bytes sha256 ${sha}` +
          (same ? '' : `  (exit ${before.code} / ${after.code}) ${before.err.trim()} ${after.err.trim()}`),
      );
    }
  }
}
process.exit(differ ? 1 : 0);
