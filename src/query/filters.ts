/**
 * The filters of `logs list`, declared once: each is a flag (named after the
 * django-cfg API's query parameter, kebab-case), its parser and the SQL it adds.
 * All filters combine with AND. Values always travel as bindings; table and
 * column names are quoted by the dialect. The SQL of each condition is
 * written in conditions.ts, which the --where language (where.ts) compiles to
 * as well.
 */
import type { OptionSpec } from '../core/option.js';
import { csvList, nonNegativeInt, parseBool } from '../core/values.js';
import { InvalidValue, RuntimeFailure } from '../core/errors.js';
import type { Db } from '../db/connect.js';
import { SEARCH_COLUMNS } from '../db/schema.js';
import { containsCondition, equalsSql, hasErrorSql, inSql, negate, statusGroupSql, type Condition, type FilterEnv, type Where } from './conditions.js';
import { STATUSES, type StatusGroup } from './status.js';
import { parseTimeArg, resolveTimeArg, TIME_ARG_HELP, type TimeArg } from './timearg.js';
import { parseWhere, whereConditions, WHERE_GROUPS, type WhereExpr } from './where.js';

export type { Condition, FilterEnv, Where };

export interface FilterDef {
  /** the API's query parameter: '--task-name <text>' → 'task_name'; active filters are keyed by it */
  name: string;
  option: OptionSpec;
  /** what the value is, for messages that follow the API's (Django REST framework's) wording */
  kind?: 'time' | 'number';
  /** needs the user table joined */
  needsUser?: boolean;
  /**
   * Parses the raw text when the command runs (commander passes it as it is):
   * for values whose errors need more than one line (--where's caret).
   */
  parseLater?: (raw: string) => unknown;
  apply(qb: Where, value: any, env: FilterEnv): void;
}

const key = (flags: string) => flags.split(' ')[0];

type Declared = Omit<FilterDef, 'name'>;

function exact(column: string, flags: string, description: string): Declared {
  return { option: { flags, description }, apply: (qb, v: string, e) => void qb.and(equalsSql(column, e), [v]) };
}

function group(name: StatusGroup, flags: string, description: string): Declared {
  return {
    option: { flags, description: `${description}; false: every other row`, parse: parseBool },
    apply: (qb, v: boolean, e) => {
      const sql = statusGroupSql(name, e);
      qb.and(v === false ? negate(sql, e) : sql);
    },
  };
}

function timeBound(column: string, op: '>=' | '<=', flags: string, description: string): Declared {
  return {
    option: { flags, description: `${description} (${TIME_ARG_HELP})`, parse: parseTimeArg },
    kind: 'time',
    apply: (qb, v: TimeArg, e) => void qb.and(`${e.col(column)} ${op} ?`, [e.db.dialect.encodeTime(resolveTimeArg(v, e.now))]),
  };
}

function numberBound(column: string, op: '>=' | '<=', flags: string, description: string): Declared {
  return {
    option: { flags, description, parse: (raw) => nonNegativeInt(raw, 'a whole number ≥ 0') },
    kind: 'number',
    apply: (qb, v: number, e) => void qb.and(`${e.col(column)} ${op} ?`, [v]),
  };
}

