/**
 * The time window of the analytics commands: --period-hours N (default 24)
 * or --since (a time or a span), always on created_at, ending now.
 */
import { UsageError } from '../core/errors.js';
import type { OptionSpec } from '../core/option.js';
import { intInRange } from '../core/values.js';
import { addMs, instantFromDate, toIso, type Instant } from '../core/time.js';
import { parseTimeArg, resolveTimeArg, TIME_ARG_HELP, type TimeArg } from './timearg.js';

export const MAX_PERIOD_HOURS = 24 * 366 * 10;

export const PERIOD_OPTION: OptionSpec = {
  flags: '--period-hours <n>',
  description: 'window: rows created in the last N hours',
  default: 24,
  parse: (v) => intInRange(v, 1, MAX_PERIOD_HOURS),
};

export const SINCE_OPTION: OptionSpec = {
  flags: '--since <time>',
  description: `window: rows created since then, instead of --period-hours (${TIME_ARG_HELP})`,
  parse: parseTimeArg,
};

/** The analytics commands' scope to one task, exact as in django-cfg's endpoints. */
export const TASK_NAME_OPTION: OptionSpec = { flags: '--task-name <name>', description: 'only this task (exact, as in the django-cfg API)' };

export interface Window {
  since: Instant;
  until: Instant;
  /** the window's length in hours (may be fractional with --since) */
  hours: number;
  /** what django-cfg calls period_hours: the whole hours asked for, or the --since span rounded */
  period_hours: number;
}

export function resolveWindow(opts: { periodHours?: number; since?: TimeArg }, now: Date): Window {
  const until = instantFromDate(now);
  if (opts.since) {
    const since = resolveTimeArg(opts.since, now);
    const hours = (until.ms - since.ms) / 3_600_000;
    if (hours <= 0) throw new UsageError(`option '--since <time>' argument '${opts.since.text}' is invalid. expects a time before now`);
    return { since, until, hours, period_hours: Math.round(hours * 100) / 100 };
  }
  const h = opts.periodHours ?? 24;
  return { since: addMs(until, -h * 3_600_000), until, hours: h, period_hours: h };
}

export function windowJson(w: Window): { since: string; until: string } {
  return { since: toIso(w.since), until: toIso(w.until) };
}
