import { StringDecoder } from 'node:string_decoder';
import { bareTable, createIndexName, metaIndexName, ownIndexName, SEARCH_COLUMNS, type OwnIndexKind } from '../schema.js';
import { DatabaseError, RuntimeFailure } from '../../core/errors.js';
import { toIso, type Instant } from '../../core/time.js';
import type { Target } from '../url.js';
import { asciiFoldSpecials, REPORT_COLUMNS, type IndexBuild, type OwnIndexes, type TableExtent, describeNetworkError, errorCode, isAscii, errorMessage, likeEscape, sqlText, type Dialect, type JsonStep, type JsonValueSql, type DriverConnection, type SessionOptions, onConflictUpsertSql, quoteIdentifier, type Sql } from './types.js';

/**
 * The created_at correlation from which a table counts as in time order:
 * rows appended as jobs were created (1M rows: 0.9999999), against a table
 * filled out of order (−0.0007).
 */
const TIME_ORDERED_CORRELATION = 0.9;

/** the work_mem (kB) of tasklog's sessions, where the server's is lower */
export const SESSION_WORK_MEM_KB = 32 * 1024;
/** the jit_above_cost of tasklog's sessions, where the server's is lower (PostgreSQL's default: 100,000) */
export const SESSION_JIT_ABOVE_COST = 1_000_000;

/** how often a build's progress is read from pg_stat_progress_create_index */
const PROGRESS_EVERY_MS = 500;

const OID = { INT8: 20, JSON: 114, JSONB: 3802, NUMERIC: 1700, TIMESTAMP: 1114, TIMESTAMPTZ: 1184 } as const;

/**
 * PostgreSQL: timestamptz is read as text in a UTC session so microseconds
 * survive (node-postgres' Date keeps only milliseconds); bigint counts become
 * numbers; json and jsonb arrive as their text, parsed once by decodeJson as
 * on every other database (the driver's own parse, then decodeJson's, read a
 * JSON string holding JSON — args "[1, 2]" — as the array).
 */
export class PostgresDialect implements Dialect {
  readonly backend = 'postgres' as const;
  readonly productName = 'PostgreSQL';
  /** deterministic collations: equal means the same bytes */
  readonly groupsTextExactly = true;
  readonly subqueryFence = ' OFFSET 0';
  readonly maxConnections = 4;
  readonly countWithPage = true;
  readonly beginSql = 'BEGIN';
  readonly trueSql = 'TRUE';
  readonly falseSql = 'FALSE';
  readonly timeType = 'timestamp with time zone';
  readonly longTextType = 'text';
  // 65,535 bound values at most
  readonly insertBatchRows = 1000;
  readonly storesNul = false;
  readonly upsertMayMerge = false;
  readonly maxNameLength = 63;
  /** an ICU collation folds case for all of Unicode even in a database created with LC_CTYPE=C */
  private icu = false;
  /** PostgreSQL 16+ tells JSON text from other text (IS JSON) */
  private isJson = false;

  async init(db: Sql): Promise<void> {
    const res = await db.query(
      `SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') AS icu, current_setting('server_version_num')::int >= 160000 AS is_json`,
    );
    this.icu = Boolean(res[0]?.icu);
    this.isJson = Boolean(res[0]?.is_json);
  }

  /** LIKE is case-sensitive under a deterministic collation, and a prefix pattern uses the varchar_pattern_ops index */
  startsWith(columnSql: string, prefix: string): { sql: string; bindings: unknown[] } {
    return { sql: `${columnSql} LIKE ? ESCAPE '\\'`, bindings: [likeEscape(prefix) + '%'] };
  }

