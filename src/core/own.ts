/**
 * Own-key lookups in plain objects (config maps, parsed JSON) by a key that
 * came from data: a task named "constructor" or "toString" finds nothing,
 * not Object.prototype's member.
 */
export function own<T>(o: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}
