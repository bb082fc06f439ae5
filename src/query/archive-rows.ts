/**
 * A task log row as the ClickHouse archive writes it, and its content hash.
 *
 * The hash (`_hash`) is 64 bits of the SHA-1 of the row's 22 columns written
 * as JSONEachRow fields (rowFields): what tells a new version of a row from
 * the one archived. Archives written by earlier builds hold it, and cleanup
 * --archived compares it with rows it decodes itself, so its text never
 * changes.
 *
 * The archive reads the source as rows of untyped values (Db.streamRows: the
 * columns of ARCHIVE_SOURCE_COLUMNS, as each driver hands them over) and
 * encodeRawRow makes, from those values, the text rowFields makes of the
 * decoded row — the same decoders for anything unusual, a fast path by
 * character for the usual (integers, Django's and PostgreSQL's UTC times,
 * JSON as Django or jsonb write it) — and the row's TabSeparated line,
 * without the decoded row, its ISO times or its parsed JSON in between.
 */
import * as crypto from 'node:crypto';
import { RuntimeFailure } from '../core/errors.js';
import { decodeTime, parseInstant, toMicros } from '../core/time.js';
import { decodeBool, decodeInt, decodeText, decodeRow, type TaskLogRow } from '../db/decode.js';
import { ARCHIVE_ROW_COLUMNS } from '../db/dialect/clickhouse.js';
import { copyTextCell, copyTextRow } from '../db/dialect/postgres.js';
import { copyJsonCompact, copyTextJsonString, isCopyPlainInt, jsonColumnText } from './export.js';
import { COMPLETED_STATUSES } from './status.js';

/** The source's columns the archive reads, in the order of a raw row: the task table's 22, then the user's name and e-mail. */
export const ARCHIVE_SOURCE_COLUMNS = ARCHIVE_ROW_COLUMNS;

/**
 * A row as the archive writes it: `core` is its 22 columns as JSONEachRow
 * fields (what its hash is taken of), `user` the user's name and e-mail.
 * The reference encodeRawRow is measured against (tests/unit/archive-rows.test.ts).
 */
export function rowFields(row: TaskLogRow): { core: string; user: string } {
  const s = JSON.stringify;
  const n = (v: number | null) => (v === null ? 'null' : String(v));
  const t = (v: string | null) => (v === null ? 'null' : String(isoMicros(v)));
  const bool = row.success === null ? 'null' : row.success ? '1' : '0';
  return {
    core:
      `"id":${row.id},"job_id":${s(row.job_id)},"task_name":${s(row.task_name)},"queue_name":${s(row.queue_name)},` +
      `"args":${s(s(row.args ?? null))},"kwargs":${s(s(row.kwargs ?? null))},"status":${s(row.status)},"duration_ms":${n(row.duration_ms)},` +
      `"job_retry":${row.job_retry},"job_retries":${row.job_retries},"job_retry_after":${row.job_retry_after},"success":${bool},` +
      `"result":${s(row.result)},"error_message":${s(row.error_message)},"worker_id":${s(row.worker_id)},` +
      `"enqueue_time":${t(row.enqueue_time)},"expire_time":${t(row.expire_time)},"start_time":${t(row.start_time)},` +
      `"finish_time":${t(row.finish_time)},"created_at":${t(row.created_at)},"updated_at":${t(row.updated_at)},"user_id":${n(row.user_id)}`,
    user: `"username":${s(row.username ?? null)},"email":${s(row.email ?? null)}`,
  };
}

/** crypto.hash where Node has it (20.12+: no Hash object per row), else a Hash */
const hashOnce: (algorithm: string, data: string | Uint8Array) => string =
  (crypto as { hash?: (a: string, d: string | Uint8Array) => string }).hash ?? ((a, d) => crypto.createHash(a).update(d).digest('hex'));

/** 64 bits of the SHA-1 of a text (or of its UTF-8 bytes), as a decimal UInt64. */
function hash64(text: string | Uint8Array): string {
  return BigInt('0x' + hashOnce('sha1', text).slice(0, 16)).toString();
}

/** A decoded row's content as the archive compares it: its 22 columns (the user's name and e-mail aside), as a 64-bit number. */
export function rowHash(row: TaskLogRow): string {
  return hash64(rowFields(row).core);
}

/** Date.UTC of each day met, by its YYYY-MM-DD (rows of a run span few days) */
const days = new Map<string, number>();

/**
 * Microseconds since the epoch of an ISO time as decodeRow writes them
 * (YYYY-MM-DDTHH:MM:SS[.ffffff]Z), read by position; anything else through
 * parseInstant.
 */
