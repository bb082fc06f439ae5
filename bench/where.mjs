#!/usr/bin/env node
// --where against the same filter as flags (issue #20: ≤ 1.05×). For each case, tasklog
// as a whole process with the flags and with the expression, alternating, on the 1M
// bench tables (SQLite in order and out of order, PostgreSQL tasklog_bench_1m and
// tasklog_bench_1m_shuffled, read only); medians of the wall time and of tasklog's CPU
// time (user + system, GNU time: steadier than the wall clock on a shared machine, and on
// SQLite it holds the query's work), their ratios, and a check that both printed the
// same answer. The expressions are written in the flags' order, so each
// compiles to the flags' statement: what is left to measure is the parse and the
// process around it.
//
//   node bench/where.mjs [--runs 7] [--backends sqlite,postgres] [--sizes 1m,1m-shuffled] [--only list-page,stats]
//
// Needs the tables of bench/run.mjs (bench/.data/tasklog-1m*.sqlite, the PostgreSQL
// databases); it never writes to them.
import { existsSync } from 'node:fs';
import { pgUrl } from './lib/data.mjs';
import { DATA_DIR, NOW, TASKLOG } from './lib/env.mjs';
import { median, runProcess } from './lib/measure.mjs';
import { CASES } from './lib/where-cases.mjs';
import { join } from 'node:path';


const TARGETS = {
  'sqlite:1m': () => join(DATA_DIR, 'tasklog-1m.sqlite'),
  'sqlite:1m-shuffled': () => join(DATA_DIR, 'tasklog-1m-shuffled.sqlite'),
  'postgres:1m': () => pgUrl('tasklog_bench_1m'),
  'postgres:1m-shuffled': () => pgUrl('tasklog_bench_1m_shuffled'),
};

function parseArgs(argv) {
  const o = { runs: 7, backends: ['sqlite', 'postgres'], sizes: ['1m', '1m-shuffled'], only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--runs') o.runs = Number(val());
    else if (a === '--backends') o.backends = val().split(',');
    else if (a === '--sizes') o.sizes = val().split(',');
    else if (a === '--only') o.only = val().split(',');
    else usage(`unknown argument ${a}`);
  }
  if (!(o.runs >= 1)) usage('--runs is a whole number ≥ 1');
  return o;
}

function usage(err) {
  process.stderr.write(`bench/where: ${err}\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const env = { ...process.env, TASKLOG_NOW: NOW, NO_COLOR: '1' };
const rows = [];
console.log(`--where against the same filter as flags: ${opts.runs} alternating runs each, medians (ms); the machine is shared\n`);
console.log(['target', 'case', 'flags ms', 'where ms', 'ratio', 'flags cpu', 'where cpu', 'cpu ratio', 'same answer'].join('\t'));
for (const backend of opts.backends) {
  for (const size of opts.sizes) {
    const key = `${backend}:${size}`;
    const url = TARGETS[key]?.();
    if (!url) usage(`no target ${key}`);
    if (backend === 'sqlite' && !existsSync(url)) {
      console.log(`${key}\t(skipped: no ${url}; run bench/run.mjs --sizes ${size} once)`);
      continue;
    }
    for (const c of CASES.filter((x) => !opts.only || opts.only.includes(x.id))) {
      const argv = (extra) => [process.execPath, TASKLOG, ...c.base, '--db', url, ...extra];
      const times = { flags: [], where: [] };
      const cpu = { flags: [], where: [] };
      const answers = { flags: null, where: null };
      // one warm-up of each (the first read of a cold cache is not the filter's cost), then alternate
      for (let i = -1; i < opts.runs; i++) {
        for (const side of i % 2 === 0 ? ['flags', 'where'] : ['where', 'flags']) {
          const r = await runProcess(argv(side === 'flags' ? c.flags : ['--where', c.where]), { env });
          if (r.code !== 0) throw new Error(`${key} ${c.id} ${side}: exit ${r.code}: ${r.stderr}`);
          if (i >= 0) {
            times[side].push(r.ms);
            if (r.cpuMs !== null) cpu[side].push(r.cpuMs);
          }
          answers[side] ??= r.stdout;
        }
      }
      const f = median(times.flags);
      const w = median(times.where);
      const cf = cpu.flags.length ? median(cpu.flags) : NaN;
      const cw = cpu.where.length ? median(cpu.where) : NaN;
      const row = { target: key, case: c.id, flags: f, where: w, ratio: w / f, cpuRatio: cw / cf, same: answers.flags === answers.where };
      rows.push(row);
      console.log([key, c.id, f.toFixed(0), w.toFixed(0), row.ratio.toFixed(3), cf.toFixed(0), cw.toFixed(0), row.cpuRatio.toFixed(3), row.same ? 'yes' : 'NO'].join('\t'));
    }
  }
}
const ratios = rows.map((r) => r.ratio);
if (ratios.length) {
  const cpuRatios = rows.map((r) => r.cpuRatio).filter((x) => Number.isFinite(x));
  console.log(`\nratio where/flags, wall: median ${median(ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)} over ${ratios.length} cases`);
  if (cpuRatios.length) console.log(`ratio where/flags, CPU: median ${median(cpuRatios).toFixed(3)}, max ${Math.max(...cpuRatios).toFixed(3)}`);
  console.log(`answers ${rows.every((r) => r.same) ? 'all the same' : 'DIFFER'}`);
}
if (rows.some((r) => !r.same)) process.exitCode = 1;
