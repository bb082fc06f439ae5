#!/usr/bin/env node
// Issue #22's performance target: `tasklog slo` with 10 objectives over 28 days on the 1M tables within
// 1.5× the hand-written statements that compute the same numbers, each timed as a whole process.
//
//   contender  `tasklog slo --json` (objectives from a config file in a scratch XDG_CONFIG_HOME)
//   baseline   bench/raw.mjs: one hand-written statement per objective through the same driver, the way a
//              DBA counts nested windows (a conditional count per window: FILTER on PostgreSQL, sums
//              of comparisons on SQLite), run one after the other
//
// Both run alternately (the order rotates each round) after a warm-up each; the figure is the median.
// Before timing, tasklog's totals, goods and burn rates are compared with the baseline's counts.
// Usage: node bench/slo.mjs [--sizes 1m,1m-shuffled] [--backends sqlite,postgres] [--runs 5]
// The tables are bench/run.mjs's (generate them with `npm run bench -- --sizes 1m --only overview` first).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { dbUrl, pgDatabase, sqliteFile } from './lib/data.mjs';
import { NOW, ROOT, TABLE, TASKLOG } from './lib/env.mjs';
import { median, runProcess } from './lib/measure.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const sizes = opt('--sizes', '1m').split(',');
const backends = opt('--backends', 'sqlite,postgres').split(',');
const runs = Number(opt('--runs', '5'));

const HOUR = 3_600_000;
const WINDOW_H = 28 * 24;
const BURN = [['5m', 5 / 60], ['30m', 0.5], ['1h', 1], ['6h', 6], ['24h', 24], ['72h', 72]];

/** 10 objectives over 28 days: success and latency, by exact task, by queue, and over every row */
const SLOS = [
  { name: 'payments', filter: { task: 'orders.process_payment' }, objective: 'success', target: 99.5 },
  { name: 'email-latency', filter: { task: 'notifications.send_email' }, objective: { latency_ms: 2000 }, target: 95 },
  { name: 'push', filter: { task: 'notifications.send_push' }, objective: 'success', target: 99 },
  { name: 'invoices-latency', filter: { task: 'billing.generate_invoice' }, objective: { latency_ms: 5000 }, target: 99 },
  { name: 'webhooks', filter: { task: 'webhooks.deliver' }, objective: 'success', target: 98 },
  { name: 'resize-latency', filter: { task: 'media.resize_image' }, objective: { latency_ms: 1000 }, target: 90 },
  { name: 'reindex', filter: { task: 'search.reindex_document' }, objective: 'success', target: 99.9 },
  { name: 'profiles', filter: { task: 'users.sync_profile' }, objective: 'success', target: 99 },
  { name: 'critical-queue', filter: { queue_name: 'critical' }, objective: 'success', target: 99.5 },
  { name: 'everything', objective: 'success', target: 99 },
].map((s) => ({ ...s, window: '28d' }));

/** an instant `hours` before NOW as the column compares it (Django's SQLite text: naive UTC) */
function at(backend, hours) {
  const iso = new Date(Date.parse(NOW) - hours * HOUR).toISOString();
  return backend === 'sqlite' ? `'${iso.slice(0, 10)} ${iso.slice(11, 19)}'` : `'${iso}'`;
}

/** the statement a DBA writes for one objective: the rows of 28 days, a conditional count per window */
function handSql(backend, slo) {
  const countIf = (cond) => (backend === 'sqlite' ? `COALESCE(SUM(${cond}), 0)` : `COUNT(*) FILTER (WHERE ${cond})`);
  const good =
    slo.objective === 'success'
      ? backend === 'sqlite'
        ? `(status = 'success' AND success = 1)`
        : `(status = 'success' AND success)`
      : `(duration_ms <= ${slo.objective.latency_ms})`;
  const rows = slo.objective === 'success' ? `status IN ('success', 'failed', 'expired')` : `status IN ('success', 'failed', 'expired', 'canceled') AND duration_ms IS NOT NULL`;
  const filter = slo.filter?.task ? ` AND task_name = '${slo.filter.task}'` : slo.filter?.queue_name ? ` AND queue_name = '${slo.filter.queue_name}'` : '';
  const windows = [['w', WINDOW_H], ...BURN];
  const cols = windows.flatMap(([k, h]) => [`${countIf(`created_at >= ${at(backend, h)}`)} AS "n_${k}"`, `${countIf(`created_at >= ${at(backend, h)} AND ${good}`)} AS "g_${k}"`]);
  return `SELECT ${cols.join(', ')} FROM ${TABLE} WHERE created_at >= ${at(backend, WINDOW_H)} AND ${rows}${filter}`;
}

