/**
 * The archive's rows made from raw values (RowEncoder) against the decoded
 * path (decodeRow → rowFields → SHA-1): the same hash for every shape a
 * value can take, times read by character as parseInstant reads them, and a
 * hash pinned to what earlier builds wrote (archives hold it, cleanup
 * --archived compares with it).
 */
import { describe, expect, it } from 'vitest';
import { utcTextToIso } from '../../src/core/time.js';
import { copyTextRow } from '../../src/db/dialect/postgres.js';
import { ARCHIVE_SOURCE_COLUMNS, CopyRowEncoder, decodeSourceRow, isoMicros, linesOf, RowEncoder, rowHash, utcTextMicros } from '../../src/query/archive-rows.js';

const RUN = '1796299711132000';

/** A row of raw values as SQLite hands them over (Django's text times, JSON as Django writes it). */
function sqliteRow(over: Partial<Record<(typeof ARCHIVE_SOURCE_COLUMNS)[number], unknown>> = {}): unknown[] {
  const base: Record<string, unknown> = {
    id: 1,
    job_id: '999e588c81d014d6d15d6dfd6cee4f47',
    task_name: 'billing.generate_invoice',
    queue_name: 'default',
    args: '[2024222]',
    kwargs: '{"customer": "\\u0414\\u043c\\u0438\\u0442\\u0440\\u0438\\u0439", "format": "pdf"}',
    status: 'success',
    duration_ms: 742,
    job_retry: 3,
    job_retries: 3,
    job_retry_after: 60,
    success: 1,
    result: '{"invoice":"INV-25407","pages":1}',
    error_message: null,
    worker_id: 'worker-4-9759',
    enqueue_time: '2026-08-29 12:00:00.052505',
    expire_time: null,
    start_time: '2026-08-29 12:00:01.072697',
    finish_time: '2026-08-29 12:00:01.815661',
    created_at: '2026-08-29 12:00:00.052505',
    updated_at: '2026-08-29 12:00:01.815661',
    user_id: 4,
    username: 'zoë',
    email: 'zoe@example.com',
    ...over,
  };
  return ARCHIVE_SOURCE_COLUMNS.map((c) => base[c]);
}

function encoded(values: unknown[]) {
  const encoder = new RowEncoder(RUN, 'TabSeparated');
  const row = encoder.add(values);
  return { row, line: encoder.take().bytes.toString('utf8') };
}