export function isoMicros(iso: string): number {
  const len = iso.length;
  if (len >= 20 && len <= 27 && iso.charCodeAt(len - 1) === 90 && iso[10] === 'T' && iso[13] === ':' && iso[16] === ':' && (len === 20 || iso[19] === '.')) {
    const day = iso.slice(0, 10);
    let base = days.get(day);
    if (base === undefined) {
      base = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
      if (days.size < 100_000) days.set(day, base);
    }
    const d = (i: number) => iso.charCodeAt(i) - 48;
    const secs = (d(11) * 10 + d(12)) * 3600 + (d(14) * 10 + d(15)) * 60 + d(17) * 10 + d(18);
    let frac = 0;
    if (len > 20) {
      let digits = 0;
      for (let i = 20; i < len - 1; i++, digits++) frac = frac * 10 + d(i);
      for (; digits < 6; digits++) frac *= 10;
    }
    const us = (base / 1000 + secs) * 1_000_000 + frac;
    if (Number.isSafeInteger(us)) return us;
  }
  const t = parseInstant(iso);
  if (!t) throw new RuntimeFailure(`a row holds a time tasklog cannot read: ${JSON.stringify(iso).slice(0, 40)}`);
  return toMicros(t);
}

/** where the digits of `YYYY-MM-DD HH:MM:SS` are */
const TIME_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** 10^(6 − digits): what a fraction of that many digits is multiplied by to give microseconds */
const FRACTION_SCALE = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/**
 * isoMicros(utcTextToIso(text)) read straight from the text, by character:
 * `YYYY-MM-DD HH:MM:SS[.f{1,6}]` (Django on SQLite and MySQL) or with `T`,
 * and with `Z`, `+00`, `+0000` or `+00:00` (PostgreSQL in a UTC session); NaN
 * for anything else — other years than 1000–9999 included — which the
 * caller reads the careful way.
 */
export function utcTextMicros(text: string): number {
  const n = text.length;
  if (n < 19 || n > 32) return NaN;
  const c = (i: number) => text.charCodeAt(i) - 48;
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return NaN;
  const y0 = c(0), y1 = c(1), y2 = c(2), y3 = c(3), m0 = c(5), m1 = c(6), d0 = c(8), d1 = c(9);
  const h0 = c(11), h1 = c(12), i0 = c(14), i1 = c(15), s0 = c(17), s1 = c(18);
  // every one a digit: (x >>> 0) > 9 is true for anything below '0' (negative) or above '9'
  if ((y0 >>> 0) > 9 || (y1 >>> 0) > 9 || (y2 >>> 0) > 9 || (y3 >>> 0) > 9 || (m0 >>> 0) > 9 || (m1 >>> 0) > 9 || (d0 >>> 0) > 9 || (d1 >>> 0) > 9) return NaN;
  if ((h0 >>> 0) > 9 || (h1 >>> 0) > 9 || (i0 >>> 0) > 9 || (i1 >>> 0) > 9 || (s0 >>> 0) > 9 || (s1 >>> 0) > 9) return NaN;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = i0 * 10 + i1;
  const second = s0 * 10 + s1;
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return NaN;
  if (day > 28) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (day > (month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)) return NaN;
  }
  let i = 19;
  let frac = 0;
  if (i < n && text.charCodeAt(i) === 46) {
    let j = i + 1;
    for (; j < n && j - i <= 6; j++) {
      const x = c(j);
      if ((x >>> 0) > 9) break;
      frac = frac * 10 + x;
    }
    if (j === i + 1) return NaN;
    frac *= FRACTION_SCALE[j - i - 1];
    i = j;
  }
  if (i < n) {
    // the zone: Z, +00, +0000 or +00:00
    const rest = n - i;
    const z = text.charCodeAt(i);
    if (rest === 1) {
      if (z !== 90) return NaN;
    } else if (z !== 43 || text.charCodeAt(i + 1) !== 48 || text.charCodeAt(i + 2) !== 48) return NaN;
    else if (rest === 5) {
      if (text.charCodeAt(i + 3) !== 48 || text.charCodeAt(i + 4) !== 48) return NaN;
    } else if (rest === 6) {
      if (text.charCodeAt(i + 3) !== 58 || text.charCodeAt(i + 4) !== 48 || text.charCodeAt(i + 5) !== 48) return NaN;
    } else if (rest !== 3) return NaN;
  }
  // days since 1970-01-01 of a proleptic Gregorian date (as Date.UTC counts them)
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const us = ((era * 146097 + doe - 719468) * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000 + frac;
  return Number.isSafeInteger(us) ? us : NaN;
}

/** Microseconds of a time column's value as rowFields writes them (isoMicros of decodeTime), null for none. */
function timeMicros(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') {
    const us = utcTextMicros(v);
    if (us === us) return us;
  }
  const iso = decodeTime(v);
  return iso === null ? null : isoMicros(iso);
}

