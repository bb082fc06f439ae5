/**
 * compareIso orders toIso's own text digit by digit (no parsing): its sign must be the
 * instants' order for any two times — the same second with and without a fraction, a
 * fraction with trailing zeros, far-apart years — and text of any other shape still goes
 * through the parser. toIso must stay Django's text with a T and a Z.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIso, instantFromMs, parseInstant, toDjangoText, toIso, type Instant } from '../../src/core/time.js';
import { params } from '../helpers/property.js';

const instant = fc
  .record({ seconds: fc.integer({ min: -30_000_000_000, max: 250_000_000_000 }), micros: fc.oneof(fc.constant(0), fc.constant(500_000), fc.integer({ min: 0, max: 999_999 })) })
  .map(({ seconds, micros }): Instant => ({ ms: seconds * 1000 + Math.floor(micros / 1000), micros }));
const order = (a: Instant, b: Instant) => Math.sign(Math.floor(a.ms / 1000) - Math.floor(b.ms / 1000) || a.micros - b.micros);

describe('compareIso and toIso', () => {
  it('orders two times as their instants, whatever their text', () => {
    fc.assert(
      fc.property(instant, instant, fc.boolean(), (a, b, sameSecond) => {
        const other = sameSecond ? { ms: Math.floor(a.ms / 1000) * 1000 + Math.floor(b.micros / 1000), micros: b.micros } : b;
        expect(Math.sign(compareIso(toIso(a), toIso(other)))).toBe(order(a, other));
        expect(toIso(a)).toBe(toDjangoText(a).replace(' ', 'T') + 'Z');
      }),
      params(3000),
    );
  });

  it('takes the parser for other shapes: an offset, no seconds, a space', () => {
    const t = (text: string) => parseInstant(text)!;
    expect(compareIso('2026-04-20T10:00:00+02:00', '2026-04-20T09:00:00Z')).toBeLessThan(0);
    // the same order as the instants the parser reads, for shapes the digit-by-digit order would get wrong
    for (const [a, b] of [['2026-04-20T10:00:00+02:00', '2026-04-20T09:00:00Z'], ['2026-04-20T09:30', '2026-04-20T09:00:00.5Z'], ['2026-04-20 10:00:00.5', '2026-04-20T10:00:00.400000Z']]) {
      expect(Math.sign(compareIso(a, b)), `${a} ${b}`).toBe(order(t(a), t(b)));
    }
    expect(compareIso('2026-04-20 10:00:00.5', '2026-04-20T10:00:00Z')).toBeGreaterThan(0);
    expect(compareIso('2026-04-20T10:00:00Z', '2026-04-20T10:00:00.000001Z')).toBeLessThan(0);
    expect(compareIso('2026-04-20T10:00:00.100000Z', '2026-04-20T10:00:00Z')).toBeGreaterThan(0);
    expect(compareIso(null, '2026-04-20T10:00:00Z')).toBeLessThan(0);
    expect(compareIso(toIso(instantFromMs(0)), '1970-01-01T00:00:00Z')).toBe(0);
  });
});