describe('the archive row from raw values', () => {
  it('hashes the bytes earlier builds hashed (a pinned value)', () => {
    // _hash of this row as the build before the raw path wrote it (tasklog-1m.sqlite, id 1)
    expect(rowHash(decodeSourceRow(sqliteRow()))).toBe('10274729870685326271');
    expect(encoded(sqliteRow()).row.hash).toBe('10274729870685326271');
  });

  const CONTROLS = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f';
  const cases: [string, Partial<Record<(typeof ARCHIVE_SOURCE_COLUMNS)[number], unknown>>][] = [
    ['plain', {}],
    ['PostgreSQL COPY text', { id: '12', duration_ms: '742', job_retry: '3', success: 't', user_id: '4', enqueue_time: '2026-08-29 12:00:00.052505+00', created_at: '2026-08-29 12:00:00+00', updated_at: '2026-08-29 12:00:01.8+00', kwargs: '{"customer": "Дмитрий", "format": "pdf"}' }],
    ['success false as f and 0', { success: 'f', status: 'failed' }],
    ['success as text, a blob, a boolean', { success: 'false', result: Buffer.from('blob \u00e9'), error_message: true }],
    ['numbers as text with signs and zeros', { id: '-0', duration_ms: '0012', job_retry: '1e3', job_retries: ' 7', job_retry_after: '-5', user_id: '9007199254740993' }],
    ['numbers not integers', { duration_ms: 1.5, job_retry: Number.NaN, job_retries: 1e21, user_id: -0 }],
    ['text in number columns', { duration_ms: 'abc', user_id: '' }],
    ['times in every spelling', { enqueue_time: '2026-02-29 00:00:00', expire_time: '2024-02-29T23:59:59.1Z', start_time: '2026-08-29 12:00:00.1234567', finish_time: '0050-01-01 00:00:00', updated_at: '2026-08-29 12:00:00+00:00' }],
    ['times as numbers and dates', { expire_time: 1788220807574894, start_time: new Date(Date.UTC(2026, 0, 1, 2, 3, 4, 5)), finish_time: '9999-12-31 23:59:59.999999' }],
    ['times with zones and hours past 23', { start_time: '2026-08-29 12:00:00+05:30', finish_time: '2026-08-29 24:00:00', expire_time: ' 2026-08-29 12:00:00 ' }],
    ['missing NOT NULL times', { enqueue_time: null, updated_at: null }],
    ['hostile text', { job_id: `it's "quoted" \\ back\\slash`, task_name: CONTROLS, queue_name: 'Ошибка \u2028 \u2029 😀 İ', result: 'line\nbreak\r\n\ttab', error_message: '', worker_id: '\\N', username: 'o\'brien "x" \\ \t\n', email: null }],
    ['hostile JSON', { args: '{"b": 1, "a": 2, "a": 3}', kwargs: '"[1, 2]"' }],
    ['JSON that is not JSON', { args: 'not json', kwargs: '' }],
    ['JSON as numbers and blobs', { args: 42, kwargs: Buffer.from('{"k": [1, 2]}') }],
    ['JSON NULL', { args: null, kwargs: undefined }],
    ['JSON escapes', { args: '["\\/", "\\u00E9\\u00e9", "\\ud83d\\ude00", "\\u2028", "\\u0001\\u001F", "\\u0022\\u005c", "\\ud83d"]', kwargs: '[1.0, 1e2, -0, 1E400, 0.10, 12345678901234567890]' }],
    ['no user', { user_id: null, username: null, email: null }],
    ['an unknown status', { status: 'weird "status"' }],
  ];
  it.each(cases)('%s: the decoded path\'s hash and keys', (_name, over) => {
    const values = sqliteRow(over);
    const decoded = decodeSourceRow(values);
    const { row } = encoded(values);
    expect(row.hash).toBe(rowHash(decoded));
    // (-0 and 0 are one key)
    expect(row.id === decoded.id).toBe(true);
    expect(row.created_at).toBe(isoMicros(decoded.created_at!));
    expect(row.settled).toBe(['success', 'failed', 'expired', 'canceled'].includes(decoded.status));
  });

  it('writes a TabSeparated line of the archive\'s 26 columns: escapes, NULLs, the run', () => {
    const { line } = encoded(sqliteRow({ job_id: 'a\tb\nc\\d\re', result: null, args: '["x\\"y", "\\\\"]', username: null }));
    expect(line.endsWith(`\t${RUN}\n`)).toBe(true);
    const cells = line.slice(0, -1).split('\t');
    expect(cells).toHaveLength(26);
    expect(cells[1]).toBe('a\\tb\\nc\\\\d\\re');
    expect(cells[4]).toBe('["x\\\\"y","\\\\\\\\"]');
    expect(cells[12]).toBe('\\N');
    expect(cells[22]).toBe('\\N');
    expect(cells[15]).toBe(String(isoMicros('2026-08-29T12:00:00.052505Z')));
  });

  it('refuses a row without created_at, or with a time no path reads, in one line; keeps lines apart by batch and by status', () => {
    expect(() => encoded(sqliteRow({ created_at: null }))).toThrow(/no created_at/);
    expect(() => encoded(sqliteRow({ start_time: '2026-8-29 12:00:00' }))).toThrow(/cannot read: "2026-8-29 12:00:00"/);
    expect(() => rowHash(decodeSourceRow(sqliteRow({ start_time: '2026-8-29 12:00:00' })))).toThrow(/cannot read: "2026-8-29 12:00:00"/);
    const encoder = new RowEncoder(RUN, 'TabSeparated');
    encoder.add(sqliteRow({ id: 1 }), true);
    encoder.add(sqliteRow({ id: 2, status: 'queued' }), true);
    encoder.add(sqliteRow({ id: 3 }), true);
    const batch = encoder.take();
    expect(batch.rows.map((r) => r.end > r.start)).toEqual([true, false, true]);
    expect(linesOf(batch, (r) => r.settled).bytes.toString().split('\n')).toHaveLength(3);
    expect(linesOf(batch, (r) => r.id === 3).bytes.toString().startsWith('3\t')).toBe(true);
    expect(encoder.count).toBe(0);
    expect(new RowEncoder(RUN, null).add(sqliteRow()).end).toBe(0);
  });
});

