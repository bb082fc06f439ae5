import { existsSync } from 'node:fs';
import { pythonJsonDumps } from '../json.js';
import { createIndexName, metaIndexName } from '../schema.js';
import { toDjangoText, type Instant } from '../../core/time.js';
import type { Target } from '../url.js';

/** the longest word searched with LIKE: SQLite's limit on a pattern is 50,000 bytes (its escapes and the two % included) */
const LIKE_PATTERN_MAX = 20_000;
import { asciiFoldSpecials, dollarPath, errorMessage, isAscii, sqlText, type Dialect, type JsonStep, type JsonValueSql, type DriverConnection, type SessionOptions, onConflictUpsertSql, quoteIdentifier, type Sql, type TableExtent, type WindowPlan } from './types.js';

/** rows sampled at evenly spaced ids to tell whether a table is in time order */
const ORDER_SAMPLES = 17;

/**
 * SQLite as Django uses it: times are naive UTC text in Django's own format
 * (compared as text, so every bound is written in that same format), JSON is
 * text, booleans are 0/1.
 */
export class SqliteDialect implements Dialect {
  readonly backend = 'sqlite' as const;
  readonly productName = 'SQLite';
  /** BINARY collation */
  readonly groupsTextExactly = true;
  /** SQLite takes OFFSET only after a LIMIT; -1 is none */
  readonly subqueryFence = ' LIMIT -1 OFFSET 0';
  readonly maxConnections = 1;
  /** IMMEDIATE takes the write lock at once: two writers wait (busy_timeout) instead of deadlocking */
  readonly beginSql = 'BEGIN IMMEDIATE';
  readonly trueSql = '1';
  readonly falseSql = '0';
  readonly timeType = 'datetime';
  readonly longTextType = 'text';
  // 32,766 bound values at most
  readonly insertBatchRows = 500;
  readonly storesNul = true;
  readonly upsertMayMerge = false;
  readonly maxNameLength = null;

  async openConnection(target: Target, _timeoutMs?: number, session: SessionOptions = {}): Promise<DriverConnection> {
    const Database = (await import('better-sqlite3')).default;
    // read-only: SQLITE_OPEN_READONLY, so a file the process may not write (chmod 444, a read-only mount) opens too
    const conn = new Database(target.filename ?? ':memory:', session.readOnly ? { readonly: true, fileMustExist: true } : {});
    // Workers may be writing the same file: wait for their locks instead of failing at once.
    conn.pragma('busy_timeout = 5000');
    // better-sqlite3 enforces foreign keys by default; the sqlite3 CLI and most tools do not.
    // A log row whose user is gone (or a table migrated before auth_user) must stay readable and writable.
    conn.pragma('foreign_keys = OFF');
    // SQLite's lower() and LIKE fold ASCII only: search folds with JavaScript's Unicode rules.
    conn.function('tasklog_fold', { deterministic: true }, (v: unknown) => (v === null || v === undefined ? null : String(v).toLowerCase()));
    // prepared statements are kept: keyset batches and bulk inserts repeat the same SQL
    const cache = new Map<string, import('better-sqlite3').Statement>();
    const prepare = (sql: string) => {
      let st = cache.get(sql);
      if (!st) {
        st = conn.prepare(sql);
        if (cache.size >= 64) cache.delete(cache.keys().next().value!);
        cache.set(sql, st);
      }
      return st;
    };
    return {
      async run(sql, bindings) {
        // better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans are 0/1 in SQLite
        const args = bindings.map((v) => (typeof v === 'boolean' ? Number(v) : v));
        const st = prepare(sql);
        if (st.reader) return { rows: st.all(...args) as Record<string, unknown>[], changes: 0 };
        return { rows: [], changes: st.run(...args).changes };
      },
      async *streamRows(sql, bindings, batchRows) {
        // one statement stepped row by row (no batch re-planned, no keyset to re-seek), rows as arrays
        const st = conn.prepare(sql).raw(true);
        const rows = st.iterate(...bindings.map((v) => (typeof v === 'boolean' ? Number(v) : v))) as IterableIterator<unknown[]>;
        try {
          for (;;) {
            const batch: unknown[][] = [];
            for (let r = rows.next(); ; r = rows.next()) {
              if (r.done) {
                if (batch.length) yield batch;
                return;
              }
              if (batch.push(r.value) >= batchRows) break;
            }
            yield batch;
          }
        } finally {
          // broken off: the statement is reset and the connection free for the next
          rows.return?.();
        }
      },
      async close() {
        conn.close();
      },
    };
  }

