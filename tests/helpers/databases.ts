/**
 * The databases every db test runs against: SQLite always; PostgreSQL and
 * MariaDB/MySQL when reachable. Each test file gets its own freshly created
 * database and drops it afterwards. An unreachable server skips its suite
 * with a visible message, unless TASKLOG_TEST_REQUIRE_ALL=1 (set by .ci/run),
 * which turns the skip into a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type BackendName = 'sqlite' | 'postgres' | 'mysql';

export interface TestDatabase {
  backend: BackendName;
  /** URL tasklog is given with --db */
  url: string;
  /** database name (servers) or file path (SQLite) */
  name: string;
  drop(): Promise<void>;
}

export const REQUIRE_ALL = process.env.TASKLOG_TEST_REQUIRE_ALL === '1';
const PG_ADMIN = process.env.TASKLOG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_ADMIN = process.env.TASKLOG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

function uniqueName(tag: string): string {
  return `tasklog_t_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

async function pgAdmin<T>(fn: (client: import('pg').Client) => Promise<T>): Promise<T> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function mysqlAdmin<T>(fn: (conn: import('mysql2/promise').Connection) => Promise<T>): Promise<T> {
  const mysql = await import('mysql2/promise');
  const u = new URL(MYSQL_ADMIN);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    connectTimeout: 3000,
  });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/** Why a server is not usable, or null when it is. */
export async function unavailable(backend: BackendName): Promise<string | null> {
  try {
    if (backend === 'postgres') await pgAdmin((c) => c.query('SELECT 1'));
    if (backend === 'mysql') await mysqlAdmin((c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    const where = backend === 'postgres' ? PG_ADMIN : MYSQL_ADMIN;
    return `${backend} unreachable at ${where.replace(/:[^:@/]*@/, ':***@')}: ${(err as Error).message}`;
  }
}

export async function createDatabase(backend: BackendName, tag = 'db'): Promise<TestDatabase> {
  const name = uniqueName(tag);
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-test-'));
    const file = join(dir, 'tasklog.sqlite');
    return { backend, url: file, name: file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (backend === 'postgres') {
    await pgAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    const u = new URL(PG_ADMIN);
    u.pathname = '/' + name;
    return {
      backend,
      url: u.toString(),
      name,
      drop: () => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
    };
  }
  await mysqlAdmin((c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  const u = new URL(MYSQL_ADMIN);
  u.pathname = '/' + name;
  return {
    backend,
    url: u.toString(),
    name,
    drop: () => mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined),
  };
}

/**
 * The backends a suite runs on, each with the reason it is skipped (null: it runs).
 * With TASKLOG_TEST_REQUIRE_ALL=1 an unreachable server is an error, not a skip.
 */
export async function backendsUnderTest(): Promise<{ backend: BackendName; skip: string | null }[]> {
  const out: { backend: BackendName; skip: string | null }[] = [{ backend: 'sqlite', skip: null }];
  for (const backend of ['postgres', 'mysql'] as const) {
    const why = await unavailable(backend);
    if (why && REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
    if (why) console.warn(`\n*** SKIPPING ${backend} tests: ${why}\n*** (set TASKLOG_TEST_REQUIRE_ALL=1 to make this a failure)\n`);
    out.push({ backend, skip: why });
  }
  return out;
}
