import { configThresholds, loadConfig } from '../cli/config.js';
import { withDb } from '../cli/database.js';
import { RuntimeFailure } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec, type OptionSpec } from '../cli/spec.js';
import { nonNegativeInt } from '../core/values.js';
import { InvalidValue } from '../core/errors.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../query/health.js';
import { parseSpan, SPAN_HELP } from '../query/timearg.js';
import type { OutputFlags } from './logs-shared.js';

type Opts = OutputFlags & Partial<Thresholds> & { stuckAfter?: number };

const count = (v: string) => nonNegativeInt(v, 'a whole number ≥ 0');
const percent = (v: string) => {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidValue('expects a percentage from 0 to 100');
  return n;
};

const THRESHOLD_OPTIONS: (OptionSpec & { key: keyof Thresholds })[] = [
  { key: 'warnStuck', flags: '--warn-stuck <n>', description: `WARNING at this many stuck tasks (default ${DEFAULT_THRESHOLDS.warnStuck})`, parse: count },
  { key: 'critStuck', flags: '--crit-stuck <n>', description: `CRITICAL at this many (default ${DEFAULT_THRESHOLDS.critStuck})`, parse: count },
  { key: 'warnFailureRate', flags: '--warn-failure-rate <pct>', description: `WARNING at this failure rate of the last hour, % (default ${DEFAULT_THRESHOLDS.warnFailureRate})`, parse: percent },
  { key: 'critFailureRate', flags: '--crit-failure-rate <pct>', description: `CRITICAL at this rate (default ${DEFAULT_THRESHOLDS.critFailureRate})`, parse: percent },
  { key: 'warnQueued', flags: '--warn-queued <n>', description: `WARNING at this many queued rows (default ${DEFAULT_THRESHOLDS.warnQueued})`, parse: count },
  { key: 'critQueued', flags: '--crit-queued <n>', description: `CRITICAL at this many (default ${DEFAULT_THRESHOLDS.critQueued})`, parse: count },
];

export const spec: CommandSpec = {
  path: ['health'],
  summary: 'the seed\'s health check as a Nagios plugin: stuck tasks, last-hour failure rate, backlog',
  description:
    'Counts in_progress rows started more than --stuck-after ago, the failure rate of rows created in the last hour ' +
    'and the queued backlog, and compares each with its warning and critical threshold (flags, or "health" in the ' +
    'config file). The first line is the plugin status with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, ' +
    '3 UNKNOWN (bad arguments, database unreachable).',
  options: [
    { flags: '--stuck-after <span>', description: `in progress for longer than this counts as stuck (${SPAN_HELP}; default 1h)`, parse: parseSpan },
    ...THRESHOLD_OPTIONS,
    JSON_OPTION,
  ],
  exitCodes: { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN: bad arguments, database unreachable, table missing' },
  failure: { usage: 3, runtime: 3, line: (message) => `TASKLOG UNKNOWN - ${message}` },
  examples: [
    { command: 'tasklog health', description: 'OK/WARNING/CRITICAL with performance data, for Nagios, Icinga or Sensu' },
    { command: 'tasklog health --warn-failure-rate 5 --crit-failure-rate 15 --json', description: 'stricter, as JSON' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { health, statusLine, NAGIOS } = await import('../query/health.js');
    const thresholds = resolveThresholds(opts, ctx);
    const h = await withDb(opts, ctx, { requireTable: true }, (db) => health(db, ctx.now(), thresholds));
    if (opts.json) {
      const { writeJson } = await import('../render/output.js');
      writeJson(ctx, h);
    } else {
      const lines = [statusLine(h)];
      for (const c of h.checks) lines.push(`${c.name}: ${c.value}${c.name === 'failure_rate' ? '%' : ''} (warning ${c.warning}, critical ${c.critical}) ${c.status}`);
      lines.push(`last hour: ${h.failed_last_hour} failed of ${h.total_last_hour}`);
      if (h.oldest_queued_age_seconds !== null) lines.push(`oldest queued: ${h.oldest_queued_age_seconds} s ago`);
      lines.push(`checked at ${h.timestamp}`);
      ctx.stdout.write(lines.join('\n') + '\n');
    }
    return NAGIOS[h.status];
  },
};

/** Defaults, then the config file's "health" entry, then flags. */
export function resolveThresholds(opts: Opts, ctx: Ctx): Thresholds {
  const t: Thresholds = { ...DEFAULT_THRESHOLDS, ...configThresholds(loadConfig(ctx), 'health') };
  for (const o of THRESHOLD_OPTIONS) if (opts[o.key] !== undefined) t[o.key] = opts[o.key] as number;
  if (opts.stuckAfter !== undefined) t.stuckAfterMs = opts.stuckAfter;
  for (const [w, c] of [['warnStuck', 'critStuck'], ['warnFailureRate', 'critFailureRate'], ['warnQueued', 'critQueued']] as const) {
    if (t[c] < t[w]) throw new RuntimeFailure(`the critical threshold ${c} (${t[c]}) is below the warning ${w} (${t[w]})`, 'usage');
  }
  return t;
}
