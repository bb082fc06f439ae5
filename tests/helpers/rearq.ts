/**
 * ReArq's own data, written the way ReArq 0.2.9 writes it (../shared/rearq/README.md):
 *  - SQLite: a copy of the real database ReArq wrote (../shared/rearq/rearq.sqlite);
 *  - PostgreSQL and MariaDB: Tortoise's tables for that backend (timestamptz / jsonb /
 *    boolean; datetime(6) naive UTC / JSON as longtext with its \uXXXX escapes /
 *    tinyint), holding the same rows;
 *  - Redis: the streams, consumer groups, delay set, worker and task hashes a
 *    deployment with queues default and high leaves behind for those rows.
 * Everything here talks to the drivers directly, never through tasklog's code.
 */
import type { RearqJob, RearqResult } from '../../src/rearq/schema.js';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, REQUIRE_ALL, type BackendName, type TestDatabase } from './databases.js';
import { SHARED } from './shared.js';

export const REARQ_SQLITE = join(SHARED, 'rearq', 'rearq.sqlite');

export function rearqMissing(): string | null {
  if (existsSync(REARQ_SQLITE)) return null;
  const why = `the real ReArq database ${REARQ_SQLITE} is missing`;
  if (REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
  console.warn(`\n*** SKIPPING ReArq tests: ${why}\n`);
  return why;
}

/** A job row as the test reads it (the same shape as tasklog's RearqJob): times ISO 8601 UTC with six fraction digits, JSON parsed. */
export type RawJob = RearqJob;

export type RawResult = RearqResult;

/** `2026-11-30 08:30:20.014089+00:00` / `…+00` / naive → `2026-11-30T08:30:20.014089Z` (always six digits). */
export function isoOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) throw new Error('driver returned a Date: read times as text');
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:\+00(?::00)?|Z)?$/.exec(String(value));
  if (!m) throw new Error(`unexpected time text ${String(value)}`);
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0')}Z`;
}

/** Python's json.dumps(separators=(',', ':')) with ensure_ascii, as ReArq's JSON on SQLite and MySQL. */
export function pyJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A time as ReArq's SQLite text: fraction dropped when it is 0. */
function sqliteTime(iso: string | null): string | null {
  if (iso === null) return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso)!;
  const frac = (m[3] ?? '').padEnd(6, '0');
  return `${m[1]} ${m[2]}${frac === '000000' ? '' : '.' + frac}+00:00`;
}

function mysqlTime(iso: string | null): string | null {
  if (iso === null) return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso)!;
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0')}`;
}

const PG_DDL = [
  `CREATE TABLE "rearq_job" ("id" SERIAL NOT NULL PRIMARY KEY, "task" VARCHAR(200) NOT NULL, "args" JSONB, "kwargs" JSONB, "job_retry" INT NOT NULL, "job_retries" INT NOT NULL DEFAULT 0, "job_retry_after" INT NOT NULL, "job_id" VARCHAR(200) NOT NULL UNIQUE, "enqueue_time" TIMESTAMPTZ NOT NULL, "expire_time" TIMESTAMPTZ, "status" VARCHAR(11) NOT NULL)`,
  `CREATE TABLE "rearq_job_results" ("id" SERIAL NOT NULL PRIMARY KEY, "worker" VARCHAR(200) NOT NULL, "success" BOOL NOT NULL DEFAULT False, "msg_id" VARCHAR(200) NOT NULL UNIQUE, "result" TEXT, "start_time" TIMESTAMPTZ, "finish_time" TIMESTAMPTZ, "job_id" INT NOT NULL REFERENCES "rearq_job" ("id") ON DELETE CASCADE)`,
];

const MYSQL_DDL = [
  "CREATE TABLE `rearq_job` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `task` VARCHAR(200) NOT NULL, `args` JSON, `kwargs` JSON, `job_retry` INT NOT NULL, `job_retries` INT NOT NULL DEFAULT 0, `job_retry_after` INT NOT NULL, `job_id` VARCHAR(200) NOT NULL UNIQUE, `enqueue_time` DATETIME(6) NOT NULL, `expire_time` DATETIME(6), `status` VARCHAR(11) NOT NULL COMMENT 'deferred: deferred\\nqueued: queued\\nin_progress: in_progress\\nsuccess: success\\nfailed: failed\\nexpired: expired\\ncanceled: canceled') CHARACTER SET utf8mb4",
  "CREATE TABLE `rearq_job_results` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `worker` VARCHAR(200) NOT NULL, `success` BOOL NOT NULL DEFAULT 0, `msg_id` VARCHAR(200) NOT NULL UNIQUE, `result` LONGTEXT, `start_time` DATETIME(6), `finish_time` DATETIME(6), `job_id` INT NOT NULL, CONSTRAINT `fk_rearq_jo_rearq_jo_4ae9ea2e` FOREIGN KEY (`job_id`) REFERENCES `rearq_job` (`id`) ON DELETE CASCADE) CHARACTER SET utf8mb4",
];

