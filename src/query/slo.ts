/**
 * Service-level objectives, declared once: what an objective in the config
 * file may say ("slos": [{name, filter, objective, target, window}]), which
 * rows it counts, the burn-rate windows and the SRE Workbook's alerting rules
 * (chapter "Alerting on SLOs", the recommended multiwindow, multi-burn-rate
 * parameters for a 28- or 30-day objective):
 *
 *   page    burn rate > 14.4 over 1 h  and over 5 min  (2 % of the budget in an hour)
 *   page    burn rate > 6    over 6 h  and over 30 min (5 % of the budget in six hours)
 *   ticket  burn rate > 1    over 3 d  and over 6 h    (10 % of the budget in three days)
 *
 * Which rows count:
 *   success  rows in a finished state other than canceled (success, failed,
 *            expired); good = is_successful (status.ts)
 *   latency  finished rows (success, failed, expired, canceled) with a
 *            duration; good = duration_ms ≤ the bound
 *
 * Windows are on created_at, as every window of tasklog (window.ts): a row
 * counts in the window "the last N" when created_at ≥ now − N, so a row
 * created exactly N ago is inside. The windows are nested, so one statement
 * per objective counts them all: each row gets the index of the narrowest
 * window it is in, and the counts are summed outward.
 */
import { InvalidValue, UsageError } from '../core/errors.js';
import { formatInt } from '../core/numbers.js';
import { addMs, instantFromDate, type Instant } from '../core/time.js';
import type { Db } from '../db/connect.js';
import { apiFilters, parseFilterValue, type ActiveFilter, type FilterEnv, type Where } from './filters.js';
import { chooseWindowPlan, windowTerm, type WindowPlan } from './plan.js';
import { pyRound } from './round.js';
import { COMPLETED_STATUSES, groupSql } from './status.js';
import { formatSpan, parseSpan } from './timearg.js';
import { parseWhere as parseWhereExpr, whereConditions, type WhereExpr } from './where.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The burn-rate windows, narrowest first: the keys of --json's burn_rates. */
export const BURN_WINDOWS = [
  { key: '5m', ms: 5 * MINUTE },
  { key: '30m', ms: 30 * MINUTE },
  { key: '1h', ms: HOUR },
  { key: '6h', ms: 6 * HOUR },
  { key: '24h', ms: 24 * HOUR },
  { key: '72h', ms: 72 * HOUR },
] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number]['key'];

export type Severity = 'page' | 'ticket';
export type SloStatus = 'ok' | Severity;

/** One multiwindow rule: fires when the burn rate is above `factor` over both windows. */
export interface BurnRule {
  severity: Severity;
  long: BurnWindow;
  short: BurnWindow;
  /** the burn-rate threshold in tenths (144 = 14.4×): compared exactly, never as a rounded double */
  tenths: number;
}

/** The Workbook's table, in the order the status is decided: a page rule before the ticket rule. */
export const BURN_RULES: readonly BurnRule[] = [
  { severity: 'page', long: '1h', short: '5m', tenths: 144 },
  { severity: 'page', long: '6h', short: '30m', tenths: 60 },
  { severity: 'ticket', long: '72h', short: '6h', tenths: 10 },
];

export const factorOf = (r: BurnRule) => r.tenths / 10;

/** The rules as a sentence, for the help, the README and alerts. */
export function describeBurnRules(): string {
  return BURN_RULES.map((r) => `${r.severity} at a burn rate above ${factorOf(r)}× over ${r.long} and ${r.short}`).join('; ');
}

export type ObjectiveKind = 'success' | { latency_ms: number };

/** A checked objective of the config file. */
export interface Slo {
  name: string;
  /** the filters of `filter`, by the API's parameter names, parsed as the API parses them */
  filters: ActiveFilter[];
  /** a `where` expression, compiled (see WHERE_COMPILER) */
  where?: unknown;
  objective: ObjectiveKind;
  /** percent, 0 < target < 100 */
  target: number;
  windowMs: number;
}

/**
 * Compiles an objective's `where` text into conditions on the task table:
 * what --where EXPR reads.
 */
