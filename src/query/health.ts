/**
 * django-cfg's health check, with warning/critical thresholds (django-cfg's
 * values are the warnings) and the Nagios plugin conventions for status.
 */
import { type Db } from '../db/connect.js';
import { NAGIOS, type NagiosStatus } from '../core/exit.js';
import { plural } from '../core/numbers.js';
import { addMs, decodeTime, instantFromDate, parseInstant, toIso } from '../core/time.js';
import { pyRound } from './round.js';
import { measureObjectives, type Slo, type SloReport, type SloStatus } from './slo.js';
import { groupSql } from './status.js';
import { thresholdDefaults } from './thresholds.js';
import type { Condition } from './conditions.js';
import { countWhen } from '../db/dialect/types.js';


export interface Thresholds {
  stuckAfterMs: number;
  warnStuck: number;
  critStuck: number;
  warnFailureRate: number;
  critFailureRate: number;
  warnQueued: number;
  critQueued: number;
}

/** django-cfg's values as warnings, and criticals twice to five times as bad (declared in thresholds.ts). */
export const DEFAULT_THRESHOLDS = thresholdDefaults('health') as unknown as Thresholds;

export interface Check {
  name: 'stuck' | 'failure_rate' | 'queued';
  value: number;
  warning: number;
  critical: number;
  status: NagiosStatus;
}

/** An objective as a check: a page is CRITICAL, a ticket WARNING. */
export const SLO_NAGIOS: Record<SloStatus, NagiosStatus> = { ok: 'OK', ticket: 'WARNING', page: 'CRITICAL' };

export interface ObjectiveCheck {
  name: string;
  status: NagiosStatus;
  slo: SloReport;
}

export interface Health {
  healthy: boolean;
  stuck_tasks: number;
  failure_rate: number;
  queued_tasks: number;
  total_last_hour: number;
  failed_last_hour: number;
  oldest_queued_age_seconds: number | null;
  timestamp: string;
  status: NagiosStatus;
  checks: Check[];
  /** the objectives asked for (health --slo), each a check */
  objectives?: ObjectiveCheck[];
}

function level(value: number, warn: number, crit: number): NagiosStatus {
  // django-cfg's check is healthy while stuck < 5, failure rate < 10 and queued < 100: reaching a threshold trips it
  if (value >= crit) return 'CRITICAL';
  if (value >= warn) return 'WARNING';
  return 'OK';
}

/**
 * The stuck-task condition, written once for health, alerts check and
 * metrics: in progress, and started before `stuckAfterMs` ago.
 */
export function stuckWhere(db: Db, now: Date, stuckAfterMs: number): { sql: string; params: unknown[] } {
  const d = db.dialect;
  return {
    sql: `${d.quote('status')} = 'in_progress' AND ${d.quote('start_time')} < ?`,
    params: [d.encodeTime(addMs(instantFromDate(now), -stuckAfterMs))],
  };
}

/**
 * The backlog and the recent past, in one statement: rows in progress that
 * started before `stuckBefore`, queued rows and the oldest one's enqueue time,
 * and rows created since `since` with how many failed, read in one pass over
 * those rows together with `windowSums` (name → an aggregate over them: alerts
 * check's durations and retries), returned as `window`. Shared by health,
 * alerts check and metrics. `condition`: only the rows it holds for (filterCondition).
 */
export async function queueState(db: Db, now: Date, stuckAfterMs: number, sinceMs: number, condition?: Condition | null, windowSums: Record<string, string> = {}) {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const table = q(db.table);
  const nowI = instantFromDate(now);
  const since = d.encodeTime(addMs(nowI, -sinceMs));
  const stuck = stuckWhere(db, now, stuckAfterMs);
  const and = condition ? ` AND (${condition.sql})` : '';
  const c = condition?.bindings ?? [];
  const sums = Object.entries(windowSums).map(([name, sql]) => `, ${sql} AS ${q(name)}`).join('');
  const [row] = await db.query<Record<string, unknown>>(`SELECT ` +
      `(SELECT COUNT(*) FROM ${table} WHERE ${stuck.sql}${and}) AS stuck, ` +
      `(SELECT COUNT(*) FROM ${table} WHERE ${q('status')} = 'queued'${and}) AS queued, ` +
      `(SELECT MIN(${q('enqueue_time')}) FROM ${table} WHERE ${q('status')} = 'queued'${and}) AS oldest, ` +
      `w.* FROM (SELECT COUNT(*) AS total, ${countWhen(d, groupSql('failed', d))} AS failed${sums} ` +
      `FROM ${table} WHERE ${q('created_at')} >= ?${and}) AS w`,
    [...stuck.params, ...c, ...c, ...c, since, ...c],
  );
  return {
    stuck: Number(row.stuck),
    total: Number(row.total),
    // no row in the window: SUM is NULL
    failed: Number(row.failed ?? 0),
    queued: Number(row.queued),
    // no queued row: no oldest (ClickHouse's MIN over no rows is 0, not NULL)
    oldest: Number(row.queued) === 0 || row.oldest === null || row.oldest === undefined ? null : parseInstant(decodeTime(row.oldest) ?? ''),
    /** the windowSums, by name */
    window: Object.fromEntries(Object.keys(windowSums).map((name) => [name, row[name]])),
  };
}