describe('the archive row from the bytes of COPY (PostgreSQL)', () => {
  /** a value as COPY's text format writes it */
  const copyText = (v: unknown) =>
    v === null || v === undefined ? '\\N' : String(v).replace(/[\\\t\n\r\b\f\v]/g, (c) => '\\' + ({ '\\': '\\', '\t': 't', '\n': 'n', '\r': 'r', '\b': 'b', '\f': 'f', '\v': 'v' } as Record<string, string>)[c]);
  const CONTROLS = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f';
  const pg = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: '12', job_id: 'a1b2', task_name: 'billing.generate_invoice', queue_name: 'default', args: '[2024222]', kwargs: '{"format": "pdf", "customer": "Дмитрий"}',
    status: 'success', duration_ms: '742', job_retry: '3', job_retries: '0', job_retry_after: '60', success: 't', result: '{"pages":1}', error_message: null,
    worker_id: 'worker-4', enqueue_time: '2026-08-29 12:00:00.052505+00', expire_time: null, start_time: '2026-08-29 12:00:01.07+00',
    finish_time: '2026-08-29 12:00:01+00', created_at: '2026-08-29 12:00:00.052505+00', updated_at: '2026-08-29 12:00:01.815661+00', user_id: '4',
    username: 'zoë', email: 'zoe@example.com', ...over,
  });
  const rows = [
    pg(),
    pg({ id: '13', status: 'queued', success: null, finish_time: null, duration_ms: null, user_id: null, username: null, email: null }),
    pg({ id: '14', job_id: `it's "quoted" \\ back\\slash`, task_name: CONTROLS, queue_name: 'Ошибка \u2028 😀', result: 'line\nbreak\r\n\ttab\v\b\f', worker_id: '\\N', username: 'o\'brien\t"x"', email: 'tab\there' }),
    pg({ id: '15', args: '{"a": [1, 2.50, -0, 1e400], "k": "v\\"q\\\\"}', kwargs: '"[1, 2]"', status: 'failed', success: 'f' }),
    pg({ id: '16', enqueue_time: '1969-12-31 23:59:59+00', start_time: '2026-08-29 12:00:00.1234567+00', finish_time: '2026-02-29 00:00:00+00', created_at: '1970-01-01 00:00:00+00' }),
    pg({ id: '-0', duration_ms: '0012', job_retry: '1e3', success: 'true', user_id: '9007199254740993' }),
    pg({ id: '18', job_id: null, args: null, kwargs: null, status: 'weird "status"' }),
    pg({ id: '19', enqueue_time: null, updated_at: null, expire_time: '2026-08-29 12:00:00+05:30' }),
    pg({ id: '20', error_message: 'oct \\101 escape' }),
    pg({ id: '21', args: String.raw`{"k": "v\"q\\ \n\t", "n": [1, -2, true, false, null, {}, []], "é": "ü 😀"}`, kwargs: String.raw`[{"a": {"b": [1]}}, "x\\y"]` }),
    pg({ id: '22', args: String.raw`{"10": 1, "a": 2}`, kwargs: String.raw`{"\u0041": 1}` }),
    pg({ id: '23', args: String.raw`{"a": "\u0001"}`, kwargs: String.raw`[1.5, 12345678901234567]` }),
  ];
  it('gives every row the careful path\'s hash, keys and line, whole rows or across chunks', () => {
    const text = rows.map((r) => ARCHIVE_SOURCE_COLUMNS.map((c) => copyText(r[c])).join('\t') + '\n').join('');
    const bytes = Buffer.from(text.replace('oct \\\\101', 'oct \\101'), 'utf8');
    const careful = new RowEncoder(RUN, 'TabSeparated');
    for (const line of bytes.toString('utf8').split('\n').slice(0, -1)) careful.add(copyTextRow(line), true);
    const expected = careful.take();
    for (const step of [bytes.length, 7, 1]) {
      const encoder = new RowEncoder(RUN, 'TabSeparated');
      const copy = new CopyRowEncoder(encoder, true);
      for (let i = 0; i < bytes.length; i += step) copy.write(bytes.subarray(i, i + step));
      copy.end();
      const got = encoder.take();
      expect(got.rows.map((r) => [r.id, r.created_at, r.settled, r.hash, r.end > r.start])).toEqual(expected.rows.map((r) => [r.id, r.created_at, r.settled, r.hash, r.end > r.start]));
      // the same values once ClickHouse reads the lines: COPY's escapes (\\b \\f \\v) are TabSeparated's too
      const unescape = (line: string) => line.split('\t').map((cell) => cell.replace(/\\(.)/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v', '\\': '\\' } as Record<string, string>)[c] ?? '\\' + c));
      expect(got.bytes.toString('utf8').split('\n').map(unescape)).toEqual(expected.bytes.toString('utf8').split('\n').map(unescape));
    }
    expect(() => new CopyRowEncoder(new RowEncoder(RUN, null), false).write(Buffer.from('1\t2\n'))).toThrow(/2 columns where 24/);
    const cut = new CopyRowEncoder(new RowEncoder(RUN, null), false);
    cut.write(bytes.subarray(0, 10));
    expect(() => cut.end()).toThrow(/inside a row/);
  });
});

