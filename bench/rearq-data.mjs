// ReArq tables of N jobs and about 1.1·N result rows in ReArq 0.2.9's formats, for the sync benchmark:
// SQLite (text times with +00:00, compact \u-escaped JSON) and PostgreSQL (timestamptz, jsonb).
// 10% of jobs failed once before succeeding (two attempts), 3% failed for good, 1% are still queued
// (no attempt), the rest succeeded on the first attempt.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, PG } from './lib/env.mjs';

export const BASE_EPOCH = Date.parse('2026-10-01T00:00:00Z') / 1000;

const SQLITE_DDL = [
  `CREATE TABLE "rearq_job" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "task" VARCHAR(200) NOT NULL, "args" JSON, "kwargs" JSON, "job_retry" INT NOT NULL, "job_retries" INT NOT NULL DEFAULT 0, "job_retry_after" INT NOT NULL, "job_id" VARCHAR(200) NOT NULL UNIQUE, "enqueue_time" TIMESTAMP NOT NULL, "expire_time" TIMESTAMP, "status" VARCHAR(11) NOT NULL)`,
  `CREATE TABLE "rearq_job_results" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "worker" VARCHAR(200) NOT NULL, "success" INT NOT NULL DEFAULT 0, "msg_id" VARCHAR(200) NOT NULL UNIQUE, "result" TEXT, "start_time" TIMESTAMP, "finish_time" TIMESTAMP, "job_id" INT NOT NULL REFERENCES "rearq_job" ("id") ON DELETE CASCADE)`,
];

/** status by job id: the same rule in both generators */
const STATUS_SQL = (id) => `CASE WHEN ${id} % 100 = 0 THEN 'queued' WHEN ${id} % 100 IN (1, 2, 3) THEN 'failed' ELSE 'success' END`;

export function sqliteRearqFile(n) {
  return join(DATA_DIR, `rearq-${n}.sqlite`);
}

/** Jobs first..last (ids), in the SQLite file. */
export function sqliteInsert(db, first, last) {
  const t = (expr) => `strftime('%Y-%m-%d %H:%M:%S', ${BASE_EPOCH} + ${expr}, 'unixepoch') || printf('.%06d+00:00', (${expr} * 7919) % 1000000)`;
  db.exec(`WITH RECURSIVE s(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM s WHERE i < ${last})
    INSERT INTO rearq_job (id, task, args, kwargs, job_retry, job_retries, job_retry_after, job_id, enqueue_time, expire_time, status)
    SELECT i, 'task_' || (i % 20), '[' || i || ',"caf\\u00e9"]', '{"k":' || (i % 7) || '}', 3, CASE WHEN i % 10 = 5 THEN 1 ELSE 0 END, 60,
      lower(hex(randomblob(16))), ${t('i')}, NULL, ${STATUS_SQL('i')} FROM s`);
  // first attempts: failed for the 10% retried and the 3% failed, else successful; none for queued jobs
  db.exec(`INSERT INTO rearq_job_results (worker, success, msg_id, result, start_time, finish_time, job_id)
    SELECT 'vm-' || (id % 4), CASE WHEN id % 10 = 5 OR status = 'failed' THEN 0 ELSE 1 END, (${BASE_EPOCH}000 + id * 1000) || '-0',
      CASE WHEN status = 'failed' THEN 'Run job error, exc: card declined for order ' || id
           WHEN id % 10 = 5 THEN 'Run job error in NO.0 times, exc: timeout, retry after 60 seconds' ELSE 'sent ' || id END,
      ${t('id + 1')}, ${t('id + 2')}, id FROM rearq_job WHERE id BETWEEN ${first} AND ${last} AND status <> 'queued'`);
  db.exec(`INSERT INTO rearq_job_results (worker, success, msg_id, result, start_time, finish_time, job_id)
    SELECT 'vm-' || (id % 4), 1, (${BASE_EPOCH}000 + id * 1000) || '-1', 'sent ' || id, ${t('id + 61')}, ${t('id + 62')}, id
    FROM rearq_job WHERE id BETWEEN ${first} AND ${last} AND id % 10 = 5 AND status = 'success'`);
}

export async function ensureSqliteRearq(n) {
  const file = sqliteRearqFile(n);
  if (existsSync(file)) return file;
  mkdirSync(DATA_DIR, { recursive: true });
  const Database = (await import('better-sqlite3')).default;
  const tmp = file + '.tmp';
  const db = new Database(tmp);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  for (const s of SQLITE_DDL) db.exec(s);
  for (let first = 1; first <= n; first += 100_000) sqliteInsert(db, first, Math.min(n, first + 99_999));
  db.close();
  renameSync(tmp, file);
  return file;
}

