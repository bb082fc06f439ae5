/**
 * Time values, decoded and encoded in one place.
 *
 * Inside tasklog an instant is an ISO 8601 UTC string as Django REST framework
 * writes it: `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, the fraction left out when the
 * microseconds are 0. Databases hand us:
 *  - PostgreSQL timestamptz as text (the session runs in UTC; any offset is honoured),
 *  - MySQL/MariaDB datetime(6) as naive UTC text (`dateStrings`),
 *  - SQLite text in Django's format `YYYY-MM-DD HH:MM:SS[.ffffff]`, naive UTC.
 * Nothing here reads the process's time zone.
 */

const DB_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,](\d{1,9}))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export interface Instant {
  /** whole milliseconds since the epoch, rounded down */
  ms: number;
  /** microseconds within the second, 0..999999 */
  micros: number;
}

export function parseInstant(text: string): Instant | null {
  const m = DB_TIME.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  if (Number.isNaN(seconds)) return null;
  return instantOf(seconds - zoneOffset(zone).seconds, frac);
}

/** A UTC offset (+05:30, -0800, +05, Z or none) in seconds east of UTC, with its hours and minutes. */
function zoneOffset(zone: string | undefined): { seconds: number; hours: number; minutes: number } {
  if (!zone || zone === 'Z' || zone === 'z') return { seconds: 0, hours: 0, minutes: 0 };
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  return { seconds: (zone.startsWith('-') ? -1 : 1) * (hours * 3600 + minutes * 60), hours, minutes };
}

/** Whole UTC seconds since the epoch and the fraction's digits (up to 6) as an instant. */
function instantOf(utcSeconds: number, frac: string): Instant {
  const micros = Number((frac + '000000').slice(0, 6));
  return { ms: utcSeconds * 1000 + Math.floor(micros / 1000), micros };
}

export function instantFromDate(date: Date): Instant {
  const ms = date.getTime();
  return { ms, micros: (((ms % 1000) + 1000) % 1000) * 1000 };
}

export function instantFromMs(ms: number): Instant {
  return instantFromDate(new Date(Math.floor(ms)));
}

/** Shifts an instant by whole milliseconds, keeping the sub-millisecond part. */
export function addMs(t: Instant, deltaMs: number): Instant {
  const sub = t.micros % 1000;
  const ms = t.ms + Math.round(deltaMs);
  return { ms, micros: (((ms % 1000) + 1000) % 1000) * 1000 + sub };
}

/** `YYYY-MM-DD`, then `sep`, then `HH:MM:SS` of an instant, in UTC: one Date, no object (reports decode two times per group) */
function seconds(t: Instant, sep: string): string {
  const iso = new Date(t.ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return sep === 'T' ? iso.slice(0, 19) : iso.slice(0, 10) + sep + iso.slice(11, 19);
}

/** `.ffffff`, the microseconds' six digits */
const micros6 = (t: Instant) => '.' + String(t.micros).padStart(6, '0');

/** `2025-10-30T10:00:01.250000Z`, or `2025-10-30T10:00:01Z` when the microseconds are 0. */
export function toIso(t: Instant): string {
  return seconds(t, 'T') + (t.micros === 0 ? '' : micros6(t)) + 'Z';
}

/** Django's SQLite text: `2025-10-30 10:00:01.250000`, no fraction when it is 0. */
export function toDjangoText(t: Instant): string {
  return seconds(t, ' ') + (t.micros === 0 ? '' : micros6(t));
}

/** MySQL datetime(6) literal, naive UTC, always six digits. */
export function toMysqlText(t: Instant): string {
  return seconds(t, ' ') + micros6(t);
}

/**
 * The common case without date arithmetic: UTC text as the databases hand it
 * over (Django's SQLite text, MySQL's datetime, PostgreSQL's +00) —
 * `YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}][Z|+00|+0000|+00:00]` with a valid date and
 * time — rewritten into the ISO form; null when the slow path must decide.
 * Read character by character: it runs for every time of every exported row.
 */
export function utcTextToIso(text: string): string | null {
  const n = text.length;
  if (n < 19) return null;
  const d = (i: number) => {
    const c = text.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : -100;
  };
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  if (d(0) < 0 || d(1) < 0 || d(2) < 0 || d(3) < 0) return null;
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const hour = d(11) * 10 + d(12);
  const minute = d(14) * 10 + d(15);
  const second = d(17) * 10 + d(18);
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  let i = 19;
  let frac = '';
  if (i < n && text.charCodeAt(i) === 46) {
    let j = i + 1;
    while (j < n && j - i <= 6 && d(j) >= 0) j++;
    if (j === i + 1) return null;
    frac = text.slice(i + 1, j);
    i = j;
  }
  if (i < n) {
    const zone = i === n - 1 ? text[i] : text.slice(i);
    if (zone !== 'Z' && zone !== '+00' && zone !== '+0000' && zone !== '+00:00') return null;
  }
  if (day > 28 && new Date(Date.UTC(d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3), month - 1, day)).getUTCDate() !== day) return null;
  const date = text.slice(0, 10);
  const time = text.slice(11, 19);
  if (frac === '' || frac === '000000') return `${date}T${time}Z`;
  if (frac.length < 6) frac = frac.padEnd(6, '0');
  return frac === '000000' ? `${date}T${time}Z` : `${date}T${time}.${frac}Z`;
}

