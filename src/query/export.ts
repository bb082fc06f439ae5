/**
 * The export's JSON lines written straight from LogReader.streamRaw's
 * untyped values: for each field the text JSON.stringify(pick(toDetail(
 * decodeRow(row)), fields)) gives it — the same decoders, the same rules —
 * without the row, detail and record objects in between (a million rows are
 * three million objects), and each JSON column's text re-written compactly
 * without parsing where that gives the same bytes (compactJson).
 */
import { decodeBool, decodeInt, decodeText } from '../db/decode.js';
import { decodeJson } from '../db/json.js';
import { decodeTime, utcTextToIso } from '../core/time.js';
import { columnsFor, displayUser, type ColumnSelection, type DetailField } from './present.js';
import { pyRound } from './round.js';
import { STATUSES, statusDisplay } from './status.js';
import { copyTextCell } from '../db/dialect/postgres.js';

type Values = readonly unknown[];

/** How a field's JSON text is made from its column's value. */
const enum Kind {
  /** an integer, 0 for NULL */
  Int,
  /** an integer or null */
  NullableInt,
  /** text, '' for NULL */
  Text,
  /** text or null */
  NullableText,
  StatusDisplay,
  Bool,
  Json,
  DurationSeconds,
  Time,
  UserDisplay,
}

const KINDS: Record<DetailField, [Kind, string]> = {
  id: [Kind.Int, 'id'],
  job_id: [Kind.Text, 'job_id'],
  task_name: [Kind.Text, 'task_name'],
  queue_name: [Kind.Text, 'queue_name'],
  status: [Kind.Text, 'status'],
  status_display: [Kind.StatusDisplay, 'status'],
  success: [Kind.Bool, 'success'],
  args: [Kind.Json, 'args'],
  kwargs: [Kind.Json, 'kwargs'],
  result: [Kind.NullableText, 'result'],
  error_message: [Kind.NullableText, 'error_message'],
  duration_ms: [Kind.NullableInt, 'duration_ms'],
  duration_seconds: [Kind.DurationSeconds, 'duration_ms'],
  job_retry: [Kind.Int, 'job_retry'],
  job_retries: [Kind.Int, 'job_retries'],
  job_retry_after: [Kind.Int, 'job_retry_after'],
  worker_id: [Kind.NullableText, 'worker_id'],
  enqueue_time: [Kind.Time, 'enqueue_time'],
  expire_time: [Kind.Time, 'expire_time'],
  start_time: [Kind.Time, 'start_time'],
  finish_time: [Kind.Time, 'finish_time'],
  created_at: [Kind.Time, 'created_at'],
  updated_at: [Kind.Time, 'updated_at'],
  user: [Kind.NullableInt, 'user_id'],
  user_display: [Kind.UserDisplay, 'user_id'],
};

/**
 * What to read (streamRaw's column selection) and a function writing one row
 * of it as its JSON line (with the newline), for these fields in this order
 * (a field named twice once, where it first stands, as in a JavaScript
 * object).
 */
export function jsonLineWriter(fields: readonly string[]): { only: ColumnSelection; line: (row: Values) => string } {
  const only = columnsFor(fields);
  const at = new Map<string, number>();
  only.columns.forEach((c, i) => at.set(c, i));
  const username = only.columns.length;
  const email = username + 1;
  const unique = [...new Set(fields)] as DetailField[];
  const keys = unique.map((f, i) => (i === 0 ? '{' : ',') + JSON.stringify(f) + ':');
  const kinds = unique.map((f) => KINDS[f][0]);
  const cols = unique.map((f) => at.get(KINDS[f][1])!);
  const n = unique.length;
  const line = (row: Values): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += keys[i] + valueJson(kinds[i], row[cols[i]], row[username], row[email]);
    return out + '}\n';
  };
  return { only, line };
}

/**
 * A batch's lines (jsonLineWriter's `line` of each row) as UTF-8 bytes, each
 * line encoded into one buffer as it is made: joining a batch's lines into
 * one text first costs a third more to encode, and a large text to collect.
 */