  encodeTime(t: Instant): string {
    return toDjangoText(t);
  }

  encodeBool(b: boolean | null): unknown {
    return b === null ? null : b ? 1 : 0;
  }

  encodeJson(v: unknown): unknown {
    return pythonJsonDumps(v);
  }

  quote(identifier: string): string {
    return quoteIdentifier(identifier, '"');
  }

  createTaskTableSql(table: string, userTable: string | null): string[] {
    const t = this.quote(table);
    const u = this.quote(userTable ?? 'auth_user');
    return [
      `CREATE TABLE ${t} ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "job_id" varchar(100) NOT NULL UNIQUE, "task_name" varchar(200) NOT NULL, "queue_name" varchar(100) NOT NULL, "args" text NOT NULL CHECK ((JSON_VALID("args") OR "args" IS NULL)), "kwargs" text NOT NULL CHECK ((JSON_VALID("kwargs") OR "kwargs" IS NULL)), "status" varchar(20) NOT NULL, "duration_ms" integer NULL, "job_retry" integer NOT NULL, "job_retries" integer NOT NULL, "job_retry_after" integer NOT NULL, "success" bool NULL, "result" text NULL, "error_message" text NULL, "worker_id" varchar(100) NULL, "enqueue_time" datetime NOT NULL, "expire_time" datetime NULL, "start_time" datetime NULL, "finish_time" datetime NULL, "created_at" datetime NOT NULL, "updated_at" datetime NOT NULL, "user_id" integer NULL REFERENCES ${u} ("id") DEFERRABLE INITIALLY DEFERRED)`,
      `CREATE INDEX "${metaIndexName(table, ['task_name', '-enqueue_time'])}" ON ${t} ("task_name", "enqueue_time" DESC)`,
      `CREATE INDEX "${metaIndexName(table, ['status', '-enqueue_time'])}" ON ${t} ("status", "enqueue_time" DESC)`,
      `CREATE INDEX "${metaIndexName(table, ['queue_name', 'status'])}" ON ${t} ("queue_name", "status")`,
      `CREATE INDEX "${metaIndexName(table, ['success', '-enqueue_time'])}" ON ${t} ("success", "enqueue_time" DESC)`,
      `CREATE INDEX "${metaIndexName(table, ['-created_at'])}" ON ${t} ("created_at" DESC)`,
      ...['task_name', 'queue_name', 'status', 'enqueue_time', 'user_id'].map(
        (c) => `CREATE INDEX "${createIndexName(table, [c], '', this.maxNameLength)}" ON ${t} ("${c}")`,
      ),
    ];
  }

  createUserTableSql(userTable: string): string[] {
    return [
      `CREATE TABLE ${this.quote(userTable)} ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL)`,
    ];
  }

  /**
   * For a word of ASCII only, LIKE inside SQLite finds what the JavaScript
   * fold finds, except where a value holds one of the two characters whose
   * lower case is ASCII: K (U+212A) → k, and İ (U+0130) → i̇, an i followed
   * by a combining dot, so it can only end a match. Only a word with a k, or
   * ending in i, needs to look for them, and only values holding them pay
   * for a call of the fold. Other words go through the fold, and so do words
   * too long for a LIKE pattern (SQLite refuses one over 50,000 bytes).
   */
  foldContains(columnSql: string, term: string): { sql: string; bindings: unknown[] } {
    const folded = term.toLowerCase();
    const viaFold = `instr(tasklog_fold(${columnSql}), ?) > 0`;
    if (!isAscii(folded) || folded.length > LIKE_PATTERN_MAX) return { sql: viaFold, bindings: [folded] };
    const like = `${columnSql} LIKE ? ESCAPE '\\'`;
    const pattern = `%${folded.replace(/[\\%_]/g, '\\$&')}%`;
    const specials = asciiFoldSpecials(folded);
    if (specials.length === 0) return { sql: like, bindings: [pattern] };
    return {
      sql: `(${like} OR ((${specials.map((c) => `instr(${columnSql}, char(${c.codePointAt(0)})) > 0`).join(' OR ')}) AND ${viaFold}))`,
      bindings: [pattern, folded],
    };
  }

