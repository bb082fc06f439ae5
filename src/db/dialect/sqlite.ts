import { existsSync } from 'node:fs';
import { pythonJsonDumps } from '../json.js';
import { createIndexName, metaIndexName, ownIndexName, SEARCH_COLUMNS, type OwnIndexKind } from '../schema.js';
import { toDjangoText, type Instant } from '../../core/time.js';
import type { Target } from '../url.js';
import { asciiFoldSpecials, asciiRuns, dollarPath, errorMessage, isAscii, REPORT_COLUMNS, sqlText, type Dialect, type IndexBuild, type JsonStep, type JsonValueSql, type OwnIndexes, type DriverConnection, type SessionOptions, onConflictUpsertSql, quoteIdentifier, type Sql, type TableExtent, type WindowPlan } from './types.js';

/** the longest word searched with LIKE: SQLite's limit on a pattern is 50,000 bytes (its escapes and the two % included) */
const LIKE_PATTERN_MAX = 20_000;

/** rows of the table indexed per transaction while the search index is built: writers wait at most one batch */
const SEARCH_FILL_BATCH = 20_000;

/** SQLITE_MAX_MMAP_SIZE, the largest memory map SQLite's default build allows */
const SQLITE_MMAP_BYTES = 0x7fff0000;

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
    // Pages read through a memory map instead of a read() and a copy each: a window report on a table out
    // of time order looks up rows all over the file, and halves its CPU time this way (stats over 168 h,
    // 1M rows: 390 → 180 ms). Up to SQLite's largest map; the pages are the OS's file cache, shared.
    conn.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
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
   * ending in i, needs to allow for them, and only values that may hold the
   * word through them pay for a call of the fold. Other words go through the
   * fold, and so do words too long for a LIKE pattern (SQLite refuses one
   * over 50,000 bytes).
   */
  foldContains(columnSql: string, term: string): { sql: string; bindings: unknown[] } {
    const folded = term.toLowerCase();
    const viaFold = `instr(tasklog_fold(${columnSql}), ?) > 0`;
    if (!isAscii(folded) || folded.length > LIKE_PATTERN_MAX) return { sql: viaFold, bindings: [folded] };
    const like = `${columnSql} LIKE ? ESCAPE '\\'`;
    const pattern = `%${folded.replace(/[\\%_]/g, '\\$&')}%`;
    if (asciiFoldSpecials(folded).length === 0) return { sql: like, bindings: [pattern] };
    // K stands where the word has a k, İ only where it ends in i, each one character: there LIKE's _ lets
    // any character stand, so one LIKE per row finds every value that could hold the word, as for any
    // other word (a test for K and İ in each column cost half as much again: 1M rows, 0.5 → 0.8 s CPU),
    // and only the rare values it lets through are tested exactly
    const last = folded.length - 1;
    const broad = `%${[...folded].map((c, i) => (c === 'k' || (c === 'i' && i === last) ? '_' : c.replace(/[\\%_]/, '\\$&'))).join('')}%`;
    return {
      sql: `(${columnSql} LIKE ? ESCAPE '\\' AND (${like} OR ${viaFold}))`,
      bindings: [broad, pattern, folded],
    };
  }

  countWhenSql(conditionSql: string): string {
    // the aggregate's own filter: no CASE evaluated per row (168 h of 1M rows, seven status counts: SQLite 16.1 → 10.9 ms)
    return `COUNT(*) FILTER (WHERE ${conditionSql})`;
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

  /**
   * The search index is an FTS5 trigram table (detail=none: which rows hold
   * a trigram, not where) of the five columns, with K and İ stored as k and
   * i. A row holding the term holds every trigram of the term's ASCII runs
   * (asciiRuns), so the rows holding all of them are a superset of the
   * answer, read from the index; the term's usual condition then decides.
   */
  indexedSearch(table: string, col: (c: string) => string, term: string, userIds: { sql: string; bindings: unknown[] } | null): { sql: string; bindings: unknown[] } | null {
    const folded = term.toLowerCase();
    const grams = new Set<string>();
    for (const run of asciiRuns(folded, 3)) for (let i = 0; i + 3 <= run.length; i++) grams.add(run.slice(i, i + 3));
    if (grams.size === 0) return null;
    const match = [...grams].map((g) => `"${g.replace(/"/g, '""')}"`).join(' AND ');
    const fts = this.quote(ownIndexName(table, 'search', this.maxNameLength));
    const exact = SEARCH_COLUMNS.map((c) => this.foldContains(col(c), term));
    const users = userIds ? ` UNION ALL SELECT ${this.quote('id')} FROM ${this.quote(table)} WHERE ${this.quote('user_id')} IN (${userIds.sql})` : '';
    const userExact = userIds ? ` OR ${col('user_id')} IN (${userIds.sql})` : '';
    return {
      sql: `(${col('id')} IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ?${users}) AND (${exact.map((p) => p.sql).join(' OR ')}${userExact}))`,
      bindings: [match, ...(userIds?.bindings ?? []), ...exact.flatMap((p) => p.bindings), ...(userIds?.bindings ?? [])],
    };
  }

  readonly ownIndexes: OwnIndexes = sqliteOwnIndexes(this);

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

  /** EXPLAIN QUERY PLAN's `USE TEMP B-TREE FOR [RIGHT PART OF | LAST TERM OF] ORDER BY` */
  async sortsRows(db: Sql, selectSql: string, bindings: readonly unknown[]): Promise<boolean> {
    const plan = await db.query<{ detail: unknown }>(`EXPLAIN QUERY PLAN ${selectSql}`, bindings);
    return plan.some((step) => {
      const detail = String(step.detail);
      return detail.startsWith('USE TEMP B-TREE FOR') && detail.endsWith('ORDER BY');
    });
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

  reportIndexHint(table: string): string {
    return ` INDEXED BY ${this.quote(ownIndexName(table, 'report', this.maxNameLength))}`;
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

/** K and İ as the search index stores them (k, i); SQL SQLite's own functions compute, so Django's writes fire the same triggers */
function searchText(valueSql: string): string {
  return `replace(replace(${valueSql}, char(8490), 'k'), char(304), 'i')`;
}

/**
 * tasklog's indexes on SQLite. Search: an FTS5 trigram table without a copy
 * of the text (content=''), kept in step by three triggers on the task
 * table; built in batches of rows, each its own short transaction, under
 * triggers named for the build, which are swapped for the final ones (the
 * mark that the index is complete) in one transaction at the end.
 * Report: one covering index, built by one statement (writers wait).
 */
function sqliteOwnIndexes(d: SqliteDialect): OwnIndexes {
  const q = (s: string) => d.quote(s);
  const name = (table: string, kind: OwnIndexKind) => ownIndexName(table, kind, d.maxNameLength);
  const triggers = (table: string, suffix: string) => ['insert', 'update', 'delete'].map((t) => `${name(table, 'search')}_${t}${suffix}`);
  const ftsSql = (table: string) => {
    const fts = q(name(table, 'search'));
    return `CREATE VIRTUAL TABLE ${fts} USING fts5(${SEARCH_COLUMNS.map(q).join(', ')}, tokenize = 'trigram', detail = 'none', content = '')`;
  };
  const triggerSql = (table: string, suffix: string) => {
    const t = q(table);
    const fts = q(name(table, 'search'));
    const cols = SEARCH_COLUMNS.map(q).join(', ');
    const values = (row: string) => SEARCH_COLUMNS.map((c) => searchText(`${row}.${q(c)}`)).join(', ');
    // a contentless FTS5 table forgets a row when told its indexed values; only a row it holds (during a build, one not yet reached is not)
    const forget = `INSERT INTO ${fts} (${fts}, rowid, ${cols}) SELECT 'delete', old.${q('id')}, ${values('old')} WHERE EXISTS (SELECT 1 FROM ${fts} WHERE rowid = old.${q('id')})`;
    const changed = SEARCH_COLUMNS.map((c) => `old.${q(c)} IS NOT new.${q(c)}`).join(' OR ') + ` OR old.${q('id')} IS NOT new.${q('id')}`;
    const [ins, upd, del] = triggers(table, suffix).map(q);
    return [
      `CREATE TRIGGER ${ins} AFTER INSERT ON ${t} BEGIN INSERT INTO ${fts} (rowid, ${cols}) VALUES (new.${q('id')}, ${values('new')}); END`,
      `CREATE TRIGGER ${upd} AFTER UPDATE ON ${t} WHEN ${changed} BEGIN ${forget}; INSERT INTO ${fts} (rowid, ${cols}) VALUES (new.${q('id')}, ${values('new')}); END`,
      `CREATE TRIGGER ${del} AFTER DELETE ON ${t} BEGIN ${forget}; END`,
    ];
  };
  const reportSql = (table: string) => `CREATE INDEX IF NOT EXISTS ${q(name(table, 'report'))} ON ${q(table)} (${['created_at', ...REPORT_COLUMNS].map(q).join(', ')})`;
  const dropSearch = (table: string) => [
    ...[...triggers(table, ''), ...triggers(table, '_building')].map((t) => `DROP TRIGGER IF EXISTS ${q(t)}`),
    `DROP TABLE IF EXISTS ${q(name(table, 'search'))}`,
  ];
  return {
    notOffered: () => null,
    async present(db, table) {
      const names = [name(table, 'report'), triggers(table, '')[0]];
      const rows = await db.query(`SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND name IN (?, ?)`, [table, ...names]);
      const found = new Set(rows.map((r) => String(r.name)));
      const out = new Set<OwnIndexKind>();
      if (found.has(names[0])) out.add('report');
      if (found.has(names[1])) out.add('search');
      return out;
    },
    createSql(table, kind) {
      return kind === 'report' ? [reportSql(table)] : [ftsSql(table), ...triggerSql(table, ''), `INSERT INTO ${q(name(table, 'search'))} (rowid, ${SEARCH_COLUMNS.map(q).join(', ')}) SELECT ${q('id')}, ${SEARCH_COLUMNS.map((c) => searchText(q(c))).join(', ')} FROM ${q(table)}`];
    },
    async create(build: IndexBuild, table, kind) {
      if (kind === 'report') {
        build.progress(0, null, 'one statement; writers wait until it ends');
        await build.sql.exec(reportSql(table));
        // where the planner has statistics (ANALYZE ran), a new index without any looks worse than it is:
        // SQLite walked Django's created_at index and read every row of the window instead (1M rows out of time order: 2.1 s)
        const analyzed = await build.sql.query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'`);
        if (analyzed.length) await build.sql.exec(`ANALYZE ${q(name(table, 'report'))}`);
        return;
      }
      const t = q(table);
      const fts = q(name(table, 'search'));
      const id = q('id');
      // what a broken build left goes; the triggers of this build keep the rows written meanwhile in step
      await build.transaction(async (tx) => {
        for (const s of dropSearch(table)) await tx.exec(s);
        await tx.exec(ftsSql(table));
        for (const s of triggerSql(table, '_building')) await tx.exec(s);
      });
      const [ext] = await build.sql.query<{ lo: unknown; hi: unknown; n: unknown }>(`SELECT MIN(${id}) AS lo, MAX(${id}) AS hi FROM ${t}`);
      const lo = Number(ext.lo ?? 1);
      const hi = Number(ext.hi ?? 0);
      const fill = `INSERT INTO ${fts} (rowid, ${SEARCH_COLUMNS.map(q).join(', ')}) SELECT ${id}, ${SEARCH_COLUMNS.map((c) => searchText(q(c))).join(', ')} FROM ${t} ` +
        `WHERE ${id} >= ? AND ${id} < ? AND NOT EXISTS (SELECT 1 FROM ${fts} WHERE rowid = ${t}.${id})`;
      for (let from = lo; from <= hi; from += SEARCH_FILL_BATCH) {
        build.progress(from - lo, hi - lo + 1, 'rows');
        await build.transaction((tx) => tx.exec(fill, [from, from + SEARCH_FILL_BATCH]));
      }
      build.progress(hi - lo + 1, hi - lo + 1, 'rows');
      await build.transaction(async (tx) => {
        for (const s of triggerSql(table, '')) await tx.exec(s);
        for (const tr of triggers(table, '_building')) await tx.exec(`DROP TRIGGER ${q(tr)}`);
      });
    },
    async drop(db, table, kind) {
      if (kind === 'report') {
        await db.exec(`DROP INDEX IF EXISTS ${q(name(table, 'report'))}`);
        return;
      }
      for (const s of dropSearch(table)) await db.exec(s);
    },
    async size(db, table, kind) {
      try {
        // the FTS5 table's shadow tables hold its data
        const parts = kind === 'search' ? ['data', 'idx', 'docsize', 'config'].map((p) => `${name(table, 'search')}_${p}`) : [name(table, 'report')];
        const rows = await db.query<{ n: unknown }>(`SELECT SUM(pgsize) AS n FROM dbstat WHERE name IN (${parts.map(() => '?').join(', ')})`, parts);
        return rows[0]?.n === null || rows[0]?.n === undefined ? null : Number(rows[0].n);
      } catch {
        return null; // SQLite built without the dbstat table
      }
    },
  };
}
