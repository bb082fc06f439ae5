/**
 * The seed's alert rules, evaluated in SQL: failure rate, stuck tasks,
 * backlog, slow tasks, retry storms, and per-task failure-rate rules from
 * the config file. Each fired alert carries its value, threshold and evidence.
 */
import { type Db } from '../db/connect.js';
import { addMs, decodeTime, instantFromDate } from '../core/time.js';
import { pyRound } from './round.js';
import { queueState } from './health.js';
import { groupSql } from './status.js';

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
  tasks: { task: string; failureRate: number; minRows?: number }[];
}

/** The seed's alerting strategy. */
export const DEFAULT_RULES: AlertRules = {
  windowMs: 3_600_000,
  failureRate: 10,
  minRows: 10,
  stuckCount: 5,
  stuckAfterMs: 2 * 3_600_000,
  queued: 100,
  avgDurationSeconds: 30,
  avgRetries: 5,
  tasks: [],
};

export interface Alert {
  /** stable id, the key of the cooldown state */
  id: string;
  title: string;
  /** e-mail subject, as the seed writes it */
  subject: string;
  value: number;
  threshold: number;
  unit: string;
  /** what shows it: counts, or the rows involved */
  evidence: string[];
}

function windowLabel(ms: number): string {
  return ms % 3_600_000 === 0 ? (ms === 3_600_000 ? 'the last hour' : `the last ${ms / 3_600_000} hours`) : `the last ${Math.round(ms / 60_000)} minutes`;
}

export async function evaluate(db: Db, now: Date, rules: AlertRules): Promise<Alert[]> {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const table = q(db.table);
  const nowI = instantFromDate(now);
  const since = d.encodeTime(addMs(nowI, -rules.windowMs));
  const stuckBefore = d.encodeTime(addMs(nowI, -rules.stuckAfterMs));
  const win = windowLabel(rules.windowMs);
  const [[agg], state] = await Promise.all([
    db.query<Record<string, unknown>>(`SELECT COUNT(${q('duration_ms')}) AS n_duration, SUM(${q('duration_ms')}) AS sum_duration, SUM(${q('job_retries')}) AS sum_retries ` +
        `FROM ${table} WHERE ${q('created_at')} >= ?`,
      [since],
    ),
    queueState(db, now, rules.stuckAfterMs, rules.windowMs),
  ]);
  const { total, failed } = state;
  const alerts: Alert[] = [];

  const rate = total > 0 ? (failed / total) * 100 : 0;
  if (total >= rules.minRows && rate > rules.failureRate) {
    alerts.push({
      id: 'high_failure_rate',
      title: 'High task failure rate',
      subject: `[ALERT] High Task Failure Rate: ${rate.toFixed(1)}%`,
      value: pyRound(rate, 2),
      threshold: rules.failureRate,
      unit: '%',
      evidence: [`Failure rate: ${rate.toFixed(1)}%`, `Failed tasks: ${failed}`, `Total tasks: ${total}`, `Time period: ${win}`],
    });
  }

  const stuck = state.stuck;
  if (stuck > rules.stuckCount) {
    const rows = await db.query<{ task_name: string; job_id: string; start_time: unknown; worker_id: string | null }>(`SELECT ${q('task_name')} AS task_name, ${q('job_id')} AS job_id, ${q('start_time')} AS start_time, ${q('worker_id')} AS worker_id ` +
        `FROM ${table} WHERE ${q('status')} = 'in_progress' AND ${q('start_time')} < ? ORDER BY ${q('start_time')}, ${q('id')} LIMIT 10`,
      [stuckBefore],
    );
    alerts.push({
      id: 'stuck_tasks',
      title: 'Stuck tasks',
      subject: `[ALERT] ${stuck} Stuck Tasks Detected`,
      value: stuck,
      threshold: rules.stuckCount,
      unit: 'tasks',
      evidence: [
        `Tasks in progress for more than ${rules.stuckAfterMs / 3_600_000} hours: ${stuck}`,
        ...rows.map((r) => `- ${r.task_name} (job_id=${r.job_id}, started=${decodeTime(r.start_time)}${r.worker_id ? `, worker=${r.worker_id}` : ''})`),
      ],
    });
  }

  const queued = state.queued;
  if (queued > rules.queued) {
    alerts.push({
      id: 'queue_backlog',
      title: 'Queue backlog',
      subject: `[ALERT] Queue Backlog: ${queued} Queued Tasks`,
      value: queued,
      threshold: rules.queued,
      unit: 'tasks',
      evidence: [`Queued tasks: ${queued}`],
    });
  }

  const nDur = Number(agg.n_duration ?? 0);
  const avgS = nDur > 0 ? Number(agg.sum_duration) / nDur / 1000 : 0;
  if (nDur > 0 && avgS > rules.avgDurationSeconds) {
    alerts.push({
      id: 'slow_tasks',
      title: 'Slow tasks',
      subject: `[ALERT] Slow Tasks: Average Duration ${avgS.toFixed(1)}s`,
      value: pyRound(avgS, 2),
      threshold: rules.avgDurationSeconds,
      unit: 's',
      evidence: [`Average duration: ${avgS.toFixed(1)}s over ${nDur} tasks in ${win}`],
    });
  }

  const avgRetries = total > 0 ? Number(agg.sum_retries ?? 0) / total : 0;
  if (total > 0 && avgRetries > rules.avgRetries) {
    alerts.push({
      id: 'retry_storm',
      title: 'Retry storm',
      subject: `[ALERT] Retry Storm: ${avgRetries.toFixed(1)} Retries on Average`,
      value: pyRound(avgRetries, 2),
      threshold: rules.avgRetries,
      unit: 'retries',
      evidence: [`Average retries: ${avgRetries.toFixed(1)} over ${total} tasks in ${win}`],
    });
  }

  for (const rule of rules.tasks) {
    const [t] = await db.query<Record<string, unknown>>(`SELECT COUNT(*) AS total, SUM(CASE WHEN ${groupSql('failed', d)} THEN 1 ELSE 0 END) AS failed FROM ${table} WHERE ${q('created_at')} >= ? AND ${q('task_name')} = ?`,
      [since, rule.task],
    );
    const n = Number(t.total);
    const f = Number(t.failed ?? 0);
    const r = n > 0 ? (f / n) * 100 : 0;
    if (n >= (rule.minRows ?? rules.minRows) && r > rule.failureRate) {
      alerts.push({
        id: `task_failure_rate:${rule.task}`,
        title: `High failure rate of ${rule.task}`,
        subject: `[ALERT] High Failure Rate of ${rule.task}: ${r.toFixed(1)}%`,
        value: pyRound(r, 2),
        threshold: rule.failureRate,
        unit: '%',
        evidence: [`Failure rate: ${r.toFixed(1)}%`, `Failed tasks: ${f}`, `Total tasks: ${n}`, `Time period: ${win}`],
      });
    }
  }
  return alerts;
}

export function alertText(a: Alert): string {
  return `${a.subject.replace(/^\[ALERT\] /, '')} (threshold ${a.threshold}${a.unit === '%' ? '%' : a.unit === 's' ? ' s' : ''})\n${a.evidence.join('\n')}`;
}
