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
import { statusDisplay } from './status.js';

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
  // one loop with a switch: a call per field through an array of closures costs as much as the formatting
  const line = (row: Values): string => {
    let out = '';
    for (let i = 0; i < n; i++) {
      const v = row[cols[i]];
      let text: string;
      switch (kinds[i]) {
        case Kind.Int:
          text = typeof v === 'number' && Number.isFinite(v) ? '' + v : '' + (decodeInt(v) ?? 0);
          break;
        case Kind.NullableInt: {
          const x = typeof v === 'number' && Number.isFinite(v) ? v : decodeInt(v);
          text = x === null ? 'null' : '' + x;
          break;
        }
        case Kind.Text:
          text = JSON.stringify(typeof v === 'string' ? v : (decodeText(v) ?? ''));
          break;
        case Kind.NullableText: {
          const s = typeof v === 'string' ? v : decodeText(v);
          text = s === null ? 'null' : JSON.stringify(s);
          break;
        }
        case Kind.StatusDisplay:
          text = JSON.stringify(statusDisplay(decodeText(v) ?? ''));
          break;
        case Kind.Bool: {
          const b = decodeBool(v);
          text = b === null ? 'null' : b ? 'true' : 'false';
          break;
        }
        case Kind.Json:
          text = jsonColumnText(v);
          break;
        case Kind.DurationSeconds: {
          const ms = decodeInt(v);
          text = ms === null ? 'null' : durationSecondsText(ms);
          break;
        }
        case Kind.Time:
          text = timeText(v);
          break;
        case Kind.UserDisplay: {
          const name = decodeInt(v) === null ? null : decodeText(row[username]);
          text = name === null ? 'null' : JSON.stringify(displayUser(name, decodeText(row[email])));
          break;
        }
      }
      out += keys[i] + text;
    }
    return out + '}\n';
  };
  return { only, line };
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
