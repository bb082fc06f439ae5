import type { Instant } from '../../core/time.js';
import type { OwnIndexKind } from '../schema.js';
import type { Backend, Target } from '../url.js';

/** A connection, or a transaction on one: SQL with `?` placeholders. */
export interface Sql {
  /** rows of a SELECT (or of a statement with RETURNING) */
  query<T = Record<string, unknown>>(sql: string, bindings?: readonly unknown[]): Promise<T[]>;
  /** runs a statement; the number of rows it changed */
  exec(sql: string, bindings?: readonly unknown[]): Promise<number>;
}

/**
 * How a read of a created_at window reaches its rows: 'index' walks the
 * created_at index and looks up each row, 'scan' reads the table in its own
 * order and tests each row. The same rows either way.
 */
export type WindowPlan = 'index' | 'scan';

/** What choosing a window plan may know of a table, cheaply (no row read beyond a few). */
export interface TableExtent {
  /** rows (an estimate: the span of ids, or the last ANALYZE) */
  rows: number;
  /** the earliest and latest created_at, as stored */
  first: unknown;
  last: unknown;
  /** whether the table's physical order follows created_at (rows appended as they were created) */
  inTimeOrder: boolean;
}

/** Everything that differs between databases lives behind this interface, one class per database. */
export interface Dialect {
  readonly backend: Backend;
  /** the database's name for messages: PostgreSQL, MySQL/MariaDB, SQLite */
  readonly productName: string;
  /** Django's max_name_length for index names (null: unlimited, SQLite) */
  readonly maxNameLength: number | null;
  /**
   * whether GROUP BY of a text column puts two values in one group only when
   * they are the same characters (as a JavaScript Map would): false where the
   * column's collation folds case or trailing spaces (MySQL's defaults)
   */
  readonly groupsTextExactly: boolean;
  /**
   * Appended to a FROM subquery so the planner runs it as it is instead of
   * pasting its expressions into the outer query, where an expression used
   * by several aggregates would be computed once for each (OFFSET 0, the
   * usual fence); '' where none is needed or a fence would cost more.
   */
  readonly subqueryFence: string;
  /** how many rows of a group a condition holds for, where the database counts them faster than SUM(CASE …) (ClickHouse's countIf: half the time; SQLite's and PostgreSQL's FILTER) */
  countWhenSql?(conditionSql: string): string;
  /** how many connections a command may open at once (queries of one report run side by side) */
  readonly maxConnections: number;
  /**
   * Where a filtered page and its count come cheaper from one statement
   * (COUNT(*) OVER () beside the ids a page sorts: one read of the matching
   * rows, not one for the count and one for the page) — PostgreSQL, whose
   * planner costs the window's need for every row; not SQLite, whose planner
   * may then walk an ordering index over the whole table.
   */
  readonly countWithPage?: boolean;
  /** opens one connection with the database's driver, imported here, only when a command needs it */
  openConnection(target: Target, timeoutMs: number, session?: SessionOptions): Promise<DriverConnection>;
  /** the statement that starts a write transaction */
  readonly beginSql: string;
  /** true and false as SQL literals a boolean column compares with */
  readonly trueSql: string;
  readonly falseSql: string;
  /** the column type of a time with microseconds, as Django declares a DateTimeField */
  readonly timeType: string;
  /** the column type of text of any length (Django's TextField) */
  readonly longTextType: string;
  /** rows per multi-row INSERT of the 22 task columns, within the database's limit on bound values */
  readonly insertBatchRows: number;
  /** text and JSON columns can hold a NUL character (PostgreSQL's cannot) */
  readonly storesNul: boolean;
  /**
   * An upsert by job_id can land on a row other than the one written: the
   * key compares equal under a collation (case, accents, trailing spaces) or
   * another writer took the id meanwhile, since there is no locking read.
   * Then every batch is read back after writing (MySQL/MariaDB).
   */
  readonly upsertMayMerge: boolean;
  /** a time as a bind value the column compares correctly against (ClickHouse: microseconds since the epoch) */
  encodeTime(t: Instant): string | number;
  encodeBool(b: boolean | null): unknown;
  /** the text a JSON column is written with */
  encodeJson(v: unknown): unknown;
  quote(identifier: string): string;
  /** Django's CREATE TABLE and CREATE INDEX statements for the model on this database */
  createTaskTableSql(table: string, userTable: string | null): string[];
  /** a minimal Django auth_user table (demo creates one when there is none) */
  createUserTableSql(userTable: string): string[];
  tableExists(db: Sql, table: string): Promise<boolean>;
  /** whole microseconds from `fromSql` to `toSql` (NULL when either is NULL), exact */
  microsBetweenSql(fromSql: string, toSql: string): string;
  /** whole seconds since the epoch of a time column (UTC) */
  epochSecondsSql(columnSql: string): string;
  /** integer division of non-negative integers */
  intDivSql(a: string, b: string): string;
  /** reclaims the space of deleted rows (cleanup --vacuum); runs outside a transaction */
  vacuumSql(table: string): string;
  /**
   * Session settings for a bulk delete whose commits need not wait for the
   * disk: a crash may bring back the last moment's deleted rows, never
   * corrupt anything, and a rerun deletes them again (PostgreSQL's
   * synchronous_commit). Empty where no such setting is safe.
   */
  relaxedCommitSql(): string[];
  /** refreshes the planner's statistics after a bulk load */
  analyzeSql(table: string): string;
  /**
   * INSERT of `rowCount` rows of `columns` (a `?` per value, row after row)
   * that, for a row whose job_id already exists, updates `update` of the
   * existing row instead (its id stays). `update` must not be empty.
   */
  upsertSql(table: string, columns: readonly string[], rowCount: number, update: readonly string[]): string;
  /** appended to a SELECT inside a write transaction to lock the rows it reads ('' where that would lock more, or nothing) */
  readonly lockingRead: string;
  /** after rows were inserted with explicit ids: move the id counter past them (PostgreSQL's sequence) */
  syncIdSequence?(db: Sql, table: string): Promise<void>;
  /** names of the indexes on a table */
  listIndexes(db: Sql, table: string): Promise<string[]>;
  /** names of the columns of a table */
  listColumns(db: Sql, table: string): Promise<string[]>;
  /** the tables (of the current schema or database) that have every one of these columns, by name */
  tablesWithColumns(db: Sql, columns: readonly string[]): Promise<string[]>;
  /** the planner's row count (cheap); SQLite counts */
  estimateRows(db: Sql, table: string): Promise<{ rows: number; estimate: boolean }>;
  /**
   * The planner's estimate of how many rows a SELECT returns, cheap (no rows
   * read), or null where the database has none worth printing.
   */
  estimateSelectRows?(db: Sql, selectSql: string, bindings: readonly unknown[]): Promise<number | null>;
  /**
   * Whether the database would sort a SELECT's rows for its ORDER BY itself
   * (rather than read them in order from an index), by its plan, no rows
   * read; absent where tasklog does not ask (only SQLite's export cuts a
   * statement into ranges of its order, each of which would then sort).
   */
  sortsRows?(db: Sql, selectSql: string, bindings: readonly unknown[]): Promise<boolean>;
  /**
   * An aggregate giving the exact percentile (linear interpolation between
   * the two nearest ranks, as PostgreSQL's percentile_cont) of a non-NULL
   * expression; absent where the database has none (MySQL/MariaDB only have
   * it as a window function), and tasklog ranks the values itself.
   */
  percentileContSql?(expr: string, fraction: number): string;
  /**
   * A numeric column's value where it is a number and NULL where it is not:
   * SQLite keeps whatever a program wrote in any column (a text in
   * duration_ms), which its aggregates would add as 0 or sort above every
   * number, and its percentile_cont refuses. Absent where the column's type is
   * checked on write.
   */
  numericSql?(columnSql: string): string;
  /**
   * Where the database has neither percentile_cont nor window functions
   * (ClickHouse: its exact quantiles pick a value, sorting arrays is slow):
   * the values percentile_cont reads, of several measures at once, per group
   * of `group` (key '' without one), with the caller's other aggregates of
   * the same rows — in two passes over them: the first picks each measure's
   * exact quantiles, the second computes the aggregates and, around each
   * pick, the counts below and up to it and its nearest neighbours. For each
   * measure its non-NULL count and its value at a rank (1-based) — at least
   * at the two ranks around each per-mille position asked for.
   */
  pickedPercentiles?(db: Sql, rows: PickedRows): Promise<Map<string, Picked>>;
  /**
   * The table's rows, created_at span and whether its rows lie in time
   * order, read cheaply (null where it cannot tell): what tasklog judges a
   * window's share by, where it chooses how to read it — SQLite's plan (its
   * planner, without statistics, walks the created_at index for any bound:
   * with windowColumnSql, the created_at term of a window for a plan) and
   * PostgreSQL's timeline ranges. Absent on MySQL.
   */
  tableExtent?(db: Sql, table: string): Promise<TableExtent | null>;
  windowColumnSql?(columnSql: string, plan: WindowPlan): string;
  /**
   * Where a timeline counts faster one created_at range per bucket than by a
   * key computed from every row and hashed (PostgreSQL: an index range each,
   * no date_part and no hash table): a FROM item `b(lo, hi, i)` of the
   * buckets from two bound arrays of times (the dialect's encodeTime; a
   * null hi: no end), i counting from 1.
   */
  bucketRangesSql?(): string;
  /** appended to the task table in a window read that should walk the report index, where the planner needs telling (SQLite's INDEXED BY) */
  reportIndexHint?(table: string): string;
  /** runs once after connecting (feature detection) */
  init?(db: Sql): Promise<void>;
  /**
   * "column contains term", case-insensitive for all of Unicode, with no
   * wildcard characters (% and _ are plain text), with its bindings.
   */
  foldContains(columnSql: string, term: string): { sql: string; bindings: unknown[] };
  /**
   * "any of these columns contains term", as foldContains on each ORed, where
   * the database does it faster at once; absent: tasklog ORs foldContains.
   */
  foldContainsAny?(columnsSql: readonly string[], term: string): { sql: string; bindings: unknown[] } | null;
  /**
   * "column starts with prefix", byte for byte (case and accents as they
   * are, % and _ plain text), in a form the column's index can serve.
   */
  startsWith(columnSql: string, prefix: string): { sql: string; bindings: unknown[] };
  /**
   * The value at `path` (keys and array indexes) inside a JSON column,
   * stored as Django stores a JSONField on this database ('json': args,
   * kwargs) or as text that may hold JSON ('text': result, never read when it
   * is not JSON). SQL expressions without bindings: the path is written into
   * them (each key was checked to be plain text: no quotes, backslashes or
   * control characters), values are compared through bindings by the caller.
   */
  jsonValue(columnSql: string, stored: 'json' | 'text', path: readonly JsonStep[]): JsonValueSql;
  /**
   * Where tasklog's search index (migrate --search-index) exists and serves
   * this term: the same condition as foldContains over every column of
   * `SEARCH_COLUMNS` ORed (plus `userIds`: ids of the users whose username
   * or email holds the term, for the CLI's --search), written so the
   * planner reads the index. null: the term is one the index cannot narrow
   * (too short, or no run of ASCII to look up); the caller folds as usual.
   */
  indexedSearch?(table: string, col: (c: string) => string, term: string, userIds: { sql: string; bindings: unknown[] } | null): { sql: string; bindings: unknown[] } | null;
  /** tasklog's own indexes on this database (migrate --search-index / --report-index) */
  readonly ownIndexes: OwnIndexes;
  /**
   * NOT of a condition that standard SQL never evaluates to NULL (a status
   * group, "has an error"); absent: NOT as it is. Where the database's AND
   * gives NULL for false AND NULL (ClickHouse 18.16), that NULL means false.
   */
  negateSql?(conditionSql: string): string;
  /**
   * A condition that standard SQL never evaluates to NULL (a status group,
   * "has an error") written so that this database does not either; absent:
   * as it is. ClickHouse 18.16's AND gives NULL for false AND NULL, which a
   * NOT around it (--where "not has_error") would keep NULL.
   */
  neverNullSql?(conditionSql: string): string;
  /**
   * The user's username and email are columns of the task rows themselves
   * (the ClickHouse archive keeps them as they were when archived): read,
   * filtered and searched there, with no user table to join.
   */
  readonly userInRows?: boolean;
  /**
   * The task log here is an archive that only `tasklog archive` writes (the
   * ClickHouse archive): commands that write the task log refuse it.
   */
  readonly archiveOnly?: boolean;
  /** the connection streams a statement's rows as they come (DriverConnection.streamRows) */
  readonly streamsRows?: boolean;
  /** a condition the planner should not expect to narrow the rows much (SQLite's likely()); absent: as it is */
  unselective?(conditionSql: string): string;
  /** a text column compared byte by byte (code point order), the same on every database */
  binaryText(columnSql: string): string;
  serverVersion(db: Sql): Promise<string>;
  /** whether a failure to connect says the server has no such database (ClickHouse; the others name it in describeConnectError) */
  isMissingDatabase?(err: unknown): boolean;
  /** Turns a driver error into one line a user can act on. */
  describeConnectError(err: unknown, target: Target, timeoutMs: number): string;
}

