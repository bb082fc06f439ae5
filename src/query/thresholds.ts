/**
 * The thresholds of health, alerts check and metrics, declared once: each
 * row gives the config key (in the "health" or "alerts" section), the flag,
 * the kind of value, the default and what it means. From this table come the
 * commands' flags and their help, the config file's validation, init's
 * questions, the man page, and the defaults the queries use.
 * Spans are milliseconds in code and text ("1h") in flags and the file.
 */
import { InvalidValue } from '../core/errors.js';
import type { OptionSpec } from '../core/option.js';
import { nonNegativeInt } from '../core/values.js';
import { formatSpan, parseSpan, SPAN_HELP } from './timearg.js';

export type ThresholdKind = 'count' | 'percent' | 'number' | 'span';
export type ThresholdSection = 'health' | 'alerts';

export interface Threshold {
  section: ThresholdSection;
  /** the key in the config file's section, and commander's attribute name of the flag */
  key: string;
  /** commander flag syntax */
  flag: string;
  /** the field of the settings object the query takes (HealthThresholds, AlertRules) */
  field: string;
  kind: ThresholdKind;
  /** in ms for a span */
  default: number;
  description: string;
}

const H = 3_600_000;

export const THRESHOLDS: readonly Threshold[] = [
  { section: 'health', key: 'stuckAfter', flag: '--stuck-after <span>', field: 'stuckAfterMs', kind: 'span', default: H, description: 'in progress for longer than this counts as stuck' },
  { section: 'health', key: 'warnStuck', flag: '--warn-stuck <n>', field: 'warnStuck', kind: 'count', default: 5, description: 'WARNING at this many stuck tasks' },
  { section: 'health', key: 'critStuck', flag: '--crit-stuck <n>', field: 'critStuck', kind: 'count', default: 10, description: 'CRITICAL at this many stuck tasks' },
  { section: 'health', key: 'warnFailureRate', flag: '--warn-failure-rate <pct>', field: 'warnFailureRate', kind: 'percent', default: 10, description: 'WARNING at this failure rate of the last hour, %' },
  { section: 'health', key: 'critFailureRate', flag: '--crit-failure-rate <pct>', field: 'critFailureRate', kind: 'percent', default: 20, description: 'CRITICAL at this failure rate of the last hour, %' },
  { section: 'health', key: 'warnQueued', flag: '--warn-queued <n>', field: 'warnQueued', kind: 'count', default: 100, description: 'WARNING at this many queued rows' },
  { section: 'health', key: 'critQueued', flag: '--crit-queued <n>', field: 'critQueued', kind: 'count', default: 500, description: 'CRITICAL at this many queued rows' },
  { section: 'alerts', key: 'window', flag: '--window <span>', field: 'windowMs', kind: 'span', default: H, description: 'window of the failure rate, duration and retry rules' },
  { section: 'alerts', key: 'failureRate', flag: '--failure-rate <pct>', field: 'failureRate', kind: 'percent', default: 10, description: 'fire above this failure rate, %' },
  { section: 'alerts', key: 'minRows', flag: '--min-rows <n>', field: 'minRows', kind: 'count', default: 10, description: 'fire only with at least this many rows in the window' },
  { section: 'alerts', key: 'stuckCount', flag: '--stuck-count <n>', field: 'stuckCount', kind: 'count', default: 5, description: 'fire above this many stuck tasks' },
  { section: 'alerts', key: 'stuckAfter', flag: '--stuck-after <span>', field: 'stuckAfterMs', kind: 'span', default: 2 * H, description: 'in progress for longer than this is stuck' },
  { section: 'alerts', key: 'queued', flag: '--queued <n>', field: 'queued', kind: 'count', default: 100, description: 'fire above this many queued rows' },
  { section: 'alerts', key: 'avgDuration', flag: '--avg-duration <seconds>', field: 'avgDurationSeconds', kind: 'number', default: 30, description: 'fire above this average duration, seconds' },
  { section: 'alerts', key: 'avgRetries', flag: '--avg-retries <n>', field: 'avgRetries', kind: 'number', default: 5, description: 'fire above this many retries on average' },
];

/** What a value of each kind may be, as error messages and help say it. */
export const KIND_ACCEPTS: Record<ThresholdKind, string> = {
  count: 'a whole number ≥ 0',
  percent: 'a percentage from 0 to 100',
  number: 'a number ≥ 0',
  span: 'a span such as "1h" (90s, 30m, 2h, 7d, 2w)',
};

export function thresholdsOf(section: ThresholdSection): Threshold[] {
  return THRESHOLDS.filter((t) => t.section === section);
}

export function threshold(section: ThresholdSection, key: string): Threshold {
  const t = THRESHOLDS.find((x) => x.section === section && x.key === key);
  if (!t) throw new Error(`no threshold ${section}.${key}`);
  return t;
}

/** A section's defaults by field: { stuckAfterMs: 3600000, warnStuck: 5, … } */
export function thresholdDefaults(section: ThresholdSection): Record<string, number> {
  return Object.fromEntries(thresholdsOf(section).map((t) => [t.field, t.default]));
}

/** The default as a user types it: "1h", "5". */
export function formatThreshold(t: Threshold, value: number = t.default): string {
  return t.kind === 'span' ? formatSpan(value) : String(value);
}

/** Typed text (a flag, an answer to init) → the value in code (ms for spans). Throws InvalidValue. */
export function parseThreshold(kind: ThresholdKind, raw: string): number {
  const text = raw.trim();
  if (kind === 'span') return parseSpan(text);
  if (kind === 'count') return nonNegativeInt(text, KIND_ACCEPTS.count);
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || (kind === 'percent' && n > 100)) throw new InvalidValue(`expects ${KIND_ACCEPTS[kind]}`);
  return n;
}

/** A JSON value from the config file → the value in code, or undefined when it is not one of this kind. */
export function thresholdFromJson(kind: ThresholdKind, v: unknown): number | undefined {
  if (kind === 'span') {
    if (typeof v !== 'string') return undefined;
    try {
      return parseSpan(v);
    } catch {
      return undefined;
    }
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
  if (kind === 'count' && !Number.isInteger(v)) return undefined;
  if (kind === 'percent' && v > 100) return undefined;
  return v;
}

/** The flag of a threshold, for a command's options: no commander default, so a flag not given leaves the config file's value. */
export function thresholdOption(t: Threshold): OptionSpec {
  const help = t.kind === 'span' ? `${SPAN_HELP}; default ${formatThreshold(t)}` : `default ${formatThreshold(t)}`;
  return { flags: t.flag, description: `${t.description} (${help})`, parse: (raw) => parseThreshold(t.kind, raw) };
}
