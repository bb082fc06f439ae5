#!/usr/bin/env node
// The export's bytes before and after a change, on hostile values (fixtures/hostile.ts): in a
// fresh SQLite file, PostgreSQL database and MySQL/MariaDB database, demo rows, the hostile rows
// as Django writes them, and on SQLite and MariaDB JSON texts as other writers leave them; then
// `logs list --all` with every field set below, a filter and another order, as JSON lines, CSV
// and JSON, by this checkout's tasklog and by another build's (BASE: a checkout of the commit
// before, built), compared byte for byte. One line per case; exit 1 on any difference. The
// databases are dropped afterwards.
//   node bench/export-check.mjs BASE [--backends sqlite,postgres,mysql]
//   e.g. git archive <commit> | tar -x -C BASE && ln -s "$PWD/node_modules" BASE/ && (cd BASE && npx tsc -p tsconfig.json)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileRows, HOSTILE_JSON_TEXTS } from '../dist/fixtures/hostile.js';
import { connect } from '../dist/src/db/connect.js';
import { insertRows } from '../dist/src/db/insert.js';
import { TASKLOG } from './lib/env.mjs';

const argv = process.argv.slice(2);
const base = argv[0];
const backends = (argv.includes('--backends') ? argv[argv.indexOf('--backends') + 1] : 'sqlite,postgres,mysql').split(',');
if (!base || !existsSync(join(base, 'bin', 'tasklog'))) {
  process.stderr.write('usage: node bench/export-check.mjs BASE [--backends sqlite,postgres,mysql]\n');
  process.exit(2);
}
const NOW = '2026-04-20T10:00:00Z';
const NOW_US = Date.parse(NOW) * 1000;
const env = { ...process.env, TASKLOG_NOW: NOW, NO_COLOR: '1' };
delete env.TASKLOG_DATABASE_URL;
delete env.DATABASE_URL;
const PG = process.env.TASKLOG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL = process.env.TASKLOG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const name = `tasklog_export_check_${process.pid}`;

function tasklog(bin, args) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, maxBuffer: 1 << 30 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
}