/** A step of a JSON path: an object key or an array index. */
export type JsonStep = string | number;

/** A JSON value in SQL, by its type: each expression is NULL unless the value is of that type. */
export interface JsonValueSql {
  /** a string: its text (escapes decoded) */
  text: string;
  /** a number */
  number: string;
  /** true or false, as the dialect's trueSql/falseSql compare */
  bool: string;
  /** a condition, never NULL: the path leads nowhere, or to JSON null */
  missing: string;
}

/** A JSON path for SQLite's and MySQL's JSON functions: $."key"[0]; keys were checked to hold no quote or backslash. */
export function dollarPath(path: readonly JsonStep[]): string {
  return '$' + path.map((s) => (typeof s === 'number' ? `[${s}]` : `."${s}"`)).join('');
}

/** A SQL string literal of text that holds no quote (checked by the caller); doubled anyway. */
export function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** LIKE's wildcards and its escape character made plain text (escape: backslash). */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/** What building one of tasklog's own indexes may use. */
export interface IndexBuild {
  /** statements outside a transaction; two may run side by side (a build and a look at its progress) */
  sql: Sql;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** how far the build is (total null: unknown) */
  progress(done: number, total: number | null, what: string): void;
}

/** tasklog's own indexes: made, found and dropped the database's way. */
export interface OwnIndexes {
  /** why this database does not offer a kind (one line for the user), or null */
  notOffered(kind: OwnIndexKind): string | null;
  /** the kinds that exist on the table, complete and usable (a build that broke off does not count) */
  present(db: Sql, table: string): Promise<Set<OwnIndexKind>>;
  /** the statements that make one, as --sql prints them */
  createSql(table: string, kind: OwnIndexKind): string[];
  /** makes one that is not present, without blocking writers where the database can; leftovers of a broken build are replaced */
  create(build: IndexBuild, table: string, kind: OwnIndexKind): Promise<void>;
  /** drops one and anything a broken build of it left */
  drop(db: Sql, table: string, kind: OwnIndexKind): Promise<void>;
  /** bytes it takes on disk (null: not known) */
  size(db: Sql, table: string, kind: OwnIndexKind): Promise<number | null>;
}

