/** Counts as people read them, the same in every message and view. */

/**
 * 1,523 (halves away from zero). Written out rather than Intl.NumberFormat:
 * the first Intl object of a process loads ICU's locale data, about 25 ms
 * of every command's start.
 */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '∞' : '-∞';
  const r = Math.round(Math.abs(n));
  const digits = r.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 && r !== 0 ? `-${digits}` : digits;
}

/** A count with its noun: "1 row", "2,000 rows", "1 delivery", "3 deliveries". */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}
