import { toMicros, type Instant } from '../../core/time.js';
import { ClickhouseError, ClickhouseHttp, CH_ERROR, inlineChBindings } from '../clickhouse-http.js';
import type { Target } from '../url.js';
import { UsageError } from '../../core/errors.js';
import { describeNetworkError, errorMessage, type Dialect, type DriverConnection, type JsonStep, type JsonValueSql, type OwnIndexes, type PickedRows, type Picked, type SessionOptions, type Sql } from './types.js';

/**
 * The archive's tables for a task log table T (the name tasklog reads with
 * --table, django_cfg_task_log by default), in the database of the URL:
 *
 *   T             a VIEW of the current version of every archived row: what reports read
 *   T_settled     settled versions (status success, failed, expired, canceled), written once
 *   T_open        the rows still open (queued, in progress, …), a fresh snapshot each run (PARTITION BY _run)
 *   T_superseded  (id, version) of settled versions no longer current (a retried failure); version is the _run that wrote it
 *   T_runs        one row per finished run: what is visible, where the next run starts, and
 *                 `snapshot`, the run whose T_open snapshot is current (an earlier one when nothing open changed)
 *
 * On a cluster each of them but the view is a Distributed table (sharded by
 * cityHash64(id); runs by cityHash64(run)) over a ReplicatedMergeTree named
 * with _local on every shard.
 */
export interface ArchiveNames {
  view: string;
  settled: string;
  open: string;
  superseded: string;
  runs: string;
}

export function archiveNames(table: string): ArchiveNames {
  return { view: table, settled: `${table}_settled`, open: `${table}_open`, superseded: `${table}_superseded`, runs: `${table}_runs` };
}

/** The local table under a Distributed one on each shard of a cluster. */
export const LOCAL_SUFFIX = '_local';

/**
 * A row of T_settled and T_open: the 22 task log columns with times as
 * microseconds since the epoch (UTC) in Int64 (18.16 has no DateTime64; the
 * same type in current ClickHouse), JSON as its text, success as 0/1, the
 * user's name and e-mail as they were when archived, and the archive's own
 * two: _hash (the row's content, what tells a new version from the same one)
 * and _run (the run that wrote it; invisible until that run finished).
 */
export const ARCHIVE_COLUMNS = [
  ['id', 'Int64'],
  ['job_id', 'String'],
  ['task_name', 'String'],
  ['queue_name', 'String'],
  ['args', 'String'],
  ['kwargs', 'String'],
  ['status', 'String'],
  ['duration_ms', 'Nullable(Int64)'],
  ['job_retry', 'Int64'],
  ['job_retries', 'Int64'],
  ['job_retry_after', 'Int64'],
  ['success', 'Nullable(UInt8)'],
  ['result', 'Nullable(String)'],
  ['error_message', 'Nullable(String)'],
  ['worker_id', 'Nullable(String)'],
  ['enqueue_time', 'Int64'],
  ['expire_time', 'Nullable(Int64)'],
  ['start_time', 'Nullable(Int64)'],
  ['finish_time', 'Nullable(Int64)'],
  ['created_at', 'Int64'],
  ['updated_at', 'Int64'],
  ['user_id', 'Nullable(Int64)'],
  ['username', 'Nullable(String)'],
  ['email', 'Nullable(String)'],
  ['_hash', 'UInt64'],
  ['_run', 'UInt64'],
] as const;

export type ArchiveColumn = (typeof ARCHIVE_COLUMNS)[number][0];

/** The columns a reader sees in the view: the row without the archive's own two. */
export const ARCHIVE_ROW_COLUMNS: readonly ArchiveColumn[] = ARCHIVE_COLUMNS.map(([c]) => c).filter((c) => !c.startsWith('_'));

/** A settled version no longer current: the row's id and created_at, the run that wrote the version, the run that superseded it. */
export const SUPERSEDED_COLUMNS = [
  ['id', 'Int64'],
  ['created_at', 'Int64'],
  ['version', 'UInt64'],
  ['_run', 'UInt64'],
] as const;