/** The text `${decodeInt(v) ?? fallback}` gives: an integer as the database wrote it, kept when it is that text. */
function intText(v: unknown): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? '' + v : null;
  if (typeof v === 'string') {
    // up to 15 digits, no leading zero, not -0: Number() then String() give the same text back
    const n = v.length;
    const first = n > 0 && v.charCodeAt(0) === 45 ? 1 : 0;
    if (n - first >= 1 && n - first <= 15 && (v.charCodeAt(first) !== 48 || n - first === 1) && !(first === 1 && n === 2 && v.charCodeAt(1) === 48)) {
      let plain = true;
      for (let k = first; k < n; k++) {
        const x = v.charCodeAt(k) - 48;
        if ((x >>> 0) > 9) {
          plain = false;
          break;
        }
      }
      if (plain) return v;
    }
  }
  const x = decodeInt(v);
  return x === null ? null : '' + x;
}

/** The text of a text column (decodeText), or null. */
function textOf(v: unknown): string | null {
  return typeof v === 'string' ? v : decodeText(v);
}

/** A text's TabSeparated form: backslash, tab, newline and carriage return escaped; `json` is JSON.stringify(text), which escapes all of them, so a text it leaves as is needs nothing. */
function tsvText(text: string, json: string): string {
  if (json.length === text.length + 2) return text;
  return tsvEscape(text);
}

const TSV_SPECIAL = /[\\\t\n\r]/g;
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function tsvEscape(text: string): string {
  TSV_SPECIAL.lastIndex = 0;
  if (!TSV_SPECIAL.test(text)) return text;
  return text.replace(TSV_SPECIAL, (ch) => TSV_ESCAPES[ch]!);
}

/** A JSON column's text (compact, as JSON.stringify writes it: no raw tab, newline or carriage return) in TabSeparated form. */
function tsvJson(text: string): string {
  return text.indexOf('\\') < 0 ? text : text.replace(/\\/g, '\\\\');
}

const SETTLED = new Set<string>(COMPLETED_STATUSES);

/** A source row encoded for the archive. */
export interface EncodedRow {
  id: number;
  /** microseconds since the epoch (the settled table's key with id) */
  created_at: number;
  /** success, failed, expired or canceled: written once into T_settled */
  settled: boolean;
  /** the content hash, a decimal UInt64 */
  hash: string;
  /** where its line is in its batch's bytes (start = end: no line) */
  start: number;
  end: number;
}

/** Rows encoded together, and the bytes of their lines. */
export interface EncodedBatch {
  rows: EncodedRow[];
  bytes: Buffer;
}

/** How the archive's rows travel to ClickHouse (the INSERT's FORMAT), or null: no lines (a dry run). */
export type LineFormat = 'TabSeparated' | 'JSONEachRow' | null;

/**
 * Encodes rows of raw values (ARCHIVE_SOURCE_COLUMNS' order) for run `run`:
 * their keys, hash (rowHash of the decoded row: the same bytes hashed) and
 * line in `format`, appended to the batch's bytes as each row is made (a
 * million rows' lines never wait as strings for the collector). take()
 * hands over the rows added since the last take.
 */
export class RowEncoder {
  private bytes = Buffer.allocUnsafe(1 << 16);
  /** bytes of lines so far */
  used = 0;
  private rows: EncodedRow[] = [];
  private readonly runTail: string;

  constructor(
    run: string,
    private readonly format: LineFormat,
  ) {
    this.runTail = format === 'JSONEachRow' ? ',"_run":' + run + '}\n' : '\t' + run + '\n';
  }

  /** rows added since the last take */
  get count(): number {
    return this.rows.length;
  }


