#!/usr/bin/env node
// How `logs list --all -o jsonl` reads PostgreSQL (issue #13): the same JSON lines, written by
// the server (tasklog's own field SQL), carried to stdout three ways, each a fresh `node` process
// timed from spawn to exit, alternating, median of --runs; the yardstick is `psql -c "COPY (…) TO
// STDOUT"` of the raw rows (issue #7's baseline) and of the same JSON lines.
//   keyset      statements of 10,000 rows, each starting after the last (tasklog before)
//   cursor      one statement read through a portal, 10,000 rows a fetch (pg-query-stream)
//   copy        COPY (SELECT line …) TO STDOUT as CSV with control characters for quote and
//               delimiter, so each line crosses as is (pg-copy-streams)
// pg-query-stream is not a tasklog dependency: install it anywhere and point --modules there:
//
//   (mkdir -p DIR && cd DIR && npm init -y && npm install pg-query-stream@4 pg-copy-streams@7 pg@8)
//   node bench/pg-export-clients.mjs --modules DIR/node_modules --db postgres://…/tasklog_bench_1m [--runs 5]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverFieldsSql, LIST_FIELDS } from '../dist/src/query/present.js';
import { PostgresDialect } from '../dist/src/db/dialect/postgres.js';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const MODULES = opt('--modules', null);
const DB = opt('--db', 'postgres://postgres@127.0.0.1:5432/tasklog_bench_1m');
const RUNS = Number(opt('--runs', '5'));
const ONLY = opt('--only', null)?.split(',');
if (!MODULES) {
  console.error('usage: node bench/pg-export-clients.mjs --modules DIR/node_modules [--db URL] [--runs N] [--only keyset,cursor,copy,psql-raw,psql-json]');
  process.exit(2);
}

const d = new PostgresDialect();
const col = (c) => `"t".${d.quote(c)}`;
const fields = serverFieldsSql(LIST_FIELDS, col, d);
const FROM = `"django_cfg_task_log" AS "t" CROSS JOIN LATERAL (SELECT ${fields.join(', ')}) AS "j"`;
const LINE = `row_to_json("j")::text`;
const ORDER = `"t"."enqueue_time" DESC, "t"."id" DESC`;
const JSON_SELECT = `SELECT ${LINE} AS line FROM ${FROM} ORDER BY ${ORDER}`;
const RAW_SELECT = `SELECT t.*, u.username, u.email FROM "django_cfg_task_log" AS t LEFT JOIN "auth_user" AS u ON u.id = t.user_id ORDER BY t.enqueue_time DESC, t.id DESC`;
const COPY_OPTIONS = `(FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')`;

const prelude = `
  const { default: pg } = await import(${JSON.stringify(MODULES + '/pg/lib/index.js')});
  const client = new pg.Client({ connectionString: ${JSON.stringify(DB)}, options: '-c TimeZone=UTC' });
  await client.connect();
  const out = process.stdout;
  let pending = '';
  const emit = async (text, flush) => {
    pending += text;
    if (pending.length >= 65536 || flush) { const ok = out.write(pending); pending = ''; if (!ok) await new Promise((r) => out.once('drain', r)); }
  };`;

const PROGRAMS = {
  keyset: `${prelude}
    let last = null;
    for (;;) {
      const where = last ? 'WHERE "t"."enqueue_time" <= $1 AND ("t"."enqueue_time" < $1 OR ("t"."enqueue_time" = $1 AND "t"."id" < $2))' : '';
      const { rows } = await client.query({ text: ${JSON.stringify(`SELECT ${LINE} AS line, "t"."enqueue_time" AS k, "t"."id" AS id FROM ${FROM} `)} + where + ${JSON.stringify(` ORDER BY ${ORDER} LIMIT 10000`)}, values: last ?? [], types: { getTypeParser: () => (v) => v } });
      for (const r of rows) await emit(r.line + '\\n');
      if (rows.length < 10000) break;
      last = [rows[rows.length - 1].k, rows[rows.length - 1].id];
    }
    await emit('', true);
    await client.end();`,
  cursor: `${prelude}
    const { default: QueryStream } = await import(${JSON.stringify(MODULES + '/pg-query-stream/dist/index.js')});
    const stream = client.query(new QueryStream(${JSON.stringify(JSON_SELECT)}, [], { batchSize: 10000 }));
    for await (const r of stream) await emit(r.line + '\\n');
    await emit('', true);
    await client.end();`,
  copy: `${prelude}
    const { to } = await import(${JSON.stringify(MODULES + '/pg-copy-streams/index.js')});
    const stream = client.query(to(${JSON.stringify(`COPY (${JSON_SELECT}) TO STDOUT ${COPY_OPTIONS}`)}));
    for await (const chunk of stream) if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    await client.end();`,
};

// under GNU time for the CPU seconds of the process (the steadier figure on a shared machine)
const TIME_FILE = join(tmpdir(), `pg-export-clients-${process.pid}.time`);
function timeProcess(cmd, argv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', TIME_FILE, cmd, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    const hash = createHash('sha256');
    let bytes = 0;
    child.stdout.on('data', (b) => {
      bytes += b.length;
      hash.update(b);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}`));
      const [user, sys] = readFileSync(TIME_FILE, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      resolve({ s: Number(process.hrtime.bigint() - t0) / 1e9, cpu: user + sys, bytes, sha: hash.digest('hex').slice(0, 12) });
    });
  });
}

const psql = (sql) => ['psql', ['-X', '-q', '-d', DB, '-c', sql]];
const CONTENDERS = {
  keyset: ['node', ['--input-type=module', '-e', PROGRAMS.keyset]],
  cursor: ['node', ['--input-type=module', '-e', PROGRAMS.cursor]],
  copy: ['node', ['--input-type=module', '-e', PROGRAMS.copy]],
  'psql-json': psql(`COPY (${JSON_SELECT}) TO STDOUT ${COPY_OPTIONS}`),
  'psql-raw': psql(`COPY (${RAW_SELECT}) TO STDOUT`),
};
const names = Object.keys(CONTENDERS).filter((n) => !ONLY || ONLY.includes(n));
const times = Object.fromEntries(names.map((n) => [n, []]));
const cpu = Object.fromEntries(names.map((n) => [n, []]));
const seen = {};
for (let round = 0; round < RUNS + 1; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const n of order) {
    const r = await timeProcess(...CONTENDERS[n]);
    seen[n] = `${r.bytes} bytes, sha256 ${r.sha}`;
    if (round > 0) times[n].push(r.s), cpu[n].push(r.cpu); // the first round warms the cache
    process.stderr.write(`round ${round} ${n} ${r.s.toFixed(2)} s\n`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = times['psql-raw'] ? median(times['psql-raw']) : null;
rmSync(TIME_FILE, { force: true });
console.log(`| transport | wall s, median of ${RUNS} | min–max | ÷ psql COPY raw | CPU s of the client process | output |`);
console.log('| --- | ---: | ---: | ---: | ---: | --- |');
for (const n of names) {
  const m = median(times[n]);
  console.log(`| ${n} | ${m.toFixed(2)} | ${Math.min(...times[n]).toFixed(2)}–${Math.max(...times[n]).toFixed(2)} | ${base ? (m / base).toFixed(2) + '×' : '—'} | ${median(cpu[n]).toFixed(2)} | ${seen[n]} |`);
}
