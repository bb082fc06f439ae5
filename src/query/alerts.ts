/**
 * django-cfg's alert rules, evaluated in SQL: failure rate, stuck tasks,
 * backlog, slow tasks, retry storms, per-task failure-rate rules from
 * the config file, and the burn-rate rules of the config file's objectives
 * (slo.ts: a page or a ticket per objective). Each fired alert carries its
 * value, threshold and evidence.
 */
import { type Db } from '../db/connect.js';
import { plural } from '../core/numbers.js';
import { addMs, decodeTime, instantFromDate } from '../core/time.js';
import { pyRound } from './round.js';
import { queueState, stuckWhere } from './health.js';
import { BURN_WINDOWS, factorOf, firingRules, measureObjectives, type Severity, type Slo, type SloReport } from './slo.js';
import { groupSql } from './status.js';
import { durationSql } from './stats.js';
import { thresholdDefaults } from './thresholds.js';
import type { Condition } from './conditions.js';
import { filterCondition } from './filters.js';
import { countWhen } from '../db/dialect/types.js';

/** A failure-rate rule of its own: the rows of a task (exact), of a --where expression, or of both. */
export interface TaskRule {
  task?: string;
  where?: string;
  failureRate: number;
  minRows?: number;
}

export interface AlertRules {
  /** the window of the rate/duration/retry rules, ms (default 1 h) */
  windowMs: number;
  failureRate: number;
  minRows: number;
  stuckCount: number;
  stuckAfterMs: number;
  queued: number;
  avgDurationSeconds: number;
  avgRetries: number;
  tasks: TaskRule[];
  /** the config file's objectives: a burn-rate alert each when one burns too fast */
  slos?: readonly Slo[];
}

/** django-cfg's alerting strategy (the thresholds are declared in thresholds.ts). */
export const DEFAULT_RULES: AlertRules = { ...(thresholdDefaults('alerts') as unknown as Omit<AlertRules, 'tasks'>), tasks: [] };

/** The id prefix of the objectives' alerts: their cooldown state is cleared when the burn stops. */
export const SLO_ALERT_PREFIX = 'slo_';

export interface Alert {
  /** stable id, the key of the cooldown state */
  id: string;
  title: string;
  /** e-mail subject, as django-cfg writes it */
  subject: string;
  value: number;
  threshold: number;
  unit: string;
  /** what shows it: counts, or the rows involved */
  evidence: string[];
  /** an objective's alert: page (wake someone) or ticket (look at it in working hours) */
  severity?: Severity;
}

/** "the last hour", "the last 2 hours", "the last 90 minutes" */
export function windowLabel(ms: number): string {
  if (ms === 3_600_000) return 'the last hour';
  return ms % 3_600_000 === 0 ? `the last ${plural(ms / 3_600_000, 'hour')}` : `the last ${plural(Math.round(ms / 60_000), 'minute')}`;
}

/** "1 hour", "2 hours", "90 minutes", "45 seconds" */
function spanWords(ms: number): string {
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  return plural(ms / 1000, 'second');
}

/** What every rule reads: the numbers of the window and the backlog, gathered once. */
interface Facts {
  db: Db;
  now: Date;
  rules: AlertRules;
  /** the rows every rule looks at (alerts check's filters), or null: all */
  condition: Condition | null;
  /** encoded start of the window */
  since: unknown;
  /** "the last hour" */
  win: string;
  total: number;
  failed: number;
  stuck: number;
  queued: number;
  /** rows of the window with a duration, and their sum (ms) */
  nDuration: number;
  sumDurationMs: number;
  sumRetries: number;
}

/** One alert rule: what it checks, as an object; null when it does not fire. */
export interface AlertRule {
  id: string;
  check(f: Facts): Promise<Alert | null> | Alert | null;
}

function failurePercent(failed: number, total: number): number {
  return total > 0 ? (failed / total) * 100 : 0;
}

function rateAlert(id: string, title: string, subject: string, failed: number, total: number, threshold: number, win: string): Alert {
  const rate = failurePercent(failed, total);
  return {
    id,
    title,
    subject: `${subject}: ${rate.toFixed(1)}%`,
    value: pyRound(rate, 2),
    threshold,
    unit: '%',
    evidence: [`Failure rate: ${rate.toFixed(1)}%`, `Failed tasks: ${failed}`, `Total tasks: ${total}`, `Time period: ${win}`],
  };
}

const failureRateRule: AlertRule = {
  id: 'high_failure_rate',
  check: ({ total, failed, rules, win }) =>
    total >= rules.minRows && failurePercent(failed, total) > rules.failureRate
      ? rateAlert('high_failure_rate', 'High task failure rate', '[ALERT] High Task Failure Rate', failed, total, rules.failureRate, win)
      : null,
};

