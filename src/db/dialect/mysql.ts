import { pythonJsonDumps } from '../json.js';
import { createIndexName, metaIndexName, ownIndexName, type OwnIndexKind } from '../schema.js';
import { toMysqlText, type Instant } from '../../core/time.js';
import type { Target } from '../url.js';
import { describeNetworkError, dollarPath, errorCode, errorMessage, isAscii, likeEscape, REPORT_COLUMNS, type Dialect, type JsonStep, type JsonValueSql, type OwnIndexes, type DriverConnection, type SessionOptions, quoteIdentifier, valuesPlaceholders, type Sql } from './types.js';

/**
 * MySQL and MariaDB: Django stores naive UTC in datetime(6); tasklog reads it
 * as text (`dateStrings`) so neither the driver nor the process's TZ shifts
 * it, and JSON as text (`jsonStrings`; MariaDB's json is longtext anyway).
 */
export class MysqlDialect implements Dialect {
  readonly backend = 'mysql' as const;
  readonly productName = 'MySQL/MariaDB';
  /** Django's tables take the database's collation, case-insensitive by default */
  readonly groupsTextExactly = false;
  /** a fenced derived table is materialized into a temporary table: dearer than computing twice */
  readonly subqueryFence = '';
  readonly maxConnections = 4;
  readonly beginSql = 'START TRANSACTION';
  readonly trueSql = '1';
  readonly falseSql = '0';
  readonly timeType = 'datetime(6)';
  readonly longTextType = 'longtext';
  readonly insertBatchRows = 1000;
  readonly storesNul = true;
  readonly upsertMayMerge = true;
  readonly maxNameLength = 64;