/**
 * `condition`: the rows checked (filterCondition); all of them when none.
 * `slos`: objectives checked beside them, each over its own rows.
 */
export async function health(db: Db, now: Date, t: Thresholds, condition?: Condition | null, slos: readonly Slo[] = []): Promise<Health> {
  const nowI = instantFromDate(now);
  const [{ stuck, total, failed, queued, oldest }, measured] = await Promise.all([
    queueState(db, now, t.stuckAfterMs, 3_600_000, condition),
    slos.length ? measureObjectives(db, now, slos) : Promise.resolve([]),
  ]);
  const objectives = measured.map((m) => ({ name: m.slo.name, status: SLO_NAGIOS[m.report.status], slo: m.report }));
  const rate = total > 0 ? pyRound((failed / total) * 100, 2) : 0;
  const checks: Check[] = [
    { name: 'stuck', value: stuck, warning: t.warnStuck, critical: t.critStuck, status: level(stuck, t.warnStuck, t.critStuck) },
    { name: 'failure_rate', value: rate, warning: t.warnFailureRate, critical: t.critFailureRate, status: level(rate, t.warnFailureRate, t.critFailureRate) },
    { name: 'queued', value: queued, warning: t.warnQueued, critical: t.critQueued, status: level(queued, t.warnQueued, t.critQueued) },
  ];
  const all = [...checks, ...objectives];
  const status: NagiosStatus = all.some((c) => c.status === 'CRITICAL') ? 'CRITICAL' : all.some((c) => c.status === 'WARNING') ? 'WARNING' : 'OK';
  return {
    healthy: status === 'OK',
    stuck_tasks: stuck,
    failure_rate: rate,
    queued_tasks: queued,
    total_last_hour: total,
    failed_last_hour: failed,
    oldest_queued_age_seconds: oldest ? Math.max(0, Math.floor((nowI.ms - oldest.ms) / 1000)) : null,
    timestamp: toIso(nowI),
    status,
    checks,
    ...(slos.length ? { objectives } : {}),
  };
}

/**
 * Nagios performance data: `stuck=0;5;10;0 failure_rate=12.5%;10;20;0;100 queued=3;100;500;0`,
 * then per objective its budget left, % (names are letters, digits and _ . : -, no quoting needed).
 */
export function perfData(h: Health): string {
  const c = Object.fromEntries(h.checks.map((x) => [x.name, x]));
  const objectives = (h.objectives ?? []).flatMap((o) => (o.slo.budget.remaining_share === null ? [] : [` slo_${o.name}_budget=${pyRound(o.slo.budget.remaining_share * 100, 2)}%;;;;100`]));
  return (
    `stuck=${h.stuck_tasks};${c.stuck.warning};${c.stuck.critical};0 ` +
    `failure_rate=${h.failure_rate}%;${c.failure_rate.warning};${c.failure_rate.critical};0;100 ` +
    `queued=${h.queued_tasks};${c.queued.warning};${c.queued.critical};0` +
    objectives.join('')
  );
}

/** "objective payments page (burn 21.6× over 1h)" */
function describeObjectiveCheck(o: ObjectiveCheck): string {
  const burn = (k: keyof SloReport['burn_rates']) => (o.slo.burn_rates[k] === null ? '—' : `${o.slo.burn_rates[k]}×`);
  return `objective ${o.name} ${o.slo.status} (burn ${burn('1h')} over 1h, ${burn('6h')} over 6h, ${burn('72h')} over 72h)`;
}

function describeCheck(c: Check, h: Health): string {
  switch (c.name) {
    case 'stuck':
      return plural(c.value, 'stuck task');
    case 'failure_rate':
      return `failure rate ${c.value}%`;
    case 'queued':
      return `${c.value} queued${h.oldest_queued_age_seconds !== null ? ` (oldest ${h.oldest_queued_age_seconds} s)` : ''}`;
  }
}

/** The plugin's first line: status, what tripped (or the numbers when OK), then perfdata. */
export function statusLine(h: Health): string {
  const described = [...h.checks.map((c) => ({ status: c.status, text: describeCheck(c, h) })), ...(h.objectives ?? []).map((o) => ({ status: o.status, text: describeObjectiveCheck(o) }))];
  const tripped = described.filter((c) => c.status !== 'OK').sort((a, b) => NAGIOS[b.status] - NAGIOS[a.status]);
  const text = (tripped.length ? tripped : described).map((c) => c.text).join(', ');
  return `TASKLOG ${h.status} - ${text} | ${perfData(h)}`;
}
