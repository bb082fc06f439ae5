/** Number and time formatting shared by every human-readable view. */

export { formatInt, plural } from '../core/numbers.js';

/** 12.5% */
export function formatPercent(n: number, digits = 1): string {
  return `${n.toFixed(digits)}%`;
}

/** 850 ms, 1.25 s, 2m 05s, 1h 02m */
/** Bytes as MB (10^6) with one decimal, or kB below a megabyte. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(m / 1440)}d ${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}h`;
}

const RELATIVE_UNITS: [number, string, string][] = [
  [86_400_000 * 365, 'year', 'y'],
  [86_400_000 * 30, 'month', 'mo'],
  [86_400_000 * 7, 'week', ''],
  [86_400_000, 'day', 'd'],
  [3_600_000, 'hour', 'h'],
  [60_000, 'minute', 'm'],
  [1000, 'second', 's'],
];

/** "3 minutes ago" / "in 2 hours"; short: "3m ago" / "in 2h" (for narrow table columns). */
function relative(ms: number, nowMs: number, short: boolean): string {
  const diff = nowMs - ms;
  const abs = Math.abs(diff);
  if (abs < 1000) return short ? 'now' : 'just now';
  for (const [size, long, brief] of RELATIVE_UNITS) {
    if (short && !brief) continue;
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const label = short ? `${n}${brief}` : `${n} ${long}${n === 1 ? '' : 's'}`;
      return diff >= 0 ? `${label} ago` : `in ${label}`;
    }
  }
  return short ? 'now' : 'just now';
}

export function formatRelative(ms: number, nowMs: number): string {
  return relative(ms, nowMs, false);
}

export function formatRelativeShort(ms: number, nowMs: number): string {
  return relative(ms, nowMs, true);
}

/** Wide on a terminal: emoji shown as emoji (⌛) and East Asian wide or fullwidth characters (新). */
const WIDE = /\p{Emoji_Presentation}|[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;
const ZERO_WIDTH = /\p{Mn}|\p{Me}|[\u200B-\u200F\uFE00-\uFE0F]/u;

/**
 * Columns a string takes on a terminal (ANSI color codes take none), as
 * cli-table3 measures it: wide characters count 2, combining marks 0.
 */
/** At most `max` characters of a text, … marking a cut (a tooltip of an error message that may be megabytes). */
export function clipText(s: string | null, max: number): string {
  if (s === null) return '';
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Text from a file, a variable or a database as a terminal may show it: control characters as \xNN, never sent as they are. */
export function showControls(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function visibleLength(s: string): number {
  let n = 0;
  // eslint-disable-next-line no-control-regex
  for (const ch of s.replace(/\u001b\[[0-9;]*m/g, '')) n += WIDE.test(ch) ? 2 : ZERO_WIDTH.test(ch) ? 0 : 1;
  return n;
}