export const RUNS_COLUMNS = [
  ['run', 'UInt64'],
  ['started', 'Int64'],
  ['finished', 'Int64'],
  ['watermark', 'Int64'],
  ['source', 'String'],
  ['source_table', 'String'],
  ['archived', 'UInt64'],
  ['updated', 'UInt64'],
  ['unchanged', 'UInt64'],
  ['open', 'UInt64'],
  ['snapshot', 'UInt64'],
] as const;

/** The columns and types each of the archive's tables must have, by role. */
export const ARCHIVE_SHAPES: Record<Exclude<keyof ArchiveNames, 'view'>, readonly (readonly [string, string])[]> = {
  settled: ARCHIVE_COLUMNS,
  open: ARCHIVE_COLUMNS,
  superseded: SUPERSEDED_COLUMNS,
  runs: RUNS_COLUMNS,
};

/** Statements that return rows: answered as JSON (with the column types) and decoded. */
const RETURNS_ROWS = /^\s*\(*\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXISTS)\b/i;

/**
 * ClickHouse over its HTTP interface (18.16 as Debian packages it, and
 * current releases): the archive of the task log. No transactions; times are
 * Int64 microseconds; bindings are inlined as literals.
 */
export class ClickhouseDialect implements Dialect {
  readonly backend = 'clickhouse' as const;
  readonly productName = 'ClickHouse';
  readonly maxNameLength = null;
  readonly groupsTextExactly = true;
  readonly subqueryFence = '';
  readonly maxConnections = 4;
  /** no transactions: Db.transaction refuses (nothing writes the archive but archive, statement by statement) */
  readonly beginSql = '';
  readonly trueSql = '1';
  readonly falseSql = '0';
  readonly timeType = 'Int64';
  readonly longTextType = 'String';
  readonly insertBatchRows = 10_000;
  readonly storesNul = true;
  readonly upsertMayMerge = false;
  readonly lockingRead = '';