export function linesBytes(batch: readonly Values[], line: (row: Values) => string): Buffer {
  let bytes = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  for (const row of batch) {
    const text = line(row);
    if (used + text.length * 3 > bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(bytes.length * 2, used + text.length * 3));
      bytes.copy(bigger, 0, 0, used);
      bytes = bigger;
    }
    used += bytes.write(text, used);
  }
  return bytes.subarray(0, used);
}

/** The JSON text of a field of this kind from its column's value (and for UserDisplay, the username's and email's). */
function valueJson(kind: Kind, v: unknown, username: unknown, email: unknown): string {
  switch (kind) {
    case Kind.Int:
      return typeof v === 'number' && Number.isFinite(v) ? '' + v : '' + (decodeInt(v) ?? 0);
    case Kind.NullableInt: {
      const x = typeof v === 'number' && Number.isFinite(v) ? v : decodeInt(v);
      return x === null ? 'null' : '' + x;
    }
    case Kind.Text:
      return JSON.stringify(typeof v === 'string' ? v : (decodeText(v) ?? ''));
    case Kind.NullableText: {
      const s = typeof v === 'string' ? v : decodeText(v);
      return s === null ? 'null' : JSON.stringify(s);
    }
    case Kind.StatusDisplay:
      return JSON.stringify(statusDisplay(decodeText(v) ?? ''));
    case Kind.Bool: {
      const b = decodeBool(v);
      return b === null ? 'null' : b ? 'true' : 'false';
    }
    case Kind.Json:
      return jsonColumnText(v);
    case Kind.DurationSeconds: {
      const ms = decodeInt(v);
      return ms === null ? 'null' : durationSecondsText(ms);
    }
    case Kind.Time:
      return timeText(v);
    case Kind.UserDisplay: {
      const name = decodeInt(v) === null ? null : decodeText(username);
      return name === null ? 'null' : JSON.stringify(displayUser(name, decodeText(email)));
    }
  }
}

/** JSON.stringify(decodeTime(value)): the ISO text needs no escape where the fast path made it */
function timeText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    const iso = utcTextToIso(value);
    if (iso !== null) return '"' + iso + '"';
  }
  const t = decodeTime(value);
  return t === null ? 'null' : JSON.stringify(t);
}

/**
 * JSON.stringify(toDetail's duration_seconds), pyRound(ms / 1000, 2), for a
 * whole number of milliseconds: rounding the integer to hundredths gives the
 * same number, and its shortest decimal text (JavaScript's) is the integer's
 * digits with at most two after the point. A tie (…5) rounds as pyRound
 * does: by the double ms / 1000's exact value (tieSide), up where it lies
 * above the tie, to even where it is the tie itself.
 */
export function durationSecondsText(ms: number): string {
  if (!(Number.isSafeInteger(ms) && ms >= 0 && ms < 1e15)) return JSON.stringify(pyRound(ms / 1000, 2));
  const tie = ms % 10 === 5;
  let k = tie ? (ms - 5) / 10 : Math.round(ms / 10);
  if (tie) {
    const side = tieSide(ms);
    // exactly the tie (ms a multiple of 125: 0.375 is 3/8): half to even, as pyRound
    if (side > 0 || (side === 0 && k % 2 === 1)) k++;
  }
  const whole = Math.floor(k / 100);
  const cents = k - whole * 100;
  if (cents === 0) return '' + whole;
  return cents % 10 === 0 ? `${whole}.${cents / 10}` : `${whole}.${cents < 10 ? '0' : ''}${cents}`;
}

/**
 * Where the double nearest ms / 1000 lies against ms / 1000 (ms a whole
 * number below 10^15): 1 above, -1 below, 0 the same. Its product with 1000
 * taken exactly (Dekker's product: the rounded product and its exact error)
 * against ms.
 */
export function tieSide(ms: number): number {
  const q = ms / 1000;
  const p = q * 1000;
  const t = 134217729 * q; // Veltkamp's split of q at 2^27 + 1
  const qHi = t - (t - q);
  const qLo = q - qHi;
  // 1000 splits into itself and 0, so of Dekker's four partial products two remain, each exact
  const err = qHi * 1000 - p + qLo * 1000;
  // q·1000 exactly is p + err; p − ms is exact (p and ms are within a factor of two)
  return Math.sign(p - ms + err);
}

