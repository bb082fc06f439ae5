/**
 * django-cfg's TaskLog API (GET /cfg/tasks/logs/…) answered from tasklog's
 * queries: the same URLs, parameters, bodies and errors as Django REST
 * framework's viewset, list and detail serializers and PageNumberPagination.
 * Where DRF silently ignores a bad value (page_size=abc, ordering=password,
 * is_failed=maybe, an unknown status) this answers 400 naming the parameter,
 * as the CLI refuses the same values.
 */
import { InvalidValue, TasklogError } from '../core/errors.js';
import { intInRange } from '../core/values.js';
import type { Db } from '../db/connect.js';
import { apiFilters, filterCondition, parseFilterValue, type ActiveFilter, type FilterDef } from '../query/filters.js';
import { DEFAULT_ORDERING, LogReader, parseOrdering, type LogQuery } from '../query/logs.js';
import { toDetail, toListItem } from '../query/present.js';
import { resolveWindow, MAX_PERIOD_HOURS } from '../query/window.js';
import { lastValue, pageLinks, pageNumber, parseQs, PyFloat, type QueryPairs } from './drf.js';

/** What a handler answers: a status and a JSON body, or text with its type. */
export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
}

export interface ApiRequest {
  /** the path, without the query string */
  path: string;
  /** the raw query string, without '?' */
  query: string;
  /** scheme://host of the request, as DRF builds absolute links from the Host header */
  origin: string;
  now: Date;
}

export const PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;
export const RELATED_LIMIT = 10;
/** pages up to this one are read side by side with the count */
const PARALLEL_PAGES = 50;
export const API_PREFIX = '/cfg/tasks/logs/';

/** A 4xx answer in DRF's shape, thrown by a handler. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body && 'detail' in body ? String((body as { detail: unknown }).detail) : `HTTP ${status}`);
  }
}

export const notFound = () => new ApiError(404, { detail: 'Not found.' });

const API_FILTERS = apiFilters();

/** A filter's error, worded as DRF's form fields word it where DRF refuses the value too. */
function filterMessage(def: FilterDef, raw: string, err: InvalidValue): string {
  if (def.kind === 'time') return 'Enter a valid date/time.';
  if (def.kind === 'number' && !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(raw)) return 'Enter a number.';
  return err.message;
}

/** Every parameter parsed, or 400 with every bad one: {"param": ["message"]}. */
function parseList(pairs: QueryPairs): { query: LogQuery; pageSize: number } {
  const errors: Record<string, string[]> = {};
  const filters: ActiveFilter[] = [];
  const given = (name: string) => {
    const v = lastValue(pairs, name);
    return v === undefined || v === '' ? undefined : v;
  };
  const attempt = <T>(name: string, fn: () => T, message?: (err: InvalidValue) => string): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof InvalidValue)) throw err;
      errors[name] = [message ? message(err) : err.message];
      return undefined;
    }
  };
  for (const [name, def] of API_FILTERS) {
    const raw = given(name);
    if (raw === undefined) continue;
    const value = attempt(name, () => parseFilterValue(def, raw), (err) => filterMessage(def, raw, err));
    if (value !== undefined) filters.push({ def, value });
  }
  const ordering = given('ordering');
  const order = attempt('ordering', () => parseOrdering(ordering ?? DEFAULT_ORDERING));
  const size = given('page_size');
  const pageSize = size === undefined ? PAGE_SIZE : attempt('page_size', () => intInRange(size, 1, MAX_PAGE_SIZE));
  if (Object.keys(errors).length || !order || pageSize === undefined) throw new ApiError(400, errors);
  return { query: { filters, order }, pageSize };
}

/** The list's filters of these query parameters (400 for bad values): what the dashboard's reports are scoped to. */
export function listFilters(pairs: QueryPairs): ActiveFilter[] {
  return parseList(pairs).query.filters;
}

/** One page of the list for these query parameters: 400 for bad values, 404 past the end. */
export async function queryPage(db: Db, pairs: QueryPairs, now: Date) {
  const { query, pageSize } = parseList(pairs);
  const reader = new LogReader(db, now);
  const invalid = () => new ApiError(404, { detail: 'Invalid page.' });
  const raw = lastValue(pairs, 'page');
  // a page given by number is checked as text now and against the count once known ('last' only then);
  // an early page is read while the rows are counted (side by side on PostgreSQL and MySQL), a deep one
  // only once the count says it exists, so that page=999999 costs no walk past every row
  const early = raw === 'last' ? null : pageNumber(raw, Number.MAX_SAFE_INTEGER);
  if (raw !== 'last' && early === null) throw invalid();
  // side by side only where the database runs them side by side (on one connection, SQLite, the page would wait
  // for the count anyway), and not for a search: no planner can tell how many rows a word matches, and a page of
  // a word few rows hold walks the table in page order looking for them — for a page the count may say does not
  // exist (a word no row holds, 1M rows out of time order: SQLite 15 s against Django's 2.7 s, PostgreSQL past
  // the statement timeout against Django's 404; Django counts first)
  const sideBySide = early !== null && early <= PARALLEL_PAGES && db.dialect.maxConnections > 1 && !query.filters.some((f) => f.def.name === 'search');
  // otherwise, where one statement gives a filtered page with its count, that page first (one read of the matching
  // rows); empty, it says nothing of the count, which is then counted as below
  const together = !sideBySide && early !== null && query.filters.length > 0 ? await reader.pageWithCount(query, early, pageSize) : null;
  if (together) return { count: together.count, page: early!, pages: Math.max(1, Math.ceil(together.count / pageSize)), pageSize, rows: together.rows, filters: query.filters };
  const [count, first] = await Promise.all([reader.count(query), sideBySide ? reader.page(query, early, pageSize) : null]);
  const pages = Math.max(1, Math.ceil(count / pageSize));
  const page = pageNumber(raw, pages);
  if (page === null) throw invalid();
  const rows = first ?? (count === 0 ? [] : await reader.page(query, page, pageSize));
  return { count, page, pages, pageSize, rows, filters: query.filters };
}