export interface WhereCompiler {
  /** the expression checked and parsed; throws InvalidValue naming what is wrong */
  parse(text: string): unknown;
  /** adds the parsed expression's conditions (alias t) */
  apply(qb: Where, parsed: unknown, env: FilterEnv): void;
}

/** An objective's `where`: the --where language, parsed when the config file is read and compiled with the filters. */
export const WHERE_COMPILER: WhereCompiler = {
  parse: parseWhereExpr,
  apply: (qb, w, e) => {
    for (const c of whereConditions(w as WhereExpr, e)) qb.and(c.sql, c.bindings);
  },
};

/** A value an objective's key does not accept; `path` names the part (".target", ".filter.status"). */
export class BadObjective extends Error {
  constructor(
    readonly path: string,
    readonly accepts: string,
    readonly got: unknown,
  ) {
    super(accepts);
  }
}

export const SLO_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const SLO_NAME_HELP = 'a name of letters, digits, _ . : - (up to 64 characters, starting with a letter or digit)';
const OBJECTIVE_KEYS = ['name', 'filter', 'where', 'objective', 'target', 'window'];
export const SLO_ACCEPTS =
  'a list of objectives {"name": NAME, "filter": {PARAM: VALUE, …} (optional), "objective": "success" or {"latency_ms": MS}, "target": PERCENT, "window": SPAN}';
/** the shortest and longest window of an objective */
const MIN_WINDOW = HOUR;
const MAX_WINDOW = 366 * 24 * HOUR;

/** The filters an objective may use: the API's parameters, but the user (it needs the user table joined). */
function objectiveFilters() {
  const all = apiFilters();
  all.delete('user');
  return all;
}

/**
 * The objectives of the config file's "slos", checked: names unique, every
 * filter known and its value valid as the API takes it. Throws BadObjective.
 */
export function parseObjectives(v: unknown, warn: (sub: string) => void): Slo[] {
  if (!Array.isArray(v)) throw new BadObjective('', SLO_ACCEPTS, v);
  const seen = new Set<string>();
  return v.map((item: unknown, i) => {
    const at = (k: string) => `[${i}]${k}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new BadObjective(at(''), SLO_ACCEPTS, item);
    const o = item as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!OBJECTIVE_KEYS.includes(k)) warn(at(`.${k}`));
    if (typeof o.name !== 'string' || !SLO_NAME.test(o.name)) throw new BadObjective(at('.name'), SLO_NAME_HELP, o.name);
    if (seen.has(o.name)) throw new BadObjective(at('.name'), 'a name no other objective has', o.name);
    seen.add(o.name);
    const slo: Slo = {
      name: o.name,
      filters: parseFilter(o.filter, at('.filter')),
      objective: parseKind(o.objective, at('.objective')),
      target: parseTarget(o.target, at('.target')),
      windowMs: parseWindow(o.window, at('.window')),
    };
    if (o.where !== undefined) slo.where = parseWhere(o.where, at('.where'));
    return slo;
  });
}

function parseFilter(v: unknown, path: string): ActiveFilter[] {
  if (v === undefined) return [];
  const defs = objectiveFilters();
  const names = [...defs.keys()];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadObjective(path, `an object of filters by the API's parameter names (${names.join(', ')})`, v);
  const out: ActiveFilter[] = [];
  for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
    const def = defs.get(k);
    if (!def) throw new BadObjective(`${path}.${k}`, `one of the filters ${names.join(', ')}`, k);
    const text = Array.isArray(raw) && raw.every((x) => typeof x === 'string') ? raw.join(',') : typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : null;
    if (text === null) throw new BadObjective(`${path}.${k}`, 'a string, number or true/false, as the API takes it', raw);
    try {
      out.push({ def, value: parseFilterValue(def, text) });
    } catch (err) {
      if (err instanceof InvalidValue) throw new BadObjective(`${path}.${k}`, err.message.replace(/^expects /, ''), raw);
      throw err;
    }
  }
  return out;
}

function parseWhere(v: unknown, path: string): unknown {
  if (typeof v !== 'string' || v.trim() === '') throw new BadObjective(path, 'a --where expression', v);
  try {
    return WHERE_COMPILER.parse(v);
  } catch (err) {
    if (err instanceof InvalidValue) throw new BadObjective(path, err.message.replace(/^expects /, ''), v);
    throw err;
  }
}

const KIND_HELP = '"success" or {"latency_ms": MS} (a whole number of milliseconds > 0)';

function parseKind(v: unknown, path: string): ObjectiveKind {
  if (v === 'success') return 'success';
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const ms = (v as Record<string, unknown>).latency_ms;
    if (keys.length === 1 && typeof ms === 'number' && Number.isSafeInteger(ms) && ms > 0) return { latency_ms: ms };
  }
  throw new BadObjective(path, KIND_HELP, v);
}