/** JSON.stringify(decodeJson(value)): the JSON column as the export writes it. */
export function jsonColumnText(value: unknown): string {
  if (typeof value === 'string') {
    const compact = compactJson(value);
    if (compact !== null) return compact;
  }
  return JSON.stringify(decodeJson(value) ?? null);
}

/**
 * JSON.stringify(JSON.parse(text)) without building the value, for the JSON
 * the databases hold — Django's `{"a": [1, "x"]}` (a space after , and :,
 * non-ASCII as \uXXXX on SQLite and MySQL), jsonb's text — or null where
 * that might not give the same bytes, and the caller parses: a top-level
 * string, whitespace other than one space after , or :, an escape
 * JSON.stringify writes otherwise (\/, \u of a control character, quote or
 * backslash, a lone surrogate), an object key that is digits only
 * (JavaScript orders those first), holds an escape, or comes twice; invalid
 * JSON. Numbers are written as JavaScript writes their double. One pass,
 * linear in the text.
 */
export function compactJson(text: string): string | null {
  const n = text.length;
  if (n === 0 || text.charCodeAt(0) === 34) return null;
  let out = '';
  let from = 0; // start of the text not yet copied to out
  // the open objects' keys so far, and arrays (null), innermost last
  const open: (string[] | null)[] = [];
  let expectKey = false;
  let sawValue = false;
  let i = 0;
  const digit = (k: number) => {
    const c = text.charCodeAt(k);
    return c >= 48 && c <= 57;
  };
  /** drops the one space after , or : (Django's and MySQL's separators) */
  const skipSpace = () => {
    if (text.charCodeAt(i) === 32) {
      out += text.slice(from, i);
      i++;
      from = i;
    }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      if (sawValue) return null;
      const start = i + 1;
      let escaped = false;
      let digitsOnly = true;
      for (i = start; ; ) {
        if (i >= n) return null;
        const s = text.charCodeAt(i);
        if (s === 34) break;
        if (s === 92) {
          escaped = true;
          digitsOnly = false;
          const e = text.charCodeAt(i + 1);
          if (e === 117) {
            const code = hex4(text, i + 2);
            if (code < 0x20 || code === 0x22 || code === 0x5c) return null;
            if (code >= 0xd800 && code <= 0xdbff) {
              // a surrogate pair written as two escapes: the character it makes
              const low = text.charCodeAt(i + 6) === 92 && text.charCodeAt(i + 7) === 117 ? hex4(text, i + 8) : -1;
              if (low < 0xdc00 || low > 0xdfff) return null;
              out += text.slice(from, i) + String.fromCharCode(code, low);
              i += 12;
            } else if (code >= 0xdc00 && code <= 0xdfff) {
              return null;
            } else {
              out += text.slice(from, i) + String.fromCharCode(code);
              i += 6;
            }
            from = i;
            continue;
          }
          // \" \\ \n \t \r \b \f: JSON.stringify writes the same
          if (e === 34 || e === 92 || e === 110 || e === 116 || e === 114 || e === 98 || e === 102) {
            i += 2;
            continue;
          }
          return null;
        }
        if (s < 0x20) return null;
        if (s < 48 || s > 57) digitsOnly = false;
        if (s >= 0xd800 && s <= 0xdfff) {
          // as it is only as a pair
          if (s > 0xdbff) return null;
          const low = text.charCodeAt(i + 1);
          if (!(low >= 0xdc00 && low <= 0xdfff)) return null;
          i++;
        }
        i++;
      }
      if (expectKey) {
        if (escaped || digitsOnly) return null;
        const key = text.slice(start, i);
        const keys = open[open.length - 1]!;
        if (keys.length && keys.includes(key)) return null;
        keys.push(key);
        i++;
        if (text.charCodeAt(i) !== 58) return null;
        i++;
        skipSpace();
        expectKey = false;
        continue;
      }
      i++;
      sawValue = true;
      continue;
    }
    if (c === 123 || c === 91) {
      if (sawValue || expectKey) return null;
      i++;
      if (text.charCodeAt(i) === (c === 123 ? 125 : 93)) {
        i++;
        sawValue = true;
        continue;
      }
      open.push(c === 123 ? [] : null);
      expectKey = c === 123;
      continue;
    }
    if (c === 125 || c === 93) {
      if (!sawValue || open.length === 0 || (open[open.length - 1] !== null) !== (c === 125)) return null;
      open.pop();
      i++;
      continue;
    }
    if (c === 44) {
      if (!sawValue || open.length === 0) return null;
      i++;
      skipSpace();
      sawValue = false;
      expectKey = open[open.length - 1] !== null;
      continue;
    }
    if (sawValue || expectKey) return null;
    if (c === 45 || (c >= 48 && c <= 57)) {
      // JSON's number grammar, then the number as JavaScript writes its double
      let j = c === 45 ? i + 1 : i;
      if (text.charCodeAt(j) === 48) j++;
      else if (digit(j)) while (digit(j)) j++;
      else return null;
      let plain = j - i <= 15 && !(c === 45 && j === i + 2 && text.charCodeAt(i + 1) === 48);
      if (text.charCodeAt(j) === 46) {
        plain = false;
        j++;
        if (!digit(j)) return null;
        while (digit(j)) j++;
      }
      const e = text.charCodeAt(j);
      if (e === 101 || e === 69) {
        plain = false;
        j++;
        const sign = text.charCodeAt(j);
        if (sign === 43 || sign === 45) j++;
        if (!digit(j)) return null;
        while (digit(j)) j++;
      }
      if (!plain) {
        const token = text.slice(i, j);
        const value = Number(token);
        const written = Number.isFinite(value) ? String(value) : 'null';
        if (written !== token) {
          out += text.slice(from, i) + written;
          from = j;
        }
      }
      i = j;
      sawValue = true;
      continue;
    }
    if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else return null;
    sawValue = true;
  }
  if (open.length !== 0 || !sawValue) return null;
  return from === 0 ? text : out + text.slice(from);
}