export function pgRearqName(n) {
  return `tasklog_bench_rearq_${n}`;
}

export function pgUrl(name) {
  return `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`;
}

export function pgInsertSql(first, last) {
  const t = (expr) => `to_timestamp(${BASE_EPOCH} + ${expr}) + (((${expr})::bigint * 7919) % 1000000) * interval '1 microsecond'`;
  return [
    `INSERT INTO rearq_job (id, task, args, kwargs, job_retry, job_retries, job_retry_after, job_id, enqueue_time, expire_time, status)
     SELECT i, 'task_' || (i % 20), jsonb_build_array(i, 'café'), jsonb_build_object('k', i % 7), 3, CASE WHEN i % 10 = 5 THEN 1 ELSE 0 END, 60,
       md5(random()::text || i), ${t('i')}, NULL, ${STATUS_SQL('i')} FROM generate_series(${first}, ${last}) i`,
    `INSERT INTO rearq_job_results (worker, success, msg_id, result, start_time, finish_time, job_id)
     SELECT 'vm-' || (id % 4), (id % 10 = 5 OR status = 'failed') IS FALSE, (${BASE_EPOCH}000 + id::bigint * 1000) || '-0',
       CASE WHEN status = 'failed' THEN 'Run job error, exc: card declined for order ' || id
            WHEN id % 10 = 5 THEN 'Run job error in NO.0 times, exc: timeout, retry after 60 seconds' ELSE 'sent ' || id END,
       ${t('id + 1')}, ${t('id + 2')}, id FROM rearq_job WHERE id BETWEEN ${first} AND ${last} AND status <> 'queued'`,
    `INSERT INTO rearq_job_results (worker, success, msg_id, result, start_time, finish_time, job_id)
     SELECT 'vm-' || (id % 4), TRUE, (${BASE_EPOCH}000 + id::bigint * 1000) || '-1', 'sent ' || id, ${t('id + 61')}, ${t('id + 62')}, id
     FROM rearq_job WHERE id BETWEEN ${first} AND ${last} AND id % 10 = 5 AND status = 'success'`,
    `SELECT setval('rearq_job_id_seq', (SELECT MAX(id) FROM rearq_job))`,
  ];
}

export async function pgAdmin(sql) {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: pgUrl('postgres') });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function pgRun(name, statements) {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: pgUrl(name) });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

export async function ensurePgRearq(n) {
  const name = pgRearqName(n);
  const exists = (await pgAdmin(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).rowCount > 0;
  if (exists) return pgUrl(name);
  const tmp = name + '_tmp';
  await pgAdmin(`DROP DATABASE IF EXISTS ${tmp}`);
  await pgAdmin(`CREATE DATABASE ${tmp}`);
  await pgRun(tmp, [
    `CREATE TABLE "rearq_job" ("id" SERIAL NOT NULL PRIMARY KEY, "task" VARCHAR(200) NOT NULL, "args" JSONB, "kwargs" JSONB, "job_retry" INT NOT NULL, "job_retries" INT NOT NULL DEFAULT 0, "job_retry_after" INT NOT NULL, "job_id" VARCHAR(200) NOT NULL UNIQUE, "enqueue_time" TIMESTAMPTZ NOT NULL, "expire_time" TIMESTAMPTZ, "status" VARCHAR(11) NOT NULL)`,
    `CREATE TABLE "rearq_job_results" ("id" SERIAL NOT NULL PRIMARY KEY, "worker" VARCHAR(200) NOT NULL, "success" BOOL NOT NULL DEFAULT False, "msg_id" VARCHAR(200) NOT NULL UNIQUE, "result" TEXT, "start_time" TIMESTAMPTZ, "finish_time" TIMESTAMPTZ, "job_id" INT NOT NULL REFERENCES "rearq_job" ("id") ON DELETE CASCADE)`,
  ]);
  for (let first = 1; first <= n; first += 200_000) await pgRun(tmp, pgInsertSql(first, Math.min(n, first + 199_999)));
  await pgRun(tmp, ['ANALYZE']);
  await pgAdmin(`ALTER DATABASE ${tmp} RENAME TO ${name}`);
  return pgUrl(name);
}
