/**
 * `?` placeholders for PostgreSQL: numbered for a bound statement, or
 * replaced by literals for COPY, which takes no parameters. Quoted text
 * keeps its question marks; the counts must agree.
 */
import { describe, expect, it } from 'vitest';
import { dollarPlaceholders, inlineBindings, pgLiteral } from '../../src/db/dialect/postgres.js';

describe('PostgreSQL placeholders', () => {
  it('numbers the placeholders outside quotes', () => {
    expect(dollarPlaceholders(`SELECT '?', "a?b" FROM t WHERE x = ? AND y IN (?, ?)`)).toBe(`SELECT '?', "a?b" FROM t WHERE x = $1 AND y IN ($2, $3)`);
  });

  it('writes each binding as an escape string literal, whatever standard_conforming_strings says', () => {
    expect(pgLiteral(`it's \\ "x"`)).toBe(`E'it''s \\\\ "x"'`);
    expect(pgLiteral(12.5)).toBe(`E'12.5'`);
    expect(pgLiteral(true)).toBe(`E'true'`);
    expect(pgLiteral(null)).toBe('NULL');
    expect(() => pgLiteral({ a: 1 })).toThrow(/object binding/);
  });

  it('inlines the bindings in order, leaves quoted question marks, and refuses a count that does not match', () => {
    expect(inlineBindings(`SELECT '?' WHERE a = ? AND b = ?`, ['x', 3])).toBe(`SELECT '?' WHERE a = E'x' AND b = E'3'`);
    expect(() => inlineBindings('SELECT ? , ?', ['x'])).toThrow(/more placeholders/);
    expect(() => inlineBindings('SELECT ?', ['x', 'y'])).toThrow(/1 placeholders for 2 bindings/);
  });
});