/** the value of 4 hex digits at i, or -1 */
function hex4(text: string, i: number): number {
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const c = text.charCodeAt(k);
    const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const STATUS_JSON = STATUSES.map((s) => ({ status: utf8(s), display: utf8(JSON.stringify(statusDisplay(s))) }));
const EMPTY = Buffer.alloc(0);
/** where the digits of `YYYY-MM-DD HH:MM:SS` are */
const [NULL, ZERO, EMPTY_TEXT, TRUE, FALSE] = ['null', '0', '""', 'true', 'false'].map(utf8);
/** the digits' places in `YYYY-MM-DD HH:MM:SS` */
const TIME_DIGIT_AT = Uint8Array.of(1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1);
/** the most bytes a fast path writes for one value beside six per input byte (a time: 29, a user's ` (`, `)`) */
const VALUE_ROOM = 40;

/**
 * jsonLineWriter's lines from the bytes of COPY's text format
 * (LogReader.streamCopyText, PostgreSQL), worked on as bytes: no text
 * decoded, split, joined and encoded again per row. Integers, booleans,
 * statuses, text (COPY's escapes turned into JSON's), durations and times
 * as PostgreSQL writes them in a UTC session (`2026-11-26 07:37:41.8875+00`)
 * are rewritten byte by byte; any other value — an unusual escape, time or
 * number, JSON that copyJsonCompact declines — goes through jsonLineWriter's
 * own formatting, so every line is the same bytes either way. write() takes
 * the chunks as they arrive and returns the lines they complete.
 *
 * The byte work is done by module functions taking the input, the output
 * and its offset and returning the new offset (-1: take the careful path),
 * with room for the whole row made once per row: a closure's shared offset
 * kept every byte store out of registers (a third of the time).
 */
export function copyTextJsonWriter(fields: readonly string[]): { only: ColumnSelection; write(chunk: Uint8Array): Buffer; end(): void } {
  const only = columnsFor(fields);
  const at = new Map<string, number>();
  only.columns.forEach((c, i) => at.set(c, i));
  const username = only.columns.length;
  const email = username + 1;
  const ncols = only.columns.length + (only.user ? 2 : 0);
  const unique = [...new Set(fields)] as DetailField[];
  const keys = unique.map((f, i) => utf8((i === 0 ? '{' : ',') + JSON.stringify(f) + ':'));
  const kinds = Int32Array.from(unique.map((f) => KINDS[f][0]));
  const cols = Int32Array.from(unique.map((f) => at.get(KINDS[f][1])!));
  const n = unique.length;
  const keyBytes = keys.reduce((sum, k) => sum + k.length, 0);
  // how many fields read one cell at most: status and status_display read status, duration_ms and
  // duration_seconds read duration_ms, user and user_display read user_id (and only user_display the user's)
  const reads = new Int32Array(ncols);
  unique.forEach((f, i) => reads[cols[i]]++);
  if (unique.includes('user_display')) {
    reads[username]++;
    reads[email]++;
  }
  const mostReads = Math.max(1, ...reads);
  const starts = new Int32Array(ncols);
  const ends = new Int32Array(ncols);
  let out = EMPTY;
  let o = 0;
  let rest: Buffer | null = null;

  const ensure = (k: number) => {
    if (o + k <= out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, o + k));
    out.copy(bigger, 0, 0, o);
    out = bigger;
  };
  const cellText = (d: Buffer, c: number): string | null => (isCopyNull(d, starts[c], ends[c]) ? null : copyTextCell(d.toString('utf8', starts[c], ends[c])));
  /** the careful path for one value: decode the cell(s) and format as jsonLineWriter does */
  const slow = (d: Buffer, kind: Kind, c: number): void => {
    const text = kind === Kind.UserDisplay ? valueJson(kind, cellText(d, c), cellText(d, username), cellText(d, email)) : valueJson(kind, cellText(d, c), null, null);
    ensure(text.length * 3);
    o += out.write(text, o, 'utf8');
  };
  /** one value's JSON by the fast paths, or -1 */
  const fast = (d: Buffer, kind: Kind, c: number, buf: Buffer, p: number): number => {
    const s = starts[c];
    const e = ends[c];
    const nul = isCopyNull(d, s, e);
    switch (kind) {
      case Kind.Int:
      case Kind.NullableInt:
        if (nul) return putConst(kind === Kind.Int ? ZERO : NULL, buf, p);
        if (!isCopyPlainInt(d, s, e)) return -1;
        for (let k = s; k < e; k++) buf[p++] = d[k];
        return p;
      case Kind.Text:
      case Kind.NullableText:
        if (nul) return putConst(kind === Kind.Text ? EMPTY_TEXT : NULL, buf, p);
        return copyTextJsonString(d, s, e, buf, p);
      case Kind.StatusDisplay:
        for (const st of STATUS_JSON) if (sameBytes(st.status, d, s, e)) return putConst(st.display, buf, p);
        return nul ? -1 : copyTextJsonString(d, s, e, buf, p);
      case Kind.Bool:
        if (nul) return putConst(NULL, buf, p);
        if (e - s === 1 && (d[s] === 116 || d[s] === 102)) return putConst(d[s] === 116 ? TRUE : FALSE, buf, p);
        return -1;
      case Kind.Time:
        return nul ? putConst(NULL, buf, p) : copyTimeJson(d, s, e, buf, p);
      case Kind.DurationSeconds:
        if (nul) return putConst(NULL, buf, p);
        return copyDurationSeconds(d, s, e, buf, p);
      case Kind.Json:
        return nul ? -1 : copyJsonCompact(d, s, e, buf, p);
      case Kind.UserDisplay: {
        const us = starts[username];
        const ue = ends[username];
        if (nul || isCopyNull(d, us, ue)) return putConst(NULL, buf, p);
        buf[p++] = 34;
        p = copyTextJsonInside(d, us, ue, buf, p);
        if (p < 0) return -1;
        const es = starts[email];
        const ee = ends[email];
        if (!(isCopyNull(d, es, ee) || es === ee)) {
          buf[p++] = 32;
          buf[p++] = 40;
          p = copyTextJsonInside(d, es, ee, buf, p);
          if (p < 0) return -1;
          buf[p++] = 41;
        }
        buf[p++] = 34;
        return p;
      }
      default:
        return -1;
    }
  };
  const row = (d: Buffer, s: number, e: number) => {
    let c = 0;
    starts[0] = s;
    // a loop, not indexOf: a call into C++ per column costs more than reading the bytes
    for (let k = s; k < e; k++) {
      if (d[k] !== 9) continue;
      if (++c >= ncols) break;
      ends[c - 1] = k;
      starts[c] = k + 1;
    }
    if (c !== ncols - 1) throw new Error(`a COPY row of ${c + 1} columns where ${ncols} were asked for`);
    ends[c] = e;
    // room for the whole line by the fast paths: its keys, six bytes per byte of the row for each field
    // that reads a cell, a little per value
    const room = keyBytes + 6 * mostReads * (e - s) + VALUE_ROOM * n + 2;
    ensure(room);
    let buf = out;
    let p = o;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      for (let k = 0; k < key.length; k++) buf[p++] = key[k];
      const kind = kinds[i];
      const next = fast(d, kind, cols[i], buf, p);
      if (next >= 0) {
        p = next;
        continue;
      }
      o = p;
      slow(d, kind, cols[i]);
      ensure(room);
      buf = out;
      p = o;
    }
    buf[p++] = 125;
    buf[p++] = 10;
    o = p;
  };
  return {
    only,
    write(chunk: Uint8Array): Buffer {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const d = rest ? Buffer.concat([rest, bytes]) : bytes;
      const last = d.lastIndexOf(10);
      if (last < 0) {
        rest = Buffer.from(d);
        return EMPTY;
      }
      out = Buffer.allocUnsafe(Math.max(1 << 16, last * 2));
      o = 0;
      for (let s = 0; s <= last; ) {
        const e = d.indexOf(10, s);
        row(d, s, e);
        s = e + 1;
      }
      rest = last + 1 < d.length ? Buffer.from(d.subarray(last + 1)) : null;
      return out.subarray(0, o);
    },
    end(): void {
      if (rest) throw new Error('the database ended a COPY inside a row');
    },
  };
}

