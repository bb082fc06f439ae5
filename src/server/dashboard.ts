/**
 * The dashboard's pages: GET / (overview, the last 24 h as a chart, the
 * latest failures by error signature, the filterable list) and GET
 * /logs/{id} (the row's sections and its related rows). The list reads the
 * API's parameters (status, queue_name, task_name, search, created_after,
 * page, page_size, q …) through the same parser as /cfg/tasks/logs/, and
 * the reports above it are of the rows the list's filters select;
 * refresh=30 makes a page reload itself; the saved views are links to ?q=.
 */
import type { Db } from '../db/connect.js';
import { filterCondition, filterNamed, WHERE_PARAM, type ActiveFilter } from '../query/filters.js';
import { LogReader, parseOrdering } from '../query/logs.js';
import { chooseWindowPlan } from '../query/plan.js';
import type { Slo } from '../query/slo.js';
import { resolveWindow } from '../query/window.js';
import { ApiError, listFilters, queryPage, RELATED_LIMIT, rowById, type ApiRequest, type Reply } from './api.js';
import { lastValue, parseQs, quotePlus, type QueryPairs } from './drf.js';

const HTML = 'text/html; charset=utf-8';

function refreshOf(pairs: QueryPairs): number | null {
  const raw = lastValue(pairs, 'refresh');
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 5 && n <= 3600 ? n : null;
}

/** The message of a 400 from the API's parser, as one line. */
function describe(err: ApiError): string {
  const body = err.body as Record<string, unknown>;
  if (typeof body.detail === 'string') return body.detail;
  return Object.entries(body)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`)
    .join('; ');
}

/** The list's filters, or none when they do not parse (the list says why). */
function scopeOf(pairs: QueryPairs): ActiveFilter[] {
  try {
    return listFilters(pairs);
  } catch (err) {
    if (err instanceof ApiError) return [];
    throw err;
  }
}

/** The saved views (name → expression), as the dashboard links them. */
export type Views = ReadonlyMap<string, string>;

export async function dashboard(db: Db, req: ApiRequest, slos: readonly Slo[] = [], views: Views = new Map()): Promise<Reply> {
  const pairs = parseQs(req.query);
  // names come from the request: no prototype, so "__proto__" or "constructor" is a name like any other
  const params: Record<string, string> = Object.create(null);
  for (const [k, v] of pairs) if (v !== '') params[k] = v;
  const listPairs = Object.entries(params).filter(([k]) => k !== 'refresh') as QueryPairs;
  const [{ overview }, { StatsQuery }, { timeline }, { errorReport, errorSignature }, html, slo] = await Promise.all([
    import('../query/overview.js'),
    import('../query/stats.js'),
    import('../query/timeline.js'),
    import('../query/errors.js'),
    import('../render/html.js'),
    import('../query/slo.js'),
  ]);
  const day = resolveWindow({ periodHours: 24 }, req.now);
  // the three reports of the same window share one plan (on SQLite: one look at the table's extent)
  const { plan } = await chooseWindowPlan(db, day.since);
  const list = queryPage(db, listPairs, req.now).catch((err: unknown) => {
    if (err instanceof ApiError) return { error: describe(err) };
    throw err;
  });
  const scope = scopeOf(listPairs);
  const condition = filterCondition(db, req.now, { filters: scope });
  // the first page only: no count of every failed row, which the dashboard does not show
  const failedOnly = [...scope.filter((f) => f.def.name !== 'is_failed'), { def: filterNamed('is_failed'), value: true }];
  const latestFailures = new LogReader(db, req.now).page({ filters: failedOnly, order: parseOrdering('-created_at') }, 1, 8);
  const [o, stats, buckets, errors, page, failures, objectives] = await Promise.all([
    overview(db, req.now, condition),
    new StatsQuery(db, { window: day, plan, condition }).basic(),
    timeline(db, day, 'hour', 'UTC', condition, plan),
    errorReport(db, day, 8, condition, plan),
    list,
    latestFailures,
    slo.measureObjectives(db, req.now, slos, { buckets: slo.SPARK_BUCKETS }),
  ]);
  const refresh = refreshOf(pairs);
  const link = (changes: Record<string, string | null>) => {
    const next: Record<string, string> = { ...params };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const q = Object.entries(next)
      .map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`)
      .join('&');
    return q ? `/?${q}` : '/';
  };
  const objectiveRows = objectives.map((m) => ({ report: m.report, budget: slo.budgetOverWindow(m.slo, m.counts) }));
  const viewLinks = [...views].map(([name, expr]) => ({ name, expr, href: `/?${quotePlus(WHERE_PARAM)}=${quotePlus(expr)}` }));
  const text = html.renderDashboard({ objectives: objectiveRows, views: viewLinks, scoped: scope.length > 0, overview: o, successRate: stats.success_rate, timeline: buckets, errors, latestFailures: failures.map((row) => ({ row, signature: errorSignature(row.error_message) })), list: page, params, now: req.now, refresh, link });
  return { status: 'error' in page ? 400 : 200, text, contentType: HTML };
}

export async function logPage(db: Db, req: ApiRequest, ref: string): Promise<Reply> {
  const [{ LogReader }, { errorSignature }, html] = await Promise.all([import('../query/logs.js'), import('../query/errors.js'), import('../render/html.js')]);
  const reader = new LogReader(db, req.now);
  let row;
  try {
    row = await rowById(reader, ref);
  } catch (err) {
    if (err instanceof ApiError) return { status: 404, text: html.renderMessage('Not found', `no task log with id ${ref}`, req.now), contentType: HTML };
    throw err;
  }
  const related = await reader.related(row, RELATED_LIMIT);
  const text = html.renderLogPage({ row, related, errorSignature: row.error_message ? errorSignature(row.error_message) : null, now: req.now, refresh: refreshOf(parseQs(req.query)) });
  return { status: 200, text, contentType: HTML };
}

/** The dashboard's routes: a handler for / (showing `slos` and linking `views`) and /logs/{id}, or null. */
export function dashboardRoute(path: string, slos: readonly Slo[] = [], views: Views = new Map()): ((db: Db, req: ApiRequest) => Promise<Reply>) | null {
  if (path === '/') return (db, req) => dashboard(db, req, slos, views);
  const m = /^\/logs\/([^/]+)\/?$/.exec(path);
  if (m) return (db, req) => logPage(db, req, m[1]);
  return null;
}
