#!/usr/bin/env node
// The full export against the database's own export of the same rows (issue #19, "the read side
// first"): `tasklog logs list --all -o jsonl` with the default fields, --fields all and a list of
// its own, each a whole process, against
//   SQLite       sqlite3 -readonly -json "SELECT t.*, u.username, u.email … ORDER BY …"
//   PostgreSQL   psql -c "COPY (SELECT t.*, u.username, u.email … ORDER BY …) TO STDOUT"
//   MySQL        mysql --batch --quick -e "SELECT t.*, u.username, u.email … ORDER BY …"
// (every column of every row, in the export's order: enqueue_time DESC, id DESC), alternating
// (the order rotates each round), medians and ratios, CPU seconds and peak memory of each process
// (GNU time). With --base DIR, another build of tasklog runs beside this one (before/after).
// Prints a Markdown table.
//
//   node bench/export.mjs --db sqlite:FILE --db postgres://…/DB --db mysql://…/DB [--runs 3]
//                         [--fields default,all,LIST] [--base DIR]
// LIST is a field list of its own, as --fields takes it (commas), e.g. id,args,user_display,finish_time.
import { join } from 'node:path';
import { NOW, ROOT, TASKLOG } from './lib/env.mjs';
import { GNU_TIME, median, runProcess } from './lib/measure.mjs';

const argv = process.argv.slice(2);
const all = (name) => argv.flatMap((a, i) => (a === name ? [argv[i + 1]] : []));
const one = (name, dflt) => all(name)[0] ?? dflt;
const dbs = all('--db');
const runs = Number(one('--runs', '3'));
const fieldSets = one('--fields', 'default;all').split(';');
const base = one('--base', null);
if (!dbs.length || !(runs >= 1)) {
  process.stderr.write('usage: node bench/export.mjs --db URL [--db URL …] [--runs N] [--fields "default;all;a,b,c"] [--base DIR]\n');
  process.exit(2);
}

const env = { ...process.env, TASKLOG_NOW: NOW, NO_COLOR: '1' };
delete env.TASKLOG_DATABASE_URL;
delete env.DATABASE_URL;
const SELECT = 'SELECT t.*, u.username, u.email FROM django_cfg_task_log t LEFT JOIN auth_user u ON u.id = t.user_id ORDER BY t.enqueue_time DESC, t.id DESC';

/** the database's own export of every row, by its command-line client */
function baseline(url) {
  if (url.startsWith('postgres')) return { name: 'psql COPY', argv: ['psql', '-X', '-q', '-d', url, '-c', `COPY (${SELECT}) TO STDOUT`] };
  if (url.startsWith('mysql')) {
    const u = new URL(url);
    return {
      name: 'mysql --batch',
      argv: ['mysql', '--batch', '--quick', '--skip-column-names', '-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username) || 'root', ...(u.password ? [`-p${decodeURIComponent(u.password)}`] : []), u.pathname.slice(1), '-e', SELECT],
    };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  return { name: 'sqlite3 -json', argv: ['sqlite3', '-readonly', '-json', file, SELECT] };
}

const backendOf = (url) => (url.startsWith('postgres') ? 'PostgreSQL' : url.startsWith('mysql') ? 'MySQL/MariaDB' : 'SQLite');
const fieldArgs = (f) => (f === 'default' ? [] : ['--fields', f]);
const s = (ms) => (ms / 1000).toFixed(2);

const table = [];
process.stderr.write(`load average at the start: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
for (const url of dbs) {
  const cli = baseline(url);
  const contenders = [{ ...cli, field: null }];
  for (const f of fieldSets) {
    contenders.push({ name: `tasklog ${f === 'default' ? 'default fields' : f === 'all' ? '--fields all' : `--fields ${f}`}`, field: f, argv: [process.execPath, TASKLOG, 'logs', 'list', '--all', '-o', 'jsonl', ...fieldArgs(f), '--db', url] });
    if (base) contenders.push({ name: `base ${f === 'default' ? 'default fields' : f === 'all' ? '--fields all' : `--fields ${f}`}`, field: f, argv: [process.execPath, join(base, 'bin', 'tasklog'), 'logs', 'list', '--all', '-o', 'jsonl', ...fieldArgs(f), '--db', url] });
  }
  const results = contenders.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      const res = await runProcess(contenders[i].argv, { env, cwd: ROOT });
      if (res.code !== 0) throw new Error(`${contenders[i].name} exited ${res.code}: ${res.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      // keep the figures, not the output (hundreds of MB a run)
      results[i].push({ ...res, stdout: '' });
      process.stderr.write(`${backendOf(url)} round ${r + 1}: ${contenders[i].name} ${s(res.ms)} s\n`);
    }
  }
  const cliMs = median(results[0].map((x) => x.ms));
  const tasklogLines = {};
  contenders.forEach((c, i) => {
    const ms = median(results[i].map((x) => x.ms));
    const lines = results[i][0].lines;
    if (c.name.startsWith('tasklog')) tasklogLines[c.field] = lines;
    table.push({
      db: backendOf(url),
      name: c.name,
      ms,
      range: `${s(Math.min(...results[i].map((x) => x.ms)))}–${s(Math.max(...results[i].map((x) => x.ms)))}`,
      ratio: i === 0 ? null : ms / cliMs,
      cpu: GNU_TIME ? median(results[i].map((x) => x.cpuMs)) : null,
      rss: GNU_TIME ? Math.max(...results[i].map((x) => x.rssKb)) : null,
      lines,
      bytes: results[i][0].bytes,
    });
  });
  // the base and this build print the same number of lines (byte equality: bench/export-check.mjs)
  for (const t of table.filter((x) => x.db === backendOf(url) && x.name.startsWith('base'))) {
    const f = contenders.find((c) => c.name === t.name).field;
    if (tasklogLines[f] !== t.lines) process.stderr.write(`LINE COUNT DIFFERS for ${f}: ${tasklogLines[f]} vs base ${t.lines}\n`);
  }
}
process.stderr.write(`load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log(`| database | what | wall s, median of ${runs} | min–max | ÷ the database's own export | CPU s of the process | peak memory | lines | bytes |`);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const t of table) {
  console.log(`| ${t.db} | ${t.name} | ${s(t.ms)} | ${t.range} | ${t.ratio === null ? '—' : t.ratio.toFixed(2) + '×'} | ${t.cpu === null ? '—' : s(t.cpu)} | ${t.rss === null ? '—' : Math.round(t.rss / 1024) + ' MB'} | ${t.lines.toLocaleString('en')} | ${t.bytes.toLocaleString('en')} |`);
}