const stuckRule: AlertRule = {
  id: 'stuck_tasks',
  async check({ db, now, rules, stuck, condition }) {
    if (stuck <= rules.stuckCount) return null;
    const q = (c: string) => db.dialect.quote(c);
    const where = stuckWhere(db, now, rules.stuckAfterMs);
    const rows = await db.query<{ task_name: string; job_id: string; start_time: unknown; worker_id: string | null }>(`SELECT ${q('task_name')} AS task_name, ${q('job_id')} AS job_id, ${q('start_time')} AS start_time, ${q('worker_id')} AS worker_id ` +
        `FROM ${q(db.table)} WHERE ${where.sql}${condition ? ` AND (${condition.sql})` : ''} ORDER BY ${q('start_time')}, ${q('id')} LIMIT 10`,
      [...where.params, ...(condition?.bindings ?? [])],
    );
    return {
      id: 'stuck_tasks',
      title: 'Stuck tasks',
      subject: `[ALERT] ${stuck} Stuck Tasks Detected`,
      value: stuck,
      threshold: rules.stuckCount,
      unit: 'tasks',
      evidence: [
        `Tasks in progress for more than ${spanWords(rules.stuckAfterMs)}: ${stuck}`,
        ...rows.map((r) => `- ${r.task_name} (job_id=${r.job_id}, started=${decodeTime(r.start_time)}${r.worker_id ? `, worker=${r.worker_id}` : ''})`),
      ],
    };
  },
};

const backlogRule: AlertRule = {
  id: 'queue_backlog',
  check: ({ queued, rules }) =>
    queued > rules.queued
      ? {
          id: 'queue_backlog',
          title: 'Queue backlog',
          subject: `[ALERT] Queue Backlog: ${queued} Queued Tasks`,
          value: queued,
          threshold: rules.queued,
          unit: 'tasks',
          evidence: [`Queued tasks: ${queued}`],
        }
      : null,
};

const slowRule: AlertRule = {
  id: 'slow_tasks',
  check({ nDuration, sumDurationMs, rules, win }) {
    const avgS = nDuration > 0 ? sumDurationMs / nDuration / 1000 : 0;
    if (nDuration === 0 || avgS <= rules.avgDurationSeconds) return null;
    return {
      id: 'slow_tasks',
      title: 'Slow tasks',
      subject: `[ALERT] Slow Tasks: Average Duration ${avgS.toFixed(1)}s`,
      value: pyRound(avgS, 2),
      threshold: rules.avgDurationSeconds,
      unit: 's',
      evidence: [`Average duration: ${avgS.toFixed(1)}s over ${plural(nDuration, 'task')} in ${win}`],
    };
  },
};

const retryRule: AlertRule = {
  id: 'retry_storm',
  check({ total, sumRetries, rules, win }) {
    const avg = total > 0 ? sumRetries / total : 0;
    if (total === 0 || avg <= rules.avgRetries) return null;
    return {
      id: 'retry_storm',
      title: 'Retry storm',
      subject: `[ALERT] Retry Storm: ${avg.toFixed(1)} Retries on Average`,
      value: pyRound(avg, 2),
      threshold: rules.avgRetries,
      unit: 'retries',
      evidence: [`Average retries: ${avg.toFixed(1)} over ${plural(total, 'task')} in ${win}`],
    };
  },
};

/** What a rule of its own is about: "payments.charge", "rows where …", or both. */
function ruleScope(rule: TaskRule): string {
  return [rule.task, rule.where !== undefined && `rows where ${rule.where}`].filter(Boolean).join(', ');
}

/**
 * A failure-rate rule of its own from the config file ("alerts": {"tasks":
 * […]}): the rows of a task (exact), of a --where expression, or both.
 */
function taskRule(rule: TaskRule): AlertRule {
  const id = rule.where === undefined ? `task_failure_rate:${rule.task}` : `where_failure_rate:${rule.task ?? ''}:${rule.where}`;
  return {
    id,
    async check({ db, now, since, rules, win, condition }) {
      const q = (c: string) => db.dialect.quote(c);
      const own = filterCondition(db, now, { filters: rule.task === undefined ? {} : { task: rule.task }, where: rule.where });
      const scope = [own, condition].filter((c): c is Condition => c !== null);
      const [t] = await db.query<Record<string, unknown>>(`SELECT COUNT(*) AS total, ${countWhen(db.dialect, groupSql('failed', db.dialect))} AS failed FROM ${q(db.table)} WHERE ${q('created_at')} >= ?${scope.map((c) => ` AND (${c.sql})`).join('')}`,
        [since, ...scope.flatMap((c) => c.bindings)],
      );
      const n = Number(t.total);
      const f = Number(t.failed ?? 0);
      if (n < (rule.minRows ?? rules.minRows) || failurePercent(f, n) <= rule.failureRate) return null;
      const what = ruleScope(rule);
      return rateAlert(id, `High failure rate of ${what}`, `[ALERT] High Failure Rate of ${what}`, f, n, rule.failureRate, win);
    },
  };
}