  /**
   * jsonb (args, kwargs) read with #>; result is text, cast only where it is
   * JSON: IS JSON on PostgreSQL 16+, before that where it looks like an
   * object or array (text that only looks like one stops the query).
   */
  jsonValue(columnSql: string, stored: 'json' | 'text', path: readonly JsonStep[]): JsonValueSql {
    const looksJson = this.isJson ? `${columnSql} IS JSON` : `${columnSql} ~ '^\\s*[[{].*[]}]\\s*$'`;
    const doc = stored === 'json' ? columnSql : `(CASE WHEN ${looksJson} THEN ${columnSql}::jsonb END)`;
    const x = `(${doc} #> ${sqlText(`{${path.map((s) => `"${s}"`).join(',')}}`)})`;
    return {
      text: `(CASE WHEN jsonb_typeof(${x}) = 'string' THEN ${x} #>> '{}' END)`,
      number: `(CASE WHEN jsonb_typeof(${x}) = 'number' THEN (${x})::numeric END)`,
      bool: `(CASE WHEN jsonb_typeof(${x}) = 'boolean' THEN (${x})::boolean END)`,
      missing: `(COALESCE(jsonb_typeof(${x}), 'null') = 'null')`,
    };
  }

  foldContains(columnSql: string, term: string): { sql: string; bindings: unknown[] } {
    const folded = term.toLowerCase();
    const full = { sql: `strpos(${this.icu ? `lower(${columnSql} COLLATE "und-x-icu")` : `lower(${columnSql})`}, ?) > 0`, bindings: [folded] };
    // ICU's lower() converts every value to UTF-16 and back; an ASCII term needs only ASCII's, which
    // lower() under the "C" collation does byte by byte — the full fold only for the rare values
    // holding a character that folds into ASCII (asciiFoldSpecials). Without ICU, lower() follows
    // the database's collation, whose rules tasklog does not know: as it is.
    if (!this.icu || !isAscii(folded)) return full;
    const ascii = `strpos(lower(${columnSql} COLLATE "C"), ?) > 0`;
    const specials = asciiFoldSpecials(folded);
    if (specials.length === 0) return { sql: ascii, bindings: [folded] };
    return {
      sql: `(${ascii} OR ((${specials.map(() => `strpos(${columnSql}, ?) > 0`).join(' OR ')}) AND ${full.sql}))`,
      bindings: [folded, ...specials, folded],
    };
  }

  /**
   * The columns joined (NULLs skipped) by a control character no search
   * term holds and folded once: one ICU lower() per row instead of one per
   * column, a third less time on a full scan. An ASCII term folds each column
   * with the cheap lower() (foldContains) instead: no joined copy of the row,
   * and the first column that holds it ends the test (1M rows: 0.53 → 0.50 s).
   */
  foldContainsAny(columnsSql: readonly string[], term: string): { sql: string; bindings: unknown[] } | null {
    if (term.includes('\u0001') || (this.icu && isAscii(term.toLowerCase()))) return null;
    const joined = `concat_ws(chr(1), ${columnsSql.join(', ')})`;
    return this.foldContains(joined, term);
  }

  binaryText(columnSql: string): string {
    return `${columnSql} COLLATE "C"`;
  }

  /**
   * What the search index holds for a row: the five columns joined by a
   * control character no indexed term holds, folded as foldContains' full
   * fold does (ICU's lower(), or the database's where there is no ICU).
   * The same expression in the index and in the query, which the planner
   * matches; || rather than concat_ws, which is not IMMUTABLE.
   */
  searchExpr(col: (c: string) => string): string {
    const joined = SEARCH_COLUMNS.map((c) => `coalesce(${col(c)}, '')`).join(' || chr(1) || ');
    return this.icu ? `lower((${joined}) COLLATE "und-x-icu")` : `lower(${joined})`;
  }