const TARGET_HELP = 'a percentage above 0 and below 100 with at most 6 decimals, such as 99.5';

function parseTarget(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v >= 100 || budgetMicros(v) <= 0 || Math.abs(budgetMicros(v) - (100 - v) * 1e6) > 1e-3) {
    throw new BadObjective(path, TARGET_HELP, v);
  }
  return v;
}

function parseWindow(v: unknown, path: string): number {
  const help = `a span from ${formatSpan(MIN_WINDOW)} to ${formatSpan(MAX_WINDOW)}, such as "28d"`;
  if (typeof v !== 'string') throw new BadObjective(path, help, v);
  let ms: number;
  try {
    ms = parseSpan(v);
  } catch {
    throw new BadObjective(path, help, v);
  }
  if (ms < MIN_WINDOW || ms > MAX_WINDOW || !Number.isInteger(ms)) throw new BadObjective(path, help, v);
  return ms;
}

/**
 * The error budget, 100 − target, in millionths of a percent: an integer, so
 * that budgets and burn rates compare exactly (99.9 % → 100,000).
 */
function budgetMicros(target: number): number {
  return Math.round((100 - target) * 1e6);
}

/** The objective as --json shows it: "success" or {"latency_ms": N}. */
export function objectiveJson(k: ObjectiveKind): 'success' | { latency_ms: number } {
  return k === 'success' ? 'success' : { latency_ms: k.latency_ms };
}

/** "success", "≤ 2,000 ms" */
export function describeObjective(k: ObjectiveKind): string {
  return k === 'success' ? 'success' : `≤ ${formatInt(k.latency_ms)} ms`;
}

// ---- counting ----------------------------------------------------------------

export interface Counts {
  total: number;
  good: number;
}

/** What one statement counts for an objective: its window and every burn-rate window. */
export interface SloCounts {
  window: Counts;
  burn: Record<BurnWindow, Counts>;
  /** the window's rows per sparkline bucket, oldest first (only when asked for) */
  buckets?: Counts[];
}

/** Whether more than `tenths`/10 times the budget burns: bad/total > factor × budget, in integers. */
function burnsFaster(c: Counts, budget: number, tenths: number): boolean {
  if (c.total === 0) return false;
  // bad / total > (tenths / 10) × budget / 1e8   ⟺   bad × 1e9 > tenths × budget × total
  return BigInt(c.total - c.good) * 1_000_000_000n > BigInt(tenths) * BigInt(budget) * BigInt(c.total);
}

/** The burn rate: the share of bad rows over the share the budget allows; null without rows. */
function burnRate(c: Counts, budget: number): number | null {
  return c.total === 0 ? null : ((c.total - c.good) * 1e8) / (c.total * budget);
}

/** ok, or the severity of the first rule of the Workbook's table that holds. */
export function sloStatus(burn: Record<BurnWindow, Counts>, target: number): SloStatus {
  const budget = budgetMicros(target);
  const rule = BURN_RULES.find((r) => burnsFaster(burn[r.long], budget, r.tenths) && burnsFaster(burn[r.short], budget, r.tenths));
  return rule?.severity ?? 'ok';
}

/** The rules that hold (a page's rules first), for an alert's evidence. */
export function firingRules(burn: Record<BurnWindow, Counts>, target: number): BurnRule[] {
  const budget = budgetMicros(target);
  return BURN_RULES.filter((r) => burnsFaster(burn[r.long], budget, r.tenths) && burnsFaster(burn[r.short], budget, r.tenths));
}

/** The number of sparkline buckets of the terminal and the dashboard. */
export const SPARK_BUCKETS = 28;

