/**
 * Time values on the command line: ISO 8601 (no offset = UTC), a date
 * (midnight UTC), or a span before now (90s, 30m, 24h, 7d, 2w). Parsed when
 * the flags are read, resolved against the command's clock when it runs.
 */
import { InvalidValue } from '../core/errors.js';
import { addMs, instantFromDate, parseInstant, type Instant } from '../core/time.js';

export type TimeArg = { kind: 'absolute'; instant: Instant; text: string } | { kind: 'relative'; ms: number; text: string };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const TIME_ARG_HELP = 'ISO 8601 (UTC unless it has an offset), a date (midnight UTC), or a span before now: 90s, 30m, 24h, 7d, 2w';

export function parseTimeArg(raw: string): TimeArg {
  const text = raw.trim();
  const rel = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text);
  if (rel) return { kind: 'relative', ms: boundedSpan(Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()]), text };
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const candidate = date ? `${text}T00:00:00Z` : text;
  const instant = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(candidate) ? parseInstant(candidate) : null;
  if (!instant || !validCalendar(candidate)) throw new InvalidValue(`expects ${TIME_ARG_HELP}`);
  return { kind: 'absolute', instant, text };
}

function validCalendar(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s = 0] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const dt = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

export function resolveTimeArg(arg: TimeArg, now: Date): Instant {
  return arg.kind === 'absolute' ? arg.instant : addMs(instantFromDate(now), -arg.ms);
}

export const SPAN_HELP = 'a span such as 90s, 30m, 2h, 7d, 2w';

/** A length of time: 90s, 30m, 1h, 7d, 2w → milliseconds. */
export function parseSpan(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(raw.trim());
  if (!m || Number(m[1]) <= 0) throw new InvalidValue(`expects ${SPAN_HELP}`);
  return boundedSpan(Number(m[1]) * UNIT_MS[m[2].toLowerCase()]);
}

/** The longest span: 1,000 years (365,250 days), so that now minus it is still a time every database stores. */
export const MAX_SPAN_MS = 365_250 * 86_400_000;

function boundedSpan(ms: number): number {
  if (!(ms <= MAX_SPAN_MS)) throw new InvalidValue('expects a span of at most 365250d (1,000 years)');
  return ms;
}

/** Milliseconds as the span parseSpan reads back: the largest unit that divides it (3600000 → "1h"). */
export function formatSpan(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's']) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}s`;
}