/** Plain SQL on a ReArq database through its own driver ($1 placeholders are written as ?). */
export interface RawDb {
  backend: BackendName;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openRaw(backend: BackendName, url: string): Promise<RawDb> {
  if (backend === 'sqlite') {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(url);
    db.pragma('busy_timeout = 10000');
    return {
      backend,
      async query(sql, params = []) {
        const st = db.prepare(sql);
        return st.reader ? (st.all(...params) as Record<string, unknown>[]) : (st.run(...params), []);
      },
      async close() {
        db.close();
      },
    };
  }
  if (backend === 'postgres') {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
    client.setTypeParser(1184, (v: string) => v);
    client.setTypeParser(114, (v: string) => v);
    client.setTypeParser(3802, (v: string) => v);
    await client.connect();
    return {
      backend,
      async query(sql, params = []) {
        let i = 0;
        return (await client.query(sql.replace(/\?/g, () => `$${++i}`), params)).rows;
      },
      close: () => client.end(),
    };
  }
  const mysql = await import('mysql2/promise');
  const u = new URL(url);
  const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1), dateStrings: true, timezone: 'Z', charset: 'utf8mb4' });
  return {
    backend,
    async query(sql, params = []) {
      const [rows] = await conn.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    close: () => conn.end(),
  };
}

function parseJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? JSON.parse(v) : v;
}

/** Every job and result, read straight from the tables (the test's own reading). */
export async function readRaw(db: RawDb): Promise<{ jobs: RawJob[]; results: RawResult[] }> {
  const jobs = (await db.query('SELECT * FROM rearq_job ORDER BY id')).map((r) => ({
    id: Number(r.id), task: String(r.task), args: parseJsonValue(r.args), kwargs: parseJsonValue(r.kwargs), job_retry: Number(r.job_retry),
    job_retries: Number(r.job_retries), job_retry_after: Number(r.job_retry_after), job_id: String(r.job_id), enqueue_time: isoOf(r.enqueue_time)!,
    expire_time: isoOf(r.expire_time), status: String(r.status),
  }));
  const results = (await db.query('SELECT * FROM rearq_job_results ORDER BY id')).map((r) => ({
    id: Number(r.id), worker: String(r.worker), success: r.success === true || Number(r.success) === 1, msg_id: String(r.msg_id),
    result: r.result === null ? null : String(r.result), start_time: isoOf(r.start_time), finish_time: isoOf(r.finish_time), job_id: Number(r.job_id),
  }));
  return { jobs, results };
}

/** A time as this backend's ReArq stores it (PostgreSQL takes the ISO text as it is). */
function rearqTime(b: BackendName, t: string | null): string | null {
  return b === 'sqlite' ? sqliteTime(t) : b === 'mysql' ? mysqlTime(t) : t;
}

