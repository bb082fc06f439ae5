import { resolveSetting, thresholdValues } from '../toolkit/config.js';
import { SLOS } from '../toolkit/settings.js';
import { withDb } from '../toolkit/database.js';
import { output } from '../toolkit/output.js';
import { UsageError } from '../core/errors.js';
import { exitDocs, NAGIOS, NAGIOS_STATUS } from '../core/exit.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { Thresholds } from '../query/health.js';
import { pickObjectives } from '../query/slo.js';
import { csvList } from '../core/values.js';
import { thresholdOption, thresholdsOf } from '../query/thresholds.js';
import { filterCondition } from '../query/filters.js';
import { commandFilters, filterOptions, type ReadFlags } from '../toolkit/logs.js';

interface Opts extends ReadFlags {
  slo?: string[];
  /** the filters and the thresholds, by the names their tables give them */
  [tableFlag: string]: unknown;
}

const THRESHOLDS = thresholdsOf('health');

export const spec: CommandSpec<Opts> = {
  path: ['health'],
  summary: 'django-cfg\'s TaskLog health check as a Nagios plugin: stuck tasks, last-hour failure rate, backlog',
  description:
    'Counts in_progress rows started more than --stuck-after ago, the failure rate of rows created in the last hour ' +
    'and the queued backlog, and compares each with its warning and critical threshold (flags, or "health" in the ' +
    'config file). The first line is the plugin status with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, ' +
    '3 UNKNOWN (bad arguments, database unreachable). Every filter of `logs list` (--where, --view too) scopes the ' +
    'check to those rows: one check per queue or per kind of task. --slo NAME adds an objective of the config file ' +
    '(see tasklog slo) as a check: WARNING when it calls for a ticket, CRITICAL when it pages.',
  options: [
    ...THRESHOLDS.map(thresholdOption),
    ...filterOptions(),
    { flags: '--slo <name,…>', description: 'also check these objectives of the config file: a ticket is WARNING, a page CRITICAL', parse: (v) => csvList(v) },
    JSON_OPTION,
  ],
  exitCodes: exitDocs(NAGIOS_STATUS),
  failure: { usage: NAGIOS.UNKNOWN, runtime: NAGIOS.UNKNOWN, line: (message) => `TASKLOG UNKNOWN - ${message}` },
  examples: [
    { command: 'tasklog health', description: 'OK/WARNING/CRITICAL with performance data, for Nagios, Icinga or Sensu' },
    { command: 'tasklog health --warn-failure-rate 5 --crit-failure-rate 15 --json', description: 'stricter, as JSON' },
    { command: 'tasklog health --slo payments', description: 'and the objective payments: CRITICAL while it pages' },
    { command: `tasklog health --where "queue_name = 'payments'"`, description: 'a check of one queue' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { health, statusLine } = await import('../query/health.js');
    const thresholds = resolveThresholds(opts, ctx);
    const slos = opts.slo ? pickObjectives(resolveSetting(SLOS, opts, ctx).value!, opts.slo) : [];
    const filters = commandFilters(opts, ctx);
    const h = await withDb(opts, ctx, { requireTable: true }, (db) => health(db, ctx.now(), thresholds, filterCondition(db, ctx.now(), { filters }), slos));
    await output(opts, ctx).print(h, () => {
      const lines = [statusLine(h)];
      for (const c of h.checks) lines.push(`${c.name}: ${c.value}${c.name === 'failure_rate' ? '%' : ''} (warning ${c.warning}, critical ${c.critical}) ${c.status}`);
      for (const o of h.objectives ?? []) {
        const a = o.slo.attainment === null ? 'no rows' : `${o.slo.attainment}% of ${o.slo.total} rows (target ${o.slo.target}%)`;
        lines.push(`objective ${o.name}: ${a}, burn 5m/30m/1h/6h/72h ${(['5m', '30m', '1h', '6h', '72h'] as const).map((k) => o.slo.burn_rates[k] ?? '—').join('/')} ${o.status}`);
      }
      lines.push(`last hour: ${h.failed_last_hour} failed of ${h.total_last_hour}`);
      if (h.oldest_queued_age_seconds !== null) lines.push(`oldest queued: ${h.oldest_queued_age_seconds} s ago`);
      lines.push(`checked at ${h.timestamp}`);
      return lines.join('\n') + '\n';
    });
    return NAGIOS[h.status];
  },
};

/** Each threshold from its flag, the config file's "health" section, its default; a critical one below its warning is refused. */
export function resolveThresholds(opts: Opts, ctx: Ctx): Thresholds {
  const t = thresholdValues('health', opts, ctx);
  for (const [w, c] of [['warnStuck', 'critStuck'], ['warnFailureRate', 'critFailureRate'], ['warnQueued', 'critQueued']] as const) {
    if (t[c] < t[w]) throw new UsageError(`the critical threshold ${c} (${t[c]}) is below the warning ${w} (${t[w]})`);
  }
  return t as unknown as Thresholds;
}
