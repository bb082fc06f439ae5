/**
 * Value parsers for flags, config keys and query parameters: each turns a raw
 * string into a value or throws InvalidValue, whose message says what is
 * accepted (the caller names the flag, key or parameter in front of it).
 */
import { InvalidValue } from './errors.js';

export function positiveInt(raw: string, what = 'a whole number greater than 0'): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s) || Number(s) <= 0 || !Number.isSafeInteger(Number(s))) throw new InvalidValue(`expects ${what}`);
  return Number(s);
}

export function nonNegativeInt(raw: string, what = 'a whole number ≥ 0'): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new InvalidValue(`expects ${what}`);
  return Number(s);
}

export function positiveNumber(raw: string, what = 'a number greater than 0'): number {
  const s = raw.trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n <= 0) throw new InvalidValue(`expects ${what}`);
  return n;
}

export function intInRange(raw: string, min: number, max: number): number {
  const s = raw.trim();
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || n < min || n > max) throw new InvalidValue(`expects a whole number from ${min} to ${max}`);
  return n;
}

/** true/false for flags like --is-failed [bool]; a bare flag is true (commander passes no value). */
export function parseBool(raw: string): boolean {
  const s = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 't'].includes(s)) return true;
  if (['false', '0', 'no', 'n', 'f'].includes(s)) return false;
  throw new InvalidValue('expects true or false');
}

/** a comma-separated list, each item checked against the allowed values when given */
export function csvList(raw: string, allowed?: readonly string[]): string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidValue(allowed ? `expects a comma-separated list of ${allowed.join(', ')}` : 'expects a comma-separated list');
  if (allowed) {
    const bad = items.filter((i) => !allowed.includes(i));
    if (bad.length) throw new InvalidValue(`'${bad.join(',')}' is not one of ${allowed.join(', ')}`);
  }
  return items;
}