/** One INSERT in the backend's quoting (`id` first when given); the new id from RETURNING, else read back by a unique column. */
async function insertRow(db: RawDb, table: string, row: Record<string, unknown>, id: number | undefined, unique: string): Promise<number> {
  const cols = Object.keys(row);
  const values = Object.values(row);
  if (id !== undefined) cols.unshift('id'), values.unshift(id);
  const q = (c: string) => (db.backend === 'mysql' ? '`' + c + '`' : '"' + c + '"');
  const sql = `INSERT INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
  if (db.backend === 'postgres') return Number((await db.query(sql + ' RETURNING id', values))[0].id);
  await db.query(sql, values);
  return Number((await db.query(`SELECT id FROM ${q(table)} WHERE ${q(unique)} = ?`, [row[unique]]))[0].id);
}

/** Writes a job in the backend's own format (id given or drawn by the database); returns its id. */
export async function insertJob(db: RawDb, j: Omit<RawJob, 'id'> & { id?: number }): Promise<number> {
  const b = db.backend;
  const json = (v: unknown) => (v === null || v === undefined ? null : b === 'postgres' ? JSON.stringify(v) : pyJson(v));
  return insertRow(db, 'rearq_job', {
    task: j.task, args: json(j.args), kwargs: json(j.kwargs), job_retry: j.job_retry, job_retries: j.job_retries, job_retry_after: j.job_retry_after,
    job_id: j.job_id, enqueue_time: rearqTime(b, j.enqueue_time), expire_time: rearqTime(b, j.expire_time), status: j.status,
  }, j.id, 'job_id');
}

export async function insertResult(db: RawDb, r: Omit<RawResult, 'id'> & { id?: number }): Promise<number> {
  const b = db.backend;
  return insertRow(db, 'rearq_job_results', {
    worker: r.worker, success: b === 'postgres' ? r.success : r.success ? 1 : 0, msg_id: r.msg_id, result: r.result,
    start_time: rearqTime(b, r.start_time), finish_time: rearqTime(b, r.finish_time), job_id: r.job_id,
  }, r.id, 'msg_id');
}

export async function setJobStatus(db: RawDb, jobId: string, status: string): Promise<void> {
  await db.query('UPDATE rearq_job SET status = ? WHERE job_id = ?', [status, jobId]);
}

export interface RearqDatabase extends TestDatabase {
  raw(): Promise<RawDb>;
}

/** A ReArq database on this backend holding the real deployment's 207 jobs and 233 results. */
export async function createRearqDatabase(backend: BackendName): Promise<RearqDatabase> {
  const db = await createDatabase(backend, 'rearq');
  const raw = () => openRaw(backend, db.url);
  if (backend === 'sqlite') {
    copyFileSync(REARQ_SQLITE, db.url);
    return { ...db, raw };
  }
  const source = await openRaw('sqlite', REARQ_SQLITE);
  const { jobs, results } = await readRaw(source);
  await source.close();
  const target = await raw();
  try {
    for (const sql of backend === 'postgres' ? PG_DDL : MYSQL_DDL) await target.query(sql);
    for (const j of jobs) await insertJob(target, j);
    for (const r of results) await insertResult(target, r);
    if (backend === 'postgres') {
      await target.query(`SELECT setval('rearq_job_id_seq', (SELECT MAX(id) FROM rearq_job))`);
      await target.query(`SELECT setval('rearq_job_results_id_seq', (SELECT MAX(id) FROM rearq_job_results))`);
    }
  } finally {
    await target.close();
  }
  return { ...db, raw };
}

// ---------------------------------------------------------------- Redis

/** The queue a job of the fixture went through: the payment worker group serves `high`. */
export const HIGH_TASKS = new Set(['process_payment', 'flaky_sync', 'locked_task']);
export function fixtureQueue(task: string): string {
  return HIGH_TASKS.has(task) ? 'high' : 'default';
}

export interface TestRedis {
  url: string;
  db: number;
  /** raw commands */
  call(...args: (string | number)[]): Promise<any>;
  /** FLUSHDB of this test's database, and disconnect */
  drop(): Promise<void>;
}

/** null when Redis answers on 127.0.0.1:6379, else why the tests that need it are skipped (a failure under REQUIRE_ALL). */
export async function redisMissing(): Promise<string | null> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    await client.quit();
    return null;
  } catch (err) {
    client.disconnect();
    const why = `Redis unreachable at 127.0.0.1:6379: ${(err as Error).message}`;
    if (REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
    console.warn(`\n*** SKIPPING tests that need Redis: ${why}\n`);
    return why;
  }
}

/** A Redis database number no one else uses right now (5 + random, checked empty). */
export async function createTestRedis(): Promise<TestRedis> {
  const { Redis } = await import('ioredis');
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = 5 + Math.floor(Math.random() * 10);
    const client = new Redis({ host: '127.0.0.1', port: 6379, db: n, lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    const claim = `tasklog-test-claim`;
    // claim the database atomically: only an empty one, only once
    if ((await client.dbsize()) === 0 && (await client.set(claim, String(process.pid), 'NX')) === 'OK' && (await client.dbsize()) === 1) {
      await client.del(claim);
      return {
        url: `redis://127.0.0.1:6379/${n}`,
        db: n,
        call: (...args) => client.call(String(args[0]), ...args.slice(1)),
        async drop() {
          await client.flushdb();
          await client.quit();
        },
      };
    }
    await client.quit();
  }
  throw new Error('no free Redis database among 5–14');
}

