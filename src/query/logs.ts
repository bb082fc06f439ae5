/**
 * Reading task log rows: filters, ordering, pages, keyset streaming, one row
 * by id or job_id, and related rows. Ties always break by id so pages are
 * stable; NULLs sort last in both directions on every database; text sorts
 * by code point on every database.
 */
import { InvalidValue } from '../core/errors.js';
import { RuntimeFailure } from '../core/errors.js';
import type { Db } from '../db/connect.js';
import { decodeRow, type TaskLogRow } from '../db/decode.js';
import { COLUMNS } from '../db/schema.js';
import { requireUserTable, type ActiveFilter, type FilterEnv, type Where } from './filters.js';
import type { ColumnSelection } from './present.js';

export const ORDERING_FIELDS = [
  'enqueue_time',
  'start_time',
  'finish_time',
  'duration_ms',
  'job_retries',
  'created_at',
  'task_name',
  'queue_name',
  'status',
  'id',
] as const;
export const DEFAULT_ORDERING = '-enqueue_time';
/** A page's total is the planner's estimate (marked) when it expects at least this many rows. */
export const ESTIMATE_FROM = 100_000;

const NULLABLE = new Set(['start_time', 'finish_time', 'duration_ms']);
const TEXT = new Set(['task_name', 'queue_name', 'status']);

export interface OrderTerm {
  field: string;
  desc: boolean;
}

export function parseOrdering(raw: string): OrderTerm[] {
  const terms = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => ({ field: s.replace(/^[-+]/, ''), desc: s.startsWith('-') }));
  if (terms.length === 0) throw new InvalidValue(`expects FIELD[,FIELD…] with - for descending; fields: ${ORDERING_FIELDS.join(', ')}`);
  const bad = terms.filter((t) => !(ORDERING_FIELDS as readonly string[]).includes(t.field));
  if (bad.length) throw new InvalidValue(`'${bad.map((b) => b.field).join(',')}' is not one of ${ORDERING_FIELDS.join(', ')}`);
  return terms;
}

/** The terms with the id tie-breaker appended (in the direction of the last term). */
function withTieBreak(order: OrderTerm[]): OrderTerm[] {
  if (order.some((o) => o.field === 'id')) return order.slice(0, order.findIndex((o) => o.field === 'id') + 1);
  return [...order, { field: 'id', desc: order[order.length - 1]?.desc ?? true }];
}

/** A range of an order by the keys (the order's fields, raw) of the row before it and of its own last row; null: open. */
interface KeyRange {
  after: Record<string, unknown> | null;
  upTo: Record<string, unknown> | null;
}

export interface LogQuery {
  filters: ActiveFilter[];
  order: OrderTerm[];
}

export class LogReader {
  readonly env: FilterEnv;
  constructor(
    readonly db: Db,
    now: Date,
  ) {
    const q = (s: string) => db.dialect.quote(s);
    // where the rows carry their user (the ClickHouse archive), the user's columns are the row's own
    const ucolAlias = db.dialect.userInRows ? 't' : 'u';
    this.env = { db, now, col: (c) => `${q('t')}.${q(c)}`, ucol: (c) => `${q(ucolAlias)}.${q(c)}` };
  }

  /** FROM and WHERE of a query: the task table as t, the user table as u when needed or shown. */
  private base(query: LogQuery, forCount: boolean, only?: ColumnSelection, ordered = false): Select {
    const { db } = this;
    const q = (c: string) => db.dialect.quote(c);
    const columns = forCount ? [] : only ? only.columns.map((c) => `${this.env.col(c)} AS ${q(c)}`) : [`${q('t')}.*`];
    const select = new Select(`${q(db.table)} AS ${q('t')}`, columns);
    const needsUser = query.filters.some((f) => f.def.needsUser);
    const showUser = !forCount && (only ? only.user : true);
    if (db.dialect.userInRows) {
      if (showUser && only) select.columns.push(`${this.env.ucol('username')} AS ${q('username')}`, `${this.env.ucol('email')} AS ${q('email')}`);
    } else if (db.userTable && (needsUser || showUser)) {
      this.joinUser(select, showUser);
    } else {
      requireUserTable(db, query.filters);
    }
    const env = ordered ? { ...this.env, ordered } : this.env;
    for (const f of query.filters) f.def.apply(select, f.value, env);
    return select;
  }

