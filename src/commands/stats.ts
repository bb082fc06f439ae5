import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION } from '../toolkit/watch.js';
import type { TimeArg } from '../query/timearg.js';
import { PERIOD_OPTION, resolveWindow, SINCE_OPTION, windowJson } from '../query/window.js';
import { filterCondition } from '../query/filters.js';
import { commandFilters, describeFilters, filterOptions, WINDOW_OWNS, type ReadFlags } from '../toolkit/logs.js';
import { showView, taskLog } from '../toolkit/view.js';

interface Opts extends ReadFlags {
  periodHours: number;
  since?: TimeArg;
  by?: 'task' | 'queue';
  watch?: boolean | number;
  [filter: string]: unknown;
}

export const spec: CommandSpec<Opts> = {
  path: ['stats'],
  summary: 'success rate, durations and percentiles, queue wait, retries — for a window, a task or a queue',
  description:
    'django-cfg\'s statistics (total, successful, failed, in_progress, success_rate, avg_duration_ms, ' +
    'avg_duration_seconds, period_hours) over rows created in the window, and more: duration min/max/p50/p95/p99 ' +
    '(exact, interpolated like PostgreSQL\'s percentile_cont), queue wait avg/p50/p95, retries, counts by status and ' +
    'throughput. --by task|queue gives one row per group. Every filter of `logs list` (--where, --view too) narrows ' +
    'the rows of the window. Computed in the database.',
  options: [
    PERIOD_OPTION,
    SINCE_OPTION,
    ...filterOptions(WINDOW_OWNS),
    { flags: '--by <group>', description: 'one row per task or per queue', choices: ['task', 'queue'] },
    JSON_OPTION,
    WATCH_OPTION,
  ],
  examples: [
    { command: 'tasklog stats --period-hours 168', description: 'the last week' },
    { command: 'tasklog stats --by task --since 7d', description: 'success rate and latency by task' },
    { command: "tasklog stats --json | jq '.success_rate'", description: 'one number for a script' },
    { command: `tasklog stats --by task --where "queue_name = 'high' and kwargs.priority > 5"`, description: 'the rows of a condition, by task' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { StatsQuery } = await import('../query/stats.js');
    const filters = commandFilters(opts, ctx, WINDOW_OWNS);
    await showView(opts, ctx, taskLog(opts, ctx), {
      compute: async (db) => {
        const window = resolveWindow(opts, ctx.now());
        const q = new StatsQuery(db, { window, condition: filterCondition(db, ctx.now(), { filters }) });
        const [summary, groups] = await Promise.all([q.summary(), opts.by ? q.groups(opts.by) : Promise.resolve(undefined)]);
        return { window, summary, groups };
      },
      json: (r) => ({ ...r.summary, window: windowJson(r.window), ...(r.groups ? { by: opts.by, groups: r.groups } : {}) }),
      render: async (r, term) => {
        const { renderStats } = await import('../render/stats.js');
        return renderStats(r.summary, r.window, r.groups, opts.by, { style: term.style, width: term.columns, scope: describeFilters(filters) });
      },
    });
  },
};
