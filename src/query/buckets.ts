/**
 * Time buckets for the timeline: truncation to minute, hour or day in UTC or
 * in an IANA time zone (DST-aware, via Intl), and the bucket starts of a window.
 */
import { InvalidValue } from '../core/errors.js';

export const INTERVALS = ['minute', 'hour', 'day'] as const;
export type Interval = (typeof INTERVALS)[number];

const UNIT_MS: Record<Interval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function checkTimeZone(raw: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: raw });
    return raw;
  } catch {
    throw new InvalidValue('expects an IANA time zone such as UTC, Europe/Berlin or America/New_York');
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a zone. */
export function wallClock(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year, mo: parts.month, d: parts.day, h: parts.hour % 24, mi: parts.minute, s: parts.second };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (the earlier one when it repeats). */
function fromWallClock(localMs: number, tz: string): number {
  const guess = localMs - offsetAt(localMs, tz);
  return localMs - offsetAt(guess, tz);
}

export function truncate(ms: number, interval: Interval, tz = 'UTC'): number {
  if (tz === 'UTC') return Math.floor(ms / UNIT_MS[interval]) * UNIT_MS[interval];
  const w = wallClock(ms, tz);
  const local =
    interval === 'day' ? Date.UTC(w.y, w.mo - 1, w.d) : interval === 'hour' ? Date.UTC(w.y, w.mo - 1, w.d, w.h) : Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
  return fromWallClock(local, tz);
}

/** Start of every bucket that overlaps [since, until]. */
export function bucketStarts(sinceMs: number, untilMs: number, interval: Interval, tz = 'UTC'): number[] {
  const starts: number[] = [];
  let t = truncate(sinceMs, interval, tz);
  while (t <= untilMs) {
    starts.push(t);
    const next = truncate(t + UNIT_MS[interval] * 1.5, interval, tz);
    t = next > t ? next : t + UNIT_MS[interval];
  }
  return starts;
}

/**
 * SQL grouping granularity: in UTC the bucket itself (fewer groups to
 * aggregate); elsewhere 15 minutes, since every zone offset in use is a
 * multiple of 15 minutes.
 */
export function fineSeconds(interval: Interval, tz = 'UTC'): number {
  if (interval === 'minute') return 60;
  if (tz === 'UTC') return UNIT_MS[interval] / 1000;
  return 900;
}