export async function listLogs(db: Db, req: ApiRequest): Promise<Reply> {
  const { count, page, pages, rows } = await queryPage(db, parseQs(req.query), req.now);
  const links = pageLinks(req.origin + req.path, req.query, page, pages);
  return { status: 200, body: { count, next: links.next, previous: links.previous, results: rows.map(toListItem) } };
}

/** The row of a detail URL's id: DRF's lookup takes any text without / or . and answers 404 unless it is an existing id. */
export async function rowById(reader: LogReader, ref: string) {
  if (!/^\d{1,15}$/.test(ref)) throw notFound();
  const row = await reader.findById(Number(ref));
  if (!row) throw notFound();
  return row;
}

export async function showLog(db: Db, req: ApiRequest, ref: string): Promise<Reply> {
  const detail = toDetail(await rowById(new LogReader(db, req.now), ref));
  const seconds = detail.duration_seconds as number | null;
  return { status: 200, body: { ...detail, duration_seconds: seconds === null ? null : new PyFloat(seconds) } };
}

export async function relatedLogs(db: Db, req: ApiRequest, ref: string): Promise<Reply> {
  const reader = new LogReader(db, req.now);
  const row = await rowById(reader, ref);
  return { status: 200, body: (await reader.related(row, RELATED_LIMIT)).map(toListItem) };
}

/** period_hours (default 24) and task_name (exact; empty means all), as django-cfg's stats and timeline read them. */
function scopeParams(pairs: QueryPairs, errors: Record<string, string[]>): { periodHours: number; taskName?: string } {
  const raw = lastValue(pairs, 'period_hours');
  let periodHours = 24;
  if (raw !== undefined) {
    try {
      periodHours = intInRange(raw, 1, MAX_PERIOD_HOURS);
    } catch (err) {
      if (!(err instanceof InvalidValue)) throw err;
      errors.period_hours = [err.message];
    }
  }
  const taskName = lastValue(pairs, 'task_name') || undefined;
  return { periodHours, taskName };
}

/** stats/ and timeline/ read task_name exact, as django-cfg's endpoints do (the list's task_name is contains): --task's condition. */
function exactTask(db: Db, now: Date, taskName: string | undefined) {
  return taskName === undefined ? null : filterCondition(db, now, { filters: { task: taskName } });
}

export async function logStats(db: Db, req: ApiRequest): Promise<Reply> {
  const errors: Record<string, string[]> = {};
  const { periodHours, taskName } = scopeParams(parseQs(req.query), errors);
  if (Object.keys(errors).length) throw new ApiError(400, errors);
  const { StatsQuery } = await import('../query/stats.js');
  const s = await new StatsQuery(db, { window: resolveWindow({ periodHours }, req.now), condition: exactTask(db, req.now, taskName) }).basic();
  return { status: 200, body: { ...s, success_rate: new PyFloat(s.success_rate), avg_duration_seconds: new PyFloat(s.avg_duration_seconds) } };
}

export const API_INTERVALS = ['hour', 'day'] as const;

/** Buckets with rows only, oldest first, as the Django API's GROUP BY over TruncHour/TruncDay answers. */
export async function logTimeline(db: Db, req: ApiRequest): Promise<Reply> {
  const pairs = parseQs(req.query);
  const errors: Record<string, string[]> = {};
  const { periodHours, taskName } = scopeParams(pairs, errors);
  const interval = lastValue(pairs, 'interval') ?? 'hour';
  if (!(API_INTERVALS as readonly string[]).includes(interval)) errors.interval = [`expects one of ${API_INTERVALS.join(', ')}`];
  if (Object.keys(errors).length) throw new ApiError(400, errors);
  const { timeline } = await import('../query/timeline.js');
  const buckets = await timeline(db, resolveWindow({ periodHours }, req.now), interval as 'hour' | 'day', 'UTC', exactTask(db, req.now, taskName));
  return { status: 200, body: buckets.filter((b) => b.total > 0) };
}

export async function logOverview(db: Db, req: ApiRequest): Promise<Reply> {
  const { overview } = await import('../query/overview.js');
  return { status: 200, body: await overview(db, req.now) };
}

/** The API's routes: a handler for a path under /cfg/tasks/logs/, or null. */
export function apiRoute(path: string): ((db: Db, req: ApiRequest) => Promise<Reply>) | null {
  if (!path.startsWith(API_PREFIX)) return null;
  const rest = path.slice(API_PREFIX.length);
  if (rest === '') return listLogs;
  if (rest === 'stats/') return logStats;
  if (rest === 'timeline/') return logTimeline;
  if (rest === 'overview/') return logOverview;
  const m = /^([^/.]+)\/(related\/)?$/.exec(rest);
  if (!m) return null;
  const ref = decodeURIComponentSafe(m[1]);
  return m[2] ? (db, req) => relatedLogs(db, req, ref) : (db, req) => showLog(db, req, ref);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A tasklog error that is about the request (not the database): 400 with its message. */
export function requestError(err: unknown): Reply | null {
  if (err instanceof ApiError) return { status: err.status, body: err.body };
  if (err instanceof TasklogError && err.kind !== 'query' && err.kind !== 'connect') return { status: 400, body: { detail: err.message } };
  return null;
}