const isCopyNull = (d: Buffer, s: number, e: number) => e - s === 2 && d[s] === 92 && d[s + 1] === 78;

function putConst(bytes: Uint8Array, out: Buffer, o: number): number {
  for (let k = 0; k < bytes.length; k++) out[o++] = bytes[k];
  return o;
}

function sameBytes(bytes: Uint8Array, d: Buffer, s: number, e: number): boolean {
  if (bytes.length !== e - s) return false;
  for (let k = 0; k < bytes.length; k++) if (bytes[k] !== d[s + k]) return false;
  return true;
}

/** COPY's text of a value as JSON.stringify's string, quotes included, written at o; the end, or -1 at an escape COPY does not write */
export function copyTextJsonString(d: Buffer, s: number, e: number, out: Buffer, o: number): number {
  out[o++] = 34;
  o = copyTextJsonInside(d, s, e, out, o);
  if (o < 0) return -1;
  out[o++] = 34;
  return o;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f{1,6}]+00`, PostgreSQL's text of a time in a UTC
 * session, as timeText writes it: `"YYYY-MM-DDTHH:MM:SS[.ffffff]Z"` (no
 * fraction where it is zero). -1 for anything else — another zone, hour 24,
 * a year before 1000, a day the month does not have — which the careful
 * path formats.
 */
export function copyTimeJson(d: Buffer, s: number, e: number, out: Buffer, o: number): number {
  const len = e - s;
  if (len < 22 || len > 29 || d[e - 3] !== 43 || d[e - 2] !== 48 || d[e - 1] !== 48) return -1;
  if (d[s + 4] !== 45 || d[s + 7] !== 45 || d[s + 10] !== 32 || d[s + 13] !== 58 || d[s + 16] !== 58) return -1;
  out[o] = 34;
  for (let k = 0; k < 19; k++) {
    const x = d[s + k];
    if (TIME_DIGIT_AT[k] === 1 && (x < 48 || x > 57)) return -1;
    out[o + 1 + k] = x;
  }
  const month = (d[s + 5] - 48) * 10 + d[s + 6] - 48;
  const day = (d[s + 8] - 48) * 10 + d[s + 9] - 48;
  if (month < 1 || month > 12 || day < 1 || day > 31 || d[s + 11] > 50 || d[s + 14] > 53 || d[s + 17] > 53) return -1;
  // hour 24 and over, and years before 1000 (Date.UTC reads 0–99 as 1900–1999): the careful path
  if ((d[s + 11] === 50 && d[s + 12] > 51) || d[s] === 48) return -1;
  if (day > 28) {
    const year = (d[s] - 48) * 1000 + (d[s + 1] - 48) * 100 + (d[s + 2] - 48) * 10 + d[s + 3] - 48;
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (day > (month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)) return -1;
  }
  out[o + 11] = 84; // the T between date and time
  let p = o + 20;
  const fracEnd = e - 3;
  if (len > 22) {
    if (d[s + 19] !== 46 || fracEnd - (s + 20) < 1) return -1;
    let zeros = true;
    out[p++] = 46;
    for (let k = s + 20; k < fracEnd; k++) {
      const x = d[k];
      if (x < 48 || x > 57) return -1;
      if (x !== 48) zeros = false;
      out[p++] = x;
    }
    for (let k = fracEnd - (s + 20); k < 6; k++) out[p++] = 48;
    if (zeros) p = o + 20;
  }
  out[p++] = 90;
  out[p++] = 34;
  return p;
}

/** duration_seconds from COPY's text of duration_ms (a plain integer), or -1 */
function copyDurationSeconds(d: Buffer, s: number, e: number, out: Buffer, o: number): number {
  if (d[s] === 45 || !isCopyPlainInt(d, s, e)) return -1;
  let ms = 0;
  for (let k = s; k < e; k++) ms = ms * 10 + (d[k] - 48);
  const text = durationSecondsText(ms);
  for (let k = 0; k < text.length; k++) out[o++] = text.charCodeAt(k);
  return o;
}

/**
 * compactJson on COPY's bytes of a JSON column d[s, e) (jsonb's text:
 * `{"a": [1, "x"]}`, non-ASCII as it is, COPY's backslash doubled), written
 * at o in `out`, which has room for e − s more bytes (the text only
 * shrinks): the one space after , and : dropped. The end, or -1 (nothing to
 * keep) where compactJson would write other bytes — a key of digits,
 * escaped or twice, a number that is not a short integer, an escape other
 * than \" \\ \n \t \r \b \f — and the careful path does it.
 */
export function copyJsonCompact(d: Buffer, s: number, e: number, out: Buffer, o: number): number {
  if (d[s] !== 123 && d[s] !== 91) return -1;
  // per open container: the hashes of an object's keys, or null for an array
  const open: (number[] | null)[] = [];
  let expectKey = false;
  let sawValue = false;
  for (let k = s; k < e; ) {
    const b = d[k];
    if (b === 34) {
      if (sawValue) return -1;
      out[o++] = 34;
      k++;
      let hash = 2166136261;
      let digitsOnly = true;
      let escaped = false;
      for (;;) {
        if (k >= e) return -1;
        const x = d[k];
        if (x === 34) break;
        if (x === 92) {
          // COPY's \\ is one backslash of the JSON text, then JSON's escape: \" \n \t \r \b \f, or \\ (COPY's \\ again)
          if (d[k + 1] !== 92) return -1;
          const y = d[k + 2];
          escaped = true;
          out[o++] = 92;
          if (y === 92) {
            if (d[k + 3] !== 92) return -1;
            out[o++] = 92;
            k += 4;
          } else if (y === 34 || y === 110 || y === 116 || y === 114 || y === 98 || y === 102) {
            out[o++] = y;
            k += 3;
          } else return -1;
          continue;
        }
        if (x < 32) return -1;
        if (x < 48 || x > 57) digitsOnly = false;
        hash = Math.imul(hash ^ x, 16777619);
        out[o++] = x;
        k++;
      }
      out[o++] = 34;
      k++;
      if (expectKey) {
        // JavaScript puts keys of digits first, and keeps one of two equal keys: the parser's business
        if (digitsOnly || escaped) return -1;
        const keys = open[open.length - 1]!;
        if (keys.includes(hash)) return -1;
        keys.push(hash);
        if (d[k] !== 58) return -1;
        out[o++] = 58;
        k++;
        if (d[k] === 32) k++;
        expectKey = false;
        continue;
      }
      sawValue = true;
      continue;
    }
    if (b === 123 || b === 91) {
      if (sawValue || expectKey) return -1;
      out[o++] = b;
      k++;
      if (d[k] === (b === 123 ? 125 : 93)) {
        out[o++] = d[k++];
        sawValue = true;
        continue;
      }
      open.push(b === 123 ? [] : null);
      expectKey = b === 123;
      continue;
    }
    if (b === 125 || b === 93) {
      if (!sawValue || open.length === 0 || (open[open.length - 1] !== null) !== (b === 125)) return -1;
      open.pop();
      out[o++] = b;
      k++;
      continue;
    }
    if (b === 44) {
      if (!sawValue || open.length === 0) return -1;
      out[o++] = 44;
      k++;
      if (d[k] === 32) k++;
      sawValue = false;
      expectKey = open[open.length - 1] !== null;
      continue;
    }
    if (sawValue || expectKey) return -1;
    if (b === 45 || (b >= 48 && b <= 57)) {
      // a short integer as JavaScript writes it (no leading zero, not -0, up to 15 digits) as it is
      const first = b === 45 ? k + 1 : k;
      let j = first;
      while (j < e && d[j] >= 48 && d[j] <= 57) j++;
      const n = j - first;
      if (n === 0) return -1;
      if (n > 15 || (d[first] === 48 && (n > 1 || first > k)) || d[j] === 46 || d[j] === 101 || d[j] === 69) {
        // any other number (83.02, 1e-7, 0.10, 12345678901234567890) only where its text is the one
        // JavaScript writes for its double — which also makes it a JSON number; else the careful path
        while (j < e && ((d[j] >= 48 && d[j] <= 57) || d[j] === 46 || d[j] === 101 || d[j] === 69 || d[j] === 43 || d[j] === 45)) j++;
        if (j - k > 32) return -1;
        const text = d.toString('latin1', k, j);
        if (String(Number(text)) !== text) return -1;
      }
      for (; k < j; k++) out[o++] = d[k];
      sawValue = true;
      continue;
    }
    const word = b === 116 ? TRUE : b === 102 ? FALSE : b === 110 ? NULL : null;
    if (!word || e - k < word.length) return -1;
    for (let w = 0; w < word.length; w++) if (d[k + w] !== word[w]) return -1;
    for (let w = 0; w < word.length; w++) out[o++] = word[w];
    k += word.length;
    sawValue = true;
  }
  return open.length === 0 && sawValue ? o : -1;
}

/**
 * COPY's text of a value (bytes a…b of d) as the inside of the JSON string
 * JSON.stringify writes for it, written into out from o: COPY's escapes
 * (\\ \n \t \r \b \f, and \v as \u000b), `"` escaped, the other control
 * characters as \u00xx. The end, or -1 at an escape COPY does not write
 * (octal, hex: the caller takes the careful path). out must have room for
 * six bytes per input byte.
 */