/**
 * The one statement of an objective: the rows of the widest window it needs,
 * each with its good flag and the index of the narrowest window it is in,
 * counted by that index (and by sparkline bucket when asked for).
 */
export async function countObjective(db: Db, now: Date, slo: Slo, opts: { buckets?: number; plan?: WindowPlan } = {}): Promise<SloCounts> {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const col = (c: string) => `${q('t')}.${q(c)}`;
  const nowI = instantFromDate(now);
  const at = (ms: number): Instant => addMs(nowI, -ms);
  // the distinct window lengths, narrowest first: every burn window and the objective's
  const spans = [...new Set([...BURN_WINDOWS.map((w) => w.ms), slo.windowMs])].sort((a, b) => a - b);
  const widest = spans[spans.length - 1];
  const plan = opts.plan ?? (await chooseWindowPlan(db, at(widest))).plan;

  const where: string[] = [];
  const whereBindings: unknown[] = [];
  const qb: Where = {
    and(sql, bindings = []) {
      where.push(`(${sql})`);
      whereBindings.push(...bindings);
    },
  };
  // unqualified: the dialect's form of the window term for the plan (there is no join)
  qb.and(windowTerm(db, plan), [d.encodeTime(at(widest))]);
  const good: { sql: string; bindings: unknown[] } =
    slo.objective === 'success'
      ? { sql: groupSql('successful', d, q('t')), bindings: [] }
      : { sql: `${col('duration_ms')} <= ?`, bindings: [slo.objective.latency_ms] };
  if (slo.objective === 'success') qb.and(`${col('status')} IN (${COMPLETED_STATUSES.filter((s) => s !== 'canceled').map((s) => `'${s}'`).join(', ')})`);
  else qb.and(`${groupSql('completed', d, q('t'))} AND ${col('duration_ms')} IS NOT NULL`);
  const env: FilterEnv = { db, now, col, ucol: () => { throw new Error('an objective never joins the user table'); } };
  for (const f of slo.filters) f.def.apply(qb, f.value, env);
  if (slo.where !== undefined) WHERE_COMPILER.apply(qb, slo.where, env);

  // the narrowest window a row is in: the widest test first, since most rows are old
  const whens = spans.slice(0, -1).map((_, i) => `WHEN ${col('created_at')} < ? THEN ${spans.length - 1 - i}`);
  const whenBindings = spans.slice(0, -1).map((_, i) => d.encodeTime(at(spans[spans.length - 2 - i])));
  const span = `CASE ${whens.join(' ')} ELSE 0 END`;
  const bucketSeconds = opts.buckets ? Math.max(1, Math.ceil(slo.windowMs / 1000 / opts.buckets)) : 0;
  const bucketKey = opts.buckets ? `, ${d.intDivSql(d.epochSecondsSql(col('created_at')), String(bucketSeconds))}` : '';
  const inner =
    `SELECT ${span} AS w, CASE WHEN ${good.sql} THEN 1 ELSE 0 END AS ok${bucketKey ? `${bucketKey} AS b` : ''} ` +
    `FROM ${q(db.table)} AS ${q('t')} WHERE ${where.join(' AND ')}${d.subqueryFence}`;
  const keys = bucketKey ? 'w, b' : 'w';
  const rows = await db.query<Record<string, unknown>>(`SELECT ${keys}, COUNT(*) AS n, SUM(ok) AS g FROM (${inner}) AS s GROUP BY ${keys}`, [
    ...whenBindings,
    ...good.bindings,
    ...whereBindings,
  ]);

  // counts of the rows whose narrowest window is each span, then summed outward
  const narrowest = spans.map(() => ({ total: 0, good: 0 }));
  const buckets = opts.buckets ? Array.from({ length: opts.buckets }, () => ({ total: 0, good: 0 })) : undefined;
  const windowIndex = spans.indexOf(slo.windowMs);
  const firstBucket = Math.floor((at(slo.windowMs).ms / 1000) / (bucketSeconds || 1));
  for (const r of rows) {
    const w = Number(r.w);
    const n = Number(r.n);
    const g = Number(r.g ?? 0);
    narrowest[w].total += n;
    narrowest[w].good += g;
    if (buckets && w <= windowIndex) {
      const i = Math.min(buckets.length - 1, Math.max(0, Number(r.b) - firstBucket));
      buckets[i].total += n;
      buckets[i].good += g;
    }
  }
  const within = (ms: number): Counts => {
    const upTo = spans.indexOf(ms);
    return narrowest.slice(0, upTo + 1).reduce((a, c) => ({ total: a.total + c.total, good: a.good + c.good }), { total: 0, good: 0 });
  };
  const burn = Object.fromEntries(BURN_WINDOWS.map((b) => [b.key, within(b.ms)])) as Record<BurnWindow, Counts>;
  return { window: within(slo.windowMs), burn, ...(buckets ? { buckets } : {}) };
}