/** "1.5×", "—" */
const times = (x: number | null) => (x === null ? '—' : `${x}×`);

/**
 * An objective's alert when its status (slo.ts) is page or ticket: the first
 * rule that holds gives the value (the burn rate over its long window) and
 * the threshold.
 */
export function sloAlert(slo: Slo, report: SloReport, rules: ReturnType<typeof firingRules>): Alert | null {
  const rule = rules.find((r) => r.severity === report.status);
  if (report.status === 'ok' || !rule) return null;
  const severity = report.status;
  const long = report.burn_rates[rule.long]!;
  const b = report.budget;
  return {
    id: `${SLO_ALERT_PREFIX}${severity}:${slo.name}`,
    title: `Objective ${slo.name}: error budget burning (${severity})`,
    subject: `[${severity.toUpperCase()}] Objective ${slo.name}: error budget burning at ${long}× over ${rule.long}`,
    value: long,
    threshold: factorOf(rule),
    unit: '×',
    severity,
    evidence: [
      ...rules.filter((r) => r.severity === severity).map((r) => `Burn rate ${times(report.burn_rates[r.long])} over ${r.long} and ${times(report.burn_rates[r.short])} over ${r.short}: above ${factorOf(r)}×`),
      `Attainment: ${report.attainment === null ? '—' : `${report.attainment}%`} of ${report.total} rows (target ${report.target}% over ${report.window_hours} hours)`,
      `Error budget left: ${b.remaining_share === null ? '—' : `${Math.round(b.remaining_share * 1000) / 10}%`} (${b.spent} bad rows of ${b.allowed} allowed)`,
      `Burn rates: ${BURN_WINDOWS.map((w) => `${w.key} ${times(report.burn_rates[w.key])}`).join(', ')}`,
    ],
  };
}

async function sloAlerts(db: Db, now: Date, slos: readonly Slo[]): Promise<Alert[]> {
  const measured = await measureObjectives(db, now, slos);
  return measured.flatMap((m) => sloAlert(m.slo, m.report, firingRules(m.counts.burn, m.slo.target)) ?? []);
}

/** The built-in rules, in the order their alerts are listed, then the per-task ones. */
export function alertRules(rules: AlertRules): AlertRule[] {
  return [failureRateRule, stuckRule, backlogRule, slowRule, retryRule, ...rules.tasks.map(taskRule)];
}

/** The window's aggregates and the backlog, in one statement that reads the window's rows once. */
async function gatherFacts(db: Db, now: Date, rules: AlertRules, condition: Condition | null): Promise<Facts> {
  const since = db.dialect.encodeTime(addMs(instantFromDate(now), -rules.windowMs));
  const state = await queueState(db, now, rules.stuckAfterMs, rules.windowMs, condition, {
    n_duration: `COUNT(${durationSql(db)})`,
    sum_duration: `SUM(${durationSql(db)})`,
    sum_retries: `SUM(${db.dialect.quote('job_retries')})`,
  });
  return {
    db,
    now,
    rules,
    condition,
    since,
    win: windowLabel(rules.windowMs),
    total: state.total,
    failed: state.failed,
    stuck: state.stuck,
    queued: state.queued,
    nDuration: Number(state.window.n_duration ?? 0),
    sumDurationMs: Number(state.window.sum_duration ?? 0),
    sumRetries: Number(state.window.sum_retries ?? 0),
  };
}

/** Every rule against the same facts; the alerts that fired, in the rules' order. `condition`: the rows every rule looks at. */
export async function evaluate(db: Db, now: Date, rules: AlertRules, condition: Condition | null = null): Promise<Alert[]> {
  const facts = await gatherFacts(db, now, rules, condition);
  const alerts: Alert[] = [];
  for (const rule of alertRules(rules)) {
    const alert = await rule.check(facts);
    if (alert) alerts.push(alert);
  }
  if (rules.slos?.length) alerts.push(...(await sloAlerts(db, now, rules.slos)));
  return alerts;
}

export function alertText(a: Alert): string {
  return `${a.subject.replace(/^\[ALERT\] /, '')} (threshold ${a.threshold}${a.unit === '%' || a.unit === '×' ? a.unit : a.unit === 's' ? ' s' : ''})\n${a.evidence.join('\n')}`;
}