describe('utcTextMicros: isoMicros(utcTextToIso(text)) by character', () => {
  const texts: string[] = [];
  const dates = ['2026-08-29', '2024-02-29', '2023-02-29', '2026-04-31', '2026-12-31', '1000-01-01', '0999-12-31', '9999-12-31', '1970-01-01', '1969-12-31', '2026-00-10', '2026-13-01', '2026-01-00', '2026-1a-01', '20x6-01-01'];
  const clocks = ['00:00:00', '23:59:59', '24:00:00', '12:60:00', '12:00:60', '1:00:00', '12:00'];
  const fractions = ['', '.', '.0', '.5', '.000000', '.123456', '.1234567', '.12a'];
  const zones = ['', 'Z', '+00', '+0000', '+00:00', '+01', '-00', 'z', ' ', '+00:0'];
  for (const d of dates) for (const c of clocks) for (const f of fractions) for (const z of zones) for (const sep of [' ', 'T']) texts.push(`${d}${sep}${c}${f}${z}`);
  it(`agrees on ${texts.length} spellings, and declines where the careful path reads`, () => {
    let fast = 0;
    for (const text of texts) {
      const iso = utcTextToIso(text);
      const us = utcTextMicros(text);
      if (Number.isNaN(us)) continue;
      fast++;
      expect(iso, text).not.toBeNull();
      expect(us, text).toBe(isoMicros(iso!));
    }
    expect(fast).toBeGreaterThan(300);
    // every day of three and a half centuries, as Date.UTC counts them (microseconds stay exact until 2255)
    for (let day = Date.UTC(1900, 0, 1); day < Date.UTC(2250, 0, 1); day += 86_400_000) {
      const text = new Date(day).toISOString().replace('T', ' ').replace('.000Z', '.000001');
      expect(utcTextMicros(text)).toBe(day * 1000 + 1);
    }
  });
});