  unselective(conditionSql: string): string {
    return `likely(${conditionSql})`;
  }

  /** GLOB is case-sensitive and, on a BINARY column, served by its index; its wildcards * ? [ made plain */
  startsWith(columnSql: string, prefix: string): { sql: string; bindings: unknown[] } {
    return { sql: `${columnSql} GLOB ?`, bindings: [prefix.replace(/[*?[]/g, '[$&]') + '*'] };
  }

  /** Django's JSON text: json_type names the value's type (text, integer, real, true, false, null, array, object) */
  jsonValue(columnSql: string, stored: 'json' | 'text', path: readonly JsonStep[]): JsonValueSql {
    const p = sqlText(dollarPath(path));
    // text that is not JSON (result) is never handed to the JSON functions, which would stop the query
    const guard = (expr: string) => (stored === 'text' ? `(CASE WHEN json_valid(${columnSql}) THEN ${expr} END)` : expr);
    const type = guard(`json_type(${columnSql}, ${p})`);
    const value = guard(`json_extract(${columnSql}, ${p})`);
    return {
      text: `(CASE WHEN ${type} = 'text' THEN ${value} END)`,
      number: `(CASE WHEN ${type} IN ('integer', 'real') THEN ${value} END)`,
      bool: `(CASE ${type} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`,
      missing: `(COALESCE(${type}, 'null') = 'null')`,
    };
  }


  binaryText(columnSql: string): string {
    return columnSql; // SQLite's default collation is BINARY
  }

  microsBetweenSql(fromSql: string, toSql: string): string {
    // Django's text keeps microseconds after the 19th character; strftime('%s') has whole seconds.
    const frac = (c: string) => `(CASE WHEN length(${c}) > 19 THEN CAST(substr(${c} || '000000', 21, 6) AS INTEGER) ELSE 0 END)`;
    // unixepoch() (SQLite 3.38+) is about twice as fast as strftime('%s'); julianday() would be faster still but inexact
    return `((unixepoch(${toSql}) - unixepoch(${fromSql})) * 1000000 + ${frac(toSql)} - ${frac(fromSql)})`;
  }

  epochSecondsSql(columnSql: string): string {
    // the same whole seconds as CAST(strftime('%s', …) AS INTEGER), a quarter less CPU
    // (timeline's minute key over 1M rows: 1.35–1.66 → 0.98–1.13 s, the same 129,600 buckets)
    return `unixepoch(${columnSql})`;
  }

  intDivSql(a: string, b: string): string {
    return `((${a}) / (${b}))`;
  }

  vacuumSql(_table: string): string {
    // VACUUM rebuilds the whole file
    return 'VACUUM';
  }

  relaxedCommitSql(): string[] {
    // PRAGMA synchronous = OFF can corrupt the file on power loss: never
    return [];
  }

  analyzeSql(table: string): string {
    return `ANALYZE ${this.quote(table)}`;
  }

  readonly lockingRead = '';

  numericSql(columnSql: string): string {
    return `(CASE WHEN typeof(${columnSql}) IN ('integer', 'real') THEN ${columnSql} END)`;
  }

  /** SQLite's percentile extension (3.47+), compiled into better-sqlite3's SQLite */
  percentileContSql(expr: string, fraction: number): string {
    return `percentile_cont(${expr}, ${fraction})`;
  }

  upsertSql(table: string, columns: readonly string[], rowCount: number, update: readonly string[]): string {
    // SQLite 3.24+: the same upsert as PostgreSQL's, on the job_id UNIQUE constraint
    return onConflictUpsertSql((c) => this.quote(c), table, columns, rowCount, update);
  }

  async listIndexes(db: Sql, table: string): Promise<string[]> {
    const rows = await db.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`, [table]);
    return rows.map((r) => String(r.name));
  }

  async listColumns(db: Sql, table: string): Promise<string[]> {
    const rows = await db.query(`SELECT name FROM pragma_table_info(?)`, [table]);
    return rows.map((r) => String(r.name));
  }

  async tablesWithColumns(db: Sql, columns: readonly string[]): Promise<string[]> {
    const rows = await db.query(
      `SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name IN (${columns.map(() => '?').join(', ')}) ` +
        `GROUP BY m.name HAVING COUNT(DISTINCT p.name) = ? ORDER BY m.name`,
      [...columns, columns.length],
    );
    return rows.map((r) => String(r.name));
  }

  async estimateRows(db: Sql, table: string): Promise<{ rows: number; estimate: boolean }> {
    const rows = await db.query(`SELECT COUNT(*) AS n FROM ${this.quote(table)}`);
    return { rows: Number(rows[0].n), estimate: false };
  }

  /**
   * Each part from a b-tree's edge or a rowid lookup: MIN/MAX of created_at
   * from its index, the id span, the row count of the last ANALYZE if any,
   * and created_at at 17 evenly spaced ids (in time order when they rise).
   */
  async tableExtent(db: Sql, table: string): Promise<TableExtent | null> {
    try {
      return await this.readExtent(db, table);
    } catch {
      // a view (or a table without rowid) has no rowid to sample: SQLite's own plan
      return null;
    }
  }

  private async readExtent(db: Sql, table: string): Promise<TableExtent | null> {
    const t = this.quote(table);
    const c = this.quote('created_at');
    const [edges] = await db.query(
      `SELECT (SELECT MIN(${c}) FROM ${t}) AS first, (SELECT MAX(${c}) FROM ${t}) AS last, (SELECT MIN(rowid) FROM ${t}) AS lo, (SELECT MAX(rowid) FROM ${t}) AS hi`,
    );
    if (edges.lo === null || edges.lo === undefined) return null;
    const lo = Number(edges.lo);
    const hi = Number(edges.hi);
    const ids = Array.from({ length: ORDER_SAMPLES }, (_, i) => Math.round(lo + ((hi - lo) * i) / (ORDER_SAMPLES - 1)));
    const [sample] = await db.query(
      `SELECT ${ids.map((_, i) => `(SELECT ${c} FROM ${t} WHERE rowid >= ? ORDER BY rowid LIMIT 1) AS s${i}`).join(', ')}`,
      ids,
    );
    const times = ids.map((_, i) => sample[`s${i}`]).filter((v): v is string => typeof v === 'string');
    let rising = 0;
    for (let i = 1; i < times.length; i++) if (times[i] >= times[i - 1]) rising++;
    let rows = hi - lo + 1;
    try {
      const stat = await db.query(`SELECT stat FROM sqlite_stat1 WHERE tbl = ? AND stat IS NOT NULL LIMIT 1`, [table]);
      if (stat.length) rows = Number(String(stat[0].stat).split(' ')[0]) || rows;
    } catch {
      // no ANALYZE ever ran: no sqlite_stat1
    }
    return { rows, first: edges.first, last: edges.last, inTimeOrder: times.length > 1 && rising >= (times.length - 1) * 0.9 };
  }

  /** a unary + keeps SQLite off the created_at index for this term only (an index on another filtered column stays usable) */
  windowColumnSql(columnSql: string, plan: WindowPlan): string {
    return plan === 'scan' ? `+${columnSql}` : columnSql;
  }

  async tableExists(db: Sql, table: string): Promise<boolean> {
    const rows = await db.query(`SELECT 1 AS found FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?`, [table]);
    return rows.length > 0;
  }

  async serverVersion(db: Sql): Promise<string> {
    const rows = await db.query('SELECT sqlite_version() AS v');
    return `SQLite ${rows[0].v}`;
  }

  describeConnectError(err: unknown, target: Target): string {
    const msg = errorMessage(err);
    if (target.filename && target.filename !== ':memory:' && !existsSync(target.filename)) {
      return `cannot open ${target.display}: no such file`;
    }
    if (/not a database|file is encrypted/i.test(msg)) return `cannot open ${target.display}: not a SQLite database`;
    return `cannot open ${target.display}: ${msg}`;
  }
}