  /** The batch's bytes with room for `n` more after what is used (CopyRowEncoder writes into them). */
  reserve(n: number): Buffer {
    if (this.used + n > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + n));
      this.bytes.copy(bigger, 0, 0, this.used);
      this.bytes = bigger;
    }
    return this.bytes;
  }

  /** A row made, its line (if any) ending at `end`. */
  private push(row: EncodedRow): void {
    this.used = row.end;
    this.rows.push(row);
  }

  /**
   * Ends a row written as bytes (fastValues, CopyRowEncoder): its hash from
   * the hash's text core[0, o); where its line is kept (TabSeparated, and
   * settled unless all rows are), the hash and the run after the line's
   * bytes [l0, l) of the batch (reserve left room for them); then kept.
   */
  finish(core: Buffer, o: number, l0: number, l: number, id: number, created: number, settled: boolean, settledOnly: boolean): EncodedRow {
    const hash = hash64(core.subarray(0, o));
    const line = this.bytes;
    if ((settled || !settledOnly) && this.format === 'TabSeparated') {
      line[l++] = 9;
      for (let k = 0; k < hash.length; k++) line[l++] = hash.charCodeAt(k);
      l += line.write(this.runTail, l, 'latin1');
    } else l = l0;
    const row: EncodedRow = { id: id === 0 ? 0 : id, created_at: created, settled, hash, start: l0, end: l };
    this.push(row);
    return row;
  }

  take(): EncodedBatch {
    const batch = { rows: this.rows, bytes: this.bytes.subarray(0, this.used) };
    this.rows = [];
    this.bytes = Buffer.allocUnsafe(Math.max(1 << 16, this.used + (this.used >> 2)));
    this.used = 0;
    return batch;
  }

  /** Encodes a row; its line is made unless `settledOnly` and the row is open. */
  add(v: readonly unknown[], settledOnly = false): EncodedRow {
    if (this.format !== 'JSONEachRow') {
      const row = this.fastValues(v, settledOnly);
      if (row) return row;
    }
    return this.careful(v, settledOnly);
  }

  /** the hash's text of the row being made by fastValues */
  private core = Buffer.allocUnsafe(1 << 12);

  /**
   * add() by characters for the values SQLite hands over (whole numbers, text,
   * Django's text times after 1970, 0/1 booleans, NULLs where Django allows
   * them): the hash's text and the line written as bytes, no string made per
   * value; null (nothing kept) for a row with anything else, which careful()
   * then makes.
   */
  private fastValues(v: readonly unknown[], settledOnly: boolean): EncodedRow | null {
    if (v.length !== 24) return null;
    const args = jsonColumnText(v[4]);
    const kwargs = jsonColumnText(v[5]);
    // room: six bytes of the hash's text and three of the line per UTF-16 unit at most, and the numbers
    let units = args.length + kwargs.length;
    for (let i = 0; i < 24; i++) if (typeof v[i] === 'string') units += (v[i] as string).length;
    const room = units * 7 + 1024;
    if (this.core.length < room) this.core = Buffer.allocUnsafe(room);
    const core = this.core;
    const line = this.reserve(units * 3 + 1024);
    const l0 = this.used;
    let o = 0;
    let l = l0;
    let created = 0;
    let settled = false;
    for (let i = 0; i < 24; i++) {
      const x = v[i];
      if (i > 0) line[l++] = 9;
      if (i < 22) {
        const k = CORE_KEYS[i];
        for (let j = 0; j < k.length; j++) core[o++] = k[j];
      }
      const kind = COPY_KINDS[i];
      if (kind === K_JSON) {
        o = textJson(i === 4 ? args : kwargs, core, o, line, l);
        if (o < 0) return null;
        l = textEnd;
        continue;
      }
      if (x === null || x === undefined) {
        if (!(kind & NULLABLE)) return null;
        if (i < 22) o = putNull(core, o);
        line[l++] = 92;
        line[l++] = 78;
        continue;
      }
      switch (kind & ~NULLABLE) {
        case K_INT: {
          if (typeof x !== 'number' || !Number.isSafeInteger(x)) return null;
          let n = x;
          if (n < 0) {
            core[o++] = line[l++] = 45;
            n = -n;
          }
          const w = putDecimal(core, o, n);
          for (let k = 0; k < w; k++) line[l++] = core[o++];
          break;
        }
        case K_TEXT:
        case K_USER: {
          if (typeof x !== 'string') return null;
          if (i === 6) settled = SETTLED.has(x);
          if (kind === (K_USER | NULLABLE)) {
            // the line only: the scratch after the hash's text takes the JSON, not kept
            if (textJson(x, core, o, line, l) < 0) return null;
          } else {
            o = textJson(x, core, o, line, l);
            if (o < 0) return null;
          }
          l = textEnd;
          break;
        }
        case K_BOOL:
          if (x !== 0 && x !== 1) return null;
          core[o++] = line[l++] = x === 1 ? 49 : 48;
          break;
        case K_TIME: {
          if (typeof x !== 'string') return null;
          const us = utcTextMicros(x);
          if (!(us >= 0)) return null;
          if (i === 19) created = us;
          const w = putDecimal(core, o, us);
          for (let k = 0; k < w; k++) line[l++] = core[o++];
          break;
        }
      }
    }
    return this.finish(core, o, l0, l, v[0] as number, created, settled, settledOnly);
  }

  /** add() through the decoders, for any value. */
  private careful(v: readonly unknown[], settledOnly: boolean): EncodedRow {
    const S = JSON.stringify;
    const id = intText(v[0]) ?? '0';
    const jobId = textOf(v[1]) ?? '';
    const taskName = textOf(v[2]) ?? '';
    const queueName = textOf(v[3]) ?? '';
    const args = jsonColumnText(v[4]);
    const kwargs = jsonColumnText(v[5]);
    const status = textOf(v[6]) ?? '';
    const duration = intText(v[7]);
    const retry = intText(v[8]) ?? '0';
    const retries = intText(v[9]) ?? '0';
    const retryAfter = intText(v[10]) ?? '0';
    const b = v[11] === null || v[11] === undefined ? null : v[11] === 1 || v[11] === 't' ? true : v[11] === 0 || v[11] === 'f' ? false : decodeBool(v[11]);
    const success = b === null ? null : b ? '1' : '0';
    const result = textOf(v[12]);
    const error = textOf(v[13]);
    const worker = textOf(v[14]);
    const enqueue = timeMicros(v[15]);
    const expire = timeMicros(v[16]);
    const start = timeMicros(v[17]);
    const finish = timeMicros(v[18]);
    const created = timeMicros(v[19]);
    const updated = timeMicros(v[20]);
    const userId = intText(v[21]);
    // the settled table's key; NOT NULL in Django's table
    if (created === null) throw new RuntimeFailure(`the row with id ${id} has no created_at: the archive needs it (Django's column is NOT NULL)`);
    const jobIdJson = S(jobId);
    const taskJson = S(taskName);
    const queueJson = S(queueName);
    const statusJson = S(status);
    const resultJson = result === null ? 'null' : S(result);
    const errorJson = error === null ? 'null' : S(error);
    const workerJson = worker === null ? 'null' : S(worker);
    const core =
      '"id":' + id + ',"job_id":' + jobIdJson + ',"task_name":' + taskJson + ',"queue_name":' + queueJson +
      ',"args":' + S(args) + ',"kwargs":' + S(kwargs) + ',"status":' + statusJson + ',"duration_ms":' + (duration ?? 'null') +
      ',"job_retry":' + retry + ',"job_retries":' + retries + ',"job_retry_after":' + retryAfter + ',"success":' + (success ?? 'null') +
      ',"result":' + resultJson + ',"error_message":' + errorJson + ',"worker_id":' + workerJson +
      ',"enqueue_time":' + (enqueue ?? 'null') + ',"expire_time":' + (expire ?? 'null') + ',"start_time":' + (start ?? 'null') +
      ',"finish_time":' + (finish ?? 'null') + ',"created_at":' + created + ',"updated_at":' + (updated ?? 'null') + ',"user_id":' + (userId ?? 'null');
    const hash = hash64(core);
    const settled = SETTLED.has(status);
    const from = this.used;
    if (this.format !== null && (settled || !settledOnly)) {
      const username = textOf(v[22]);
      const email = textOf(v[23]);
      let line: string;
      if (this.format === 'JSONEachRow') {
        line = '{' + core + ',"username":' + (username === null ? 'null' : S(username)) + ',"email":' + (email === null ? 'null' : S(email)) + ',"_hash":' + hash + this.runTail;
      } else {
        // NULL where the column is Nullable; 0 for a missing enqueue_time or updated_at, what ClickHouse made of
        // the null an archive of earlier builds sent as JSON
        const N = '\\N';
        line =
          id + '\t' + tsvText(jobId, jobIdJson) + '\t' + tsvText(taskName, taskJson) + '\t' + tsvText(queueName, queueJson) +
          '\t' + tsvJson(args) + '\t' + tsvJson(kwargs) + '\t' + tsvText(status, statusJson) + '\t' + (duration ?? N) +
          '\t' + retry + '\t' + retries + '\t' + retryAfter + '\t' + (success ?? N) +
          '\t' + (result === null ? N : tsvText(result, resultJson)) + '\t' + (error === null ? N : tsvText(error, errorJson)) + '\t' + (worker === null ? N : tsvText(worker, workerJson)) +
          '\t' + (enqueue ?? 0) + '\t' + (expire ?? N) + '\t' + (start ?? N) + '\t' + (finish ?? N) + '\t' + created + '\t' + (updated ?? 0) + '\t' + (userId ?? N) +
          '\t' + (username === null ? N : tsvEscape(username)) + '\t' + (email === null ? N : tsvEscape(email)) + '\t' + hash + this.runTail;
      }
      // at most 3 bytes of UTF-8 per UTF-16 unit
      if (this.used + line.length * 3 > this.bytes.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + line.length * 3));
        this.bytes.copy(bigger, 0, 0, this.used);
        this.bytes = bigger;
      }
      this.used += this.bytes.write(line, this.used, 'utf8');
    }
    const row: EncodedRow = { id: Number(id), created_at: created, settled, hash, start: from, end: this.used };
    this.rows.push(row);
    return row;
  }
}

