#!/usr/bin/env node
// What a tasklog command spends its time on, and the plans of its statements:
// runs the command in this process with the driver connection wrapped, prints
// every statement it sent with its time, then the database's plan for each
// (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS); SQLite: EXPLAIN QUERY PLAN, timed).
// For a report over a window, first the window plan tasklog chose (src/query/plan.ts:
// the window's estimated share of the table, whether the table is in time order).
// Usage: node bench/explain.mjs CASE sqlite|postgres SIZE      (CASE as in bench/lib/cases.mjs, SIZE 100k|1m|10m)
//        node bench/explain.mjs --sql sqlite|postgres SIZE SQL  (the plan of a hand-written statement)
import { CASES } from './lib/cases.mjs';
import { dbUrl } from './lib/data.mjs';
import { NOW } from './lib/env.mjs';

const argv = process.argv.slice(2);
const handWritten = argv[0] === '--sql';
const [id, backend, sizeName, ...rest] = handWritten ? [null, ...argv.slice(1)] : argv;
const size = { name: sizeName, shuffledFrom: sizeName?.endsWith('-shuffled') || undefined };
const url = dbUrl(backend, size);
process.env.TASKLOG_NOW = NOW;

const { SqliteDialect } = await import('../dist/src/db/dialect/sqlite.js');
const { PostgresDialect, dollarPlaceholders } = await import('../dist/src/db/dialect/postgres.js');
const Dialect = backend === 'sqlite' ? SqliteDialect : PostgresDialect;

const sent = [];
const open = Dialect.prototype.openConnection;
let raw = null;
Dialect.prototype.openConnection = async function (...a) {
  const conn = await open.apply(this, a);
  raw ??= conn;
  const run = conn.run;
  conn.run = async (sql, bindings) => {
    const t = performance.now();
    try {
      return await run(sql, bindings);
    } finally {
      sent.push({ sql, bindings: [...bindings], ms: performance.now() - t });
    }
  };
  return conn;
};

let statements;
if (handWritten) {
  statements = [{ sql: rest.join(' '), bindings: [] }];
} else {
  const c = CASES.find((x) => x.id === id);
  if (!c) {
    process.stderr.write(`explain: unknown case ${id} (${CASES.map((x) => x.id).join(', ')})\n`);
    process.exit(2);
  }
  const { main } = await import('../dist/src/cli/main.js');
  const { clockFromEnv } = await import('../dist/src/core/io.js');
  if (c.windowHours) {
    const { connect } = await import('../dist/src/db/connect.js');
    const { resolveConnection } = await import('../dist/src/toolkit/config.js');
    const { chooseWindowPlan } = await import('../dist/src/query/plan.js');
    const { instantFromMs } = await import('../dist/src/core/time.js');
    const quiet = { write: () => true };
    const db = await connect(resolveConnection({ db: url }, { stdout: quiet, stderr: quiet, stdin: {}, env: {}, cwd: process.cwd(), now: () => new Date(NOW) }), process.cwd(), { requireTable: true });
    const choice = await chooseWindowPlan(db, instantFromMs(Date.parse(NOW) - c.windowHours * 3_600_000));
    await db.close();
    console.log(`window plan: ${choice.plan} (${choice.why})`);
    sent.length = 0;
  }
  let bytes = 0;
  const sink = { write: (s) => ((bytes += s.length), true) };
  const ctx = { stdout: sink, stderr: process.stderr, stdin: {}, env: process.env, cwd: process.cwd(), now: clockFromEnv(process.env) };
  const t = performance.now();
  const code = await main([...c.args, '--db', url], ctx);
  const total = performance.now() - t;
  console.log(`tasklog ${c.args.join(' ')}  (exit ${code}, ${bytes} characters out, ${total.toFixed(1)} ms in-process after imports)`);
  for (const s of sent) console.log(`  ${s.ms.toFixed(1).padStart(9)} ms  ${s.sql.length > 300 ? s.sql.slice(0, 300) + '…' : s.sql}`);
  statements = sent.filter((s) => /^\s*SELECT/i.test(s.sql) && s.sql !== 'SELECT 1' && !/pg_collation|information_schema|sqlite_master/.test(s.sql));
  // keyset batches repeat one statement: its plan once
  statements = statements.filter((s, i) => statements.findIndex((x) => x.sql === s.sql) === i);
}

if (backend === 'postgres') {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  for (const s of statements) {
    const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${dollarPlaceholders(s.sql)}`, s.bindings);
    console.log(`\n${s.sql}\n  bindings ${JSON.stringify(s.bindings)}`);
    for (const r of res.rows) console.log('  ' + r['QUERY PLAN']);
  }
  await client.end();
} else {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(url, { readonly: true });
  db.function('tasklog_fold', { deterministic: true }, (v) => (v === null || v === undefined ? null : String(v).toLowerCase()));
  for (const s of statements) {
    const args = s.bindings.map((v) => (typeof v === 'boolean' ? Number(v) : v));
    console.log(`\n${s.sql}\n  bindings ${JSON.stringify(s.bindings)}`);
    for (const r of db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...args)) console.log(`  ${'  '.repeat(r.parent ? 1 : 0)}${r.detail}`);
    const t = performance.now();
    const n = db.prepare(s.sql).all(...args).length;
    console.log(`  → ${n} rows in ${(performance.now() - t).toFixed(1)} ms`);
  }
  db.close();
}
