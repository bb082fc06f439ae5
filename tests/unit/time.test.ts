import { describe, expect, it } from 'vitest';
import { decodeTime, diffMs, parseInstant, toDjangoText, toIso, toMysqlText } from '../../src/core/time.js';
import { decodeJson, pythonJsonDumps } from '../../src/db/json.js';
import { decodeBool, decodeRow } from '../../src/db/decode.js';

describe('time decoding', () => {
  it('runs in a non-UTC process time zone (the suite sets TZ=Asia/Kolkata)', () => {
    expect(new Date(0).getTimezoneOffset()).toBe(-330);
  });

  it.each([
    ['2025-10-30 10:00:00', '2025-10-30T10:00:00Z'], // Django SQLite text, microseconds 0
    ['2025-10-30 10:00:00.123456', '2025-10-30T10:00:00.123456Z'],
    ['2025-10-30 10:00:00.000001', '2025-10-30T10:00:00.000001Z'],
    ['2025-10-30 10:00:00.120000', '2025-10-30T10:00:00.120000Z'],
    ['2025-10-30 10:00:00.000000', '2025-10-30T10:00:00Z'], // MySQL datetime(6)
    ['2025-10-30 10:00:00.5+00', '2025-10-30T10:00:00.500000Z'], // PostgreSQL timestamptz text
    ['2025-10-30 15:30:00.654321+05:30', '2025-10-30T10:00:00.654321Z'],
    ['2025-10-30 00:15:00-02', '2025-10-30T02:15:00Z'],
    ['2025-12-31 23:59:59.999999', '2025-12-31T23:59:59.999999Z'],
  ])('%s → %s', (raw, iso) => {
    expect(decodeTime(raw)).toBe(iso);
  });

  it('the fast path for UTC text gives what full parsing gives, on valid and invalid calendar values', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (v: number, w = 2) => String(v).padStart(w, '0');
    const cases = ['2024-02-29 12:00:00', '2025-02-29 12:00:00', '2025-04-31 00:00:00', '2025-13-01 00:00:00', '2025-10-30 24:00:00', '2025-10-30 10:60:00'];
    for (let i = 0; i < 3000; i++) {
      const frac = ['', '.' + pad(rnd(1000000), 6), '.' + pad(rnd(1000), 3), '.5', '.000000'][rnd(5)];
      const zone = ['', 'Z', '+00', '+00:00', '+0000'][rnd(5)];
      const sep = rnd(2) ? ' ' : 'T';
      cases.push(`${1990 + rnd(60)}-${pad(1 + rnd(12))}-${pad(1 + rnd(31))}${sep}${pad(rnd(24))}:${pad(rnd(60))}:${pad(rnd(60))}${frac}${zone}`);
    }
    for (const text of cases) {
      const t = parseInstant(text);
      expect(decodeTime(text), text).toBe(t ? toIso(t) : text);
    }
  });

  it('keeps null and accepts Date objects', () => {
    expect(decodeTime(null)).toBeNull();
    expect(decodeTime(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)))).toBe('2025-01-02T03:04:05.006000Z');
  });

  it('encodes bounds in each database format, independent of TZ', () => {
    const t = parseInstant('2025-10-30T10:00:00.000000Z')!;
    expect(toDjangoText(t)).toBe('2025-10-30 10:00:00');
    expect(toMysqlText(t)).toBe('2025-10-30 10:00:00.000000');
    expect(toIso(t)).toBe('2025-10-30T10:00:00Z');
    const u = parseInstant('2025-10-30T10:00:00.042000Z')!;
    expect(toDjangoText(u)).toBe('2025-10-30 10:00:00.042000');
  });

  it('Django text bounds sort like the times they stand for', () => {
    const texts = ['2025-10-30 10:00:00.5', '2025-10-30 10:00:00', '2025-10-30 09:59:59.999999', '2025-10-30 10:00:01'];
    const byText = [...texts].sort();
    const byTime = [...texts].sort((a, b) => parseInstant(a)!.ms - parseInstant(b)!.ms || parseInstant(a)!.micros - parseInstant(b)!.micros);
    expect(byText).toEqual(byTime);
  });

  it('differences keep microseconds', () => {
    expect(diffMs('2025-10-30T10:00:00.000001Z', '2025-10-30T10:00:01.000002Z')).toBeCloseTo(1000.001, 6);
  });
});

describe('JSON and booleans', () => {
  it('writes JSON exactly as Python json.dumps does', () => {
    expect(pythonJsonDumps({ message: 'tést ✓', n: [1, 2.5, null], ok: true })).toBe(
      '{"message": "t\\u00e9st \\u2713", "n": [1, 2.5, null], "ok": true}',
    );
    expect(pythonJsonDumps(['😀'])).toBe('["\\ud83d\\ude00"]');
    expect(pythonJsonDumps([])).toBe('[]');
    expect(pythonJsonDumps({})).toBe('{}');
  });

  it('reads \\u escapes, parsed values and text', () => {
    expect(decodeJson('{"message": "t\\u00e9st \\u2713"}')).toEqual({ message: 'tést ✓' });
    expect(decodeJson({ a: 1 })).toEqual({ a: 1 });
    expect(decodeJson('"just a string"')).toBe('just a string');
    expect(decodeJson(null)).toBeNull();
  });

  it.each([
    [1, true],
    [0, false],
    [null, null],
    [true, true],
    [false, false],
    ['1', true],
    ['0', false],
    ['t', true],
    ['f', false],
  ])('boolean %s → %s', (raw, value) => {
    expect(decodeBool(raw)).toBe(value);
  });

  it('decodes a whole raw row', () => {
    const row = decodeRow({
      id: '7',
      job_id: 'j',
      task_name: 'média',
      queue_name: 'default',
      args: '[1, "x"]',
      kwargs: '{"k": "\\u00fc"}',
      status: 'failed',
      duration_ms: '12',
      job_retry: 3,
      job_retries: 1,
      job_retry_after: 60,
      success: 0,
      result: null,
      error_message: 'Ошибка',
      worker_id: null,
      enqueue_time: '2025-10-30 10:00:00',
      expire_time: null,
      start_time: '2025-10-30 10:00:00.000100',
      finish_time: null,
      created_at: '2025-10-30 10:00:00',
      updated_at: '2025-10-30 10:00:00',
      user_id: null,
    });
    expect(row).toMatchObject({
      id: 7,
      args: [1, 'x'],
      kwargs: { k: 'ü' },
      success: false,
      duration_ms: 12,
      enqueue_time: '2025-10-30T10:00:00Z',
      start_time: '2025-10-30T10:00:00.000100Z',
    });
  });
});