/** The JSONEachRow keys of the hash's text, as bytes (the first without its comma). */
const CORE_KEYS = ARCHIVE_SOURCE_COLUMNS.slice(0, 22).map((c, i) => Buffer.from(`${i === 0 ? '' : ','}"${c}":`, 'latin1'));
const SETTLED_BYTES = [...SETTLED].map((st) => Buffer.from(st, 'latin1'));
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * RowEncoder's rows from the bytes of COPY's text format (PostgreSQL in a
 * UTC session: LogReader's COPY, ARCHIVE_SOURCE_COLUMNS' order), worked on
 * as bytes: integers, booleans, text (COPY's escapes turned into JSON's for
 * the hash; COPY's text is already ClickHouse's TabSeparated, the same
 * escapes) and times (`2026-11-26 07:37:41.8875+00`) rewritten byte by
 * byte; the JSON columns through compactJson. Anything else in a row — an
 * escape COPY does not write, another spelling of a time, a NULL where
 * Django has none — sends the whole row through add(), so every row gets
 * the same hash and values either way.
 */
export class CopyRowEncoder {
  private core = Buffer.allocUnsafe(1 << 12);
  private rest: Buffer | null = null;
  private readonly starts = new Int32Array(24);
  private readonly ends = new Int32Array(24);

