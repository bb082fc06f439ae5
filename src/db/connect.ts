/**
 * Opening the database: settings → target → the database's own driver
 * (better-sqlite3, pg, mysql2), a probe query under the connect timeout, and
 * one-line errors with the password redacted. The driver is imported only
 * when a command needs the database.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseError, RuntimeFailure, shortMessage, TasklogError, UsageError } from '../core/errors.js';
import { errorCode, type Dialect, type DriverConnection, type SessionOptions, type Sql } from './dialect/types.js';

export type { Sql };
import { parseDatabaseUrl, redact, type Target } from './url.js';
import type { OwnIndexKind } from './schema.js';

/** Where to connect and which tables to read: resolved by the CLI from flags, environment and config file. */
export interface ConnectionSettings {
  url: string;
  /** where the URL came from, for messages: "--db", "TASKLOG_DATABASE_URL", a config path, "default" */
  source: string;
  table: string;
  userTable: string;
  connectTimeoutMs: number;
}


export interface Db extends Sql {
  /** runs fn in one transaction: committed when it resolves, rolled back when it throws */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** runs fn on one connection held for its duration (session settings stay with it), statements autocommitted */
  session<T>(fn: (conn: Sql) => Promise<T>): Promise<T>;
  /**
   * The rows of `select` in one statement the database streams, in batches
   * of arrays of untyped values (DriverConnection.streamRows), on a
   * connection of its own for the whole read (SQLite's only one: run no other
   * statement until it ends). Breaking off closes that connection.
   */
  streamRows(select: string, bindings: readonly unknown[], batchRows?: number): AsyncGenerator<unknown[][]>;
  /** Where the driver has it (PostgreSQL): DriverConnection.copyText on a connection of its own; breaking off closes it. */
  copyText?(select: string, bindings: readonly unknown[]): AsyncGenerator<Uint8Array>;
  /**
   * The rows of `select` in one statement, as the database streams them
   * (ClickHouse), decoded as query() decodes them; absent elsewhere.
   * Breaking off closes the connection.
   */
  streamRecords?(select: string, bindings: readonly unknown[]): AsyncGenerator<Record<string, unknown>>;
  /**
   * An INSERT … FORMAT … statement with its rows streamed as the body (the
   * ClickHouse archive); the statement succeeds or fails whole.
   */
  insert(statement: string, body: string | AsyncIterable<string | Uint8Array>): Promise<void>;
  dialect: Dialect;
  target: Target;
  table: string;
  /** the user table's name when it exists in this database, else null */
  userTable: string | null;
  /** the name asked for with --user-table (or the default), whether it exists or not */
  userTableName: string;
  /**
   * Tells the user, once per message, about values a report left out (SQLite
   * keeps any type in any column: a text in duration_ms): a line on stderr in
   * the CLI, the server's log in serve; nothing where no one listens.
   */
  note(message: string): void;
  /**
   * tasklog's own indexes on the task table when connected (migrate
   * --search-index / --report-index): the queries that can read them do.
   * migrate keeps it current when it makes or drops one.
   */
  ownIndexes: Set<OwnIndexKind>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** create the SQLite file if it is missing (migrate, demo); read commands refuse instead */
  create?: boolean;
  /** fail unless the task table exists (every read command) */
  requireTable?: boolean;
  /** read-only sessions and a statement timeout (tasklog serve) */
  session?: SessionOptions;
  /** connections to keep open at most (default: the dialect's maxConnections) */
  poolSize?: number;
  /** where Db.note's messages go */
  note?: (message: string) => void;
  /**
  /**
   * What the command writes, as the refusal's first words ('import writes
   * task log rows'): an archive only `tasklog archive` writes is refused
   * before connecting, as bad usage.
   */
  writes?: string;
}

export async function loadDialect(target: Target): Promise<Dialect> {
  switch (target.backend) {
    case 'sqlite':
      return new (await import('./dialect/sqlite.js')).SqliteDialect();
    case 'postgres':
      return new (await import('./dialect/postgres.js')).PostgresDialect();
    case 'mysql':
      return new (await import('./dialect/mysql.js')).MysqlDialect();
    case 'clickhouse':
      return new (await import('./dialect/clickhouse.js')).ClickhouseDialect();
  }
}

