import { describe, expect, it } from 'vitest';
import { chLiteral, inlineChBindings, parseServerError } from '../../src/db/clickhouse-http.js';
import { isoMicros } from '../../src/query/archive-rows.js';
import { parseInstant, toMicros } from '../../src/core/time.js';

describe('ClickHouse statements', () => {
  it('inlines bindings as literals, leaving quoted text and identifiers alone', () => {
    expect(inlineChBindings("SELECT '?' AS `a?`, ? AS b WHERE x IN (?, ?) AND y = ?", ["it's \\ ok", 1, 2n, null])).toBe(
      "SELECT '?' AS `a?`, 'it\\'s \\\\ ok' AS b WHERE x IN (1, 2) AND y = NULL",
    );
    expect(inlineChBindings("SELECT 'a\\'?' , ?", [true])).toBe("SELECT 'a\\'?' , 1");
    expect(() => inlineChBindings('SELECT ?, ?', [1])).toThrow(/more placeholders/);
    expect(() => inlineChBindings('SELECT ?', [1, 2])).toThrow(/1 placeholders for 2 bindings/);
    expect(() => chLiteral(Number.NaN)).toThrow();
    expect(chLiteral('line\nbreak')).toBe("'line\nbreak'");
  });

  it("reads the server's error, also when appended to an answer that had started", () => {
    const e = parseServerError('Code: 193, e.displayText() = DB::Exception: Wrong password for user writer, e.what() = DB::Exception\n');
    expect(e).toMatchObject({ number: 193, code: 'CH193', message: 'Wrong password for user writer' });
    expect(parseServerError('1\n2\nCode: 395, e.displayText() = DB::Exception: Value passed to \'throwIf\' function is non zero, e.what() = DB::Exception\n')?.number).toBe(395);
    expect(parseServerError('1\n2\n3\n')).toBeNull();
  });

  it('reads ISO times to microseconds by position exactly as parseInstant does', () => {
    for (const iso of ['2026-07-01T12:00:00Z', '2026-07-01T12:00:00.5Z', '1999-12-31T23:59:59.999999Z', '1970-01-01T00:00:00.000001Z', '1969-12-31T23:59:59.123456Z', '2026-07-01 12:00:00+05:30']) {
      expect(isoMicros(iso), iso).toBe(toMicros(parseInstant(iso)!));
    }
    expect(() => isoMicros('not a time')).toThrow(/cannot read/);
  });
});