export interface RedisFixture {
  /** job_id → queue */
  queueOf: Map<string, string>;
  /** the job ids pending in a group (delivered, not acked) */
  pending: Set<string>;
  /** job ids in the delay set, with due time (ms) */
  delayed: Map<string, number>;
  nowMs: number;
}

/**
 * Streams and the rest as the deployment leaves them: one entry per attempt
 * (its msg_id) and one per job still waiting; group `vm` on default and
 * `payments` on high; every delivered entry acked but the running job's;
 * deferred jobs in rearq:queue:delay:0; two workers (one stale) and the timer.
 */
export async function writeRedisFixture(redis: TestRedis, jobs: RawJob[], results: RawResult[], nowMs: number): Promise<RedisFixture> {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const queueOf = new Map(jobs.map((j) => [j.job_id, fixtureQueue(j.task)]));
  const entries: { queue: string; id: string; job_id: string; deliver: boolean; ack: boolean }[] = [];
  for (const r of results) {
    const job = byId.get(r.job_id)!;
    entries.push({ queue: queueOf.get(job.job_id)!, id: r.msg_id, job_id: job.job_id, deliver: true, ack: true });
  }
  const key = (id: string) => id.split('-').map(Number) as [number, number];
  const cmp = (a: string, b: string) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1];
  entries.sort((a, b) => cmp(a.id, b.id));
  const last = new Map<string, string>();
  for (const e of entries) last.set(e.queue, e.id);
  const pending = new Set<string>();
  const delayed = new Map<string, number>();
  // the running job's entry first: XREADGROUP delivers in id order, and it is the one delivered
  const waiting = jobs
    .filter((j) => ['queued', 'in_progress', 'canceled'].includes(j.status) && !results.some((r) => r.job_id === j.id))
    .sort((a, b) => Number(b.status === 'in_progress') - Number(a.status === 'in_progress') || a.id - b.id);
  for (const j of waiting) {
    const queue = queueOf.get(j.job_id)!;
    const prev = last.get(queue) ?? '0-0';
    const ms = Math.max(Date.parse(j.enqueue_time), key(prev)[0] + 1);
    const id = `${ms}-0`;
    last.set(queue, id);
    const running = j.status === 'in_progress';
    entries.push({ queue, id, job_id: j.job_id, deliver: running, ack: false });
    if (running) pending.add(j.job_id);
  }
  const groups: Record<string, string> = { default: 'vm', high: 'payments' };
  const consumers: Record<string, string> = { default: '12952', high: 'w-high' };
  for (const queue of ['default', 'high']) {
    const stream = `rearq:queue:${queue}`;
    const mine = entries.filter((e) => e.queue === queue);
    for (const e of mine) await redis.call('XADD', stream, e.id, 'job_id', e.job_id);
    await redis.call('XGROUP', 'CREATE', stream, groups[queue], '0');
    const deliver = mine.filter((e) => e.deliver).length;
    if (deliver) await redis.call('XREADGROUP', 'GROUP', groups[queue], consumers[queue], 'COUNT', deliver, 'STREAMS', stream, '>');
    const acks = mine.filter((e) => e.deliver && e.ack).map((e) => e.id);
    for (let i = 0; i < acks.length; i += 500) await redis.call('XACK', stream, groups[queue], ...acks.slice(i, i + 500));
  }
  for (const j of jobs.filter((x) => x.status === 'deferred')) {
    // the first deferred job is overdue, the others due in an hour
    const due = delayed.size === 0 ? nowMs - 30_000 : nowMs + 3_600_000;
    delayed.set(j.job_id, due);
    await redis.call('ZADD', 'rearq:queue:delay:0', due, `rearq:queue:${queueOf.get(j.job_id)}:${j.job_id}`);
  }
  await redis.call('HSET', 'rearq:worker',
    'vm-12952', JSON.stringify({ queue: 'rearq:queue:default', is_timer: false, ms: nowMs - 4_000, group: 'vm', consumer: 12952 }),
    'payments-w-high', JSON.stringify({ queue: 'rearq:queue:high', is_timer: false, ms: nowMs - 95_000, group: 'payments', consumer: 'w-high' }),
    'vm-12951', JSON.stringify({ queue: 'rearq:queue:default', is_timer: true, ms: nowMs - 9_000, group: 'vm', consumer: 12951 }));
  await redis.call('HSET', 'rearq:task', 'send_email', 'enabled', 'always_fails', 'disabled');
  return { queueOf, pending, delayed, nowMs };
}