/**
 * The columns the window reports (stats, timeline, groups) read, besides
 * created_at: a covering report index holds them all, so a window is read
 * from the index alone.
 */
export const REPORT_COLUMNS = ['status', 'success', 'duration_ms', 'job_retries', 'enqueue_time', 'start_time', 'task_name', 'queue_name'] as const;

/**
 * Runs of a search term (already folded) that any value holding it must
 * hold as ASCII text: every character whose lower case is ASCII is ASCII
 * itself, save K (U+212A, → k) and İ (U+0130, → i̇), which a search index
 * stores as k and i (asciiFoldSpecials). The maximal runs of ASCII
 * characters of the term, at least `min` long.
 */
export function asciiRuns(folded: string, min: number): string[] {
  return folded.split(/[^\x00-\x7f]+/).filter((r) => r.length >= min);
}

/** The rows pickedPercentiles reads: FROM and WHERE (with bindings), the group's expression (null: none), the measures and the other aggregates. */
export interface PickedRows {
  from: string;
  where: string;
  bindings: readonly unknown[];
  group: string | null;
  /** each measure: its expression (NULLs left out) and the per-mille positions wanted */
  measures: readonly { expr: string; perMille: readonly number[] }[];
  /** more aggregates of the same rows, each with its alias ("COUNT(*) AS total, …"), computed in the second pass */
  aggregates: string;
}