/** a database of its own: its URL and how to drop it */
async function create(backend) {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-export-check-'));
    return { url: join(dir, 'tasklog.sqlite'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = backend === 'postgres' ? PG : MYSQL;
  const run = async (sql) => {
    if (backend === 'postgres') {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    } else {
      const mysql = await import('mysql2/promise');
      const u = new URL(admin);
      const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
      await c.query(sql).finally(() => c.end());
    }
  };
  const q = backend === 'postgres' ? `"${name}"` : `\`${name}\``;
  await run(`CREATE DATABASE ${q}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`DROP DATABASE ${q}`) };
}

async function fill(backend, url) {
  const demo = tasklog(TASKLOG, ['demo', '--db', url, '--rows', '3000', '--days', '3', '--seed', '5']);
  if (demo.code !== 0) throw new Error(`demo: ${demo.err}`);
  const settings = { url, source: '--db', table: 'django_cfg_task_log', userTable: 'auth_user', connectTimeoutMs: 5000 };
  const db = await connect(settings, process.cwd(), { requireTable: true });
  try {
    // users with hostile names and an empty email; rows pointing at them, at the demo users and at none
    const q = (c) => db.dialect.quote(c);
    const users = [['o\'brien "the" \\ user', ''], ['юзер 😀', 'u@例え.jp'], ['tab\tname', 'x@y']];
    const ids = [];
    for (const [username, email] of users) {
      await db.exec(
        `INSERT INTO ${q('auth_user')} (${['password', 'is_superuser', 'username', 'first_name', 'last_name', 'email', 'is_staff', 'is_active', 'date_joined'].map(q).join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ['!', db.dialect.encodeBool(false), username, '', '', email, db.dialect.encodeBool(false), db.dialect.encodeBool(true), db.dialect.encodeTime({ ms: Date.parse(NOW), micros: 0 })],
      );
      const [row] = await db.query(`SELECT ${q('id')} AS id FROM ${q('auth_user')} WHERE ${q('username')} = ?`, [username]);
      ids.push(Number(row.id));
    }
    // a user that is gone only where no foreign key keeps it (SQLite as tasklog opens it)
    await insertRows(db, hostileRows(NOW_US, db.dialect.storesNul, [null, ...ids, 1, ...(backend === 'sqlite' ? [987654] : [])]));
    // JSON columns that keep their text (not PostgreSQL's jsonb, not MySQL's json): other writers' spellings
    const keepsText = backend === 'sqlite' || /mariadb/i.test(await db.dialect.serverVersion(db));
    if (keepsText) {
      // (MariaDB's JSON_VALID refuses a few, a lone surrogate's escape: those rows keep Django's text)
      const refused = [];
      for (let i = 0; i < HOSTILE_JSON_TEXTS.length; i++) {
        for (const [column, text] of [['args', HOSTILE_JSON_TEXTS[i]], ['kwargs', HOSTILE_JSON_TEXTS[(i + 5) % HOSTILE_JSON_TEXTS.length]]]) {
          try {
            await db.exec(`UPDATE ${q('django_cfg_task_log')} SET ${q(column)} = ? WHERE ${q('job_id')} LIKE ?`, [text, `hostile-${i}-%`]);
          } catch {
            refused.push(text);
          }
        }
      }
      if (refused.length) console.log(`(${backend}: the database refused ${[...new Set(refused)].map((t) => JSON.stringify(t)).join(', ')})`);
    }
    if (backend === 'sqlite') {
      // times as other writers leave Django's text: ISO with T and Z, a short fraction, an impossible date
      const times = ['2026-04-20T08:00:00Z', '2026-04-20 08:00:00.5', '2026-02-30 08:00:00', '2026-04-20 08:00:00.000000', '2026-04-20 08:00:00+00:00'];
      for (let i = 0; i < times.length; i++) await db.exec(`UPDATE ${q('django_cfg_task_log')} SET ${q('finish_time')} = ?, ${q('expire_time')} = ? WHERE ${q('job_id')} LIKE ?`, [times[i], times[(i + 1) % times.length], `hostile-${20 + i}-%`]);
    }
    return keepsText;
  } finally {
    await db.close();
  }
}

const FIELD_SETS = [
  [],
  ['--fields', 'all'],
  ['--fields', 'user_display,duration_seconds,args,id,kwargs,id,status_display'],
  ['--fields', 'finish_time,result,error_message,user,expire_time,worker_id,success'],
];
const VARIANTS = [[], ['--status', 'failed', '--ordering', 'task_name,-id'], ['--search', 'quoted', '--ordering', 'finish_time']];
const FORMATS = [['-o', 'jsonl'], ['-o', 'csv'], ['--json']];

let differ = 0;
for (const backend of backends) {
  const dbase = await create(backend);
  try {
    const keepsText = await fill(backend, dbase.url);
    for (const format of FORMATS) {
      for (const fields of FIELD_SETS) {
        for (const variant of format[1] === 'jsonl' ? VARIANTS : [[]]) {
          const args = ['logs', 'list', '--all', ...format, ...fields, ...variant, '--db', dbase.url];
          const before = tasklog(join(base, 'bin', 'tasklog'), args);
          const after = tasklog(TASKLOG, args);
          const same = before.code === 0 && after.code === 0 && Buffer.compare(before.out, after.out) === 0;
          if (!same) differ++;
          const sha = createHash('sha256').update(after.out).digest('hex').slice(0, 12);
          const lines = after.out.toString().split('\n').length - 1;
          console.log(`${same ? 'same' : 'DIFFERENT'}  ${backend.padEnd(8)} ${[...format, ...fields, ...variant].join(' ').padEnd(90)} ${String(lines).padStart(5)} lines  ${after.out.length} bytes sha256 ${sha}${same ? '' : `  (exit ${before.code} / ${after.code}) ${before.err.trim()} ${after.err.trim()}`}`);
        }
      }
    }
    if (!keepsText && backend !== 'postgres') console.log(`(${backend}: MySQL's json type normalises the text; the hand-written JSON spellings ran on SQLite and MariaDB only)`);
  } finally {
    await dbase.drop();
  }
}
process.exit(differ ? 1 : 0);