  /** The user table as u, left-joined on user_id; with `show`, its username and email among the columns. */
  private joinUser(select: Select, show: boolean): void {
    const q = (c: string) => this.db.dialect.quote(c);
    select.from += ` LEFT JOIN ${q(this.db.userTable!)} AS ${q('u')} ON ${this.env.ucol('id')} = ${this.env.col('user_id')}`;
    if (show) select.columns.push(`${this.env.ucol('username')} AS ${q('username')}`, `${this.env.ucol('email')} AS ${q('email')}`);
  }

  private rows(select: Select, orderSql: string | null, limit: number, offset = 0): Promise<Record<string, unknown>[]> {
    const order = orderSql ? ` ORDER BY ${orderSql}` : '';
    const page = ` LIMIT ${Math.trunc(limit)}${offset > 0 ? ` OFFSET ${Math.trunc(offset)}` : ''}`;
    return this.db.query(`SELECT ${select.columns.join(', ')} FROM ${select.from}${select.whereSql()}${order}${page}`, select.bindings);
  }

  private orderSql(order: OrderTerm[]): string {
    const parts: string[] = [];
    for (const o of withTieBreak(order)) {
      const col = this.sortExpr(o.field);
      if (NULLABLE.has(o.field)) parts.push(`(${this.env.col(o.field)} IS NULL) ASC`);
      parts.push(`${col} ${o.desc ? 'DESC' : 'ASC'}`);
    }
    return parts.join(', ');
  }

  private sortExpr(field: string): string {
    const col = this.env.col(field);
    return TEXT.has(field) ? this.db.dialect.binaryText(col) : col;
  }

  /**
   * How many rows match: counted, or — for the whole table, when the planner
   * expects at least `estimateFrom` rows (PostgreSQL) — its estimate, marked,
   * since counting millions of rows takes longer than any page. Filtered
   * queries are always counted: the planner's guesses for them (a search
   * word, an OR of statuses) can be off by fifty times.
   */
  async countForPage(query: LogQuery, estimateFrom: number | null): Promise<{ count: number; estimated: boolean }> {
    if (estimateFrom !== null && query.filters.length === 0 && this.db.dialect.estimateSelectRows) {
      const select = this.base(query, true);
      const estimate = await this.db.dialect.estimateSelectRows(this.db, `SELECT 1 FROM ${select.from}${select.whereSql()}`, select.bindings);
      if (estimate !== null && estimate >= estimateFrom) return { count: estimate, estimated: true };
    }
    return { count: await this.count(query), estimated: false };
  }