export function copyTextJsonInside(d: Buffer, a: number, b: number, out: Buffer, o: number): number {
  for (let k = a; k < b; k++) {
    const x = d[k];
    if (x > 34 && x !== 92) out[o++] = x;
    else if (x === 92) {
      const y = d[++k];
      out[o++] = 92;
      if (y === 92 || y === 110 || y === 116 || y === 114 || y === 98 || y === 102) out[o++] = y;
      else if (y === 118) {
        // \v: JSON.stringify writes \u000b
        out[o++] = 117;
        out[o++] = 48;
        out[o++] = 48;
        out[o++] = 48;
        out[o++] = 98;
      } else return -1;
    } else if (x === 34) {
      out[o++] = 92;
      out[o++] = 34;
    } else if (x < 32) {
      out[o++] = 92;
      if (x === 8) out[o++] = 98;
      else if (x === 9) out[o++] = 116;
      else if (x === 10) out[o++] = 110;
      else if (x === 12) out[o++] = 102;
      else if (x === 13) out[o++] = 114;
      else {
        out[o++] = 117;
        out[o++] = 48;
        out[o++] = 48;
        out[o++] = x < 16 ? 48 : 49;
        const h = x & 15;
        out[o++] = h < 10 ? 48 + h : 87 + h;
      }
    } else out[o++] = x;
  }
  return o;
}

/** A whole number of up to 15 digits as COPY writes it (an optional minus, no leading zero, no -0): its bytes are its JSON. */
export function isCopyPlainInt(d: Buffer, a: number, b: number): boolean {
  const first = d[a] === 45 ? a + 1 : a;
  const n = b - first;
  if (n < 1 || n > 15 || (d[first] === 48 && (n > 1 || first > a))) return false;
  for (let k = first; k < b; k++) if (d[k] < 48 || d[k] > 57) return false;
  return true;
}
