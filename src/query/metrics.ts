/**
 * The current state in the Prometheus text exposition format (version 0.0.4).
 * Every number comes from SQL; per-task duration quantiles reuse the stats
 * queries (exact, percentile_cont-style).
 */
import { type Db } from '../db/connect.js';
import { pyRound } from './round.js';
import { DEFAULT_THRESHOLDS, health } from './health.js';
import { BURN_WINDOWS, measureObjectives, type Slo, type SloReport } from './slo.js';
import { SLO_LABEL, SLO_METRICS } from './slo-rules.js';
import { PERCENTILES, StatsQuery } from './stats.js';
import type { Window } from './window.js';
import type { Condition } from './conditions.js';

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'summary';
  samples: { suffix?: string; labels?: Record<string, string>; value: number }[];
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels && Object.keys(s.labels).length ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${label(v)}"`).join(',')}}` : '';
      out.push(`${f.name}${s.suffix ?? ''}${labels} ${num(s.value)}`);
    }
  }
  return out.join('\n') + '\n';
}

/**
 * The objectives' gauges: attainment and the budget left as ratios (0 to 1;
 * the budget below 0 when blown), the burn rate per window. A window without
 * rows has no sample (no data, as tasklog slo says null), so no rule fires on it.
 */
function sloFamilies(reports: SloReport[]): Family[] {
  const present = <T>(xs: (T | null)[]) => xs.filter((x): x is T => x !== null);
  return [
    {
      name: SLO_METRICS.attainment,
      help: 'Share of the good rows of the objective over its window (0 to 1).',
      type: 'gauge',
      samples: present(reports.map((r) => (r.attainment === null ? null : { labels: { [SLO_LABEL]: r.name }, value: pyRound(r.attainment / 100, 8) }))),
    },
    {
      name: SLO_METRICS.budgetRemaining,
      help: 'Share of the error budget of the objective left over its window (1 untouched, below 0 blown).',
      type: 'gauge',
      samples: present(reports.map((r) => (r.budget.remaining_share === null ? null : { labels: { [SLO_LABEL]: r.name }, value: r.budget.remaining_share }))),
    },
    {
      name: SLO_METRICS.burnRate,
      help: 'Burn rate of the error budget of the objective over the window (1 spends exactly the budget).',
      type: 'gauge',
      samples: reports.flatMap((r) =>
        present(BURN_WINDOWS.map((w) => (r.burn_rates[w.key] === null ? null : { labels: { [SLO_LABEL]: r.name, window: w.key }, value: r.burn_rates[w.key]! }))),
      ),
    },
  ];
}

/**
 * `condition`: every number of only the rows it holds for (filterCondition);
 * the objectives' gauges over each objective's own rows.
 */
export async function metrics(db: Db, now: Date, durationWindow: Window, stuckAfterMs: number, condition?: Condition | null, slos: readonly Slo[] = []): Promise<string> {
  const d = db.dialect;
  const q = (c: string) => d.quote(c);
  const [rows, h, perTask, objectives] = await Promise.all([
    db.query<{ task: string; queue: string; status: string; n: unknown }>(`SELECT ${q('task_name')} AS task, ${q('queue_name')} AS queue, ${q('status')} AS status, COUNT(*) AS n FROM ${q(db.table)}${condition ? ` WHERE ${condition.sql}` : ''} GROUP BY ${q('task_name')}, ${q('queue_name')}, ${q('status')}`,
      condition?.bindings ?? [],
    ),
    health(db, now, { ...DEFAULT_THRESHOLDS, stuckAfterMs }, condition),
    new StatsQuery(db, { window: durationWindow, condition }).durationQuantilesByTask(),
    slos.length ? measureObjectives(db, now, slos) : Promise.resolve([]),
  ]);
  const sorted = [...rows].sort((a, b) => (a.task + '\0' + a.queue + '\0' + a.status < b.task + '\0' + b.queue + '\0' + b.status ? -1 : 1));
  const families: Family[] = [
    {
      name: 'tasklog_tasks',
      help: 'Task log rows by task, queue and status.',
      type: 'gauge',
      samples: sorted.map((r) => ({ labels: { task: r.task, queue: r.queue, status: r.status }, value: Number(r.n) })),
    },
    { name: 'tasklog_queued_tasks', help: 'Rows with status queued (the backlog).', type: 'gauge', samples: [{ value: h.queued_tasks }] },
    {
      name: 'tasklog_oldest_queued_age_seconds',
      help: 'Age of the oldest queued row (0 when none).',
      type: 'gauge',
      samples: [{ value: h.oldest_queued_age_seconds ?? 0 }],
    },
    { name: 'tasklog_stuck_tasks', help: `Rows in progress that started more than ${stuckAfterMs / 1000} s ago.`, type: 'gauge', samples: [{ value: h.stuck_tasks }] },
    { name: 'tasklog_last_hour_tasks', help: 'Rows created in the last hour.', type: 'gauge', samples: [{ value: h.total_last_hour }] },
    { name: 'tasklog_last_hour_failed_tasks', help: 'Rows created in the last hour that failed.', type: 'gauge', samples: [{ value: h.failed_last_hour }] },
    {
      name: 'tasklog_last_hour_failure_ratio',
      help: 'Share of the rows created in the last hour that failed (0 to 1).',
      type: 'gauge',
      samples: [{ value: h.total_last_hour ? h.failed_last_hour / h.total_last_hour : 0 }],
    },
    {
      name: 'tasklog_task_duration_seconds',
      help: `Duration of the rows created in the last ${durationWindow.period_hours} h, by task.`,
      type: 'summary',
      samples: perTask.flatMap((t) => [
        ...(['p50', 'p95', 'p99'] as const).map((p) => ({ labels: { task: t.name, quantile: String(PERCENTILES[p] / 1000) }, value: t[p] / 1000 })),
        { suffix: '_sum', labels: { task: t.name }, value: t.sum / 1000 },
        { suffix: '_count', labels: { task: t.name }, value: t.count },
      ]),
    },
    ...(objectives.length ? sloFamilies(objectives.map((o) => o.report)) : []),
  ];
  return render(families);
}