  async count(query: LogQuery): Promise<number> {
    const select = this.base(query, true);
    const [r] = await this.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${select.from}${select.whereSql()}`, select.bindings);
    return Number(r.n);
  }

  /**
   * One page. Past the first, or with filters, a deferred join: the rows to
   * skip are walked reading only their ids in order (an index alone on
   * SQLite and MySQL, whose secondary indexes hold the primary key), the
   * rows a filter finds are sorted by their ids and order keys alone (SQLite
   * sorts whole rows: `logs list --search` of a word in 85k of 10M rows with
   * the search index, whole process 0.59 → 0.49 s), and only the page's rows
   * are read whole and joined to their users.
   */
  async page(query: LogQuery, page: number, pageSize: number): Promise<TaskLogRow[]> {
    const offset = (page - 1) * pageSize;
    const order = this.orderSql(query.order);
    if (offset === 0 && query.filters.length === 0) return (await this.rows(this.base(query, false, undefined, true), order, pageSize)).map(decodeRow);
    const q = (c: string) => this.db.dialect.quote(c);
    const keys = this.base(query, true, undefined, true);
    const inner = `SELECT ${this.env.col('id')} AS ${q('id')} FROM ${keys.from}${keys.whereSql()} ORDER BY ${order} LIMIT ${Math.trunc(pageSize)} OFFSET ${Math.trunc(offset)}`;
    const outer = new Select(`${q(this.db.table)} AS ${q('t')} JOIN (${inner}) AS ${q('p')} ON ${q('p')}.${q('id')} = ${this.env.col('id')}`, [`${q('t')}.*`]);
    outer.bindings.push(...keys.bindings);
    if (this.db.userTable) this.joinUser(outer, true);
    return (await this.rows(outer, order, pageSize)).map(decodeRow);
  }

  /**
   * A page and the count of every row a search matches, from one statement
   * where the dialect says that is cheaper (countWithPage) and the search
   * index finds the rows: the deferred
   * join's ids with COUNT(*) OVER (), so the matching rows are read once
   * (PostgreSQL with the search index, a word in 85k of 10M rows: the API's
   * second page 793 → 631 ms, alternating with Django's 5 s requests; 440–460
   * ms one after the other). Null where it cannot, or where the page is
   * empty — its count is then not known: count it apart.
   */
  async pageWithCount(query: LogQuery, page: number, pageSize: number): Promise<{ rows: TaskLogRow[]; count: number } | null> {
    // only where the search index finds the rows: read from it, they are cheap to read again when the page turns
    // out empty; a scan instead loses the parallel count the window cannot have, and is read twice for a page past
    // the end (1M rows without the index: ?search=timeout&page=2 0.50 -> 1.11 of Django's time, task_7&page=3 0.72 -> 2.30)
    if (!this.db.dialect.countWithPage || !this.db.ownIndexes.has('search') || !query.filters.some((f) => f.def.name === 'search')) return null;
    const offset = (page - 1) * pageSize;
    const order = this.orderSql(query.order);
    const q = (c: string) => this.db.dialect.quote(c);
    const keys = this.base(query, true, undefined, true);
    const inner = `SELECT ${this.env.col('id')} AS ${q('id')}, COUNT(*) OVER () AS ${q('matching')} FROM ${keys.from}${keys.whereSql()} ORDER BY ${order} LIMIT ${Math.trunc(pageSize)} OFFSET ${Math.trunc(offset)}`;
    const outer = new Select(`${q(this.db.table)} AS ${q('t')} JOIN (${inner}) AS ${q('p')} ON ${q('p')}.${q('id')} = ${this.env.col('id')}`, [`${q('t')}.*`, `${q('p')}.${q('matching')} AS ${q('matching')}`]);
    outer.bindings.push(...keys.bindings);
    if (this.db.userTable) this.joinUser(outer, true);
    const rows = await this.rows(outer, order, pageSize);
    if (rows.length === 0) return null;
    return { count: Number(rows[0].matching), rows: rows.map(decodeRow) };
  }

  /**
   * Every matching row, in order, a batch at a time: keyset pagination (each
   * batch starts after the last row of the one before), so memory stays flat
   * and no OFFSET grows with depth.
   */
  async *stream(query: LogQuery, batchSize = 1000, only?: ColumnSelection): AsyncGenerator<TaskLogRow> {
    const order = withTieBreak(query.order);
    // the keyset needs the ordering columns whatever is shown
    const selection = only && { ...only, columns: [...new Set([...only.columns, ...order.map((o) => o.field)])] };
    if (this.db.streamRecords) {
      // the database streams one ordered statement's rows: no batches, no keyset
      const select = this.base(query, false, selection, true);
      const sql = `SELECT ${select.columns.join(', ')} FROM ${select.from}${select.whereSql()} ORDER BY ${this.orderSql(query.order)}`;
      for await (const r of this.db.streamRecords(sql, select.bindings)) yield decodeRow(r);
      return;
    }
    let last: Record<string, unknown> | null = null;
    for (;;) {
      const select = this.base(query, false, selection, true);
      if (last) {
        const { sql, bindings } = this.after(order, last);
        select.and(sql, bindings);
      }
      const rows = await this.rows(select, this.orderSql(query.order), batchSize);
      for (const r of rows) yield decodeRow(r);
      if (rows.length < batchSize) return;
      last = rows[rows.length - 1];
    }
  }

  /**
   * Every matching row, in order, in one statement the database streams
   * (Db.streamRows: no batch re-planned, no keyset re-sought), as batches of
   * rows of untyped values — the values decodeRow takes — in the order of
   * `columns`: the task table's columns of `only` (all of them by default),
   * then username and email when the user is shown (NULL without a user
   * table). For readers of whole tables (the export, the archive) that decode
   * with decodeRawRow or format values themselves. Constant memory. The
   * connection is the reader's until the last batch (SQLite: the only one).
   */
  streamRaw(query: LogQuery, only: ColumnSelection = { columns: [...COLUMNS], user: true }, batchRows = 1000): { columns: string[]; batches: AsyncGenerator<unknown[][]> } {
    const { columns, sql, bindings } = this.rawSelect(query, only);
    return { columns, batches: this.db.streamRows(sql, bindings, batchRows) };
  }

  /**
   * streamRaw's rows as the bytes of COPY's text format (Db.copyText), where
   * the database streams them so (PostgreSQL), else null.
   */
  streamCopyText(query: LogQuery, only: ColumnSelection = { columns: [...COLUMNS], user: true }): { columns: string[]; chunks: AsyncGenerator<Uint8Array> } | null {
    if (!this.db.copyText) return null;
    const { columns, sql, bindings } = this.rawSelect(query, only);
    return { columns, chunks: this.db.copyText(sql, bindings) };
  }

  private rawSelect(query: LogQuery, only: ColumnSelection, range?: KeyRange): { columns: string[]; sql: string; bindings: unknown[] } {
    const { db } = this;
    const q = (c: string) => db.dialect.quote(c);
    const select = this.base(query, false, only, true);
    if (range) this.within(select, withTieBreak(query.order), range);
    const columns = [...only.columns];
    if (only.user) {
      // base() adds them after the task columns where there is a user table
      if (!db.userTable) select.columns.push(`NULL AS ${q('username')}`, `NULL AS ${q('email')}`);
      columns.push('username', 'email');
    }
    const sql = `SELECT ${select.columns.join(', ')} FROM ${select.from}${select.whereSql()} ORDER BY ${this.orderSql(query.order)}`;
    return { columns, sql, bindings: select.bindings };
  }

  /**
   * streamRaw's statement cut into consecutive ranges of the order, `every`
   * rows each (the last: the rest), one statement per range, in order — for
   * readers on connections of their own (the export's reader threads). The
   * cuts come from one pass over the order's columns alone (an index's
   * entries, where one gives the order), each the key of a range's last row;
   * a range is the rows after the last row of the range before (the keyset's
   * condition stream() pages by) and not after its own last row, with a plain
   * bound on the order's first field so that each statement reads only its
   * part of the index. Rows written meanwhile fall in the range their key
   * says. Null where the database would sort every range's rows itself (no
   * index gives the order: one statement is cheaper) or does not say.
   */
  async rawRanges(query: LogQuery, only: ColumnSelection, every: number): Promise<AsyncGenerator<{ sql: string; bindings: unknown[] }> | null> {
    const { db } = this;
    const whole = this.rawSelect(query, only);
    if (!db.dialect.sortsRows || (await db.dialect.sortsRows(db, whole.sql, whole.bindings))) return null;
    const order = withTieBreak(query.order);
    const q = (c: string) => db.dialect.quote(c);
    const keys = this.base(query, true, undefined, true);
    const keySql = `SELECT ${order.map((o) => `${this.env.col(o.field)} AS ${q(o.field)}`).join(', ')} FROM ${keys.from}${keys.whereSql()} ORDER BY ${this.orderSql(query.order)}`;
    const size = Math.max(1, Math.trunc(every));
    const self = this;
    async function* ranges(): AsyncGenerator<{ sql: string; bindings: unknown[] }> {
      let after: Record<string, unknown> | null = null;
      let counted = 0;
      for await (const batch of db.streamRows(keySql, keys.bindings, 1000)) {
        for (const values of batch) {
          if (++counted < size) continue;
          counted = 0;
          const upTo: Record<string, unknown> = {};
          order.forEach((o, i) => (upTo[o.field] = values[i]));
          const { sql, bindings } = self.rawSelect(query, only, { after, upTo });
          yield { sql, bindings };
          after = upTo;
        }
      }
      const { sql, bindings } = self.rawSelect(query, only, { after, upTo: null });
      yield { sql, bindings };
    }
    return ranges();
  }

  /** Narrows `select` to the rows of `order` after range.after (if any) and not after range.upTo (if any). */
  private within(select: Select, order: OrderTerm[], range: KeyRange): void {
    if (range.after) {
      const { sql, bindings } = this.after(order, range.after);
      select.and(sql, bindings);
    }
    if (range.upTo) {
      const { sql, bindings } = this.after(order, range.upTo);
      // after() is never NULL for a row (a NULL field takes its IS NULL branch), so NOT is its exact complement
      select.and(`NOT (${sql})`, bindings);
      const first = order[0];
      const value = range.upTo[first.field];
      // the rows up to the range's last row, as a plain bound the index can stop at
      if (!NULLABLE.has(first.field) && value !== null && value !== undefined) select.and(`${this.sortExpr(first.field)} ${first.desc ? '>=' : '<='} ?`, [value]);
    }
  }

  /** SQL for "comes after this row" in the given order, NULLs last. */
  private after(order: OrderTerm[], last: Record<string, unknown>): { sql: string; bindings: unknown[] } {
    const alternatives: string[] = [];
    const bindings: unknown[] = [];
    const equalSoFar: string[] = [];
    const equalBindings: unknown[] = [];
    for (const o of order) {
      const expr = this.sortExpr(o.field);
      const value = last[o.field];
      const isNull = value === null || value === undefined;
      if (isNull) {
        // after a NULL comes nothing else of this field (NULLs are last); equal means IS NULL
        equalSoFar.push(`${this.env.col(o.field)} IS NULL`);
        continue;
      }
      const cmp = `${expr} ${o.desc ? '<' : '>'} ?`;
      const beyond = NULLABLE.has(o.field) ? `(${cmp} OR ${this.env.col(o.field)} IS NULL)` : cmp;
      alternatives.push([...equalSoFar, beyond].join(' AND '));
      bindings.push(...equalBindings, value);
      equalSoFar.push(`${expr} = ?`);
      equalBindings.push(value);
    }
    if (alternatives.length === 0) return { sql: '1 = 0', bindings };
    let sql = `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
    // A plain range on the first field in front of the OR lets every database
    // walk its index from where the last batch stopped instead of sorting again.
    const first = order[0];
    const firstValue = last[first.field];
    if (!NULLABLE.has(first.field) && firstValue !== null && firstValue !== undefined) {
      sql = `${this.sortExpr(first.field)} ${first.desc ? '<=' : '>='} ? AND ${sql}`;
      bindings.unshift(firstValue);
    }
    return { sql, bindings };
  }