/** Words of --search: split on spaces and commas. */
export function searchTerms(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

/**
 * The most words a search may have. Each word is one more condition that
 * every row is tested against in 5 columns (7 in the CLI), so the statement
 * grows and slows with each; 1,500 words made SQLite refuse the statement
 * ("Expression tree is too large", its limit is a depth of 1,000) and the
 * others work for seconds. 32 is far more than anyone types or pastes as
 * words to find (an error line of 32 words is matched by a few of them) and
 * keeps the worst statement at 224 conditions.
 */
export const MAX_SEARCH_WORDS = 32;


const DECLARED: Declared[] = [
  exact('task_name', '--task <name>', 'task name, exact (ReArq\'s "task")'),
  {
    option: { flags: '--task-name <text>', description: 'task name contains TEXT, case-insensitive' },
    apply: (qb, v: string, e) => {
      const { sql, bindings } = containsCondition('task_name', v, e);
      qb.and(sql, bindings);
    },
  },
  exact('task_name', '--task-name-exact <name>', 'task name, exact'),
  exact('queue_name', '--queue-name <queue>', 'queue, exact'),
  {
    option: { flags: '--queue-name-in <a,b>', description: 'any of these queues', parse: (raw) => csvList(raw) },
    apply: (qb, v: string[], e) => void qb.and(inSql('queue_name', v.length, e), v),
  },
  {
    option: { flags: '--status <status>', description: `status, one of ${STATUSES.join(', ')}`, choices: STATUSES },
    apply: (qb, v: string, e) => void qb.and(equalsSql('status', e), [v]),
  },
  {
    option: { flags: '--status-in <a,b>', description: 'any of these statuses', parse: (raw) => csvList(raw, STATUSES) },
    apply: (qb, v: string[], e) => void qb.and(inSql('status', v.length, e), v),
  },
  exact('job_id', '--job-id <id>', 'job id, exact'),
  exact('worker_id', '--worker <id>', 'worker id, exact'),
  exact('worker_id', '--worker-id <id>', 'worker id, exact (same as --worker)'),
  {
    option: {
      flags: '--success [value]',
      description: 'the success column: true (bare flag), false or null',
      // commander turns a parsed null into true for an optional value, so null travels as 'null'
      parse: (raw) => {
        if (raw.trim().toLowerCase() === 'null') return 'null';
        try {
          return parseBool(raw);
        } catch {
          throw new InvalidValue('expects true, false or null');
        }
      },
    },
    apply: (qb, v: boolean | 'null', e) => {
      if (v === 'null') qb.and(`${e.col('success')} IS NULL`);
      else qb.and(`${e.col('success')} = ?`, [e.db.dialect.encodeBool(v)]);
    },
  },
  group('completed', '--is-completed [bool]', 'status success, failed, expired or canceled'),
  group('successful', '--is-successful [bool]', 'status success and success true'),
  group('failed', '--is-failed [bool]', 'status failed or expired, or success false'),
  {
    option: { flags: '--has-error [bool]', description: 'error_message is neither null nor empty; false: every other row', parse: parseBool },
    apply: (qb, v: boolean, e) => {
      const sql = hasErrorSql(e);
      qb.and(v === false ? negate(sql, e) : sql);
    },
  },
  timeBound('enqueue_time', '>=', '--start-time <time>', 'enqueued at or after (ReArq\'s name)'),
  timeBound('enqueue_time', '<=', '--end-time <time>', 'enqueued at or before (ReArq\'s name)'),
  timeBound('enqueue_time', '>=', '--enqueue-after <time>', 'enqueued at or after'),
  timeBound('enqueue_time', '<=', '--enqueue-before <time>', 'enqueued at or before'),
  timeBound('start_time', '>=', '--start-after <time>', 'started at or after'),
  timeBound('start_time', '<=', '--start-before <time>', 'started at or before'),
  timeBound('finish_time', '>=', '--finish-after <time>', 'finished at or after'),
  timeBound('finish_time', '<=', '--finish-before <time>', 'finished at or before'),
  timeBound('created_at', '>=', '--created-after <time>', 'created at or after'),
  timeBound('created_at', '<=', '--created-before <time>', 'created at or before'),
  timeBound('created_at', '>=', '--since <time>', 'created at or after'),
  timeBound('created_at', '<=', '--until <time>', 'created at or before'),
  numberBound('duration_ms', '>=', '--duration-min <ms>', 'duration at least MS milliseconds'),
  numberBound('duration_ms', '<=', '--duration-max <ms>', 'duration at most MS milliseconds'),
  numberBound('job_retries', '>=', '--job-retries-min <n>', 'retried at least N times'),
  numberBound('job_retries', '<=', '--job-retries-max <n>', 'retried at most N times'),
  {
    option: { flags: '--user <name|email|id>', description: "the user's username, email or id (needs the user table)" },
    needsUser: true,
    apply: (qb, v: string, e) => {
      const parts = [`${e.ucol('username')} = ?`, `${e.ucol('email')} = ?`];
      const binds: unknown[] = [v, v];
      if (/^\d+$/.test(v)) {
        parts.push(`${e.col('user_id')} = ?`);
        binds.push(Number(v));
      }
      qb.and(`(${parts.join(' OR ')})`, binds);
    },
  },
  {
    option: {
      flags: '--search <text>',
      description: 'every word (split on spaces and commas) occurs, case-insensitively, in task name, job id, queue, error, worker, username or email',
      parse: (raw) => {
        const terms = searchTerms(raw);
        if (terms.length === 0) throw new InvalidValue('expects at least one word');
        if (terms.length > MAX_SEARCH_WORDS) throw new InvalidValue(`expects at most ${MAX_SEARCH_WORDS} words (got ${terms.length})`);
        return terms;
      },
    },
    needsUser: true,
    apply: (qb, terms: string[], e) => searchApply(true)(qb, terms, e),
  },
  {
    option: {
      flags: '--where <expr>',
      description: `a condition over the row, such as "task_name contains 'payment' and (is_failed or duration_ms > 30s)" (man tasklog: WHERE EXPRESSIONS; groups: ${WHERE_GROUPS.join(', ')})`,
    },
    parseLater: parseWhere,
    apply: (qb, v: WhereExpr, e) => {
      for (const c of whereConditions(v, e)) qb.and(c.sql, c.bindings);
    },
  },
];

export const FILTERS: readonly FilterDef[] = DECLARED.map((d) => ({ ...d, name: key(d.option.flags).replace(/^--/, '').replace(/-/g, '_') }));

export interface ActiveFilter {
  def: FilterDef;
  value: unknown;
}

/** The filters set in `values` (by name, as parsed), in declaration order. */
export function activeFilters(values: Readonly<Record<string, unknown>>): ActiveFilter[] {
  return FILTERS.filter((f) => values[f.name] !== undefined).map((def) => ({ def, value: values[def.name] }));
}

/** The filter of a name ('status', 'is_failed'). */
export function filterNamed(name: string): FilterDef {
  const def = FILTERS.find((f) => f.name === name);
  if (!def) throw new Error(`no filter ${name}`);
  return def;
}

/** A value typed for a filter, checked and parsed as its flag's value is (throws InvalidValue). */
export function parseFilterValue(def: FilterDef, raw: string): unknown {
  if (def.parseLater) return def.parseLater(raw);
  const { choices, parse } = def.option;
  if (choices && !choices.includes(raw.trim())) throw new InvalidValue(`expects one of ${choices.join(', ')}`);
  return parse ? parse(raw) : raw.trim();
}

/** Active filters as the flags that set them: ['--status', 'failed', '--since', '24h']. */
export function filterArgs(active: ActiveFilter[]): string[] {
  const out: string[] = [];
  for (const { def, value } of active) {
    out.push(key(def.option.flags));
    if (value === true) continue;
    if (Array.isArray(value)) out.push(value.join(','));
    else if (value && typeof value === 'object' && 'text' in value) out.push(String((value as { text: unknown }).text)); // a time or a --where
    else out.push(String(value));
  }
  return out;
}

/** The API's parameter of --where (a tasklog extension; django-cfg's API has none). */
export const WHERE_PARAM = 'q';

/**
 * The API's query parameters (tasklog serve): every filter under its flag's
 * name in snake_case (--task-name-exact → task_name_exact, as django-cfg's API
 * names them), except that the API's search covers django-cfg's search fields
 * only (task name, job id, queue, error, worker), as Django REST framework's
 * SearchFilter does there; the CLI's --search adds username and email; and
 * --where is q.
 */
export function apiFilters(): Map<string, FilterDef> {
  const out = new Map<string, FilterDef>();
  for (const def of FILTERS) {
    const param = def.name === 'where' ? WHERE_PARAM : key(def.option.flags).replace(/^--/, '').replace(/-/g, '_');
    out.set(param, param === 'search' ? { ...def, needsUser: false, apply: searchApply(false) } : def);
  }
  return out;
}

/**
 * The filters' condition over the bare task table (no alias: what the
 * reports' aggregates read), with its bindings, or null when there is none:
 * the one function that turns a filter set and/or a --where expression into
 * SQL for any query of the task table. Filters on the user (--user,
 * --search's username and email) read it by user_id in a subquery.
 * `filters`: active filters, or values by filter name (as filterValues
 * gives them); `where`: an expression, as text or parsed.
 */
export function filterCondition(
  db: Db,
  now: Date,
  scope: {
    filters?: readonly ActiveFilter[] | Readonly<Record<string, unknown>>;
    where?: string | WhereExpr;
    /** the task table's alias in the caller's FROM (default: none, the bare table) */
    alias?: string;
  },
): Condition | null {
  const active = Array.isArray(scope.filters) ? (scope.filters as ActiveFilter[]) : activeFilters((scope.filters ?? {}) as Record<string, unknown>);
  const all = [...active];
  if (scope.where !== undefined) all.push({ def: filterNamed('where'), value: typeof scope.where === 'string' ? parseWhere(scope.where) : scope.where });
  if (all.length === 0) return null;
  requireUserTable(db, all);
  const q = (c: string) => db.dialect.quote(c);
  const col = (c: string) => (scope.alias ? `${q(scope.alias)}.${q(c)}` : q(c));
  const env: FilterEnv = {
    db,
    now,
    col,
    // the user by user_id, in a subquery: the caller's FROM stays the task table alone
    ucol: (c) => `(SELECT ${q('tasklog_u')}.${q(c)} FROM ${q(db.userTable ?? db.userTableName)} AS ${q('tasklog_u')} WHERE ${q('tasklog_u')}.${q('id')} = ${scope.alias ? q(scope.alias) : q(db.table)}.${q('user_id')})`,
  };
  const parts: string[] = [];
  const bindings: unknown[] = [];
  for (const f of all) f.def.apply({ and: (sql, b = []) => void (parts.push(`(${sql})`), bindings.push(...b)) }, f.value, env);
  return { sql: parts.join(' AND '), bindings };
}

/** --user without the user table: one line saying so (the other user filters do without it). */
export function requireUserTable(db: Db, filters: readonly ActiveFilter[]): void {
  if (!db.userTable && filters.some((f) => f.def.name === 'user')) {
    throw new RuntimeFailure(`--user needs the user table ${db.userTableName}, which is not in ${db.target.display} (see --user-table)`, 'no_user_table');
  }
}

function searchApply(withUser: boolean): FilterDef['apply'] {
  return (qb, terms: string[], e) => {
    const d = e.db.dialect;
    const users = withUser && e.db.userTable ? e.db.userTable : null;
    for (const term of terms) {
      if (e.db.ownIndexes.has('search')) {
        const indexed = d.indexedSearch?.(e.db.table, e.col, term, users ? userIdsHolding(e.db, users, term) : null);
        if (indexed) {
          qb.and(indexed.sql, indexed.bindings);
          continue;
        }
      }
      const cols = SEARCH_COLUMNS.map((c) => e.col(c));
      if (users || (withUser && d.userInRows)) cols.push(e.ucol('username'), e.ucol('email'));
      const any = d.foldContainsAny?.(cols, term);
      if (any) {
        qb.and(any.sql, any.bindings);
        continue;
      }
      const parts = cols.map((c) => d.foldContains(c, term));
      qb.and(`(${parts.map((p) => p.sql).join(' OR ')})`, parts.flatMap((p) => p.bindings));
    }
  };
}

/** The ids of the users whose username or email holds the term (search's fold): what the search index's query adds for the CLI's --search. */
function userIdsHolding(db: Db, userTable: string, term: string): { sql: string; bindings: unknown[] } {
  const d = db.dialect;
  const parts = ['username', 'email'].map((c) => d.foldContains(d.quote(c), term));
  return { sql: `SELECT ${d.quote('id')} FROM ${d.quote(userTable)} WHERE ${parts.map((p) => p.sql).join(' OR ')}`, bindings: parts.flatMap((p) => p.bindings) };
}
