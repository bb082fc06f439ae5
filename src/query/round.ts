/**
 * Python's round(x, n): round half to even on the exact decimal value of the
 * double, so success_rate and avg_duration_seconds equal django-cfg's numbers.
 */
export function pyRound(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const neg = x < 0;
  const exact = Math.abs(x).toFixed(100); // the double's exact decimal expansion
  const [int, frac = ''] = exact.split('.');
  const keep = frac.slice(0, digits);
  const rest = frac.slice(digits);
  let digitsStr = int + keep;
  const first = rest[0] ?? '0';
  const beyond = /[1-9]/.test(rest.slice(1));
  let up = first > '5' || (first === '5' && (beyond || Number(digitsStr[digitsStr.length - 1]) % 2 === 1));
  if (first < '5') up = false;
  if (up) digitsStr = (BigInt(digitsStr) + 1n).toString().padStart(digitsStr.length, '0');
  const n = Number(digitsStr.slice(0, digitsStr.length - digits) + '.' + digitsStr.slice(digitsStr.length - digits));
  return neg ? -n : n;
}

/** Truncation toward zero, as Python's int(). */
export function pyInt(x: number): number {
  return Math.trunc(x);
}