  constructor(
    private readonly rows: RowEncoder,
    private readonly settledOnly: boolean,
  ) {}

  /** Encodes the rows a chunk completes; returns how many. */
  write(chunk: Uint8Array): number {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const d = this.rest ? Buffer.concat([this.rest, bytes]) : bytes;
    let n = 0;
    let s = 0;
    for (let e = d.indexOf(10, s); e >= 0; e = d.indexOf(10, s)) {
      this.row(d, s, e);
      n++;
      s = e + 1;
    }
    this.rest = s < d.length ? Buffer.from(d.subarray(s)) : null;
    return n;
  }

  end(): void {
    if (this.rest) throw new Error('the database ended a COPY inside a row');
  }

  private row(d: Buffer, s: number, e: number): void {
    const starts = this.starts;
    const ends = this.ends;
    let c = 0;
    starts[0] = s;
    for (let k = s; k < e; k++) {
      if (d[k] !== 9) continue;
      if (++c >= 24) break;
      ends[c - 1] = k;
      starts[c] = k + 1;
    }
    if (c !== 23) throw new Error(`a COPY row of ${c + 1} columns where 24 were asked for`);
    ends[23] = e;
    if (!this.fast(d, e - s)) this.rows.add(copyTextRow(d.toString('utf8', s, e)), this.settledOnly);
  }

  /** The row by bytes; false (nothing kept) where a value is not one the bytes path reads. */
  private fast(d: Buffer, length: number): boolean {
    const r = this.rows;
    const starts = this.starts;
    const ends = this.ends;
    // the hash's text grows at most six times (a control character as \u00xx) and the line twice, plus their numbers;
    // a JSON column the bytes path declines goes through compactJson as a string (then its room is reserved again)
    const coreRoom = length * 6 + 1024;
    if (this.core.length < coreRoom) this.core = Buffer.allocUnsafe(coreRoom);
    let core = this.core;
    let line = r.reserve(length * 2 + 512);
    const l0 = r.used;
    let o = 0;
    let l = l0;
    let n = 0;
    let created = 0;
    let settled = false;
    for (let i = 0; i < 24; i++) {
      const a = starts[i];
      const b = ends[i];
      if (i > 0) line[l++] = 9;
      if (i < 22) {
        const k = CORE_KEYS[i];
        for (let j = 0; j < k.length; j++) core[o++] = k[j];
      }
      const kind = COPY_KINDS[i];
      if (kind === K_JSON) {
        const fast = copyJsonBoth(d, a, b, core, o, line, l);
        if (fast >= 0) {
          o = fast;
          l = textEnd;
          continue;
        }
        // NULL too: the careful path's text of it ("null"), never a NULL
        const text = jsonColumnText(copyNull(d, a, b) ? null : copyTextCell(d.toString('utf8', a, b)));
        const quoted = JSON.stringify(text);
        const tsv = tsvJson(text);
        if (core.length - o < quoted.length * 3 + length * 6 + 1024) {
          const bigger = Buffer.allocUnsafe(core.length + quoted.length * 3 + length * 6 + 1024);
          core.copy(bigger, 0, 0, o);
          core = this.core = bigger;
        }
        if (line.length - l < tsv.length * 3 + length * 2 + 512) {
          // the line so far (from l0) moves with the batch's bytes
          r.used = l;
          line = r.reserve(tsv.length * 3 + length * 2 + 512);
          r.used = l0;
        }
        o += core.write(quoted, o, 'utf8');
        l += line.write(tsv, l, 'utf8');
        continue;
      }
      if (copyNull(d, a, b)) {
        if (!(kind & NULLABLE)) return false;
        if (i < 22) o = putNull(core, o);
        line[l++] = 92;
        line[l++] = 78;
        continue;
      }
      switch (kind & ~NULLABLE) {
        case K_INT:
          n = copyInt(d, a, b);
          if (n < 0) return false;
          for (let k = a; k < b; k++) core[o++] = line[l++] = d[k];
          break;
        case K_TEXT:
          o = copyTextJsonString(d, a, b, core, o);
          if (o < 0) return false;
          if (i === 6) settled = isSettled(d, a, b);
          if (b - a > 32) l += d.copy(line, l, a, b);
          else for (let k = a; k < b; k++) line[l++] = d[k];
          break;
        case K_USER:
          if (b - a > 32) l += d.copy(line, l, a, b);
          else for (let k = a; k < b; k++) line[l++] = d[k];
          break;
        case K_BOOL:
          if (b - a !== 1 || (d[a] !== 116 && d[a] !== 102)) return false;
          core[o++] = line[l++] = d[a] === 116 ? 49 : 48;
          break;
        case K_TIME: {
          const us = copyTimeMicros(d, a, b - a);
          if (us < 0) return false;
          if (i === 19) created = us;
          n = putDecimal(core, o, us);
          for (let k = 0; k < n; k++) line[l++] = core[o++];
          break;
        }
      }
    }
    let id = 0;
    const a0 = starts[0];
    for (let k = a0 + (d[a0] === 45 ? 1 : 0); k < ends[0]; k++) id = id * 10 + d[k] - 48;
    if (d[a0] === 45) id = -id;
    r.finish(core, o, l0, l, id, created, settled, this.settledOnly);
    return true;
  }
}

