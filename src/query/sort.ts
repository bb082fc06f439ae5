/** The orders every report uses, in one place: text by code unit, counts largest first. */

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Largest count first, ties by name: the same order on every database. */
export function byCountThenName<T>(count: (x: T) => number, name: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => count(b) - count(a) || compareText(name(a), name(b));
}

/**
 * name → count, as an object whose keys follow byCountThenName. The names come
 * from the database: Object.fromEntries defines each as an own property, so a
 * status "__proto__" is counted like any other (an assignment would set the
 * object's prototype and lose it).
 */
export function countsLargestFirst(entries: Iterable<[string, number]>): Record<string, number> {
  return Object.fromEntries([...entries].sort(byCountThenName(([, n]) => n, ([name]) => name)));
}