const budget = (target) => Math.round((100 - target) * 1e6);
const burnOf = (n, g, target) => (n === 0 ? null : Math.round((((n - g) * 1e8) / (n * budget(target))) * 1e4) / 1e4);

function checkAnswer(out, rows) {
  const slos = JSON.parse(out).slos;
  SLOS.forEach((slo, i) => {
    const r = Object.fromEntries(Object.entries(rows[i][0]).map(([k, v]) => [k, Number(v)]));
    const s = slos[i];
    if (s.total !== r.n_w || s.good !== r.g_w) throw new Error(`${slo.name}: tasklog ${s.good}/${s.total}, by hand ${r.g_w}/${r.n_w}`);
    for (const [k] of BURN) {
      const want = burnOf(r[`n_${k}`], r[`g_${k}`], slo.target);
      if (s.burn_rates[k] !== want) throw new Error(`${slo.name} burn ${k}: tasklog ${s.burn_rates[k]}, by hand ${want}`);
    }
  });
}

const scratch = mkdtempSync(join(os.tmpdir(), 'tasklog-bench-slo-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
mkdirSync(join(scratch, 'tasklog'));
writeFileSync(join(scratch, 'tasklog', 'config.json'), JSON.stringify({ slos: SLOS }));
const env = { ...process.env, TASKLOG_NOW: NOW, NO_COLOR: '1', XDG_CONFIG_HOME: scratch, HOME: scratch };
delete env.TASKLOG_DATABASE_URL;
delete env.DATABASE_URL;

const SIZE_ROWS = { '1m': 1_000_000, '1m-shuffled': 1_000_000 };
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const lines = [];
const say = (s) => {
  process.stdout.write(s + '\n');
  lines.push(s);
};
say(`Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${os.cpus().length} cores, Node ${process.version}; load average ${load()} at the start.`);
say('');
say('| rows | database | tasklog slo (10 objectives, 28 days) | hand-written statements (raw driver) | tasklog ÷ raw | CPU s: tasklog / raw | answer |');
say('| --- | --- | ---: | ---: | ---: | ---: | --- |');
for (const size of sizes) {
  for (const backend of backends) {
    const sizeObj = { name: size, rows: SIZE_ROWS[size] };
    if (backend === 'sqlite' && !existsSync(sqliteFile(sizeObj))) {
      process.stderr.write(`no ${sqliteFile(sizeObj)}: generate the tables with bench/run.mjs first\n`);
      continue;
    }
    const url = dbUrl(backend, sizeObj);
    const statements = SLOS.map((s) => handSql(backend, s));
    const contenders = [
      { name: 'tasklog', argv: [process.execPath, TASKLOG, 'slo', '--json', '--db', url] },
      { name: 'raw', argv: [process.execPath, join(ROOT, 'bench', 'raw.mjs'), backend, backend === 'sqlite' ? url : url, 'rows', ...statements] },
    ];
    const warm = [];
    for (const c of contenders) warm.push(await runProcess(c.argv, { env, cwd: ROOT }));
    for (const [i, w] of warm.entries()) if (w.code !== 0) throw new Error(`${contenders[i].name} exited ${w.code}: ${w.stderr}`);
    checkAnswer(warm[0].stdout, JSON.parse(warm[1].stdout));
    const results = contenders.map(() => []);
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + r) % contenders.length;
        results[i].push(await runProcess(contenders[i].argv, { env, cwd: ROOT }));
      }
    }
    const ms = results.map((rs) => median(rs.map((x) => x.ms)));
    const cpu = results.map((rs) => (rs[0].cpuMs === null ? null : median(rs.map((x) => x.cpuMs))));
    const label = `${size === '1m' ? '1,000,000' : '1,000,000 out of time order'}`;
    const db = backend === 'sqlite' ? 'SQLite' : `PostgreSQL (${pgDatabase(sizeObj)})`;
    const cpuText = cpu[0] === null ? '—' : `${(cpu[0] / 1000).toFixed(2)} / ${(cpu[1] / 1000).toFixed(2)}`;
    say(`| ${label} | ${db} | ${(ms[0] / 1000).toFixed(3)} s | ${(ms[1] / 1000).toFixed(3)} s | ${(ms[0] / ms[1]).toFixed(2)}× | ${cpuText} | same counts |`);
  }
}
say('');
say(`Median of ${runs} alternating runs after a warm-up each; load average ${load()} at the end.`);
