/** The orders every report uses, in one place: text by code unit, counts largest first. */

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Largest count first, ties by name: the same order on every database. */
export function byCountThenName<T>(count: (x: T) => number, name: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => count(b) - count(a) || compareText(name(a), name(b));
}

/** name → count, as an object whose keys follow byCountThenName. */
export function countsLargestFirst(entries: Iterable<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...entries].sort(byCountThenName(([, n]) => n, ([name]) => name))) out[k] = v;
  return out;
}