const NULLABLE = 8;
const K_INT = 1;
const K_TEXT = 2;
const K_JSON = 3;
const K_BOOL = 4;
const K_TIME = 5;
/** the user's name and e-mail: the line only */
const K_USER = 6;
/** how each column of ARCHIVE_SOURCE_COLUMNS is read from COPY's bytes (NULLABLE: NULL allowed, else the careful path) */
const COPY_KINDS = Uint8Array.of(
  K_INT, K_TEXT, K_TEXT, K_TEXT, K_JSON, K_JSON, K_TEXT, K_INT | NULLABLE, K_INT, K_INT, K_INT, K_BOOL | NULLABLE,
  K_TEXT | NULLABLE, K_TEXT | NULLABLE, K_TEXT | NULLABLE, K_TIME, K_TIME | NULLABLE, K_TIME | NULLABLE, K_TIME | NULLABLE, K_TIME, K_TIME, K_INT | NULLABLE,
  K_USER | NULLABLE, K_USER | NULLABLE,
);

/** where textJson's line ended */
let textEnd = 0;

/**
 * A text as JSON.stringify's string into `core` at o and as TabSeparated
 * (tsvEscape) into `line` at l, both UTF-8: the new o, and the line's end in
 * textEnd; -1 at a lone surrogate (the careful path writes it).
 */
function textJson(text: string, core: Buffer, o: number, line: Buffer, l: number): number {
  core[o++] = 34;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 34 && c !== 92) {
        core[o++] = c;
        line[l++] = c;
        continue;
      }
      core[o++] = 92;
      if (c === 34) {
        core[o++] = 34;
        line[l++] = 34;
      } else if (c === 92) {
        core[o++] = 92;
        line[l++] = 92;
        line[l++] = 92;
      } else {
        const short = c === 8 ? 98 : c === 9 ? 116 : c === 10 ? 110 : c === 12 ? 102 : c === 13 ? 114 : 0;
        if (short) core[o++] = short;
        else {
          core[o++] = 117;
          core[o++] = 48;
          core[o++] = 48;
          core[o++] = HEX[c >> 4];
          core[o++] = HEX[c & 15];
        }
        // TabSeparated escapes tab, newline and carriage return; the rest stay as they are
        if (c === 9 || c === 10 || c === 13) {
          line[l++] = 92;
          line[l++] = short;
        } else line[l++] = c;
      }
    } else if (c < 0x800) {
      core[o++] = line[l++] = 0xc0 | (c >> 6);
      core[o++] = line[l++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return -1;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      i++;
      core[o++] = line[l++] = 0xf0 | (cp >> 18);
      core[o++] = line[l++] = 0x80 | ((cp >> 12) & 63);
      core[o++] = line[l++] = 0x80 | ((cp >> 6) & 63);
      core[o++] = line[l++] = 0x80 | (cp & 63);
    } else {
      core[o++] = line[l++] = 0xe0 | (c >> 12);
      core[o++] = line[l++] = 0x80 | ((c >> 6) & 63);
      core[o++] = line[l++] = 0x80 | (c & 63);
    }
  }
  core[o++] = 34;
  textEnd = l;
  return o;
}

/** copyJsonBoth's scratch: a JSON column's compact text */
let compacted = Buffer.allocUnsafe(1 << 12);

/**
 * A JSON column's COPY bytes (jsonb's text: `{"a": [1, "x"]}`, non-ASCII as
 * it is, COPY's backslash doubled) as compactJson's text (copyJsonCompact,
 * the export's), JSON-quoted into `core` at o and TabSeparated into `line`
 * at l (textEnd); -1 (nothing kept) where copyJsonCompact declines, and the
 * string path does it. The compact text holds no control character: quoting
 * escapes " and \, TabSeparated doubles \.
 */
function copyJsonBoth(d: Buffer, a: number, b: number, core: Buffer, o: number, line: Buffer, l: number): number {
  if (compacted.length < b - a) compacted = Buffer.allocUnsafe(Math.max(b - a, compacted.length * 2));
  const n = copyJsonCompact(d, a, b, compacted, 0);
  if (n < 0) return -1;
  core[o++] = 34;
  for (let k = 0; k < n; k++) {
    const x = compacted[k];
    if (x === 34 || x === 92) core[o++] = 92;
    core[o++] = x;
    if (x === 92) line[l++] = 92;
    line[l++] = x;
  }
  core[o++] = 34;
  textEnd = l;
  return o;
}


/** COPY's \N */
function copyNull(d: Buffer, a: number, b: number): boolean {
  return b - a === 2 && d[a] === 92 && d[a + 1] === 78;
}

