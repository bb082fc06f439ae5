import { resolveSetting } from '../toolkit/config.js';
import { SLOS, thresholdSetting } from '../toolkit/settings.js';
import { withDb } from '../toolkit/database.js';
import type { Ctx } from '../core/io.js';
import type { CommandSpec } from '../toolkit/spec.js';
import { threshold, thresholdOption } from '../query/thresholds.js';
import { PERIOD_OPTION, resolveWindow } from '../query/window.js';
import { filterCondition } from '../query/filters.js';
import { commandFilters, filterOptions, type ReadFlags } from '../toolkit/logs.js';

/** health's: tasklog_stuck_tasks counts what health calls stuck. */
const STUCK_AFTER = threshold('health', 'stuckAfter');

interface Opts extends ReadFlags {
  textfile?: string;
  periodHours: number;
  stuckAfter?: number;
  [filter: string]: unknown;
}

export const spec: CommandSpec<Opts> = {
  path: ['metrics'],
  summary: 'the current state in the Prometheus text format, or written atomically for node_exporter',
  description:
    'Rows by task, queue and status; backlog and the oldest queued age; stuck tasks; last-hour totals and failure ' +
    'ratio; per-task duration quantiles (0.5, 0.95, 0.99) of the rows created in the last --period-hours. With ' +
    '--textfile PATH it writes a temporary file and renames it over PATH, for node_exporter\'s textfile collector. ' +
    'Stuck is what health calls stuck: --stuck-after, or "health": {"stuckAfter"} in the config file. Every filter of ' +
    '`logs list` (--where, --view too) narrows the rows of every number but the objectives\', which have their own. With ' +
    'objectives in the config file ("slos", see tasklog slo): tasklog_slo_attainment and tasklog_slo_budget_remaining ' +
    '(ratios) and tasklog_slo_burn_rate{window="5m"…"72h"}, labelled slo; a window without rows has no sample.',
  options: [
    { flags: '--textfile <path>', description: 'write to PATH atomically (temporary file, then rename) instead of stdout' },
    { ...PERIOD_OPTION, description: 'window of the duration quantiles, in hours' },
    thresholdOption(STUCK_AFTER),
    ...filterOptions(),
  ],
  examples: [
    { command: 'tasklog metrics', description: 'print the metrics' },
    { command: '* * * * * tasklog metrics --textfile /var/lib/node_exporter/textfile/tasklog.prom', description: 'a cron line: Prometheus gets every number without a server' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { metrics } = await import('../query/metrics.js');
    const filters = commandFilters(opts, ctx);
    const stuckAfterMs = resolveSetting(thresholdSetting(STUCK_AFTER), opts, ctx).value!;
    const slos = resolveSetting(SLOS, opts, ctx).value!;
    const text = await withDb(opts, ctx, { requireTable: true }, (db) =>
      metrics(db, ctx.now(), resolveWindow({ periodHours: opts.periodHours }, ctx.now()), stuckAfterMs, filterCondition(db, ctx.now(), { filters }), slos),
    );
    if (!opts.textfile) {
      ctx.stdout.write(text);
      return;
    }
    const { writeFileAtomic } = await import('../render/atomic.js');
    await writeFileAtomic(opts.textfile, text, ctx.cwd);
  },
};