  async openConnection(target: Target, timeoutMs: number, session: SessionOptions = {}): Promise<DriverConnection> {
    const s = target.server!;
    // serve's statement timeout: the longest tasklog waits for an answer (none elsewhere)
    const http = new ClickhouseHttp({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, timeoutMs, answerTimeoutMs: session.statementTimeoutMs });
    if (session.create) {
      // the database of the URL, created when missing (migrate, archive); a read-only user can still check
      const found = await http.text(`SELECT count() FROM system.databases WHERE name = ${quoteString(s.database)}`, { database: null });
      if (found.trim() === '0') await http.text(`CREATE DATABASE IF NOT EXISTS ${this.quote(s.database)}`, { database: null });
    }
    return {
      async run(sql, bindings) {
        const text = inlineChBindings(sql, bindings);
        if (!RETURNS_ROWS.test(text)) {
          // INSERT … SELECT through a Distributed table: on every shard before it returns
          // (an INSERT goes as rows do: never sent twice, see ClickhouseHttp)
          await http.text(text, /^\s*INSERT\b/i.test(text) ? { settings: { insert_distributed_sync: 1 }, once: true } : {});
          return { rows: [], changes: 0 };
        }
        const body = await http.text(`${text}\nFORMAT JSON`);
        return { rows: decodeJsonRows(body), changes: 0 };
      },
      async *streamRecords(select, bindings) {
        yield* tsvRows(http.stream(`${inlineChBindings(select, bindings)}\nFORMAT TabSeparatedWithNamesAndTypes`));
      },
      // the export's untyped batches: the decoded records' values in the select's order (the archive's
      // readers go through streamRecords; this keeps the interface whole)
      async *streamRows(select, bindings, batchRows) {
        let batch: unknown[][] = [];
        for await (const r of tsvRows(http.stream(`${inlineChBindings(select, bindings)}\nFORMAT TabSeparatedWithNamesAndTypes`))) {
          batch.push(Object.values(r));
          if (batch.length >= batchRows) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      },
      async insert(sql, body) {
        // through a Distributed table the rows reach every shard before the statement returns
        await http.text(sql, { body, settings: { insert_distributed_sync: 1 } });
      },
      close: () => http.close(),
    };
  }

  encodeTime(t: Instant): number {
    return toMicros(t);
  }

  encodeBool(b: boolean | null): unknown {
    return b === null ? null : b ? 1 : 0;
  }

  encodeJson(v: unknown): unknown {
    return JSON.stringify(v);
  }

  quote(identifier: string): string {
    return identifier
      .split('.')
      .map((p) => '`' + p.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`')
      .join('.');
  }

  /** migrate --sql on ClickHouse: the archive's tables on one server */
  createTaskTableSql(table: string): string[] {
    return this.archiveTablesSql(table, null);
  }

  createUserTableSql(): string[] {
    throw new Error('the ClickHouse archive keeps the user name and e-mail in its rows: it has no user table');
  }

  /**
   * CREATE statements of the archive's tables (IF NOT EXISTS): on one server
   * MergeTree tables; with `cluster`, ON CLUSTER a ReplicatedMergeTree per
   * shard under a Distributed table. `database` qualifies every name (ON
   * CLUSTER runs on servers whose default database is another).
   */
  archiveTablesSql(table: string, cluster: { name: string; database: string } | null): string[] {
    const n = archiveNames(table);
    const db = cluster ? `${this.quote(cluster.database)}.` : '';
    const on = cluster ? ` ON CLUSTER ${this.quote(cluster.name)}` : '';
    const cols = (list: readonly (readonly [string, string])[]) => `(${list.map(([c, t]) => `${this.quote(c)} ${t}`).join(', ')})`;
    const stmts: string[] = [];
    const create = (name: string, list: readonly (readonly [string, string])[], engineTail: string, shardKey: string) => {
      if (!cluster) {
        stmts.push(`CREATE TABLE IF NOT EXISTS ${this.quote(name)} ${cols(list)} ENGINE = MergeTree ${engineTail}`);
        return;
      }
      const local = `${db}${this.quote(name + LOCAL_SUFFIX)}`;
      const zkPath = `/clickhouse/tables/{shard}/${cluster.database}/${name}`;
      stmts.push(
        `CREATE TABLE IF NOT EXISTS ${local}${on} ${cols(list)} ENGINE = ReplicatedMergeTree(${quoteString(zkPath)}, '{replica}') ${engineTail}`,
        `CREATE TABLE IF NOT EXISTS ${db}${this.quote(name)}${on} AS ${local} ENGINE = Distributed(${this.quote(cluster.name)}, ${this.quote(cluster.database)}, ${this.quote(name + LOCAL_SUFFIX)}, ${shardKey})`,
      );
    };
    const id = this.quote('id');
    create(n.settled, ARCHIVE_COLUMNS, `PARTITION BY toYYYYMM(toDateTime(intDiv(${this.quote('created_at')}, 1000000), 'UTC')) ORDER BY (${this.quote('created_at')}, ${id})`, `cityHash64(${id})`);
    create(n.open, ARCHIVE_COLUMNS, `PARTITION BY ${this.quote('_run')} ORDER BY ${id}`, `cityHash64(${id})`);
    create(n.superseded, SUPERSEDED_COLUMNS, `ORDER BY (${id}, ${this.quote('version')})`, `cityHash64(${id})`);
    create(n.runs, RUNS_COLUMNS, `ORDER BY ${this.quote('run')}`, `cityHash64(${this.quote('run')})`);
    const qualified: ArchiveNames = { view: db + this.quote(n.view), settled: db + this.quote(n.settled), open: db + this.quote(n.open), superseded: db + this.quote(n.superseded), runs: db + this.quote(n.runs) };
    stmts.push(`CREATE VIEW IF NOT EXISTS ${qualified.view}${on} AS ${this.currentRowsSql(qualified)}`);
    return stmts;
  }

  /** The last finished run: every row it or an earlier run wrote is visible, nothing later. */
  committedRunSql(runsSql: string): string {
    return `(SELECT max(${this.quote('run')}) FROM ${runsSql})`;
  }

  /** The run whose snapshot of open rows is current (the last finished run's `snapshot`). */
  snapshotRunSql(runsSql: string): string {
    return `(SELECT argMax(${this.quote('snapshot')}, ${this.quote('run')}) FROM ${runsSql})`;
  }

  /**
   * The current version of every archived row, exactly once, as one SELECT
   * of ARCHIVE_ROW_COLUMNS: settled versions of finished runs that no
   * finished run superseded, and the open rows of the current snapshot. `where` (a condition on the row's columns) goes into both
   * halves, so partitions and the primary key prune each. Names are quoted
   * (and qualified) already. GLOBAL: on a cluster the small superseded set
   * is read once and sent to every shard.
   */
  currentRowsSql(names: Omit<ArchiveNames, 'view'>, where = ''): string {
    const q = (c: string) => this.quote(c);
    const cols = ARCHIVE_ROW_COLUMNS.map(q).join(', ');
    const run = this.committedRunSql(names.runs);
    const and = where ? ` AND (${where})` : '';
    return (
      `SELECT ${cols} FROM ${names.settled} WHERE ${q('_run')} <= ${run} AND (${q('id')}, ${q('_run')}) GLOBAL NOT IN (SELECT ${q('id')}, ${q('version')} FROM ${names.superseded} WHERE ${q('_run')} <= ${run})${and} ` +
      `UNION ALL SELECT ${cols} FROM ${names.open} WHERE ${q('_run')} = ${this.snapshotRunSql(names.runs)}${and}`
    );
  }

  async tableExists(db: Sql, table: string): Promise<boolean> {
    const [d, t] = splitName(table);
    const rows = await db.query(`SELECT count() AS n FROM system.tables WHERE database = ${d === null ? 'currentDatabase()' : '?'} AND name = ?`, d === null ? [t] : [d, t]);
    return Number(rows[0]?.n) > 0;
  }

  /** whether the connection's user may only read (its profile's readonly setting) */
  async readOnly(db: Sql): Promise<boolean> {
    const rows = await db.query<{ value: string }>(`SELECT value FROM system.settings WHERE name = 'readonly'`);
    return rows.length > 0 && String(rows[0].value) !== '0';
  }

  /** name → type of each column of a table (empty when there is no such table) */
  async columnTypes(db: Sql, table: string): Promise<Map<string, string>> {
    const [d, t] = splitName(table);
    const rows = await db.query<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = ${d === null ? 'currentDatabase()' : '?'} AND table = ?`,
      d === null ? [t] : [d, t],
    );
    return new Map(rows.map((r) => [String(r.name), String(r.type)]));
  }

  /** the engine of a table (MergeTree, ReplicatedMergeTree, Distributed, View), or null */
  async tableEngine(db: Sql, table: string): Promise<string | null> {
    const [d, t] = splitName(table);
    const rows = await db.query<{ engine: string }>(`SELECT engine FROM system.tables WHERE database = ${d === null ? 'currentDatabase()' : '?'} AND name = ?`, d === null ? [t] : [d, t]);
    return rows.length ? String(rows[0].engine) : null;
  }

  microsBetweenSql(fromSql: string, toSql: string): string {
    return `(${toSql} - ${fromSql})`;
  }

  epochSecondsSql(columnSql: string): string {
    return `intDiv(${columnSql}, 1000000)`;
  }

  intDivSql(a: string, b: string): string {
    return `intDiv(${a}, ${b})`;
  }

  vacuumSql(table: string): string {
    return `OPTIMIZE TABLE ${this.quote(table)}`;
  }

  relaxedCommitSql(): string[] {
    return [];
  }

  analyzeSql(): string {
    return 'SELECT 1';
  }

  upsertSql(): string {
    throw new Error('the ClickHouse archive is written by tasklog archive only');
  }

  async listIndexes(): Promise<string[]> {
    return [];
  }

  async listColumns(db: Sql, table: string): Promise<string[]> {
    return [...(await this.columnTypes(db, table)).keys()];
  }

  async tablesWithColumns(db: Sql, columns: readonly string[]): Promise<string[]> {
    const rows = await db.query(
      `SELECT table AS name FROM system.columns WHERE database = currentDatabase() AND name IN (${columns.map(() => '?').join(', ')}) GROUP BY table HAVING uniqExact(name) = ? ORDER BY table`,
      [...columns, columns.length],
    );
    return rows.map((r) => String(r.name));
  }

  async estimateRows(db: Sql, table: string): Promise<{ rows: number; estimate: boolean }> {
    const rows = await db.query(`SELECT count() AS n FROM ${this.quote(table)}`);
    return { rows: Number(rows[0].n), estimate: false };
  }

  /**
   * Case-insensitive as JavaScript's toLowerCase folds (SQLite's and
   * PostgreSQL's ICU fold): lowerUTF8 folds every character as it does except
   * the ones listed in LOWER_UTF8_MISSES, which it leaves as they are (İ, the
   * Kelvin sign, Georgian, Cherokee, …; measured against 18.16 over every code
   * point). Those whose lower case shares a character with the term are
   * replaced by their lower case first; the others cannot take part in a
   * match either way. NULL is no match (ifNull: 18.16's OR of a NULL and a
   * false is NULL).
   */
  foldContains(columnSql: string, term: string): { sql: string; bindings: unknown[] } {
    const folded = term.toLowerCase();
    let value = columnSql;
    const bindings: unknown[] = [];
    for (const [upper, lower] of lowerUtf8Fixes(folded)) {
      value = `replaceAll(${value}, ?, ?)`;
      bindings.push(upper, lower);
    }
    return { sql: `ifNull(position(lowerUTF8(${value}), ?) > 0, 0)`, bindings: [...bindings, folded] };
  }

  /** 18.16 gives NULL for 0 AND NULL, where SQL says false: that NULL is false here */
  negateSql(conditionSql: string): string {
    return `NOT ifNull(${conditionSql}, 0)`;
  }

  /** that NULL is false here too, so NOT of the condition is its complement */
  neverNullSql(conditionSql: string): string {
    return `ifNull(${conditionSql}, 0)`;
  }

  /** the archive keeps each row's username and email as they were when archived */
  readonly userInRows = true;

  /** only `tasklog archive` writes the archive's rows */
  readonly archiveOnly = true;

  /** the HTTP answer streams: an export is one statement */
  readonly streamsRows = true;

  /** tasklog's own indexes are for the application's database: the archive's tables are sorted for the reports already */
  readonly ownIndexes: OwnIndexes = {
    notOffered: () => "the ClickHouse archive takes no indexes of tasklog's: its tables are sorted by created_at and id for the reports already",
    present: async () => new Set(),
    createSql: () => [],
    create: async () => undefined,
    drop: async () => undefined,
    size: async () => null,
  };

  /** bytes for bytes (18.16 has no startsWith): the first length(prefix) bytes equal the prefix */
  startsWith(columnSql: string, prefix: string): { sql: string; bindings: unknown[] } {
    return { sql: `substring(${columnSql}, 1, length(?)) = ?`, bindings: [prefix, prefix] };
  }

  /** 18.16 reads only flat JSON keys (visitParamExtract*), not Django's nested values: refused in one line */
  jsonValue(_columnSql: string, _stored: 'json' | 'text', path: readonly JsonStep[]): JsonValueSql {
    throw new UsageError(`--where on JSON values (${path.map(String).join('.')}) is not offered on the ClickHouse archive yet: filter by its columns`);
  }

  /**
   * The values percentile_cont reads, in two scans and no sort (sorting a
   * group's values in an array is some 25 times slower than quantilesExact
   * on 18.16): quantilesExact picks, per group, the value q at some rank k
   * near each position; then one scan counts the values below q and up to q
   * and finds the nearest value below and above it. The ranks from the one
   * below q's first to the one after its last are known then, and the two
   * ranks around position fraction × (n − 1) are among them (k is
   * ⌊fraction × n⌋, the position's whole part k or k − 1).
   */
  /**
   * One group: its counts first, with the caller's aggregates; then each
   * measure's values at exactly the ranks percentile_cont reads.
   * quantilesExact(level) is the value at 0-based rank ⌊level × n⌋ of the n
   * sorted values, so a level of (r + ½) / n reads rank r itself — no pass
   * for the counts and neighbours around a pick (10M rows, stats: 3.1 → 1.9 s).
   */
  private async rankedWhole(db: Sql, rows: PickedRows): Promise<Map<string, Picked>> {
    const x = (i: number) => `assumeNotNull(${rows.measures[i].expr})`;
    const has = (i: number) => `isNotNull(${rows.measures[i].expr})`;
    const [row] = await db.query<Record<string, unknown>>(`SELECT ${rows.aggregates}, ${rows.measures.map((_, i) => `countIf(${has(i)}) AS n${i}`).join(', ')} FROM ${rows.from} WHERE ${rows.where}`, rows.bindings);
    const counts = rows.measures.map((_, i) => Number(row[`n${i}`]));
    // the 0-based ranks around each position (p/1000 × (n − 1), as percentile_cont places it), one either side to spare
    const ranks = rows.measures.map((m, i) => {
      const n = counts[i];
      const wanted = new Set<number>();
      for (const p of m.perMille) {
        const lo = Math.floor((p / 1000) * (n - 1));
        for (let r = lo - 1; r <= lo + 2; r++) if (r >= 0 && r < n) wanted.add(r);
      }
      return [...wanted].sort((a, b) => a - b);
    });
    const asked = rows.measures.map((_, i) => i).filter((i) => ranks[i].length > 0);
    const values = new Map<number, unknown[]>();
    if (asked.length) {
      const [v] = await db.query<Record<string, unknown>>(
        `SELECT ${asked.map((i) => `quantilesExactIf(${ranks[i].map((r) => String((r + 0.5) / counts[i])).join(', ')})(${x(i)}, ${has(i)}) AS v${i}`).join(', ')} FROM ${rows.from} WHERE ${rows.where}`,
        rows.bindings,
      );
      for (const i of asked) values.set(i, v[`v${i}`] as unknown[]);
    }
    const measures = rows.measures.map((_, i) => {
      const at = new Map(ranks[i].map((r, k) => [r + 1, Number(values.get(i)?.[k])]));
      return { count: counts[i], at: (rank: number) => at.get(rank) };
    });
    return new Map([['', { row, measures }]]);
  }

  countWhenSql(conditionSql: string): string {
    return `countIf(${conditionSql})`;
  }

  async pickedPercentiles(db: Sql, rows: PickedRows): Promise<Map<string, Picked>> {
    if (rows.group === null) return this.rankedWhole(db, rows);
    const g = rows.group;
    const by = rows.group ? ` GROUP BY g` : '';
    const x = (i: number) => `assumeNotNull(${rows.measures[i].expr})`;
    const has = (i: number) => `isNotNull(${rows.measures[i].expr})`;
    // the first pass: every measure's count and picks (quantilesExact: a value of the measure near each position)
    const picks = await db.query<Record<string, unknown>>(
      `SELECT ${g} AS g, ${rows.measures.map((m, i) => `countIf(${has(i)}) AS n${i}, quantilesExactIf(${m.perMille.map((p) => String(p / 1000)).join(', ')})(${x(i)}, ${has(i)}) AS qs${i}`).join(', ')} ` +
        `FROM ${rows.from} WHERE ${rows.where}${by}`,
      rows.bindings,
    );
    const out = new Map<string, Picked>();
    if (picks.length === 0) return out;
    const pickOf = (r: Record<string, unknown>, i: number, k: number) => (Number(r[`n${i}`]) > 0 ? Number((r[`qs${i}`] as unknown[])[k]) : 0);
    // each pick as SQL: a constant with one group, else the group's own from a list
    const names = `[${picks.map((r) => quoteString(String(r.g))).join(', ')}]`;
    const q = (i: number, k: number) =>
      rows.group ? `transform(g, ${names}, CAST([${picks.map((r) => String(pickOf(r, i, k))).join(', ')}] AS Array(Int64)), toInt64(0))` : `toInt64(${pickOf(picks[0], i, k)})`;
    const around = rows.measures.flatMap((m, i) =>
      m.perMille.map((_, k) => {
        const [v, at] = [x(i), q(i, k)];
        return `countIf(${has(i)} AND ${v} < ${at}) AS lt${i}_${k}, countIf(${has(i)} AND ${v} <= ${at}) AS le${i}_${k}, maxIf(${v}, ${has(i)} AND ${v} < ${at}) AS below${i}_${k}, minIf(${v}, ${has(i)} AND ${v} > ${at}) AS above${i}_${k}`;
      }),
    );
    // the second: the caller's aggregates and the counts and neighbours around every pick
    const second = await db.query<Record<string, unknown>>(`SELECT ${g} AS g, ${rows.aggregates}, ${around.join(', ')} FROM ${rows.from} WHERE ${rows.where}${by}`, rows.bindings);
    const byGroup = new Map(picks.map((r) => [String(r.g), r]));
    for (const a of second) {
      const r = byGroup.get(String(a.g));
      if (!r) continue;
      out.set(String(a.g), {
        row: a,
        measures: rows.measures.map((m, i) => {
          const known = m.perMille.map((_, k) => ({ q: pickOf(r, i, k), lt: Number(a[`lt${i}_${k}`]), le: Number(a[`le${i}_${k}`]), below: Number(a[`below${i}_${k}`]), above: Number(a[`above${i}_${k}`]) }));
          const count = Number(r[`n${i}`]);
          return {
            count,
            at(rank: number) {
              const j = rank - 1;
              for (const k of known) {
                if (j >= k.lt && j < k.le) return k.q;
                if (j === k.lt - 1) return k.below;
                if (j === k.le) return k.above;
              }
              throw new Error(`rank ${rank} of ${count} values is not near a picked quantile`);
            },
          };
        }),
      });
    }
    return out;
  }

  binaryText(columnSql: string): string {
    return columnSql; // String compares byte by byte
  }

  async serverVersion(db: Sql): Promise<string> {
    const rows = await db.query('SELECT version() AS v');
    return `ClickHouse ${rows[0].v}`;
  }

  isMissingDatabase(err: unknown): boolean {
    return err instanceof ClickhouseError && err.number === CH_ERROR.UNKNOWN_DATABASE;
  }

  describeConnectError(err: unknown, target: Target, timeoutMs: number): string {
    const where = target.display;
    const net = describeNetworkError(err, where, timeoutMs);
    if (net) return net;
    if (err instanceof ClickhouseError) {
      const n = err.number;
      if (n === CH_ERROR.WRONG_PASSWORD || n === CH_ERROR.UNKNOWN_USER || n === CH_ERROR.REQUIRED_PASSWORD || n === CH_ERROR.AUTHENTICATION_FAILED) {
        return `cannot connect to ${where}: authentication failed (${err.message})`;
      }
      if (n === CH_ERROR.UNKNOWN_DATABASE) return `cannot connect to ${where}: ${err.message} (run \`tasklog migrate --db ${where}\` to create it)`;
      if (n === CH_ERROR.READONLY) return `cannot connect to ${where}: the user may only read (${err.message})`;
      if (n === 0) return `cannot connect to ${where}: not a ClickHouse HTTP interface (${err.message})`;
      return `cannot connect to ${where}: ${err.message}`;
    }
    if (/parse error|HPE_|invalid/i.test(errorMessage(err))) return `cannot connect to ${where}: not a ClickHouse HTTP interface (${errorMessage(err)})`;
    return `cannot connect to ${where}: ${errorMessage(err)}`;
  }
}

/**
 * The characters 18.16's lowerUTF8 leaves as they are although Unicode (and
 * JavaScript's toLowerCase) gives them a lower case: ranges of code points,
 * found by comparing lowerUTF8 with toLowerCase over every code point.
 */
const LOWER_UTF8_MISSES =
  '130 1c5 1c8 1cb 1f2 23a 23e 13a0-13f5 1c89 1c90-1cba 1cbd-1cbf 1e9e 1f88-1f8f 1f98-1f9f 1fa8-1faf 1fbc 1fcc 1ffc 2126 212a-212b 2132 ' +
  '2160-216f 2183 24b6-24cf 2c00-2c2f 2c60 2c62-2c64 2c67 2c69 2c6b 2c6d-2c70 2c72 2c75 2c7e-2c80 2c82-2ce2/2 2ceb 2ced 2cf2 a78d a7aa-a7ae ' +
  'a7b0-a7b4 a7b6-a7c2/2 a7c4-a7c7 a7c9 a7cb-a7cc a7ce-a7dc/2 a7f5 104b0-104d3 10570-1057a 1057c-1058a 1058c-10592 10594-10595 10c80-10cb2 ' +
  '10d50-10d65 16e40-16e5f 16ea0-16eb8 1e900-1e921';

let missed: [string, string][] | null = null;

/** Each character lowerUTF8 misses, with its lower case as JavaScript gives it. */
function lowerUtf8Misses(): [string, string][] {
  if (missed) return missed;
  missed = [];
  for (const part of LOWER_UTF8_MISSES.split(' ')) {
    const [range, step = '1'] = part.split('/');
    const [from, to = from] = range.split('-').map((h) => parseInt(h, 16));
    for (let c = from; c <= to; c += Number(step)) {
      const ch = String.fromCodePoint(c);
      const lower = ch.toLowerCase();
      if (lower !== ch) missed.push([ch, lower]);
    }
  }
  return missed;
}

/** The missed characters that matter for a folded term: those whose lower case shares a character with it. */
function lowerUtf8Fixes(folded: string): [string, string][] {
  const inTerm = new Set(folded);
  return lowerUtf8Misses().filter(([, lower]) => [...lower].some((c) => inTerm.has(c)));
}

/** A string as a ClickHouse literal. */
export function quoteString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** 'db.table' → ['db', 'table']; 'table' → [null, 'table'] */
function splitName(table: string): [string | null, string] {
  const dot = table.indexOf('.');
  return dot < 0 ? [null, table] : [table.slice(0, dot), table.slice(dot + 1)];
}

/**
 * FORMAT TabSeparatedWithNamesAndTypes as rows, decoded as FORMAT JSON's
 * are: numbers as numbers, \N as null, strings with ClickHouse's escapes
 * undone. Lines end at a raw newline (a newline in a value is escaped).
 */
async function* tsvRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<Record<string, unknown>> {
  const { StringDecoder } = await import('node:string_decoder');
  const decoder = new StringDecoder('utf8');
  let names: string[] | null = null;
  let numeric: boolean[] | null = null;
  let rest = '';
  const line = function* (text: string): Generator<Record<string, unknown>> {
    const fields = text.split('\t');
    if (!names) {
      names = fields.map(unescapeTsv);
      return;
    }
    if (!numeric) {
      numeric = fields.map((t) => /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/.test(unescapeTsv(t)));
      return;
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const f = fields[i];
      row[names[i]] = f === '\\N' ? null : numeric[i] ? Number(f) : unescapeTsv(f);
    }
    yield row;
  };
  for await (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield* line(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) yield* line(rest);
}

const TSV_ESCAPES = new Map([['b', '\b'], ['f', '\f'], ['r', '\r'], ['n', '\n'], ['t', '\t'], ['0', '\0'], ["'", "'"], ['\\', '\\']]);

/** A TabSeparated field's text: ClickHouse's backslash escapes undone, in one pass. */
function unescapeTsv(field: string): string {
  if (!field.includes('\\')) return field;
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c !== '\\' || i + 1 >= field.length) {
      out += c;
      continue;
    }
    const next = field[++i];
    out += TSV_ESCAPES.get(next) ?? next;
  }
  return out;
}

/** FORMAT JSON's rows, 64-bit integers (quoted by the server) as numbers; other values as JSON gives them. */
function decodeJsonRows(body: string): Record<string, unknown>[] {
  const parsed = JSON.parse(body) as { meta: { name: string; type: string }[]; data: Record<string, unknown>[] };
  const wide = parsed.meta.filter((m) => /^(Nullable\()?U?Int64\)?$/.test(m.type)).map((m) => m.name);
  if (wide.length === 0) return parsed.data;
  for (const row of parsed.data) {
    for (const c of wide) {
      const v = row[c];
      if (typeof v === 'string') row[c] = Number(v);
    }
  }
  return parsed.data;
}
