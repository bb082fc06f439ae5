#!/usr/bin/env node
// `npm run bench`: issue #7's benchmark. For every command of bench/lib/cases.mjs,
// on SQLite and PostgreSQL, at 1,000,000 and 10,000,000 demo rows: tasklog as a
// whole process against the same answer by hand-written SQL through the raw
// driver (bench/raw.mjs) and through psql / sqlite3, the three alternating,
// medians and ratios, tasklog's peak memory; start-up against `node -e 0`.
// Prints a table as it goes and writes it into bench/RESULTS.md between the
// generated-section markers (the analysis around them is kept).
//
//   node bench/run.mjs [--sizes 1m,10m] [--backends sqlite,postgres] [--runs 5]
//                      [--only stats-168h,overview,startup,serve] [--stream-runs-10m 1]
//                      [--startup-runs 10] [--stream-raw] [--stream-10m] [--warm-10m] [--cli-sizes 100k,1m]
//                      [--out FILE | --no-write]
// The psql/sqlite3 baseline runs at the --cli-sizes only (targets are judged against the raw
// driver; at 10M it would add a third to the run's time).
// `logs list --all` is compared with COPY / sqlite3 -json on a 100k table (5 runs; its rate per row
// does not depend on the size) and once at 1M; its peak memory at 100k vs 1M (and at 10M with
// --stream-10m: minutes per database) shows whether it grows with rows.
// --warm-10m: a warm-up run before the timed ones at 10M too (off by default: minutes per command).
// Sizes: 100k, 1m, 10m. Tables are generated on first use and reused (bench/.data/,
// PostgreSQL databases tasklog_bench_<size>); PostgreSQL at 127.0.0.1:5432, user
// postgres (TASKLOG_BENCH_PG_HOST/PORT/USER).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CASES, FULL } from './lib/cases.mjs';
import { dbUrl, ensureEmpty, ensurePostgres, ensureSqlite, pgDatabase, psql, sqliteFile } from './lib/data.mjs';
import { BENCH_DIR, NOW, PG, ROOT, TASKLOG } from './lib/env.mjs';
import { GNU_TIME, median, runProcess } from './lib/measure.mjs';

const SIZES = {
  '100k': { name: '100k', rows: 100_000, label: '100,000' },
  '1m': { name: '1m', rows: 1_000_000, label: '1,000,000' },
  '10m': { name: '10m', rows: 10_000_000, label: '10,000,000' },
};
// the same rows out of time order (see bench/lib/data.mjs)
SIZES['1m-shuffled'] = { name: '1m-shuffled', rows: 1_000_000, label: '1,000,000 out of time order', shuffledFrom: SIZES['1m'] };
SIZES['10m-shuffled'] = { name: '10m-shuffled', rows: 10_000_000, label: '10,000,000 out of time order', shuffledFrom: SIZES['10m'] };