  /**
   * `searchExpr LIKE '%term%'` (%, _ and \ escaped) is strpos(fold, term) > 0
   * over the joined columns, which a pg_trgm GIN index on searchExpr answers
   * (rechecking each row it finds). pg_trgm finds trigrams in runs of
   * letters and digits: a term without three in a row would read the whole
   * index, and is left to the scan.
   */
  indexedSearch(table: string, col: (c: string) => string, term: string, userIds: { sql: string; bindings: unknown[] } | null): { sql: string; bindings: unknown[] } | null {
    const folded = term.toLowerCase();
    if (folded.includes('\u0001') || !/[a-z0-9]{3}/.test(folded)) return null;
    const like = `${this.searchExpr(col)} LIKE ?`;
    const pattern = `%${folded.replace(/[\\%_]/g, '\\$&')}%`;
    if (!userIds) return { sql: like, bindings: [pattern] };
    // the ids of both as one set: an OR with the users' rows (whose number the planner cannot know) would have it
    // expect most of the table and walk an ordering index instead of reading the search index
    const q = (c: string) => this.quote(c);
    return {
      sql: `${col('id')} IN (SELECT ${q('id')} FROM ${q(table)} WHERE ${this.searchExpr(q)} LIKE ? UNION ALL SELECT ${q('id')} FROM ${q(table)} WHERE ${q('user_id')} IN (${userIds.sql}))`,
      bindings: [pattern, ...userIds.bindings],
    };
  }

  readonly ownIndexes: OwnIndexes = postgresOwnIndexes(this);