/** A group's aggregates (by alias) and, per measure, its non-NULL count and its values by rank */
export interface Picked {
  row: Record<string, unknown>;
  measures: { count: number; at(rank: number): number | undefined }[];
}

/** How a long-running reader (tasklog serve) wants its connections. */
export interface SessionOptions {
  /** the session can never write: SQLite opened read-only, PostgreSQL and MySQL sessions set read-only */
  readOnly?: boolean;
  /** the server cancels any statement running longer (PostgreSQL, MySQL, MariaDB; SQLite has no such limit) */
  statementTimeoutMs?: number;
  /** what connecting may create when it is missing (migrate, archive): the ClickHouse database of the URL */
  create?: boolean;
}

/** One open connection: SQL with `?` placeholders in, rows or a count of changed rows out. */
export interface DriverConnection {
  run(sql: string, bindings: readonly unknown[]): Promise<{ rows: Record<string, unknown>[]; changes: number }>;
  /**
   * Every row of `select` in one statement the database streams, in batches
   * of about `batchRows` rows, each row an array of its columns' values in
   * the select's order, as the database hands them over without types: text,
   * numbers, null (SQLite's values, PostgreSQL's COPY text, MySQL's text
   * protocol). The values decodeRow takes. Memory stays flat: the next batch
   * is read when the consumer asks for it. Breaking off may leave the
   * connection unusable: close it.
   */
  streamRows(select: string, bindings: readonly unknown[], batchRows: number): AsyncIterable<unknown[][]>;
  /**
   * Where the database streams rows in PostgreSQL's COPY text format (COPY …
   * TO STDOUT): its bytes as they arrive — UTF-8, a row per line, columns
   * split by tabs, \N for NULL, backslash, tab, newline, carriage return and
   * \b \f \v escaped by a backslash — for readers that work on the bytes
   * (the export's lines). Breaking off leaves the connection unusable.
   */
  copyText?(select: string, bindings: readonly unknown[]): AsyncIterable<Uint8Array>;
  /**
   * Where the database streams a statement's rows as they come (ClickHouse's
   * HTTP answer): each row decoded as run() decodes it, memory flat.
   * Breaking off leaves the connection unusable: close it.
   */
  streamRecords?(select: string, bindings: readonly unknown[]): AsyncIterable<Record<string, unknown>>;
  /** ClickHouse: an INSERT … FORMAT … statement, its rows streamed as the request's body */
  insert?(statement: string, body: string | AsyncIterable<string | Uint8Array>): Promise<void>;
  close(): Promise<void>;
}