  async openConnection(target: Target, timeoutMs: number, session: SessionOptions = {}): Promise<DriverConnection> {
    const s = target.server!;
    const mysql = (await import('mysql2')).default;
    const conn = mysql.createConnection({
      host: s.host,
      port: s.port,
      socketPath: s.socketPath,
      user: s.user,
      password: s.password,
      database: s.database,
      connectTimeout: timeoutMs,
      dateStrings: true,
      jsonStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
      timezone: 'Z',
      charset: 'utf8mb4',
    });
    // a connection the server drops while idle must not crash the process; the next query reports it
    conn.on('error', () => undefined);
    const run = (sql: string, bindings: readonly unknown[]) =>
      new Promise<{ rows: Record<string, unknown>[]; changes: number }>((resolve, reject) => {
        conn.query(sql, bindings as unknown[], (err, res) => {
          if (err) reject(err);
          else if (Array.isArray(res)) resolve({ rows: res as Record<string, unknown>[], changes: 0 });
          else resolve({ rows: [], changes: (res as { affectedRows?: number }).affectedRows ?? 0 });
        });
      });
    // NOW() and friends are never used for data, but keep the session in UTC regardless.
    await run("SET time_zone = '+00:00'", []);
    if (session.readOnly) await run('SET SESSION TRANSACTION READ ONLY', []);
    if (session.statementTimeoutMs) {
      // MariaDB: max_statement_time in seconds; MySQL: max_execution_time in ms (SELECTs only, which is all a reader runs)
      const [v] = (await run('SELECT VERSION() AS v', [])).rows;
      const ms = Math.trunc(session.statementTimeoutMs);
      await run(/mariadb/i.test(String(v?.v)) ? `SET SESSION max_statement_time = ${ms / 1000}` : `SET SESSION max_execution_time = ${ms}`, []);
    }
    return {
      run,
      async *streamRows(sql, bindings, batchRows) {
        // the text protocol's rows as they arrive, paused while the consumer is behind (the stream's buffer)
        const rows = conn.query({ sql, values: bindings as unknown[], rowsAsArray: true }).stream({ highWaterMark: batchRows });
        let batch: unknown[][] = [];
        for await (const row of rows as AsyncIterable<unknown[]>) {
          if (batch.push(row) >= batchRows) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      },
      close: () => new Promise<void>((resolve) => conn.end(() => resolve())),
    };
  }

  encodeTime(t: Instant): string {
    return toMysqlText(t);
  }

  encodeBool(b: boolean | null): unknown {
    return b === null ? null : b ? 1 : 0;
  }

  encodeJson(v: unknown): unknown {
    return pythonJsonDumps(v);
  }

  quote(identifier: string): string {
    return quoteIdentifier(identifier, '`');
  }

  createTaskTableSql(table: string, userTable: string | null): string[] {
    const t = this.quote(table);
    const idx = (c: string, suffix = '') => createIndexName(table, [c], suffix, this.maxNameLength);
    const stmts = [
      `CREATE TABLE ${t} (\`id\` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, \`job_id\` varchar(100) NOT NULL UNIQUE, \`task_name\` varchar(200) NOT NULL, \`queue_name\` varchar(100) NOT NULL, \`args\` json NOT NULL, \`kwargs\` json NOT NULL, \`status\` varchar(20) NOT NULL, \`duration_ms\` integer NULL, \`job_retry\` integer NOT NULL, \`job_retries\` integer NOT NULL, \`job_retry_after\` integer NOT NULL, \`success\` bool NULL, \`result\` longtext NULL, \`error_message\` longtext NULL, \`worker_id\` varchar(100) NULL, \`enqueue_time\` datetime(6) NOT NULL, \`expire_time\` datetime(6) NULL, \`start_time\` datetime(6) NULL, \`finish_time\` datetime(6) NULL, \`created_at\` datetime(6) NOT NULL, \`updated_at\` datetime(6) NOT NULL, \`user_id\` integer NULL)`,
      `CREATE INDEX \`${metaIndexName(table, ['task_name', '-enqueue_time'])}\` ON ${t} (\`task_name\`, \`enqueue_time\` DESC)`,
      `CREATE INDEX \`${metaIndexName(table, ['status', '-enqueue_time'])}\` ON ${t} (\`status\`, \`enqueue_time\` DESC)`,
      `CREATE INDEX \`${metaIndexName(table, ['queue_name', 'status'])}\` ON ${t} (\`queue_name\`, \`status\`)`,
      `CREATE INDEX \`${metaIndexName(table, ['success', '-enqueue_time'])}\` ON ${t} (\`success\`, \`enqueue_time\` DESC)`,
      `CREATE INDEX \`${metaIndexName(table, ['-created_at'])}\` ON ${t} (\`created_at\` DESC)`,
    ];
    if (userTable) {
      stmts.push(
        `ALTER TABLE ${t} ADD CONSTRAINT \`${idx('user_id', `_fk_${userTable}_id`)}\` FOREIGN KEY (\`user_id\`) REFERENCES ${this.quote(userTable)} (\`id\`)`,
      );
    }
    stmts.push(
      ...['task_name', 'queue_name', 'status', 'enqueue_time'].map((c) => `CREATE INDEX \`${idx(c)}\` ON ${t} (\`${c}\`)`),
    );
    return stmts;
  }

  createUserTableSql(userTable: string): string[] {
    return [
      `CREATE TABLE ${this.quote(userTable)} (\`id\` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, \`password\` varchar(128) NOT NULL, \`last_login\` datetime(6) NULL, \`is_superuser\` bool NOT NULL, \`username\` varchar(150) NOT NULL UNIQUE, \`first_name\` varchar(150) NOT NULL, \`last_name\` varchar(150) NOT NULL, \`email\` varchar(254) NOT NULL, \`is_staff\` bool NOT NULL, \`is_active\` bool NOT NULL, \`date_joined\` datetime(6) NOT NULL)`,
    ];
  }

  /**
   * JavaScript's fold, byte for byte: LOWER() of the value (with İ written
   * as i + combining dot first, as toLowerCase() writes it; MySQL and MariaDB
   * lower it to a bare i) holds the lower-cased term as bytes — not under the
   * column's collation, which would also equate ß and s, or é and e.
   */
  foldContains(columnSql: string, term: string): { sql: string; bindings: unknown[] } {
    return { sql: `LOCATE(CAST(? AS BINARY), CAST(LOWER(REPLACE(${columnSql}, '\u0130', 'i\u0307')) AS BINARY)) > 0`, bindings: [term.toLowerCase()] };
  }

  /** a binary pattern: case and trailing spaces count, whatever the column's collation */
  startsWith(columnSql: string, prefix: string): { sql: string; bindings: unknown[] } {
    return { sql: `${columnSql} LIKE CAST(? AS BINARY)`, bindings: [likeEscape(prefix) + '%'] };
  }

  /** json (MySQL) or longtext checked by json_valid (MariaDB) alike; result is text, read only where it is JSON */
  jsonValue(columnSql: string, stored: 'json' | 'text', path: readonly JsonStep[]): JsonValueSql {
    // MariaDB's longtext compares a key as written: Django writes non-ASCII as \uXXXX escapes (json.dumps), other
    // writers as it is; MySQL's json type decodes either. A key with non-ASCII characters is looked up both ways.
    const paths = [dollarPath(path)];
    if (path.some((s) => typeof s === 'string' && !isAscii(s))) paths.push(dollarPath(path.map((s) => (typeof s === 'string' ? pythonEscapes(s) : s))));
    const extract = paths.map((p) => `JSON_EXTRACT(${columnSql}, ${mysqlText(p)})`);
    const found = extract.length === 1 ? extract[0] : `COALESCE(${extract.join(', ')})`;
    const x = stored === 'json' ? found : `(CASE WHEN JSON_VALID(${columnSql}) THEN ${found} END)`;
    return {
      text: `(CASE WHEN JSON_TYPE(${x}) = 'STRING' THEN JSON_UNQUOTE(${x}) END)`,
      number: `(CASE WHEN JSON_TYPE(${x}) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') THEN CAST(JSON_UNQUOTE(${x}) AS DOUBLE) END)`,
      bool: `(CASE WHEN JSON_TYPE(${x}) = 'BOOLEAN' THEN (JSON_UNQUOTE(${x}) = 'true') END)`,
      missing: `(COALESCE(JSON_TYPE(${x}), 'NULL') = 'NULL')`,
    };
  }

  readonly ownIndexes: OwnIndexes = mysqlOwnIndexes(this);

  binaryText(columnSql: string): string {
    // byte order of UTF-8 (utf8mb3 or utf8mb4 alike) is code point order
    return `CAST(${columnSql} AS BINARY)`;
  }

  microsBetweenSql(fromSql: string, toSql: string): string {
    return `TIMESTAMPDIFF(MICROSECOND, ${fromSql}, ${toSql})`;
  }

  epochSecondsSql(columnSql: string): string {
    // the session runs at +00:00, so a naive UTC datetime maps to its true epoch
    return `FLOOR(UNIX_TIMESTAMP(${columnSql}))`;
  }

  intDivSql(a: string, b: string): string {
    return `((${a}) DIV (${b}))`;
  }

  vacuumSql(table: string): string {
    
    return `OPTIMIZE TABLE ${this.quote(table)}`;
  }

  relaxedCommitSql(): string[] {
    // innodb_flush_log_at_trx_commit is global in MySQL and MariaDB: not tasklog's to change
    return [];
  }

  analyzeSql(table: string): string {
    return `ANALYZE TABLE ${this.quote(table)}`;
  }

  /**
   * None: InnoDB's FOR UPDATE also locks the gaps between the keys it looked
   * for, which would stall every worker's INSERT until a long import commits.
   * The import counts each batch back instead (see src/import/write.ts).
   */
  readonly lockingRead = '';

  upsertSql(table: string, columns: readonly string[], rowCount: number, update: readonly string[]): string {
    // ON DUPLICATE KEY fires on ANY unique key, the primary key included: callers must only send an
    // id they checked is free, and check afterwards that every job_id is there (an id taken meanwhile
    // updates that other row instead; rolling back undoes it). VALUES() is what MariaDB understands
    // (MySQL 8.0.20+ deprecates it in favour of a row alias, which MariaDB lacks).
    const q = (c: string) => this.quote(c);
    return (
      `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${valuesPlaceholders(columns.length, rowCount)} ` +
      `ON DUPLICATE KEY UPDATE ${update.map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ')}`
    );
  }

  async listIndexes(db: Sql, table: string): Promise<string[]> {
    const rows = await db.query(
      `SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?`,
      [table],
    );
    return rows.map((r) => String(r.name));
  }

  async listColumns(db: Sql, table: string): Promise<string[]> {
    const rows = await db.query(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?`, [table]);
    return rows.map((r) => String(r.name));
  }

  async tablesWithColumns(db: Sql, columns: readonly string[]): Promise<string[]> {
    const rows = await db.query(
      `SELECT table_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name IN (${columns.map(() => '?').join(', ')}) ` +
        `GROUP BY table_name HAVING COUNT(DISTINCT column_name) = ? ORDER BY CAST(table_name AS BINARY)`,
      [...columns, columns.length],
    );
    return rows.map((r) => String(r.name));
  }

  async estimateRows(db: Sql, table: string): Promise<{ rows: number; estimate: boolean }> {
    const rows = await db.query(`SELECT table_rows AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`, [table]);
    return { rows: Number(rows[0]?.n ?? 0), estimate: true };
  }

  async tableExists(db: Sql, table: string): Promise<boolean> {
    const dot = table.indexOf('.');
    const schema = dot >= 0 ? table.slice(0, dot) : null;
    const name = dot >= 0 ? table.slice(dot + 1) : table;
    const rows = await db.query(
      `SELECT 1 AS found FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?`,
      [schema, name],
    );
    return rows.length > 0;
  }

  async serverVersion(db: Sql): Promise<string> {
    const rows = await db.query('SELECT VERSION() AS v');
    const v = String(rows[0].v);
    return /mariadb/i.test(v) ? `MariaDB ${v.replace(/-MariaDB.*$/i, '')}` : `MySQL ${v}`;
  }

  describeConnectError(err: unknown, target: Target, timeoutMs: number): string {
    const where = target.display;
    const net = describeNetworkError(err, where, timeoutMs);
    if (net) return net;
    const code = errorCode(err);
    const msg = errorMessage(err);
    if (code === 'ER_ACCESS_DENIED_ERROR') return `cannot connect to ${where}: access denied`;
    if (code === 'ER_BAD_DB_ERROR') return `cannot connect to ${where}: ${msg}`;
    return `cannot connect to ${where}: ${msg}`;
  }
}

/** A MySQL string literal: quotes doubled, backslashes escaped (MySQL reads escapes in literals). */
function mysqlText(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Non-ASCII characters as Python's json.dumps writes them: \uXXXX, lower-case hex, UTF-16 units. */
function pythonEscapes(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += code < 0x80 ? text[i] : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/**
 * tasklog's indexes on MySQL/MariaDB: the covering report index, added
 * online (InnoDB builds it while writers go on). No search index: InnoDB's
 * FULLTEXT indexes find words, not text inside words.
 */
function mysqlOwnIndexes(d: MysqlDialect): OwnIndexes {
  const q = (s: string) => d.quote(s);
  const name = (table: string) => ownIndexName(table, 'report', d.maxNameLength);
  const reportSql = (table: string) =>
    `ALTER TABLE ${q(table)} ADD INDEX ${q(name(table))} (${['created_at', ...REPORT_COLUMNS].map(q).join(', ')}), ALGORITHM = INPLACE, LOCK = NONE`;
  const present = async (db: Sql, table: string): Promise<Set<OwnIndexKind>> => {
    const rows = await db.query(`SELECT 1 AS found FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? LIMIT 1`, [table, name(table)]);
    return new Set(rows.length ? (['report'] as const) : []);
  };
  return {
    notOffered: (kind) =>
      kind === 'search'
        ? 'the search index is not offered on MySQL/MariaDB: their FULLTEXT indexes find whole words, not text inside words as --search does (the report index is)'
        : null,
    present,
    createSql: (table) => [reportSql(table)],
    async create(build, table) {
      build.progress(0, null, 'online: writers go on');
      await build.sql.exec(reportSql(table));
    },
    async drop(db, table, kind) {
      if (kind === 'report' && (await present(db, table)).has('report')) await db.exec(`ALTER TABLE ${q(table)} DROP INDEX ${q(name(table))}`);
    },
    async size(db, table, kind) {
      if (kind !== 'report') return null;
      // InnoDB's persistent statistics: pages of the index
      try {
        const rows = await db.query<{ n: unknown }>(
          `SELECT stat_value * @@innodb_page_size AS n FROM mysql.innodb_index_stats WHERE database_name = DATABASE() AND table_name = ? AND index_name = ? AND stat_name = 'size'`,
          [table, name(table)],
        );
        return rows.length ? Number(rows[0].n) : null;
      } catch {
        return null;
      }
    },
  };
}