  async openConnection(target: Target, timeoutMs: number, session: SessionOptions = {}): Promise<DriverConnection> {
    const s = target.server!;
    const pg = (await import('pg')).default;
    const types = {
      getTypeParser(oid: number, format?: 'text' | 'binary') {
        if (oid === OID.TIMESTAMPTZ || oid === OID.TIMESTAMP) return (v: string) => v;
        if (oid === OID.INT8) return (v: string) => Number(v);
        if (oid === OID.JSON || oid === OID.JSONB) return (v: string) => v;
        if (oid === OID.NUMERIC) return (v: string) => Number(v);
        return pg.types.getTypeParser(oid, format ?? 'text');
      },
    };
    let ssl: boolean | { rejectUnauthorized: boolean } = false;
    if (s.sslmode === 'require') ssl = { rejectUnauthorized: false };
    else if (s.sslmode === 'verify-ca' || s.sslmode === 'verify-full') ssl = { rejectUnauthorized: true };
    const client = new pg.Client({
      host: s.socketPath ?? s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      database: s.database,
      ssl,
      connectionTimeoutMillis: timeoutMs,
      application_name: 'tasklog',
      options: '-c TimeZone=UTC',
      types,
    } as import('pg').ClientConfig);
    // a connection the server drops while idle must not crash the process; the next query reports it
    client.on('error', () => undefined);
    await client.connect();
    // Two settings of tasklog's own session, raised where the server's are lower, never lowered:
    // - work_mem: a search's bitmap of matching pages must stay exact: past work_mem it turns lossy, and
    //   every row of those pages is folded again (10M rows, a word in 85k of them: 4 MB, PostgreSQL's
    //   default, 1.03 s; 16 MB and more, 0.36 s);
    // - jit_above_cost: statements whose bounds are parameters (a timeline's ranges, a search's users)
    //   are estimated at many times their rows, and compiling them costs more than they run (10M rows,
    //   168 hourly ranges: 130 ms of JIT for a 200 ms statement); a full scan of 10M rows (cost 1.6M) is
    //   still compiled.
    await client.query(
      `SELECT set_config(s.name, w.v, false) FROM (VALUES ('work_mem', '${SESSION_WORK_MEM_KB}kB', ${SESSION_WORK_MEM_KB}), ('jit_above_cost', '${SESSION_JIT_ABOVE_COST}', ${SESSION_JIT_ABOVE_COST})) AS w(name, v, n) ` +
        `JOIN pg_settings s ON s.name = w.name WHERE s.setting::float8 < w.n`,
    );
    if (session.readOnly) await client.query('SET default_transaction_read_only = on');
    if (session.statementTimeoutMs) await client.query(`SET statement_timeout = ${Math.trunc(session.statementTimeoutMs)}`);
    async function* copyText(select: string, bindings: readonly unknown[]): AsyncGenerator<Uint8Array> {
      const { to } = await import('pg-copy-streams');
      yield* client.query(to(`COPY (${inlineBindings(select, bindings)}) TO STDOUT`)) as AsyncIterable<Buffer>;
    }
    return {
      async run(sql, bindings) {
        const res = await client.query(dollarPlaceholders(sql), bindings as unknown[]);
        // a multi-statement text without bindings answers with one result per statement
        const last = Array.isArray(res) ? res[res.length - 1] : res;
        return { rows: last?.rows ?? [], changes: last?.rowCount ?? 0 };
      },
      copyText,
      async *streamRows(select, bindings, batchRows) {
        // COPY's text format: a row per line, columns split by tabs, \N for NULL, and only
        // backslash, tab, newline and a few control characters escaped — each line split and
        // unescaped where it holds a backslash, nothing else parsed
        const stream = copyText(select, bindings);
        const decoder = new StringDecoder('utf8');
        let partial = '';
        let batch: unknown[][] = [];
        for await (const chunk of stream) {
          const text = partial + decoder.write(chunk as Buffer);
          let start = 0;
          for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
            batch.push(copyTextRow(text.slice(start, end)));
            start = end + 1;
          }
          partial = text.slice(start);
          if (batch.length >= batchRows) {
            yield batch;
            batch = [];
          }
        }
        if (partial || decoder.end()) throw new Error('the database ended a COPY inside a row');
        if (batch.length) yield batch;
      },
      close: () => client.end(),
    };
  }

  encodeTime(t: Instant): string {
    return toIso(t);
  }

  countWhenSql(conditionSql: string): string {
    // the aggregate's own filter: no CASE evaluated per row (168 h of 1M rows, seven status counts: PostgreSQL 17.4 → 15.7 ms)
    return `COUNT(*) FILTER (WHERE ${conditionSql})`;
  }

  bucketRangesSql(): string {
    return `(SELECT lo, COALESCE(hi, 'infinity'::timestamptz) AS hi, i FROM unnest(CAST(? AS timestamptz[]), CAST(? AS timestamptz[])) WITH ORDINALITY AS u(lo, hi, i)) b`;
  }

  encodeBool(b: boolean | null): unknown {
    return b;
  }

  encodeJson(v: unknown): unknown {
    return JSON.stringify(v);
  }

  quote(identifier: string): string {
    return quoteIdentifier(identifier, '"');
  }

  createTaskTableSql(table: string, userTable: string | null): string[] {
    const t = this.quote(table);
    const idx = (c: string, suffix = '') => createIndexName(table, [c], suffix, this.maxNameLength);
    const stmts = [
      `CREATE TABLE ${t} ("id" bigserial NOT NULL PRIMARY KEY, "job_id" varchar(100) NOT NULL UNIQUE, "task_name" varchar(200) NOT NULL, "queue_name" varchar(100) NOT NULL, "args" jsonb NOT NULL, "kwargs" jsonb NOT NULL, "status" varchar(20) NOT NULL, "duration_ms" integer NULL, "job_retry" integer NOT NULL, "job_retries" integer NOT NULL, "job_retry_after" integer NOT NULL, "success" boolean NULL, "result" text NULL, "error_message" text NULL, "worker_id" varchar(100) NULL, "enqueue_time" timestamp with time zone NOT NULL, "expire_time" timestamp with time zone NULL, "start_time" timestamp with time zone NULL, "finish_time" timestamp with time zone NULL, "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL, "user_id" integer NULL)`,
      `CREATE INDEX "${metaIndexName(table, ['task_name', '-enqueue_time'])}" ON ${t} ("task_name", "enqueue_time" DESC)`,
      `CREATE INDEX "${metaIndexName(table, ['status', '-enqueue_time'])}" ON ${t} ("status", "enqueue_time" DESC)`,
      `CREATE INDEX "${metaIndexName(table, ['queue_name', 'status'])}" ON ${t} ("queue_name", "status")`,
      `CREATE INDEX "${metaIndexName(table, ['success', '-enqueue_time'])}" ON ${t} ("success", "enqueue_time" DESC)`,
      `CREATE INDEX "${metaIndexName(table, ['-created_at'])}" ON ${t} ("created_at" DESC)`,
    ];
    if (userTable) {
      stmts.push(
        `ALTER TABLE ${t} ADD CONSTRAINT "${idx('user_id', `_fk_${userTable}_id`)}" FOREIGN KEY ("user_id") REFERENCES ${this.quote(userTable)} ("id") DEFERRABLE INITIALLY DEFERRED`,
      );
    }
    stmts.push(
      `CREATE INDEX "${idx('job_id', '_like')}" ON ${t} ("job_id" varchar_pattern_ops)`,
      `CREATE INDEX "${idx('task_name')}" ON ${t} ("task_name")`,
      `CREATE INDEX "${idx('task_name', '_like')}" ON ${t} ("task_name" varchar_pattern_ops)`,
      `CREATE INDEX "${idx('queue_name')}" ON ${t} ("queue_name")`,
      `CREATE INDEX "${idx('queue_name', '_like')}" ON ${t} ("queue_name" varchar_pattern_ops)`,
      `CREATE INDEX "${idx('status')}" ON ${t} ("status")`,
      `CREATE INDEX "${idx('status', '_like')}" ON ${t} ("status" varchar_pattern_ops)`,
      `CREATE INDEX "${idx('enqueue_time')}" ON ${t} ("enqueue_time")`,
      `CREATE INDEX "${idx('user_id')}" ON ${t} ("user_id")`,
    );
    return stmts;
  }

  createUserTableSql(userTable: string): string[] {
    return [
      `CREATE TABLE ${this.quote(userTable)} ("id" serial NOT NULL PRIMARY KEY, "password" varchar(128) NOT NULL, "last_login" timestamp with time zone NULL, "is_superuser" boolean NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "first_name" varchar(150) NOT NULL, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" boolean NOT NULL, "is_active" boolean NOT NULL, "date_joined" timestamp with time zone NOT NULL)`,
    ];
  }

  microsBetweenSql(fromSql: string, toSql: string): string {
    // an interval is whole microseconds; date_part gives them as a double (exact below 285 years),
    // and is several times cheaper than EXTRACT, which returns numeric since PostgreSQL 14
    return `ROUND(date_part('epoch', ${toSql} - ${fromSql}) * 1000000)::bigint`;
  }

  epochSecondsSql(columnSql: string): string {
    // date_part is double precision where EXTRACT is numeric (PostgreSQL 14+): a third faster per row,
    // and exact here — at 2^31 s a double resolves 2.4e-7 s, finer than the microseconds stored
    return `FLOOR(date_part('epoch', ${columnSql}))::bigint`;
  }

  intDivSql(a: string, b: string): string {
    return `((${a})::bigint / (${b})::bigint)`;
  }

  vacuumSql(table: string): string {
    
    return `VACUUM (ANALYZE) ${this.quote(table)}`;
  }

  relaxedCommitSql(): string[] {
    return ['SET synchronous_commit = off'];
  }

  analyzeSql(table: string): string {
    return `ANALYZE ${this.quote(table)}`;
  }

  readonly lockingRead = ' FOR UPDATE';

  upsertSql(table: string, columns: readonly string[], rowCount: number, update: readonly string[]): string {
    return onConflictUpsertSql((c) => this.quote(c), table, columns, rowCount, update);
  }

  /**
   * Rows inserted with their own ids leave the id sequence behind (serial and
   * identity columns alike): the next row the application inserts would take
   * an id that exists. Move it to the largest id, never back.
   */
  async syncIdSequence(db: Sql, table: string): Promise<void> {
    const seq = await db.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence(?, 'id') AS seq`, [this.quote(table)]);
    const name = seq[0]?.seq;
    if (!name) return;
    await db.query(
      `SELECT setval(?::regclass, GREATEST((SELECT MAX(${this.quote('id')}) FROM ${this.quote(table)}), COALESCE(pg_sequence_last_value(?::regclass), 0), 1))`,
      [name, name],
    );
  }

  async listIndexes(db: Sql, table: string): Promise<string[]> {
    const res = await db.query(`SELECT indexname FROM pg_indexes WHERE tablename = ? AND schemaname = current_schema()`, [bareTable(table)]);
    return res.map((r) => String(r.indexname));
  }

  async listColumns(db: Sql, table: string): Promise<string[]> {
    const res = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()`, [bareTable(table)]);
    return res.map((r) => String(r.column_name));
  }

  async tablesWithColumns(db: Sql, columns: readonly string[]): Promise<string[]> {
    const res = await db.query(
      `SELECT table_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name IN (${columns.map(() => '?').join(', ')}) ` +
        `GROUP BY table_name HAVING COUNT(DISTINCT column_name) = ? ORDER BY table_name COLLATE "C"`,
      [...columns, columns.length],
    );
    return res.map((r) => String(r.name));
  }

  /**
   * The table's extent from what PostgreSQL keeps anyway: MIN/MAX of
   * created_at (its index's edges), the rows of the last ANALYZE, and the
   * planner's statistics for the order (created_at's correlation with the
   * rows' physical order, −1 … 1). Null before an ANALYZE (no statistics)
   * and for an empty table. Its planner judges a window by itself: this
   * serves the timeline's choice of ranges.
   */
  async tableExtent(db: Sql, table: string): Promise<TableExtent | null> {
    const c = this.quote('created_at');
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT (SELECT MIN(${c}) FROM ${this.quote(table)}) AS first, (SELECT MAX(${c}) FROM ${this.quote(table)}) AS last, ` +
        `(SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)) AS n, ` +
        `(SELECT s.correlation FROM pg_stats s JOIN pg_class t ON t.relname = s.tablename JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = s.schemaname ` +
        `WHERE t.oid = to_regclass(?) AND s.attname = 'created_at') AS correlation`,
      [this.quote(table), this.quote(table)],
    );
    const correlation = row.correlation === null || row.correlation === undefined ? NaN : Number(row.correlation);
    const rows = Number(row.n ?? -1);
    if (row.first === null || row.first === undefined || !Number.isFinite(correlation) || !(rows > 0)) return null;
    return { rows, first: row.first, last: row.last, inTimeOrder: correlation >= TIME_ORDERED_CORRELATION };
  }

  async estimateRows(db: Sql, table: string): Promise<{ rows: number; estimate: boolean }> {
    const res = await db.query(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass(?)`, [this.quote(table)]);
    const n = Number(res[0]?.n ?? -1);
    if (n >= 0) return { rows: n, estimate: true };
    const c = await db.query(`SELECT COUNT(*) AS n FROM ${this.quote(table)}`);
    return { rows: Number(c[0].n), estimate: false };
  }

  percentileContSql(expr: string, fraction: number): string {
    return `percentile_cont(${fraction}) WITHIN GROUP (ORDER BY ${expr})`;
  }

  async estimateSelectRows(db: Sql, selectSql: string, bindings: readonly unknown[]): Promise<number | null> {
    const rows = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${selectSql}`, bindings);
    const raw = rows[0]?.['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan?: { 'Plan Rows'?: number } }[];
    const n = plan?.[0]?.Plan?.['Plan Rows'];
    return typeof n === 'number' && Number.isFinite(n) ? Math.round(n) : null;
  }

  async tableExists(db: Sql, table: string): Promise<boolean> {
    // to_regclass resolves the name as a query would (search_path, schema.table) and, unlike
    // information_schema (tens of milliseconds), answers from the catalog cache
    const res = await db.query<{ found: unknown }>(`SELECT to_regclass(?) IS NOT NULL AS found`, [this.quote(table)]);
    return Boolean(res[0]?.found);
  }

  async serverVersion(db: Sql): Promise<string> {
    const res = await db.query('SELECT version() AS v');
    return String(res[0].v).split(' on ')[0];
  }

  describeConnectError(err: unknown, target: Target, timeoutMs: number): string {
    const where = target.display;
    const net = describeNetworkError(err, where, timeoutMs);
    if (net) return net;
    const code = errorCode(err);
    const msg = errorMessage(err);
    if (code === '3D000') return `cannot connect to ${where}: ${msg}`;
    if (code === '28P01' || code === '28000') return `cannot connect to ${where}: authentication failed (${msg})`;
    return `cannot connect to ${where}: ${msg}`;
  }
}

const COPY_ESCAPES = new Map([['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t'], ['v', '\v']]);

/** One line of COPY's text format as its columns: text, or null for \N. */
export function copyTextRow(line: string): (string | null)[] {
  const cells: (string | null)[] = line.split('\t');
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell.includes('\\')) cells[i] = cell === '\\N' ? null : unescapeCopyText(cell);
  }
  return cells;
}

/** One column of a line of COPY's text format as its text, or null for \N. */
export function copyTextCell(cell: string): string | null {
  return cell.includes('\\') ? (cell === '\\N' ? null : unescapeCopyText(cell)) : cell;
}

/** COPY's backslash sequences undone (it writes \\ \b \f \n \r \t \v; the octal and \x forms COPY FROM also reads, as that code point). */
function unescapeCopyText(cell: string): string {
  return cell.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|([^]))/g, (_m, oct: string | undefined, hex: string | undefined, c: string | undefined) =>
    oct !== undefined ? String.fromCharCode(parseInt(oct, 8)) : hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : (COPY_ESCAPES.get(c!) ?? c!),
  );
}

/**
 * tasklog's indexes on PostgreSQL, each built with CREATE INDEX
 * CONCURRENTLY (writers go on; a build that breaks off leaves an invalid
 * index, which present() ignores and the next create replaces). Search: a
 * pg_trgm GIN index on searchExpr (the extension comes with
 * postgresql-contrib). Report: a B-tree on created_at that INCLUDEs every
 * column the window reports read, so they read the index only.
 */
function postgresOwnIndexes(d: PostgresDialect): OwnIndexes {
  const q = (s: string) => d.quote(s);
  const name = (table: string, kind: OwnIndexKind) => ownIndexName(table, kind, d.maxNameLength);
  // an index lives in its table's schema
  const qualified = (table: string, kind: OwnIndexKind) => {
    const dot = table.lastIndexOf('.');
    return q(dot >= 0 ? `${table.slice(0, dot)}.${name(table, kind)}` : name(table, kind));
  };
  const indexSql = (table: string, kind: OwnIndexKind) =>
    kind === 'search'
      ? `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${q(name(table, kind))} ON ${q(table)} USING gin ((${d.searchExpr(q)}) gin_trgm_ops)`
      : `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${q(name(table, kind))} ON ${q(table)} (${q('created_at')}) INCLUDE (${REPORT_COLUMNS.map(q).join(', ')})`;
  /** the index's state: absent, or whether it is valid */
  const state = async (db: Sql, table: string, kind: OwnIndexKind): Promise<'absent' | 'valid' | 'invalid'> => {
    const rows = await db.query<{ ok: unknown }>(
      `SELECT i.indisvalid AND i.indisready AS ok FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(?) AND c.relname = ?`,
      [q(table), name(table, kind)],
    );
    return rows.length === 0 ? 'absent' : rows[0].ok ? 'valid' : 'invalid';
  };
  const ensureTrigram = async (db: Sql, database: string) => {
    const have = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'`);
    if (have.length) return;
    try {
      await db.exec('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    } catch (err) {
      const code = err instanceof DatabaseError ? err.code : undefined;
      if (code === '42501') {
        throw new RuntimeFailure(`the search index needs the pg_trgm extension, which ${database} does not have and this user may not create: ask a superuser to run CREATE EXTENSION pg_trgm; in it, then run this again`, 'no_extension');
      }
      if (code === '58P01' || code === '0A000' || code === '42704') {
        throw new RuntimeFailure(`the search index needs the pg_trgm extension, which this PostgreSQL server does not have (it comes with the postgresql-contrib package)`, 'no_extension');
      }
      throw err;
    }
  };
  return {
    notOffered: () => null,
    async present(db, table) {
      const rows = await db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(?) AND i.indisvalid AND i.indisready AND c.relname IN (?, ?)`,
        [q(table), name(table, 'search'), name(table, 'report')],
      );
      const found = new Set(rows.map((r) => String(r.name)));
      return new Set((['search', 'report'] as const).filter((k) => found.has(name(table, k))));
    },
    createSql(table, kind) {
      return [...(kind === 'search' ? ['CREATE EXTENSION IF NOT EXISTS pg_trgm'] : []), indexSql(table, kind), kind === 'report' ? `VACUUM (ANALYZE) ${q(table)}` : `ANALYZE ${q(table)}`];
    },
    async create(build: IndexBuild, table, kind) {
      const db = build.sql;
      if (kind === 'search') {
        const [cur] = await db.query<{ d: string }>('SELECT current_database() AS d');
        await ensureTrigram(db, `database ${cur.d}`);
      }
      if ((await state(db, table, kind)) === 'invalid') await db.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified(table, kind)}`);
      let polling: Promise<void> | null = null;
      const timer = setInterval(() => {
        polling ??= db
          .query<Record<string, unknown>>(`SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total FROM pg_stat_progress_create_index WHERE relid = to_regclass(?)`, [q(table)])
          .then(([p]) => {
            if (!p) return;
            const [done, total, what] = Number(p.tuples_total) > 0 ? [p.tuples_done, p.tuples_total, 'rows'] : [p.blocks_done, p.blocks_total, 'blocks'];
            build.progress(Number(done), Number(total) || null, `${what}, ${String(p.phase)}`);
          })
          .catch(() => undefined)
          .finally(() => {
            polling = null;
          });
      }, PROGRESS_EVERY_MS);
      try {
        await db.exec(indexSql(table, kind));
      } finally {
        clearInterval(timer);
        await polling;
      }
      // the planner's statistics of the new expression (search); the visibility map that lets a scan read the index alone (report)
      build.progress(0, null, kind === 'report' ? 'VACUUM (ANALYZE)' : 'ANALYZE');
      await db.exec(kind === 'report' ? `VACUUM (ANALYZE) ${q(table)}` : `ANALYZE ${q(table)}`);
    },
    async drop(db, table, kind) {
      await db.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified(table, kind)}`);
    },
    async size(db, table, kind) {
      const rows = await db.query<{ n: unknown }>(`SELECT pg_relation_size(to_regclass(?)) AS n`, [qualified(table, kind)]);
      return rows[0]?.n === null || rows[0]?.n === undefined ? null : Number(rows[0].n);
    },
  };
}

/** `?` placeholders as PostgreSQL's `$1, $2, …`, leaving quoted text and identifiers alone. */
export function dollarPlaceholders(sql: string): string {
  return replacePlaceholders(sql, (n) => `$${n + 1}`);
}

/**
 * The statement with each `?` replaced by its binding as a literal, for the
 * statements that take no parameters (COPY). Each value is written as the
 * text node-postgres sends for a parameter, in an untyped string literal
 * (NULL for null), so the server reads it as it reads that parameter: its
 * type from where it stands.
 */
export function inlineBindings(sql: string, bindings: readonly unknown[]): string {
  let used = 0;
  const text = replacePlaceholders(sql, (n) => {
    used = n + 1;
    if (n >= bindings.length) throw new Error(`statement has more placeholders than its ${bindings.length} bindings`);
    return pgLiteral(bindings[n]);
  });
  if (used !== bindings.length) throw new Error(`statement has ${used} placeholders for ${bindings.length} bindings`);
  return text;
}

export function pgLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') text = String(value);
  else throw new Error(`cannot write a ${typeof value} binding as a literal`);
  // an escape string: the same text whatever standard_conforming_strings says
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** `?` placeholders outside quotes, numbered from 0, replaced by `put(n)`. */
function replacePlaceholders(sql: string, put: (n: number) => string): string {
  if (!sql.includes('?')) return sql;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      out += c;
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      out += put(n++);
    } else {
      out += c;
    }
  }
  return out;
}