// ---- the report --------------------------------------------------------------

export interface SloReport {
  name: string;
  objective: 'success' | { latency_ms: number };
  target: number;
  window_hours: number;
  total: number;
  good: number;
  /** percent of good rows; null without rows */
  attainment: number | null;
  budget: { allowed: number; spent: number; remaining: number; remaining_share: number | null };
  burn_rates: Record<BurnWindow, number | null>;
  status: SloStatus;
}

/** An objective's numbers from its counts: what --json prints for it. */
export function sloReport(slo: Slo, counts: SloCounts): SloReport {
  const budget = budgetMicros(slo.target);
  const { total, good } = counts.window;
  const allowed = (total * budget) / 1e8;
  const spent = total - good;
  return {
    name: slo.name,
    objective: objectiveJson(slo.objective),
    target: slo.target,
    window_hours: pyRound(slo.windowMs / HOUR, 4),
    total,
    good,
    attainment: total === 0 ? null : pyRound((good / total) * 100, 6),
    budget: {
      allowed: pyRound(allowed, 6),
      spent,
      remaining: pyRound(allowed - spent, 6),
      remaining_share: allowed === 0 ? null : pyRound((allowed - spent) / allowed, 6),
    },
    burn_rates: Object.fromEntries(BURN_WINDOWS.map((w) => [w.key, round4(burnRate(counts.burn[w.key], budget))])) as Record<BurnWindow, number | null>,
    status: sloStatus(counts.burn, slo.target),
  };
}

const round4 = (x: number | null) => (x === null ? null : pyRound(x, 4));

/**
 * The share of the budget left at the end of each bucket (1 = untouched,
 * below 0 = blown), of the budget the whole window allows: the budget's
 * burn-down over the window. Null without rows.
 */
export function budgetOverWindow(slo: Slo, counts: SloCounts): (number | null)[] {
  const allowed = (counts.window.total * budgetMicros(slo.target)) / 1e8;
  let bad = 0;
  return (counts.buckets ?? []).map((b) => {
    bad += b.total - b.good;
    return allowed === 0 ? null : (allowed - bad) / allowed;
  });
}

/** Every objective (or those named), one statement each, side by side as the connection pool allows. */
export async function measureObjectives(db: Db, now: Date, slos: readonly Slo[], opts: { buckets?: number } = {}): Promise<{ slo: Slo; counts: SloCounts; report: SloReport }[]> {
  return Promise.all(
    slos.map(async (slo) => {
      const counts = await countObjective(db, now, slo, opts);
      return { slo, counts, report: sloReport(slo, counts) };
    }),
  );
}

/** The objectives named (all without names, in the config file's order); an unknown name is a usage error listing the known. */
export function pickObjectives(all: readonly Slo[], names: readonly string[], what = 'objective'): Slo[] {
  if (all.length === 0) {
    throw new UsageError(`no service-level objectives: add "slos": [{"name": …, "objective": "success", "target": 99.5, "window": "28d"}] to the config file (tasklog slo --help)`);
  }
  if (names.length === 0) return [...all];
  const byName = new Map(all.map((s) => [s.name, s]));
  return [...new Set(names)].map((n) => {
    const slo = byName.get(n);
    if (!slo) throw new UsageError(`no ${what} named ${JSON.stringify(n)} in the config file; there are: ${all.map((s) => s.name).join(', ')}`);
    return slo;
  });
}