/**
 * For a search term already lower-cased and all ASCII: the non-ASCII
 * characters whose full lower case (Unicode's, as JavaScript and ICU fold)
 * holds ASCII letters that could be part of a match — the Kelvin sign (→ k)
 * for a term with a k, and İ (→ i and a combining dot, so only at the term's
 * end) for a term ending in i. Every other character lowers to non-ASCII, so
 * a value without these matches exactly when its ASCII-only lower case does:
 * the cheap fold, with the full one only for the rare values holding them.
 */
export function asciiFoldSpecials(folded: string): string[] {
  return [...(folded.includes('k') ? ['\u212A'] : []), ...(folded.endsWith('i') ? ['\u0130'] : [])];
}

export function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown } | undefined;
  return typeof e?.code === 'string' ? e.code : undefined;
}

export function errorMessage(err: unknown): string {
  const e = err as { message?: unknown } | undefined;
  return typeof e?.message === 'string' ? e.message : String(err);
}

/** Common network failure wording for the two servers. */
export function describeNetworkError(err: unknown, where: string, timeoutMs: number): string | null {
  const code = errorCode(err);
  const msg = errorMessage(err);
  if (code === 'ECONNREFUSED') return `cannot connect to ${where}: connection refused (is the server running?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot connect to ${where}: unknown host`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `cannot connect to ${where}: host unreachable`;
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(msg)) {
    return `cannot connect to ${where}: no answer within ${timeoutMs / 1000} s (--connect-timeout)`;
  }
  if (code === 'ECONNRESET' || /Connection terminated/i.test(msg)) return `cannot connect to ${where}: the server closed the connection`;
  return null;
}

/** `(?, ?, …), (?, ?, …)`: the VALUES list of a multi-row INSERT. */
export function valuesPlaceholders(columnCount: number, rowCount: number): string {
  const one = `(${new Array(columnCount).fill('?').join(', ')})`;
  return new Array(rowCount).fill(one).join(', ');
}

/** Quotes a possibly schema-qualified identifier with the database's quote character. */
/** An aggregate: how many rows of the group the condition holds for (never NULL where there are rows). */
export function countWhen(d: Pick<Dialect, 'countWhenSql'>, conditionSql: string): string {
  return d.countWhenSql ? d.countWhenSql(conditionSql) : `SUM(CASE WHEN ${conditionSql} THEN 1 ELSE 0 END)`;
}

export function quoteIdentifier(identifier: string, q: '"' | '`'): string {
  return identifier
    .split('.')
    .map((p) => q + p.split(q).join(q + q) + q)
    .join('.');
}

/** INSERT … ON CONFLICT (job_id) DO UPDATE: the upsert PostgreSQL and SQLite (3.24+) share. */
export function onConflictUpsertSql(quote: (c: string) => string, table: string, columns: readonly string[], rowCount: number, update: readonly string[]): string {
  return (
    `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${valuesPlaceholders(columns.length, rowCount)} ` +
    `ON CONFLICT (${quote('job_id')}) DO UPDATE SET ${update.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}`
  );
}
