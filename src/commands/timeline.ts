import { UsageError } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION } from '../toolkit/watch.js';
import { checkTimeZone, INTERVALS, type Interval } from '../query/buckets.js';
import type { TimeArg } from '../query/timearg.js';
import { PERIOD_OPTION, resolveWindow, SINCE_OPTION } from '../query/window.js';
import { filterCondition } from '../query/filters.js';
import { commandFilters, describeFilters, filterOptions, WINDOW_OWNS, type ReadFlags } from '../toolkit/logs.js';
import { showView, taskLog } from '../toolkit/view.js';

interface Opts extends ReadFlags {
  periodHours: number;
  since?: TimeArg;
  interval: Interval;
  tz: string;
  watch?: boolean | number;
  [filter: string]: unknown;
}

export const MAX_MINUTE_WINDOW_HOURS = 24;

export const spec: CommandSpec<Opts> = {
  path: ['timeline'],
  summary: 'tasks per minute, hour or day: total, successful, failed, average duration — as a chart',
  description:
    'Buckets of created_at, truncated in UTC or in --tz, every bucket of the window present (empty ones are zeros). ' +
    'Each bucket: timestamp (ISO 8601 UTC), total, successful, failed, avg_duration_ms. --json prints the array. ' +
    'Every filter of `logs list` (--where, --view too) narrows the rows.',
  options: [
    PERIOD_OPTION,
    SINCE_OPTION,
    { flags: '--interval <unit>', description: `bucket size: ${INTERVALS.join(', ')} (minute only for windows up to 24 h)`, default: 'hour', choices: INTERVALS },
    { flags: '--tz <zone>', description: 'truncate buckets in this IANA time zone', default: 'UTC', parse: checkTimeZone },
    ...filterOptions(WINDOW_OWNS),
    JSON_OPTION,
    WATCH_OPTION,
  ],
  examples: [
    { command: 'tasklog timeline', description: 'the last 24 hours, hour by hour' },
    { command: 'tasklog timeline --period-hours 168 --interval day --tz Europe/Berlin', description: 'a week, by Berlin day' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { timeline } = await import('../query/timeline.js');
    const filters = commandFilters(opts, ctx, WINDOW_OWNS);
    const first = resolveWindow(opts, ctx.now());
    if (opts.interval === 'minute' && first.hours > MAX_MINUTE_WINDOW_HOURS) {
      throw new UsageError(`option '--interval <unit>' argument 'minute' is invalid for a ${first.period_hours} h window. expects hour or day for windows over ${MAX_MINUTE_WINDOW_HOURS} h`);
    }
    await showView(opts, ctx, taskLog(opts, ctx), {
      compute: async (db) => {
        const window = resolveWindow(opts, ctx.now());
        return { window, buckets: await timeline(db, window, opts.interval, opts.tz, filterCondition(db, ctx.now(), { filters })) };
      },
      json: (d) => d.buckets,
      render: async ({ window, buckets }, term) => {
        const { renderTimeline } = await import('../render/timeline.js');
        const { describeWindow } = await import('../render/stats.js');
        const scope = describeFilters(filters);
        const title = describeWindow(window) + (scope ? ` · ${scope}` : '');
        return renderTimeline(buckets, { style: term.style, width: term.columns, interval: opts.interval, tz: opts.tz }, title);
      },
    });
  },
};
