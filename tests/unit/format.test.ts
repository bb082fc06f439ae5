import { describe, expect, it } from 'vitest';
import { formatDuration, formatInt, formatRelative, formatRelativeShort, visibleLength } from '../../src/render/format.js';
import { pyRound } from '../../src/query/round.js';

describe('formatting', () => {
  const now = Date.UTC(2026, 0, 10, 12);
  it.each([
    [now - 500, 'just now', 'now'],
    [now - 90_000, '1 minute ago', '1m ago'],
    [now - 3 * 3_600_000, '3 hours ago', '3h ago'],
    [now - 9 * 86_400_000, '1 week ago', '9d ago'],
    [now + 2 * 3_600_000, 'in 2 hours', 'in 2h'],
  ])('relative %#', (t, long, short) => {
    expect(formatRelative(t, now)).toBe(long);
    expect(formatRelativeShort(t, now)).toBe(short);
  });

  it('durations and counts', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1250)).toBe('1.25 s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(null)).toBe('—');
    expect(formatInt(1523)).toBe('1,523');
  });

  it('formats integers as Intl.NumberFormat (en-US, no fraction) does, without loading it', () => {
    const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    const values = [0, 1, -1, 999, 1000, -1000, 1234.5, -1234.5, 0.4, -0.4, 2.5, 999999.5, 1e15 + 1, 123456789, Infinity, -Infinity, NaN];
    for (let i = 0; i < 200; i++) values.push(Math.round((Math.sin(i) * 10 ** (i % 13)) * 100) / 100);
    for (const v of values) expect(formatInt(v), String(v)).toBe(intl.format(v).replace(/^-0$/, '0'));
  });

  it('measures what a terminal shows: colors none, emoji and CJK two columns, combining marks none', () => {
    expect(visibleLength('\u001b[31m✖ Failed\u001b[39m')).toBe(8);
    expect(visibleLength('⌛ Expired')).toBe(10);
    expect(visibleLength('新しい')).toBe(6);
    expect(visibleLength('zoë')).toBe(3);
    expect(visibleLength('zoe\u0308')).toBe(3);
    expect(visibleLength('◷ Queued ⏸ ▶ ⊘ ✔')).toBe(16);
  });

  it("rounds like Python's round(x, 2): half to even on the exact double", () => {
    expect(pyRound(12.125, 2)).toBe(12.12); // 12.125 is exact in binary: a true tie, to even
    expect(pyRound(12.135, 2)).toBe(12.13); // 12.135 is stored as 12.13499…
    expect(pyRound(96.666666, 2)).toBe(96.67);
    expect(pyRound(0.005, 2)).toBe(0.01); // 0.005 is stored as 0.005000000000000000104…
  });
});

describe('page footer', () => {
  it('says which rows are shown of how many, and marks an estimate', async () => {
    const { pageFooter } = await import('../../src/render/logs.js');
    expect(pageFooter(1, 20, 0, 0)).toBe('no matching rows');
    expect(pageFooter(3, 20, 20, 1234)).toBe('showing 41–60 of 1,234');
    expect(pageFooter(2, 20, 20, 1_000_000, true)).toBe('showing 21–40 of about 1,000,000 (estimated; --exact-count counts them)');
    expect(pageFooter(99, 20, 0, 100)).toBe('page 99 is past the end: 100 rows in 5 pages');
  });
});
