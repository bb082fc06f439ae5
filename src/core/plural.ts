/** "1 row", "2 rows", "1 delivery", "3 deliveries": a count and its noun, agreed. */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}