/**
 * Decodes any database time value into tasklog's ISO form (null stays null).
 * A number is microseconds since the epoch: how the ClickHouse archive keeps
 * times (Int64, since 18.16 has no DateTime64).
 */
export function decodeTime(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : toIso(instantFromDate(value));
  if (typeof value === 'number') return Number.isSafeInteger(value) ? toIso(instantFromMicros(value)) : String(value);
  const text = String(value);
  const fast = utcTextToIso(text);
  if (fast !== null) return fast;
  const t = parseInstant(text);
  return t ? toIso(t) : text;
}

/** Milliseconds since the epoch of a decoded ISO time. */
export function isoToMs(iso: string): number {
  const t = parseInstant(iso);
  return t ? t.ms : Number.NaN;
}

/** Difference b − a in milliseconds with microsecond precision. */
export function diffMs(a: string, b: string): number | null {
  const ta = parseInstant(a);
  const tb = parseInstant(b);
  if (!ta || !tb) return null;
  const secA = Math.floor(ta.ms / 1000);
  const secB = Math.floor(tb.ms / 1000);
  return (secB - secA) * 1000 + (tb.micros - ta.micros) / 1000;
}

/** Orders two decoded ISO times (null first); string order is wrong when one has no fraction. */
export function compareIso(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  // toIso's own form (`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, as decodeTime writes): digit by digit, without parsing
  if (isIsoForm(a) && isIsoForm(b)) {
    for (let i = 0; i < 19; i++) {
      const d = a.charCodeAt(i) - b.charCodeAt(i);
      if (d !== 0) return d;
    }
    // the fraction: six digits, or none (zero)
    for (let i = 20; i < 26; i++) {
      const d = (a.length === 27 ? a.charCodeAt(i) : 48) - (b.length === 27 ? b.charCodeAt(i) : 48);
      if (d !== 0) return d;
    }
    return 0;
  }
  const ta = parseInstant(a);
  const tb = parseInstant(b);
  if (!ta || !tb) return a < b ? -1 : 1;
  return Math.floor(ta.ms / 1000) - Math.floor(tb.ms / 1000) || ta.micros - tb.micros;
}

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` with digits where digits go: fixed width, so its characters order as the time does */
function isIsoForm(t: string): boolean {
  const n = t.length;
  if ((n !== 20 && n !== 27) || t.charCodeAt(n - 1) !== 90) return false;
  for (let i = 0; i < n - 1; i++) {
    const c = t.charCodeAt(i);
    const want = i === 4 || i === 7 ? 45 : i === 10 ? 84 : i === 13 || i === 16 ? 58 : i === 19 ? 46 : 0;
    if (want ? c !== want : c < 48 || c > 57) return false;
  }
  return true;
}

const STRICT_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A time as a file to import must give it: ISO 8601 with date, hours and
 * minutes, optional seconds with up to six fractional digits (the databases
 * keep microseconds), and `Z`, an offset, or nothing (UTC) — what tasklog
 * and Django REST framework write. An impossible date or time (02-30, 24:00)
 * is refused rather than rolled over, and the year must be 1000–9999 (what
 * MySQL's datetime and Python's datetime both hold).
 */
export function parseTimeStrict(text: string): { instant: Instant } | { error: string } {
  const m = STRICT_TIME.exec(text);
  const like = 'an ISO 8601 time like 2025-10-30T10:00:01.250000Z';
  if (!m) return { error: `is not ${like}` };
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  if (frac.length > 6) return { error: `has ${frac.length} fractional digits; the databases keep 6 (microseconds)` };
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  // day 0 of the next month is the last of this one (Date.UTC maps years 0–99 to 1900–1999, hence the 2000 shift)
  const lastDay = month >= 1 && month <= 12 ? new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate() : 0;
  if (month < 1 || month > 12 || day < 1 || day > lastDay || hour > 23 || minute > 59 || second > 59) {
    return { error: `is not a valid date and time` };
  }
  const offset = zoneOffset(zone);
  if (offset.hours > 23 || offset.minutes > 59) return { error: `has an impossible UTC offset ${zone}` };
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - offset.seconds;
  const utcYear = new Date(seconds * 1000).getUTCFullYear();
  if (year < 1000 || utcYear < 1000 || utcYear > 9999) return { error: 'is outside the years 1000–9999' };
  return { instant: instantOf(seconds, frac) };
}

/** Whole microseconds since the epoch (exact within ±285 years of 1970, where a double holds them). */
export function toMicros(t: Instant): number {
  return Math.floor(t.ms / 1000) * 1_000_000 + t.micros;
}

/** The instant of a count of microseconds since the epoch. */
export function instantFromMicros(us: number): Instant {
  const micros = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  return { ms: Math.floor(us / 1000), micros };
}