export async function connect(settings: ConnectionSettings, cwd: string, options: ConnectOptions = {}): Promise<Db> {
  const target = parseDatabaseUrl(settings.url, cwd);
  if (target.backend === 'sqlite' && target.filename && target.filename !== ':memory:') {
    const file = target.filename;
    if (!existsSync(file)) {
      if (!options.create) {
        const hint = settings.source === 'default' ? ' (run `tasklog demo` to create one, or point --db at your database)' : ' (run `tasklog migrate` to create it, or check --db)';
        throw new RuntimeFailure(`no database at ${target.display}${hint}`, 'no_database');
      }
      if (!existsSync(dirname(file))) throw new RuntimeFailure(`cannot create ${target.display}: folder ${dirname(file)} does not exist`, 'no_database');
    } else if (statSync(file).isDirectory()) {
      throw new RuntimeFailure(`cannot open ${target.display}: it is a folder, not a SQLite file`, 'no_database');
    }
  }
  const dialect = await loadDialect(target);
  if (options.writes && dialect.archiveOnly) {
    throw new UsageError(`${options.writes}, and ${target.display} is a ${dialect.productName} archive that only \`tasklog archive\` writes (point --db at the application's database)`);
  }
  const timeoutMs = settings.connectTimeoutMs;
  // a connection the pool opens later (the server restarted, a connection dropped) fails as a statement does: a
  // DatabaseError, which serve answers with 503 — not as an error of tasklog's own
  const open = async () => {
    try {
      return reportingFailures(await withTimeout(dialect.openConnection(target, timeoutMs, options.create ? { ...options.session, create: true } : options.session), timeoutMs + 1000), target);
    } catch (err) {
      throw asDatabaseError(err, target);
    }
  };
  const pool = new Pool(open, options.poolSize ?? dialect.maxConnections);
  const close = () => pool.close();
  const sql = pooledSql(pool);
  try {
    await sql.query('SELECT 1');
    await dialect.init?.(sql);
  } catch (err) {
    await close().catch(() => undefined);
    const cause = err instanceof DatabaseError ? (err as { cause?: unknown }).cause : err;
    throw new RuntimeFailure(redact(dialect.describeConnectError(cause, target, timeoutMs), target), dialect.isMissingDatabase?.(cause) ? 'no_database' : 'connect');
  }
  try {
    const table = settings.table;
    if (options.requireTable && !(await dialect.tableExists(sql, table))) {
      throw new RuntimeFailure(
        `table ${table} not found in ${target.display} (run \`tasklog migrate\` to create it, or point --db/--table at the database that has it)`,
        'no_table',
      );
    }
    const userTable = (await dialect.tableExists(sql, settings.userTable)) ? settings.userTable : null;
    const ownIndexes = await dialect.ownIndexes.present(sql, table);
    const transaction = async <T>(fn: (tx: Sql) => Promise<T>): Promise<T> => {
      if (!dialect.beginSql) throw new RuntimeFailure(`${dialect.productName} has no transactions: ${target.display} cannot take this write`);
      const conn = await pool.acquire();
      try {
        await conn.run(dialect.beginSql, []);
        let result: T;
        try {
          result = await fn(connectionSql(conn));
        } catch (err) {
          await conn.run('ROLLBACK', []).catch(() => undefined);
          throw err;
        }
        await conn.run('COMMIT', []);
        return result;
      } finally {
        pool.release(conn);
      }
    };
    const session = async <T>(fn: (conn: Sql) => Promise<T>): Promise<T> => {
      const conn = await pool.acquire();
      try {
        return await fn(connectionSql(conn));
      } finally {
        pool.release(conn);
      }
    };
    const insert = async (statement: string, body: string | AsyncIterable<string | Uint8Array>): Promise<void> => {
      const conn = await pool.acquire();
      try {
        if (!conn.insert) throw new Error(`${dialect.productName} takes no streamed rows`);
        await conn.insert(statement, body);
      } finally {
        pool.release(conn);
      }
    };
    const noted = new Set<string>();
    const note = (message: string) => {
      if (noted.has(message)) return;
      noted.add(message);
      options.note?.(message);
    };
    const streamRows = (select: string, bindings: readonly unknown[], batchRows = 1000) => pooled(pool, (conn) => conn.streamRows(select, bindings, batchRows));
    const copyText = dialect.backend === 'postgres' ? (select: string, bindings: readonly unknown[]) => pooled(pool, (conn) => conn.copyText!(select, bindings)) : undefined;
    const streamRecords = dialect.streamsRows ? (select: string, bindings: readonly unknown[]) => pooledStreamRecords(pool, select, bindings) : undefined;
    return { ...sql, transaction, session, streamRows, streamRecords, copyText, insert, dialect, target, table, userTable, userTableName: settings.userTable, note, ownIndexes, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** A driver's failure as a DatabaseError naming the database (the driver's words in one line, the password redacted); tasklog's own errors as they are. */
function asDatabaseError(err: unknown, target: Target): Error {
  if (err instanceof TasklogError) return err;
  const detail = redact(shortMessage((err as Error)?.message ?? String(err)), target);
  return new DatabaseError(detail, target.display, errorCode(err), err);
}

/**
 * Every statement's failure becomes a DatabaseError naming the database, with
 * the driver's words in one line and the password redacted: the one place
 * that tells a database failure from any other error.
 */
function reportingFailures(conn: DriverConnection, target: Target): DriverConnection {
  const failure = (err: unknown) => asDatabaseError(err, target);
  /** a stream of the driver's whose failure, at any row, is a DatabaseError */
  const reporting = <A extends unknown[], T>(stream: ((...args: A) => AsyncIterable<T>) | undefined) =>
    stream &&
    async function* (...args: A): AsyncGenerator<T> {
      try {
        yield* stream(...args);
      } catch (err) {
        throw failure(err);
      }
    };
  const insert = conn.insert?.bind(conn);
  return {
    async run(text, bindings) {
      try {
        return await conn.run(text, bindings);
      } catch (err) {
        throw failure(err);
      }
    },
    streamRows: reporting(conn.streamRows.bind(conn))!,
    copyText: reporting(conn.copyText?.bind(conn)),
    streamRecords: reporting(conn.streamRecords?.bind(conn)),
    insert: insert
      ? async (text, body) => {
          try {
            await insert(text, body);
          } catch (err) {
            throw failure(err);
          }
        }
      : undefined,
    close: () => conn.close(),
  };
}

/** streamRecords on a connection of its own; a connection left mid-statement is closed, not reused. */
async function* pooledStreamRecords(pool: Pool, select: string, bindings: readonly unknown[]): AsyncGenerator<Record<string, unknown>> {
  const conn = await pool.acquire();
  let finished = false;
  try {
    yield* conn.streamRecords!(select, bindings);
    finished = true;
  } finally {
    if (finished) pool.release(conn);
    else await pool.discard(conn);
  }
}

/** A statement streamed on a connection of its own; one left mid-statement is closed, not reused. */
async function* pooled<T>(pool: Pool, stream: (conn: DriverConnection) => AsyncIterable<T>): AsyncGenerator<T> {
  const conn = await pool.acquire();
  let finished = false;
  try {
    yield* stream(conn);
    finished = true;
  } finally {
    if (finished) pool.release(conn);
    else await pool.discard(conn);
  }
}

function connectionSql(conn: DriverConnection): Sql {
  return {
    query: async <T>(text: string, bindings: readonly unknown[] = []) => (await conn.run(text, bindings)).rows as T[],
    exec: async (text: string, bindings: readonly unknown[] = []) => (await conn.run(text, bindings)).changes,
  };
}

function pooledSql(pool: Pool): Sql {
  const run = async (text: string, bindings: readonly unknown[]) => {
    const conn = await pool.acquire();
    try {
      return await conn.run(text, bindings);
    } finally {
      pool.release(conn);
    }
  };
  return {
    query: async <T>(text: string, bindings: readonly unknown[] = []) => (await run(text, bindings)).rows as T[],
    exec: async (text: string, bindings: readonly unknown[] = []) => (await run(text, bindings)).changes,
  };
}

/**
 * Up to `max` connections, opened when the queries of one report run side by
 * side (PostgreSQL and MySQL answer them in parallel); SQLite has one.
 */
class Pool {
  private idle: DriverConnection[] = [];
  private all: DriverConnection[] = [];
  private opening = 0;
  private waiting: { resolve: (c: DriverConnection) => void; reject: (err: unknown) => void }[] = [];
  constructor(
    private readonly open: () => Promise<DriverConnection>,
    private readonly max: number,
  ) {}

  async acquire(): Promise<DriverConnection> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.all.length + this.opening < this.max) {
      this.opening++;
      try {
        const conn = await this.open();
        this.all.push(conn);
        return conn;
      } catch (err) {
        // the database is unreachable: whoever waits for a connection would wait forever, so they fail too
        if (this.all.length === 0) for (const w of this.waiting.splice(0)) w.reject(err);
        throw err;
      } finally {
        this.opening--;
      }
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  release(conn: DriverConnection): void {
    const next = this.waiting.shift();
    if (next) next.resolve(conn);
    else this.idle.push(conn);
  }

  /** a connection that cannot be used again (broken off mid-statement): closed, and its place freed */
  async discard(conn: DriverConnection): Promise<void> {
    this.all = this.all.filter((c) => c !== conn);
    // its place is free: whoever waits for a connection gets a new one
    const next = this.waiting.shift();
    if (next) this.acquire().then(next.resolve, next.reject);
    await withTimeout(conn.close(), 2000).catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = this.all;
    this.all = [];
    this.idle = [];
    // a connection whose server went away may never confirm its close: give each a moment, then let it go
    await Promise.all(all.map((c) => withTimeout(c.close(), 2000).catch(() => undefined)));
  }
}

function withTimeout<T>(p: PromiseLike<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), ms);
    Promise.resolve(p).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
