/**
 * The import's reading and checking without a database: lines across chunk
 * boundaries, CSV cells, strict times, and the one-line reason for each kind
 * of bad field.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseTimeStrict, toIso } from '../../src/core/time.js';
import { formatFromName, parseCsv, readLines, readRecords, sniffFormat } from '../../src/import/read.js';
import { BadLine, IMPORT_FIELDS, validateRecord } from '../../src/import/validate.js';

const NOW = new Date('2026-03-15T12:00:00Z');

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readLines', () => {
  it('splits \\n and \\r\\n, keeps each terminator, numbers lines, drops a BOM, decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('\ufeffé1\r\nzwei\n\nдри', 'utf8');
    // every chunk boundary, including inside the BOM, é and д
    for (let cut = 1; cut < bytes.length; cut++) {
      const lines = await collect(readLines(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)])));
      expect(lines).toEqual([
        { text: 'é1', eol: '\r\n', number: 1 },
        { text: 'zwei', eol: '\n', number: 2 },
        { text: '', eol: '\n', number: 3 },
        { text: 'дри', eol: '', number: 4 },
      ]);
    }
  });

  it('a \\r\\n split between chunks is still one terminator', async () => {
    const lines = await collect(readLines(Readable.from(['a\r', '\nb\n'])));
    expect(lines).toEqual([
      { text: 'a', eol: '\r\n', number: 1 },
      { text: 'b', eol: '\n', number: 2 },
    ]);
  });
});

describe('CSV', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c', ['a', null, 'c']],
    ['a,"",c', ['a', '', 'c']],
    [',', [null, null]],
    ['"x,y","say ""hi""",z', ['x,y', 'say "hi"', 'z']],
    ['"a\nb",c', ['a\nb', 'c']],
    ['a,"b"', ['a', 'b']],
    ['a,"b",', ['a', 'b', null]],
    ['pl"ain', ['pl"ain']],
  ])('%j → %j', (text, cells) => {
    expect(parseCsv(text)).toEqual({ cells });
  });

  it('an open quote asks for the next line; text after a closing quote is an error', () => {
    expect(parseCsv('a,"open')).toBe('open');
    expect(parseCsv('a,"x"y')).toEqual({ error: 'CSV field 2 has text after its closing quote' });
  });

  it('records keep the line breaks inside quoted cells exactly and carry the number of their first line', async () => {
    const text = 'job_id,error_message\r\nj1,"one\r\ntwo\nthree"\r\n\r\nj2,\r\n';
    const records = await collect(readRecords(readLines(Readable.from([text])), 'csv', IMPORT_FIELDS));
    expect(records).toEqual([
      { line: 2, values: { job_id: 'j1', error_message: 'one\r\ntwo\nthree' }, source: 'csv' },
      { line: 6, values: { job_id: 'j2', error_message: null }, source: 'csv' },
    ]);
  });

  it('the format: from the extension, else the first line', () => {
    expect(['a.csv', 'a.CSV', 'a.jsonl', 'a.ndjson', 'a.json', 'a.txt', 'a'].map(formatFromName)).toEqual(['csv', 'csv', 'ndjson', 'ndjson', 'ndjson', null, null]);
    expect(sniffFormat('{"job_id": 1}')).toBe('ndjson');
    expect(sniffFormat('job_id,task_name')).toBe('csv');
  });
});

describe('parseTimeStrict', () => {
  it.each([
    ['2025-10-30T10:00:01.250000Z', '2025-10-30T10:00:01.250000Z'],
    ['2025-10-30T10:00:01Z', '2025-10-30T10:00:01Z'],
    ['2025-10-30 10:00:01.000001', '2025-10-30T10:00:01.000001Z'],
    ['2025-10-30T10:00', '2025-10-30T10:00:00Z'],
    ['2025-10-30T12:30:00+02:30', '2025-10-30T10:00:00Z'],
    ['2025-10-30T05:00:00-0500', '2025-10-30T10:00:00Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
    ['1000-01-01T00:00:00Z', '1000-01-01T00:00:00Z'],
    ['1969-12-31T23:59:59.999999Z', '1969-12-31T23:59:59.999999Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
  ])('%s → %s', (text, iso) => {
    const r = parseTimeStrict(text);
    expect('instant' in r && toIso(r.instant)).toBe(iso);
  });

  it.each([
    ['yesterday', 'is not an ISO 8601 time like 2025-10-30T10:00:01.250000Z'],
    ['2025-10-30', 'is not an ISO 8601 time like 2025-10-30T10:00:01.250000Z'],
    [' 2025-10-30T10:00:00Z', 'is not an ISO 8601 time like 2025-10-30T10:00:01.250000Z'],
    ['2025-02-29T00:00:00Z', 'is not a valid date and time'],
    ['2100-02-29T00:00:00Z', 'is not a valid date and time'],
    ['2025-13-01T00:00:00Z', 'is not a valid date and time'],
    ['2025-10-30T24:00:00Z', 'is not a valid date and time'],
    ['2025-10-30T10:00:60Z', 'is not a valid date and time'],
    ['2025-10-30T10:00:00.1234567Z', 'has 7 fractional digits; the databases keep 6 (microseconds)'],
    ['2025-10-30T10:00:00+25:00', 'has an impossible UTC offset +25:00'],
    ['0999-12-31T23:59:59Z', 'is outside the years 1000–9999'],
    ['9999-12-31T23:00:00-05:00', 'is outside the years 1000–9999'],
  ])('%j: %s', (text, error) => {
    expect(parseTimeStrict(text)).toEqual({ error });
  });
});

describe('validateRecord', () => {
  const base = { job_id: 'j1', task_name: 't', queue_name: 'q', enqueue_time: '2026-03-15T10:00:00Z' };
  const TARGETS = { sqlite: { storesNul: true, productName: 'SQLite' }, postgres: { storesNul: false, productName: 'PostgreSQL' }, mysql: { storesNul: true, productName: 'MySQL/MariaDB' } };
  const reason = (record: Record<string, unknown>, source: 'ndjson' | 'csv' = 'ndjson', backend: 'sqlite' | 'postgres' = 'sqlite') => {
    try {
      validateRecord(7, record, source, { target: TARGETS[backend], now: NOW });
    } catch (err) {
      expect(err).toBeInstanceOf(BadLine);
      expect((err as BadLine).line).toBe(7);
      return (err as BadLine).reason;
    }
    return null;
  };

  it.each([
    ['unknown field', { ...base, queue: 'x' }, "unknown field 'queue' (the fields are those of `tasklog logs show --json`)"],
    ['missing job_id', { task_name: 't', queue_name: 'q', enqueue_time: base.enqueue_time }, 'job_id is missing'],
    ['missing enqueue_time', { job_id: 'j', task_name: 't', queue_name: 'q' }, 'enqueue_time is missing'],
    ['empty job_id', { ...base, job_id: '' }, 'job_id is empty'],
    ['job_id not text', { ...base, job_id: 12 }, 'job_id must be text, not a number'],
    ['job_id too long', { ...base, job_id: 'é'.repeat(101) }, 'job_id has 101 characters; the column holds 100'],
    ['task_name too long', { ...base, task_name: 'x'.repeat(201) }, 'task_name has 201 characters; the column holds 200'],
    ['worker_id too long', { ...base, worker_id: 'w'.repeat(101) }, 'worker_id has 101 characters; the column holds 100'],
    ['unknown status', { ...base, status: 'done' }, "status 'done' is not one of deferred, queued, in_progress, success, failed, expired, canceled"],
    ['null status', { ...base, status: null }, 'status is empty'],
    ['fractional number', { ...base, duration_ms: 1.5 }, 'duration_ms must be a whole number from -2147483648 to 2147483647 or null, not 1.5'],
    ['number as text', { ...base, job_retries: '3' }, "job_retries must be a whole number from -2147483648 to 2147483647, not '3'"],
    ['number too big', { ...base, job_retry: 2147483648 }, 'job_retry must be a whole number from -2147483648 to 2147483647, not 2147483648'],
    ['null NOT NULL number', { ...base, job_retry_after: null }, 'job_retry_after is empty; it must be a whole number from -2147483648 to 2147483647'],
    ['success as text', { ...base, success: 'yes' }, "success must be true, false or null, not 'yes'"],
    ['null args', { ...base, args: null }, 'args is null; it must be a JSON value (the column is NOT NULL)'],
    ['result not text', { ...base, result: { a: 1 } }, 'result must be text or null, not an object'],
    ['bad time', { ...base, start_time: '30/10/2025' }, "start_time '30/10/2025' is not an ISO 8601 time like 2025-10-30T10:00:01.250000Z"],
    ['time as number', { ...base, finish_time: 1730282401 }, 'finish_time must be an ISO 8601 time in a string, not a number'],
    ['null created_at', { ...base, created_at: null }, 'created_at is null; it must be a time'],
    ['id zero', { ...base, id: 0 }, 'id must be a whole number ≥ 1 (or null), not 0'],
    ['id text', { ...base, id: 'x' }, "id must be a whole number ≥ 1 (or null), not 'x'"],
    ['user not a number', { ...base, user: 'alice' }, "user must be a whole number from -2147483648 to 2147483647 or null, not 'alice'"],
    ['user_display not text', { ...base, user: 1, user_display: 5 }, 'user_display must be text or null, not a number'],
  ])('NDJSON, %s', (_name, record, expected) => {
    expect(reason(record)).toBe(expected);
  });

  it.each([
    ['empty job_id cell', { ...base, job_id: null }, 'job_id is empty'],
    ['quoted empty task_name', { ...base, task_name: '' }, 'task_name is empty'],
    ['number', { ...base, duration_ms: '12ms' }, "duration_ms must be a whole number from -2147483648 to 2147483647 or null, not '12ms'"],
    ['bool', { ...base, success: 'maybe' }, "success must be true, false or null, not 'maybe'"],
    ['JSON', { ...base, kwargs: '{a: 1}' }, "kwargs is not JSON: '{a: 1}'"],
    ['empty JSON cell', { ...base, args: null }, 'args is empty; it must be a JSON value (the column is NOT NULL)'],
    ['empty time', { ...base, updated_at: null }, 'updated_at is empty; it must be a time'],
  ])('CSV, %s', (_name, record, expected) => {
    expect(reason(record as Record<string, unknown>, 'csv')).toBe(expected);
  });

  it('PostgreSQL cannot store NUL: refused there, accepted elsewhere', () => {
    const record = { ...base, kwargs: { k: 'a\u0000b' } };
    expect(reason(record, 'ndjson', 'postgres')).toBe('kwargs contains a NUL character (\\u0000), which PostgreSQL cannot store');
    expect(reason(record, 'ndjson', 'sqlite')).toBeNull();
  });

  it("a minimal row gets the model's defaults; given columns are listed in the table's order; derived fields are ignored", () => {
    const row = validateRecord(3, { ...base, status_display: 'Whatever', duration_seconds: 9, user_display: null, id: null }, 'ndjson', { target: TARGETS.sqlite, now: NOW });
    expect(row.id).toBeNull();
    expect(row.given).toEqual(['job_id', 'task_name', 'queue_name', 'enqueue_time']);
    expect(row.values).toMatchObject({ args: [], kwargs: {}, status: 'queued', job_retry: 0, job_retries: 0, job_retry_after: 60, success: null, user_id: null });
    expect(toIso(row.values.created_at)).toBe('2026-03-15T12:00:00Z');
  });

  it('CSV text converts: numbers, true/false/1/0, JSON, the user column', () => {
    const row = validateRecord(
      2,
      { ...base, id: '42', duration_ms: '-5', success: 'False', args: '[1, "a"]', kwargs: '{}', user: '3', user_display: 'bob (bob@example.com)', error_message: '' },
      'csv',
      { target: TARGETS.mysql, now: NOW },
    );
    expect(row).toMatchObject({ id: 42, userDisplay: 'bob (bob@example.com)' });
    expect(row.values).toMatchObject({ duration_ms: -5, success: false, args: [1, 'a'], kwargs: {}, user_id: 3, error_message: '' });
    expect(row.given).toEqual(['job_id', 'task_name', 'queue_name', 'args', 'kwargs', 'duration_ms', 'success', 'error_message', 'enqueue_time', 'user_id']);
  });
});