function parseArgs(argv) {
  const o = { sizes: ['1m', '10m'], backends: ['sqlite', 'postgres'], runs: 5, startupRuns: 10, streamRuns10m: 1, streamRaw: false, stream10m: false, cliSizes: ['100k', '1m'], only: null, out: join(BENCH_DIR, 'RESULTS.md'), write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') o.sizes = val().split(',');
    else if (a === '--backends') o.backends = val().split(',');
    else if (a === '--runs') o.runs = Number(val());
    else if (a === '--startup-runs') o.startupRuns = Number(val());
    else if (a === '--stream-runs-10m') o.streamRuns10m = Number(val());
    else if (a === '--only') o.only = val().split(',');
    else if (a === '--stream-raw') o.streamRaw = true;
    else if (a === '--stream-10m') o.stream10m = true;
    else if (a === '--warm-10m') o.warm10m = true;
    else if (a === '--cli-sizes') o.cliSizes = val().split(',');
    else if (a === '--out') o.out = val();
    else if (a === '--no-write') o.write = false;
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  for (const s of o.sizes) if (!SIZES[s]) usage(`unknown size ${s} (${Object.keys(SIZES).join(', ')})`);
  for (const b of o.backends) if (!['sqlite', 'postgres'].includes(b)) usage(`unknown backend ${b} (sqlite, postgres)`);
  if (!(o.runs >= 1) || !(o.startupRuns >= 1) || !(o.streamRuns10m >= 1)) usage('run counts are whole numbers ≥ 1');
  const ids = [...CASES.map((c) => c.id), 'startup', 'serve'];
  for (const id of o.only ?? []) if (!ids.includes(id)) usage(`unknown case ${id} (${ids.join(', ')})`);
  return o;
}

function usage(err) {
  const text = readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n');
  if (err) {
    process.stderr.write(`bench: ${err}\n`);
    process.exit(2);
  }
  process.stdout.write(text + '\n');
  process.exit(0);
}

const opts = parseArgs(process.argv.slice(2));
const wanted = (id) => !opts.only || opts.only.includes(id);
const benchStarted = performance.now();
const log = (m) => process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const env = { ...process.env, TASKLOG_NOW: NOW, NO_COLOR: '1' };
delete env.TASKLOG_DATABASE_URL;
delete env.DATABASE_URL;

// ---- the machine --------------------------------------------------------

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function machine() {
  const cpu = os.cpus()[0]?.model?.replace(/\s+/g, ' ') ?? 'unknown';
  const osName = (existsSync('/etc/os-release') && /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]) || os.type();
  const better = spawnSync(process.execPath, ['-e', "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  return {
    cpu,
    cores: sh('nproc', []) ?? String(os.cpus().length),
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    os: osName,
    node: process.version,
    postgres: opts.backends.includes('postgres') ? psql('postgres', ['-c', 'SHOW server_version']) : null,
    sqliteCli: sh('sqlite3', ['--version'])?.split(' ')[0] ?? 'not installed',
    betterSqlite: better,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    loadStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

// ---- measuring ----------------------------------------------------------

/**
 * Warms each contender up once, then runs them `runs` times, alternating (the
 * order rotates each round so none always follows another).
 */
async function compare(contenders, runs, { warmUp = true } = {}) {
  const results = contenders.map(() => []);
  const warm = [];
  if (warmUp) for (const c of contenders) warm.push(await runProcess(c.argv, { env, cwd: ROOT }));
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      const res = await runProcess(contenders[i].argv, { env, cwd: ROOT });
      const ok = contenders[i].okCodes ?? [0];
      if (!ok.includes(res.code)) throw new Error(`${contenders[i].name} exited ${res.code}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      results[i].push(res);
    }
  }
  return contenders.map((c, i) => ({
    name: c.name,
    runs: results[i],
    // the warm-up's output (or the first run's) is what answers are checked on
    warm: warm[i] ?? results[i][0],
    ms: median(results[i].map((x) => x.ms)),
    cpuMs: results[i][0].cpuMs === null ? null : median(results[i].map((x) => x.cpuMs)),
    rssKb: results[i][0].rssKb === null ? null : Math.max(...results[i].map((x) => x.rssKb)),
    lines: results[i][0].lines,
    bytes: results[i][0].bytes,
  }));
}

const rows = [];
/** a report's window: its hours, or "full" for one holding every row of the tables */
const windowLabel = (c) => (c.windowHours ? (c.windowHours >= FULL ? 'full' : `${c.windowHours} h`) : '—');
const fmtS = (ms) => (ms / 1000).toFixed(3);
const fmtRatio = (r) => `${r.toFixed(2)}×`;
const fmtMb = (kb) => (kb === null ? '—' : `${Math.round(kb / 1024)} MB`);

function printRow(r) {
  const cells = [r.size.padEnd(11), r.db.padEnd(8), (r.window ?? '—').padEnd(6), r.title.padEnd(44), fmtS(r.tasklog).padStart(7), r.raw === null ? '      —' : fmtS(r.raw).padStart(7), r.rawRatio === null ? '     —' : fmtRatio(r.rawRatio).padStart(6), r.cli === null ? '      —' : fmtS(r.cli).padStart(7), r.cliRatio === null ? '     —' : fmtRatio(r.cliRatio).padStart(6), fmtMb(r.rssKb).padStart(7), r.verdict];
  process.stdout.write(cells.join('  ') + '\n');
}

function header() {
  process.stdout.write(
    ['size'.padEnd(11), 'database', 'window', 'command'.padEnd(44), 'tasklog', '    raw', ' ratio', 'psql/3 ', ' ratio', '   peak', 'target'].join('  ') + '\n',
  );
}

// ---- start-up -----------------------------------------------------------

async function startup(backends) {
  const contenders = [
    { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { name: 'tasklog --help', argv: [process.execPath, TASKLOG, '--help'] },
    // where a command's fixed cost goes: loading tasklog's CLI modules, and each driver alone
    { name: 'import tasklog CLI modules (no command)', argv: [process.execPath, '--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, 'dist', 'src', 'cli', 'main.js'))})`] },
  ];
  for (const b of backends) {
    const driver = b === 'sqlite' ? 'better-sqlite3' : 'pg';
    contenders.push({ name: `import ${driver} (no connection)`, argv: [process.execPath, '--input-type=module', '-e', `await import('${driver}')`] });
  }
  for (const b of backends) {
    const url = await ensureEmpty(b);
    const which = b === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    contenders.push({ name: `tasklog overview (empty ${which})`, argv: [process.execPath, TASKLOG, 'overview', '--db', url] });
    // the raw-driver baseline's own floor: import the driver, connect, one trivial query
    contenders.push({ name: `bench/raw.mjs SELECT 1 (empty ${which})`, argv: [process.execPath, join(BENCH_DIR, 'raw.mjs'), b, url, 'rows', 'SELECT 1'] });
  }
  const res = await compare(contenders, opts.startupRuns);
  const base = res[0].ms;
  for (const r of res) {
    const ratio = r.ms / base;
    const row = {
      size: '—',
      db: r.name.includes('PostgreSQL)') ? 'postgres' : r.name.includes('SQLite)') ? 'sqlite' : '—',
      id: 'startup',
      title: r.name,
      tasklog: r.ms,
      raw: r === res[0] ? null : base,
      rawRatio: r === res[0] ? null : ratio,
      cli: null,
      cliRatio: null,
      rssKb: r.rssKb,
      target: r.name === 'tasklog --help' ? 2 : null,
      verdict: r.name === 'tasklog --help' ? (ratio <= 2 ? 'met (≤ 2× node -e 0)' : 'MISSED (≤ 2× node -e 0)') : '',
      runs: opts.startupRuns,
    };
    rows.push(row);
    printRow(row);
  }
}

// ---- the commands -------------------------------------------------------

function target(c, size) {
  if (c.target) return c.target;
  if (c.kind === 'aggregate') return size.rows >= 10_000_000 ? 1.5 : 1.3;
  if (c.kind === 'page') return 1.3;
  return 2; // stream: at least half as fast as COPY / sqlite3 -json
}

async function measureCase(c, backend, size) {
  const url = dbUrl(backend, size);
  const rawStmts = c.sql(backend, 'raw');
  const cliStmts = c.sql(backend, 'cli');
  const stream = c.kind === 'stream';
  const cli =
    backend === 'postgres'
      ? ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', pgDatabase(size), ...cliStmts.flatMap((s) => ['-c', s])]
      : ['sqlite3', '-readonly', '-json', sqliteFile(size), cliStmts.join(';\n')];
  const contenders = [
    { name: 'tasklog', argv: [process.execPath, TASKLOG, ...c.args, '--db', url], okCodes: c.okCodes },
    { name: 'raw', argv: [process.execPath, join(BENCH_DIR, 'raw.mjs'), backend, url, stream ? 'stream' : 'rows', ...rawStmts] },
    { name: 'cli', argv: cli },
  ];
  // A full export costs tasklog tens of seconds at 1M rows and minutes at 10M; to stay within the
  // run's budget its ratio to COPY / sqlite3 -json (a per-row rate: both are linear in rows) is
  // judged on the 100k table, --runs times; at 1M tasklog and the CLI run once (the rate again, and
  // the peak memory for 10× the rows); at 10M (--stream-10m only) tasklog alone, for its memory.
  // Exports have no warm-up (each run reads the whole table); the raw-driver export only with --stream-raw.
  // At 10M the other commands have no warm-up either: the median of 5 already ignores one cold run.
  const exportRuns = { '100k': opts.runs, '1m': 1, '10m': opts.streamRuns10m };
  // a table out of time order is measured as its ordered twin
  const base = size.shuffledFrom ?? size;
  const runs = stream ? exportRuns[base.name] : opts.runs;
  const started = performance.now();
  const withCli = opts.cliSizes.includes(size.name);
  const exportWith = base.name === '10m' ? [contenders[0]] : opts.streamRaw ? contenders : [contenders[0], contenders[2]];
  const chosen = stream ? exportWith : withCli ? contenders : contenders.slice(0, 2);
  const measured = await compare(chosen, runs, { warmUp: !stream && (size.rows < 10_000_000 || opts.warm10m) });
  const by = (name) => measured.find((x) => x.name === name) ?? null;
  const [t, raw, cl] = [by('tasklog'), by('raw'), by('cli')];
  let check = 'not checked';
  if (c.check) {
    try {
      c.check(JSON.parse(t.warm.stdout), JSON.parse(raw.warm.stdout));
      check = 'same answer';
    } catch (err) {
      check = `ANSWER DIFFERS: ${err.message}`;
    }
  } else if (stream) {
    check = t.lines === size.rows && (!raw || raw.lines === size.rows) ? `${t.lines.toLocaleString('en')} rows each` : `ROW COUNT DIFFERS: tasklog ${t.lines}, raw ${raw?.lines}`;
  }
  const limit = target(c, size);
  const judged = stream ? (cl && runs >= 5 ? t.ms / cl.ms : null) : t.ms / raw.ms;
  const row = {
    size: size.name,
    db: backend,
    id: c.id,
    title: c.title,
    window: windowLabel(c),
    kind: c.kind,
    tasklog: t.ms,
    raw: raw ? raw.ms : null,
    rawRatio: raw ? t.ms / raw.ms : null,
    cli: cl ? cl.ms : null,
    cliRatio: cl ? t.ms / cl.ms : null,
    rssKb: t.rssKb,
    cpu: [t.cpuMs, raw ? raw.cpuMs : null, cl ? cl.cpuMs : null],
    rawRssKb: raw ? raw.rssKb : null,
    cliRssKb: cl ? cl.rssKb : null,
    target: limit,
    verdict: judged === null ? (cl ? `${runs} run: rate and memory (ratio judged at 100k)` : 'memory only') : `${judged <= limit ? 'met' : 'MISSED'} (≤ ${limit}× ${stream ? 'CLI' : 'raw'})`,
    check,
    runs,
    lines: t.lines,
    seconds: (performance.now() - started) / 1000,
  };
  rows.push(row);
  printRow(row);
  if (!check.startsWith('same') && !check.endsWith('rows each') && check !== 'not checked') log(`${c.id} ${backend} ${size.name}: ${check}`);
}

// ---- RESULTS.md -----------------------------------------------------------

const BEGIN = '<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

function markdown(m, data, totalS) {
  const L = [];
  L.push(BEGIN, '');
  const commit = sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  L.push(`Run of ${m.date}${commit ? ` at commit ${commit}` : ''}: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, ${m.os}; Node ${m.node}` + (m.postgres ? `, PostgreSQL ${m.postgres}` : '') + `, sqlite3 CLI ${m.sqliteCli}, better-sqlite3's SQLite ${m.betterSqlite}.`);
  L.push(
    `Load average ${m.loadStart} at the start and ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end ` +
      '(the run itself keeps one to two processes busy; other work may share the machine): wall-clock medians are noisy, ' +
      'the CPU seconds of each process (last column) much less so.',
  );
  L.push(`Whole run: ${(totalS / 60).toFixed(1)} min (\`${['node bench/run.mjs', ...process.argv.slice(2).map((a, i, all) => (all[i - 1] === '--out' ? 'FILE' : a))].join(' ')}\`); peak memory by ${GNU_TIME ? 'GNU time' : 'nothing (GNU time is not installed)'}.`, '');
  L.push('Tables:', '');
  for (const d of data) L.push(`- ${d.size.label} rows, ${d.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${d.reused ? 'reused from an earlier run' : `generated in ${d.seconds.toFixed(0)} s`}`);
  L.push('');
  const startupRows = rows.filter((r) => r.id === 'startup');
  if (startupRows.length) {
    L.push(`### Start-up (median of ${opts.startupRuns})`, '', '| what | median | × `node -e 0` | peak memory | target |', '| --- | ---: | ---: | ---: | --- |');
    for (const r of startupRows) L.push(`| \`${r.title.replace(/ \(.*/, '')}\`${r.title.includes('(') ? ' ' + r.title.replace(/^[^(]*/, '') : ''} | ${fmtS(r.tasklog)} s | ${r.rawRatio === null ? '1.00×' : fmtRatio(r.rawRatio)} | ${fmtMb(r.rssKb)} | ${r.verdict} |`);
    L.push('');
  }
  const cmdRows = rows.filter((r) => r.id !== 'startup');
  if (cmdRows.length) {
    L.push(
      `### Commands (median of ${opts.runs} runs each, alternating; the export \`--all\`: ${opts.runs} runs at 100k where its ratio is judged, 1 run at 1M)`,
      '',
      '"raw" = the hand-written SQL through the driver tasklog uses, in a Node process (`bench/raw.mjs`); "CLI" = the same SQL through `psql` / `sqlite3` (for `--all`: `COPY … TO STDOUT` / `sqlite3 -json`). Ratios are tasklog ÷ baseline.',
      '',
      '| rows | database | window | command | tasklog | raw | tasklog ÷ raw | CLI | tasklog ÷ CLI | tasklog peak memory | target | answer | CPU s of the process: tasklog / raw / CLI |',
      '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
    );
    for (const r of cmdRows) {
      L.push(
        `| ${SIZES[r.size].label} | ${r.db === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${r.window} | \`${r.title}\` | ${fmtS(r.tasklog)} s | ${r.raw === null ? '—' : fmtS(r.raw) + ' s'} | ${r.rawRatio === null ? '—' : fmtRatio(r.rawRatio)} | ${r.cli === null ? '—' : fmtS(r.cli) + ' s'} | ${r.cliRatio === null ? '—' : fmtRatio(r.cliRatio)} | ${fmtMb(r.rssKb)} | ${r.verdict} | ${r.check} | ${r.cpu.map((x) => (x === null ? '—' : (x / 1000).toFixed(2))).join(' / ')} |`,
      );
    }
    L.push('');
    const streams = cmdRows.filter((r) => r.kind === 'stream');
    if (streams.length) {
      L.push('`logs list --all -o jsonl` throughput and memory:', '', '| rows | database | tasklog rows/s | raw rows/s | CLI rows/s | tasklog peak | raw peak | CLI peak |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
      const rate = (ms, n) => Math.round(n / (ms / 1000)).toLocaleString('en');
      for (const r of streams) {
        const n = SIZES[r.size].rows;
        L.push(`| ${SIZES[r.size].label} | ${r.db === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${rate(r.tasklog, n)} | ${r.raw === null ? '—' : rate(r.raw, n)} | ${r.cli === null ? '—' : rate(r.cli, n)} | ${fmtMb(r.rssKb)} | ${fmtMb(r.rawRssKb)} | ${fmtMb(r.cliRssKb)} |`);
      }
      L.push('');
      for (const db of ['sqlite', 'postgres']) {
        const mine = streams.filter((r) => r.db === db && r.rssKb).sort((x, y) => SIZES[x.size].rows - SIZES[y.size].rows);
        if (mine.length < 2) continue;
        const [a, b] = [mine[0], mine[mine.length - 1]];
        const growth = b.rssKb / a.rssKb;
        L.push(
          `Peak memory of tasklog's export on ${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${mine.map((r) => `${fmtMb(r.rssKb)} for ${SIZES[r.size].label} rows`).join(', ')} ` +
            `(${growth.toFixed(2)}× for ${SIZES[b.size].rows / SIZES[a.size].rows}× the rows): ${growth < 1.25 ? 'it does not grow with rows' : 'IT GROWS with rows'}.`,
        );
      }
      L.push('');
    }
    const missed = rows.filter((r) => r.verdict.startsWith('MISSED'));
    L.push(`Targets missed in this run: ${missed.length ? missed.map((r) => `${r.title} (${r.size}, ${r.db}, ${fmtRatio(r.id === 'startup' ? r.rawRatio : r.kind === 'stream' ? r.cliRatio : r.rawRatio)})`).join('; ') : 'none'}.`, '');
  }
  L.push(END);
  return L.join('\n');
}

function writeResults(text) {
  let doc = existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : '# Benchmark results\n\n' + BEGIN + '\n' + END + '\n';
  const a = doc.indexOf('<!-- bench:begin');
  const b = doc.indexOf(END);
  doc = a >= 0 && b > a ? doc.slice(0, a) + text + doc.slice(b + END.length) : doc + '\n' + text + '\n';
  writeFileSync(opts.out, doc);
}

// ---- main ---------------------------------------------------------------

if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
  process.stderr.write('bench: tasklog is not built; run `npm run build` (npm run bench does)\n');
  process.exit(1);
}
if (opts.backends.includes('sqlite') && !sh('sqlite3', ['--version'])) {
  process.stderr.write('bench: the sqlite3 command-line shell is missing (Debian package sqlite3)\n');
  process.exit(1);
}
if (!GNU_TIME) log('GNU time (/usr/bin/time, Debian package `time`) is missing: peak memory is not measured');

const m = machine();
log(`${m.cores} cores, ${m.memoryGiB} GiB, load ${m.loadStart}; Node ${m.node}`);
const data = [];
const cases = CASES.filter((c) => wanted(c.id));
if (cases.length) {
  for (const s of opts.sizes) {
    for (const b of opts.backends) {
      const size = SIZES[s];
      const r = b === 'sqlite' ? await ensureSqlite(size, log) : await ensurePostgres(size, log);
      data.push({ size, backend: b, ...r });
    }
  }
}
header();
if (wanted('startup')) await startup(opts.backends);
const exportCase = cases.find((c) => c.kind === 'stream');
for (const s of opts.sizes) {
  for (const b of opts.backends) {
    for (const c of cases) {
      if (c === exportCase && SIZES[s].rows >= 10_000_000 && !opts.stream10m) continue;
      await measureCase(c, b, SIZES[s]);
    }
  }
}
// the export's ratio, on a table a tenth the size of 1M (see measureCase)
if (exportCase && !opts.sizes.includes('100k')) {
  for (const b of opts.backends) {
    const size = SIZES['100k'];
    const r = b === 'sqlite' ? await ensureSqlite(size, log) : await ensurePostgres(size, log);
    data.push({ size, backend: b, ...r });
    await measureCase(exportCase, b, size);
  }
}
// tasklog serve against the Django REST framework API on the 1M tables (bench/serve.mjs prints its own table)
if (wanted('serve') && opts.sizes.includes('1m')) {
  const r = spawnSync(process.execPath, [join(BENCH_DIR, 'serve.mjs'), '--backends', opts.backends.join(','), '--runs', String(opts.runs)], { stdio: 'inherit' });
  if (r.status !== 0) log(`bench/serve.mjs exited ${r.status}`);
}
const totalS = (performance.now() - benchStarted) / 1000;
log(`done in ${(totalS / 60).toFixed(1)} min`);
// (a run of rearq-sync alone has nothing for RESULTS.md: its table went to stdout)
if (opts.write && (cases.length || wanted('startup'))) {
  writeResults(markdown(m, data, totalS));
  log(`wrote ${opts.out.startsWith(ROOT) ? opts.out.slice(ROOT.length + 1) : opts.out}`);
}
