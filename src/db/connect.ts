/**
 * Opening the database: settings → target → knex with the right driver, a
 * probe query under the connect timeout, and one-line errors with the
 * password redacted. knex and the driver are imported here, only when a
 * command needs the database.
 */
import type { Knex } from 'knex';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConnectionSettings } from '../cli/config.js';
import { cleanDbMessage, RuntimeFailure, TasklogError } from '../cli/errors.js';
import type { Dialect } from './dialect/types.js';
import { parseDatabaseUrl, redact, type Target } from './url.js';

/** A connection, or a transaction on one: SQL with `?` placeholders. */
export interface Sql {
  /** rows of a SELECT (or of a statement with RETURNING) */
  query<T = Record<string, unknown>>(sql: string, bindings?: readonly unknown[]): Promise<T[]>;
  /** runs a statement; the number of rows it changed */
  exec(sql: string, bindings?: readonly unknown[]): Promise<number>;
}

export interface Db extends Sql {
  knex: Knex;
  /** runs fn in one transaction: committed when it resolves, rolled back when it throws */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  dialect: Dialect;
  target: Target;
  table: string;
  /** the user table's name when it exists in this database, else null */
  userTable: string | null;
  /** the name asked for with --user-table (or the default), whether it exists or not */
  userTableName: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** create the SQLite file if it is missing (migrate, demo); read commands refuse instead */
  create?: boolean;
  /** fail unless the task table exists (every read command) */
  requireTable?: boolean;
}

export async function loadDialect(target: Target): Promise<Dialect> {
  switch (target.backend) {
    case 'sqlite':
      return new (await import('./dialect/sqlite.js')).SqliteDialect();
    case 'postgres':
      return new (await import('./dialect/postgres.js')).PostgresDialect();
    case 'mysql':
      return new (await import('./dialect/mysql.js')).MysqlDialect();
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
  const knexModule = await import('knex');
  const knexFactory = (knexModule.default ?? knexModule) as unknown as (c: Knex.Config) => Knex;
  const config = await dialect.knexConfig(target, settings.connectTimeoutMs);
  // knex prints pool errors and warnings itself; tasklog reports every failure as one line of its own.
  const quiet = () => undefined;
  config.log = { warn: quiet, error: quiet, deprecate: quiet, debug: quiet };
  let knex: Knex;
  try {
    knex = knexFactory(config);
  } catch (err) {
    throw new RuntimeFailure(redact(dialect.describeConnectError(err, target, settings.connectTimeoutMs), target), 'connect');
  }
  const close = async () => {
    await knex.destroy();
  };
  const backend = dialect.backend;
  const sqlOn = (k: Knex | Knex.Transaction): Sql => ({
    query: async <T>(sql: string, bindings: readonly unknown[] = []) => resultRows<T>(backend, await k.raw(sql, bindings as Knex.RawBinding[])),
    exec: async (sql: string, bindings: readonly unknown[] = []) => affectedRows(backend, await k.raw(sql, bindings as Knex.RawBinding[])),
  });
  const sql = sqlOn(knex);
  try {
    await withTimeout(sql.query('SELECT 1'), settings.connectTimeoutMs + 1000);
    await dialect.init?.(sql);
  } catch (err) {
    await close().catch(() => undefined);
    throw new RuntimeFailure(redact(dialect.describeConnectError(err, target, settings.connectTimeoutMs), target), 'connect');
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
    return {
      ...sql,
      transaction: (fn) => knex.transaction((trx) => fn(sqlOn(trx))),
      knex,
      dialect,
      target,
      table,
      userTable,
      userTableName: settings.userTable,
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    if (err instanceof TasklogError) throw err;
    throw new RuntimeFailure(redact(`query on ${target.display} failed: ${cleanDbMessage((err as Error).message)}`, target), 'query');
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

/** Rows of a knex.raw() SELECT, whatever the driver's result shape. */
export function rawRows<T = Record<string, unknown>>(db: Db, result: unknown): T[] {
  return resultRows<T>(db.dialect.backend, result);
}

function resultRows<T>(backend: Dialect['backend'], result: unknown): T[] {
  switch (backend) {
    case 'postgres':
      return (result as { rows: T[] }).rows;
    case 'mysql':
      return (result as [T[], unknown])[0];
    default:
      return result as T[];
  }
}

export async function selectRows<T = Record<string, unknown>>(db: Db, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  return db.query<T>(sql, bindings);
}

/** Rows a knex.raw() write statement changed, whatever the driver's result shape. */
function affectedRows(backend: Dialect['backend'], result: unknown): number {
  switch (backend) {
    case 'postgres':
      return (result as { rowCount: number }).rowCount;
    case 'mysql':
      return (result as [{ affectedRows: number }])[0].affectedRows;
    default:
      return (result as { changes: number }).changes;
  }
}
