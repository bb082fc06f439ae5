/**
 * The export's byte paths for single values against the rules they shortcut: duration_seconds
 * against JSON.stringify(pyRound(ms / 1000, 2)), the rule the detail (and django-cfg) follows —
 * the integer path, its tie decided by the double's exact side of the tie, must give the same
 * text for every whole number of milliseconds (exact ties: multiples of 125; ties just above or
 * below; huge values) — and a time from COPY's bytes against decodeTime.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationSecondsText, tieSide } from '../../src/query/export.js';
import { pyRound } from '../../src/query/round.js';
import { params } from '../helpers/property.js';

const reference = (ms: number) => JSON.stringify(pyRound(ms / 1000, 2));

describe('duration_seconds from whole milliseconds', () => {
  it('is pyRound(ms / 1000, 2) for every millisecond of the first 200 seconds', () => {
    const wrong: number[] = [];
    for (let ms = 0; ms < 200_000; ms++) if (durationSecondsText(ms) !== reference(ms)) wrong.push(ms);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('decides a tie by the double: 0.375 is the tie itself (half to even), 0.005 lies above it, 1.005 below', () => {
    expect(tieSide(375)).toBe(0);
    expect(durationSecondsText(375)).toBe('0.38');
    expect(durationSecondsText(625)).toBe('0.62');
    expect(tieSide(5)).toBe(1);
    expect(durationSecondsText(5)).toBe('0.01');
    expect(tieSide(1005)).toBe(-1);
    expect(durationSecondsText(1005)).toBe('1');
  });

  it('is pyRound(ms / 1000, 2) for ties and other values up to 10^15, and for values past it', () => {
    const ms = fc.oneof(
      fc.integer({ min: 0, max: 1e14 - 1 }).map((k) => k * 10 + 5),
      fc.integer({ min: 0, max: 8e12 - 1 }).map((k) => k * 125),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: -1e6, max: -1 }),
    );
    fc.assert(
      fc.property(ms, (x) => {
        expect(durationSecondsText(x)).toBe(reference(x));
      }),
      params(2000),
    );
  });
});

describe('a time from COPY\'s bytes', () => {
  it('is JSON.stringify(decodeTime(text)) wherever the fast path answers, and the careful path takes the rest', async () => {
    const { copyTimeJson } = await import('../../src/query/export.js');
    const { decodeTime } = await import('../../src/core/time.js');
    const texts = [
      '2026-04-20 09:00:00+00',
      '2026-04-20 09:00:00.000+00',
      '2026-04-20 09:00:00.0+00',
      '2026-04-20 09:00:00.1+00',
      '2026-04-20 09:00:00.000001+00',
      '2026-04-20 09:00:00.123456+00',
      '2024-02-29 23:59:59.9+00',
      '2023-02-29 00:00:00+00',
      '2026-04-31 00:00:00+00',
      '2026-13-01 00:00:00+00',
      '2026-04-20 24:00:00+00',
      '0999-04-20 09:00:00+00',
      '2026-04-20 09:00:00+01',
      '2026-04-20 09:00:00.+00',
      '2026-04-20 09:00:00.1234567+00',
      '2026-04-20T09:00:00+00',
      '2026-04-2x 09:00:00+00',
    ];
    const answered: string[] = [];
    for (const text of texts) {
      const d = Buffer.from(text);
      const out = Buffer.alloc(64);
      const end = copyTimeJson(d, 0, d.length, out, 0);
      if (end < 0) continue;
      answered.push(text);
      expect(out.toString('utf8', 0, end), text).toBe(JSON.stringify(decodeTime(text)));
    }
    expect(answered).toEqual(texts.slice(0, 7));
  });
});

describe('a JSON column from COPY\'s bytes (copyJsonCompact)', () => {
  it('writes numbers JavaScript writes the same as they are, and leaves every other number to the parser', async () => {
    const { copyJsonCompact } = await import('../../src/query/export.js');
    const compact = (text: string): string | null => {
      const d = Buffer.from(text);
      const out = Buffer.alloc(d.length);
      const end = copyJsonCompact(d, 0, d.length, out, 0);
      return end < 0 ? null : out.toString('utf8', 0, end);
    };
    // answered: the same bytes as JSON.stringify(JSON.parse(text))
    for (const text of ['{"amount": 83.02}', '[0.1, -2.5, 1.5e-7, 1e+21, 123456789012345680, 0.125]', '[1, -7, 0]']) {
      expect(compact(text), text).toBe(JSON.stringify(JSON.parse(text)));
    }
    // declined: JavaScript writes another text (or JSON.parse refuses it)
    for (const text of ['[1.0]', '[0.10]', '[1e2]', '[1E400]', '[-0]', '[1000000000000000000000]', '[0.0000001]', '[12345678901234567890]', '[123456789012345678]', '[01.5]', '[1.5.5]', '[1-2]', '[+1]']) {
      expect(compact(text), text).toBeNull();
    }
  });

  it('property: whatever it answers for a list of numbers is JSON.stringify(JSON.parse(text))', async () => {
    const { copyJsonCompact } = await import('../../src/query/export.js');
    const number = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toFixed(3)),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toExponential(4)),
      fc.stringMatching(/^-?[0-9]{1,25}(\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?$/),
    );
    fc.assert(
      fc.property(fc.array(number, { minLength: 1, maxLength: 4 }), (numbers) => {
        const text = '[' + numbers.join(', ') + ']';
        const d = Buffer.from(text);
        const out = Buffer.alloc(d.length * 2);
        const end = copyJsonCompact(d, 0, d.length, out, 0);
        let expected: string | null = null;
        try {
          expected = JSON.stringify(JSON.parse(text));
        } catch {
          expected = null;
        }
        if (end >= 0) expect(out.toString('utf8', 0, end)).toBe(expected);
      }),
      params(1000),
    );
  });
});

describe('a whole number in decimal (putDecimal)', () => {
  it('writes what String() writes, from 0 to 2^53', async () => {
    const { putDecimal } = await import('../../src/query/archive-rows.js');
    const out = Buffer.alloc(20);
    const values = [0, 9, 10, 999_999_999, 1e9, 1e9 + 1, 1_764_000_000_123_456, 9_999_999_999_999_999, Number.MAX_SAFE_INTEGER, 2 ** 53];
    for (const v of values) expect(out.toString('latin1', 0, putDecimal(out, 0, v))).toBe(String(v));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => {
        expect(out.toString('latin1', 0, putDecimal(out, 0, v))).toBe(String(v));
      }),
      params(2000),
    );
  });
});

describe('COPY\'s bytes to lines (copyTextJsonWriter): room for every field that reads a cell', () => {
  it('a status read twice (status, status_display), each byte written as six, in long chunks: every line whole', async () => {
    const { copyTextJsonWriter } = await import('../../src/query/export.js');
    const { statusDisplay } = await import('../../src/query/status.js');
    // up to Django's varchar(20) of control characters (\u0001: six bytes of JSON for one of COPY), lengths and
    // counts such that some line ends at the edge of the writer's buffer
    for (let length = 1; length <= 20; length++) {
      const status = '\u0001'.repeat(length);
      const rows = 5_000 + 37 * length;
      const writer = copyTextJsonWriter(['status', 'status_display']);
      expect(writer.only.columns).toEqual(['status']);
      const out = writer.write(Buffer.from((status + '\n').repeat(rows), 'latin1'));
      writer.end();
      const line = JSON.stringify({ status, status_display: statusDisplay(status) }) + '\n';
      expect(out.length, `status of ${length}`).toBe(Buffer.byteLength(line) * rows);
      expect(out.toString('utf8') === line.repeat(rows), `status of ${length}`).toBe(true);
    }
  });
});