function putNull(out: Buffer, o: number): number {
  out[o] = 110;
  out[o + 1] = 117;
  out[o + 2] = 108;
  out[o + 3] = 108;
  return o + 4;
}

/** COPY's text of a whole number: its length when its bytes are its JSON (isCopyPlainInt), else -1. */
function copyInt(d: Buffer, a: number, b: number): number {
  return isCopyPlainInt(d, a, b) ? b - a : -1;
}

function isSettled(d: Buffer, a: number, b: number): boolean {
  for (const st of SETTLED_BYTES) {
    if (st.length !== b - a) continue;
    let k = 0;
    while (k < st.length && st[k] === d[a + k]) k++;
    if (k === st.length) return true;
  }
  return false;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f{1,6}]+00` (PostgreSQL in a UTC session), from
 * 1970 on, as microseconds since the epoch; -1 for anything else (the
 * careful path reads it).
 */
function copyTimeMicros(d: Buffer, a: number, len: number): number {
  if (len < 22 || len > 29 || d[a + len - 3] !== 43 || d[a + len - 2] !== 48 || d[a + len - 1] !== 48) return -1;
  if (d[a + 4] !== 45 || d[a + 7] !== 45 || d[a + 10] !== 32 || d[a + 13] !== 58 || d[a + 16] !== 58) return -1;
  for (let j = 0; j < TIME_DIGITS.length; j++) {
    const x = d[a + TIME_DIGITS[j]];
    if (x < 48 || x > 57) return -1;
  }
  const year = (d[a] - 48) * 1000 + (d[a + 1] - 48) * 100 + (d[a + 2] - 48) * 10 + d[a + 3] - 48;
  const month = (d[a + 5] - 48) * 10 + d[a + 6] - 48;
  const day = (d[a + 8] - 48) * 10 + d[a + 9] - 48;
  const hour = (d[a + 11] - 48) * 10 + d[a + 12] - 48;
  const minute = (d[a + 14] - 48) * 10 + d[a + 15] - 48;
  const second = (d[a + 17] - 48) * 10 + d[a + 18] - 48;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return -1;
  if (day > 28) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (day > (month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)) return -1;
  }
  const fracEnd = a + len - 3;
  let frac = 0;
  let digits = 0;
  if (len > 22) {
    if (d[a + 19] !== 46 || fracEnd - (a + 20) < 1) return -1;
    for (let k = a + 20; k < fracEnd; k++, digits++) {
      const x = d[k];
      if (x < 48 || x > 57) return -1;
      frac = frac * 10 + x - 48;
    }
  }
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const secs = (era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468) * 86400 + hour * 3600 + minute * 60 + second;
  const us = secs * 1_000_000 + frac * FRACTION_SCALE[digits];
  return Number.isSafeInteger(us) ? us : -1;
}

/**
 * A whole number of 0 up to 2^53 written in decimal at o; its length. In
 * 32-bit steps (a time's 16 digits as two runs of at most nine): a double's
 * Math.floor per digit cost more than the rest of the time's bytes.
 */
export function putDecimal(out: Buffer, o: number, value: number): number {
  if (value < 1e9) return putInt32(out, o, value | 0);
  const hi = Math.floor(value / 1e9);
  const n = putInt32(out, o, hi);
  let x = (value - hi * 1e9) | 0;
  for (let k = o + n + 8; k >= o + n; k--) {
    const q = (x / 10) | 0;
    out[k] = 48 + x - q * 10;
    x = q;
  }
  return n + 9;
}

function putInt32(out: Buffer, o: number, x: number): number {
  let n = 1;
  for (let v = x; v >= 10; v = (v / 10) | 0) n++;
  for (let k = o + n - 1; k >= o; k--) {
    const q = (x / 10) | 0;
    out[k] = 48 + x - q * 10;
    x = q;
  }
  return n;
}

/** The lines of a batch's rows that `keep` keeps, in order, as bytes (the batch's own where it keeps every line). */
export function linesOf(batch: EncodedBatch, keep: (row: EncodedRow) => boolean): { bytes: Buffer; rows: number } {
  const parts: Buffer[] = [];
  let rows = 0;
  let from = -1;
  let to = -1;
  for (const r of batch.rows) {
    if (r.end === r.start) continue;
    if (!keep(r)) continue;
    rows++;
    if (r.start === to) to = r.end;
    else {
      if (from >= 0) parts.push(batch.bytes.subarray(from, to));
      from = r.start;
      to = r.end;
    }
  }
  if (from >= 0) parts.push(batch.bytes.subarray(from, to));
  return { bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts), rows };
}

/** decodeRow of a raw row (ARCHIVE_SOURCE_COLUMNS' order): the decoded path the encoder is measured against. */
export function decodeSourceRow(values: readonly unknown[]): TaskLogRow {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < ARCHIVE_SOURCE_COLUMNS.length; i++) raw[ARCHIVE_SOURCE_COLUMNS[i]] = values[i];
  return decodeRow(raw);
}
