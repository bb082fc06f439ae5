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
 * JSON.stringify(toDetail's duration_seconds), pyRound(ms / 1000, 2): for a
 * whole number of milliseconds not ending in 5 the double is far from any
 * tie, so rounding the integer gives the same number, and its shortest
 * decimal text (JavaScript's) is the integer's digits with at most two
 * after the point; a tie (…5) asks pyRound, which reads the double's exact
 * value.
 */
function durationSecondsText(ms: number): string {
  if (Number.isSafeInteger(ms) && ms >= 0 && ms < 1e15 && ms % 10 !== 5) {
    const k = Math.round(ms / 10);
    const whole = Math.floor(k / 100);
    const cents = k - whole * 100;
    if (cents === 0) return '' + whole;
    return cents % 10 === 0 ? `${whole}.${cents / 10}` : `${whole}.${cents < 10 ? '0' : ''}${cents}`;
  }
  return JSON.stringify(pyRound(ms / 1000, 2));
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
const TIME_DIGITS = Uint8Array.of(0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18);
const [NULL, ZERO, EMPTY_TEXT, TRUE, FALSE] = ['null', '0', '""', 'true', 'false'].map(utf8);

/**
 * jsonLineWriter's lines from the bytes of COPY's text format
 * (LogReader.streamCopyText, PostgreSQL), worked on as bytes: no text
 * decoded, split, joined and encoded again per row. Integers, booleans,
 * statuses, text (COPY's escapes turned into JSON's) and times as
 * PostgreSQL writes them in a UTC session (`2026-11-26 07:37:41.8875+00`)
 * are rewritten byte by byte; any other value — JSON columns, durations
 * in seconds, an unusual escape or time — goes through jsonLineWriter's own
 * formatting, so every line is the same bytes either way. write() takes the
 * chunks as they arrive and returns the lines they complete.
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
  const kinds = unique.map((f) => KINDS[f][0]);
  const cols = unique.map((f) => at.get(KINDS[f][1])!);
  const n = unique.length;
  const starts = new Int32Array(ncols);
  const ends = new Int32Array(ncols);
  let out = EMPTY;
  let o = 0;
  let rest: Buffer | null = null;
  let d: Buffer = EMPTY;

  const ensure = (k: number) => {
    if (o + k <= out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, o + k));
    out.copy(bigger, 0, 0, o);
    out = bigger;
  };
  const putBytes = (bytes: Uint8Array) => {
    ensure(bytes.length);
    for (let k = 0; k < bytes.length; k++) out[o++] = bytes[k];
  };
  const putString = (text: string) => {
    ensure(text.length * 3);
    o += out.write(text, o, 'utf8');
  };
  const sameBytes = (bytes: Uint8Array, s: number, e: number) => {
    if (bytes.length !== e - s) return false;
    for (let k = 0; k < bytes.length; k++) if (bytes[k] !== d[s + k]) return false;
    return true;
  };
  const isNull = (s: number, e: number) => e - s === 2 && d[s] === 92 && d[s + 1] === 78;
  const cellText = (c: number): string | null => copyTextCell(d.toString('utf8', starts[c], ends[c]));
  /** COPY's text of a column as a JSON string's inside; false (nothing kept) at an escape COPY does not write */
  const putEscaped = (s: number, e: number): boolean => {
    ensure((e - s) * 6);
    const end = copyTextJsonInside(d, s, e, out, o);
    if (end < 0) return false;
    o = end;
    return true;
  };
  const plainInt = (s: number, e: number): boolean => isCopyPlainInt(d, s, e);
  const digit = (k: number) => d[k] >= 48 && d[k] <= 57;
  /** `YYYY-MM-DD HH:MM:SS[.f{1,6}]+00`, PostgreSQL's text of a time in a UTC session, as `"YYYY-MM-DDTHH:MM:SS[.ffffff]Z"` */
  const putTime = (s: number, e: number): boolean => {
    const len = e - s;
    if (len < 22 || len > 29 || d[e - 3] !== 43 || d[e - 2] !== 48 || d[e - 1] !== 48) return false;
    if (d[s + 4] !== 45 || d[s + 7] !== 45 || d[s + 10] !== 32 || d[s + 13] !== 58 || d[s + 16] !== 58) return false;
    for (let i = 0; i < TIME_DIGITS.length; i++) if (!digit(s + TIME_DIGITS[i])) return false;
    const month = (d[s + 5] - 48) * 10 + d[s + 6] - 48;
    const day = (d[s + 8] - 48) * 10 + d[s + 9] - 48;
    if (month < 1 || month > 12 || day < 1 || day > 31 || d[s + 11] > 50 || d[s + 14] > 53 || d[s + 17] > 53) return false;
    // hour 24 and over, and years before 1000 (Date.UTC reads 0–99 as 1900–1999): the careful path
    if ((d[s + 11] === 50 && d[s + 12] > 51) || d[s] === 48) return false;
    if (day > 28) {
      const year = (d[s] - 48) * 1000 + (d[s + 1] - 48) * 100 + (d[s + 2] - 48) * 10 + d[s + 3] - 48;
      const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
      if (day > (month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)) return false;
    }
    const fracEnd = e - 3;
    let zeros = true;
    if (len > 22) {
      if (d[s + 19] !== 46 || fracEnd - (s + 20) < 1) return false;
      for (let k = s + 20; k < fracEnd; k++) {
        if (!digit(k)) return false;
        if (d[k] !== 48) zeros = false;
      }
    }
    ensure(32);
    out[o++] = 34;
    for (let k = s; k < s + 19; k++) out[o++] = d[k];
    out[o - 9] = 84; // the T between date and time
    if (!zeros) {
      out[o++] = 46;
      for (let k = s + 20; k < fracEnd; k++) out[o++] = d[k];
      for (let k = fracEnd - (s + 20); k < 6; k++) out[o++] = 48;
    }
    out[o++] = 90;
    out[o++] = 34;
    return true;
  };
  const putJson = (s: number, e: number): boolean => {
    ensure(e - s);
    const end = copyJsonCompact(d, s, e, out, o);
    if (end < 0) return false;
    o = end;
    return true;
  };
  const putValue = (kind: Kind, c: number): void => {
    const s = starts[c];
    const e = ends[c];
    const nul = isNull(s, e);
    switch (kind) {
      case Kind.Int:
      case Kind.NullableInt:
        if (nul) return putBytes(kind === Kind.Int ? ZERO : NULL);
        if (plainInt(s, e)) {
          ensure(e - s);
          for (let k = s; k < e; k++) out[o++] = d[k];
          return;
        }
        break;
      case Kind.Text:
      case Kind.NullableText: {
        if (nul) return putBytes(kind === Kind.Text ? EMPTY_TEXT : NULL);
        const o0 = o;
        ensure(2);
        out[o++] = 34;
        if (putEscaped(s, e)) {
          ensure(1);
          out[o++] = 34;
          return;
        }
        o = o0;
        break;
      }
      case Kind.StatusDisplay:
        for (const st of STATUS_JSON) if (sameBytes(st.status, s, e)) return putBytes(st.display);
        return putValue(Kind.Text, c);
      case Kind.Bool:
        if (nul) return putBytes(NULL);
        if (e - s === 1 && (d[s] === 116 || d[s] === 102)) return putBytes(d[s] === 116 ? TRUE : FALSE);
        break;
      case Kind.Time:
        if (nul) return putBytes(NULL);
        if (putTime(s, e)) return;
        break;
      case Kind.Json:
        if (!nul && putJson(s, e)) return;
        break;
      case Kind.UserDisplay: {
        if (nul || isNull(starts[username], ends[username])) return putBytes(NULL);
        const o0 = o;
        ensure(1);
        out[o++] = 34;
        if (putEscaped(starts[username], ends[username])) {
          const es = starts[email];
          const ee = ends[email];
          if (isNull(es, ee) || es === ee) {
            ensure(1);
            out[o++] = 34;
            return;
          }
          putString(' (');
          if (putEscaped(es, ee)) {
            putString(')"');
            return;
          }
        }
        o = o0;
        return putString(valueJson(kind, cellText(c), cellText(username), cellText(email)));
      }
      default:
        break;
    }
    putString(valueJson(kind, nul ? null : cellText(c), null, null));
  };
  const row = (s: number, e: number) => {
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
    for (let i = 0; i < n; i++) {
      putBytes(keys[i]);
      putValue(kinds[i], cols[i]);
    }
    ensure(2);
    out[o++] = 125;
    out[o++] = 10;
  };
  return {
    only,
    write(chunk: Uint8Array): Buffer {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      d = rest ? Buffer.concat([rest, bytes]) : bytes;
      const last = d.lastIndexOf(10);
      if (last < 0) {
        rest = Buffer.from(d);
        return EMPTY;
      }
      out = Buffer.allocUnsafe(Math.max(1 << 16, last * 2));
      o = 0;
      for (let s = 0; s <= last; ) {
        const e = d.indexOf(10, s);
        row(s, e);
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
      // a short integer as JavaScript writes it (no leading zero, not -0, up to 15 digits); other numbers: the careful path
      const first = b === 45 ? k + 1 : k;
      let j = first;
      while (j < e && d[j] >= 48 && d[j] <= 57) j++;
      const n = j - first;
      if (n === 0 || n > 15 || (d[first] === 48 && (n > 1 || first > k)) || d[j] === 46 || d[j] === 101 || d[j] === 69) return -1;
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