  /** One row by id (all digits) or job_id. */
  async find(ref: string): Promise<TaskLogRow | null> {
    const tryBy = async (column: string, value: unknown) => {
      const select = this.base({ filters: [], order: [] }, false);
      select.and(`${this.env.col(column)} = ?`, [value]);
      const rows = await this.rows(select, null, 1);
      return rows.length ? decodeRow(rows[0]) : null;
    };
    if (/^\d{1,15}$/.test(ref)) {
      const byId = await tryBy('id', Number(ref));
      if (byId) return byId;
    }
    return tryBy('job_id', ref);
  }

  /** One row by its id only (the API's detail URL), or null. */
  async findById(id: number): Promise<TaskLogRow | null> {
    const select = this.base({ filters: [], order: [] }, false);
    select.and(`${this.env.col('id')} = ?`, [id]);
    const rows = await this.rows(select, null, 1);
    return rows.length ? decodeRow(rows[0]) : null;
  }

  /** Other rows with the same job_id or task_name, newest created first (ties: id descending); `filters` narrow them. */
  async related(row: TaskLogRow, limit: number, filters: ActiveFilter[] = []): Promise<TaskLogRow[]> {
    const { col } = this.env;
    const select = this.base({ filters, order: [] }, false);
    select.and(`(${col('job_id')} = ? OR ${col('task_name')} = ?) AND ${col('id')} <> ?`, [row.job_id, row.task_name, row.id]);
    const rows = await this.rows(select, `${col('created_at')} DESC, ${col('id')} DESC`, limit);
    return rows.map(decodeRow);
  }
}

/** A SELECT being put together: FROM (with joins), columns, and ANDed conditions with their bindings. */
class Select implements Where {
  readonly conditions: string[] = [];
  readonly bindings: unknown[] = [];
  constructor(
    public from: string,
    readonly columns: string[],
  ) {}

  and(sql: string, bindings: readonly unknown[] = []): void {
    this.conditions.push(`(${sql})`);
    this.bindings.push(...bindings);
  }

  whereSql(): string {
    return this.conditions.length ? ` WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** The one message for an id or job_id that is not in the table. */
export function notFound(ref: string, db: Db): RuntimeFailure {
  return new RuntimeFailure(`no task log with id or job_id '${ref}' in ${db.table} (${db.target.display})`, 'not_found');
}
