/**
 * What Django and Django REST framework do with a request's query string and
 * with the links of a page, reproduced so that tasklog's answers are
 * byte-for-byte the same: Python's parse_qsl (keep_blank_values, '+' is a
 * space, bad UTF-8 replaced), QueryDict's "the last value wins", and
 * PageNumberPagination's next/previous links (replace_query_param and
 * remove_query_param: the parameters sorted by name, re-encoded with
 * urllib's quote_plus).
 */

export type QueryPairs = [string, string][];

/** urllib.parse.parse_qsl(query, keep_blank_values=True) */
export function parseQs(query: string): QueryPairs {
  const out: QueryPairs = [];
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    out.push([unquotePlus(name), unquotePlus(value)]);
  }
  return out;
}

/** urllib.parse.unquote_plus with errors='replace' */
export function unquotePlus(s: string): string {
  const text = s.replace(/\+/g, ' ');
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; ) {
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(ch));
      i += ch.length;
    }
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}

/** urllib.parse.quote_plus: UTF-8, letters, digits and _.-~ kept, space as + */
export function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** QueryDict.get: the last value given for a name, or undefined. */
export function lastValue(pairs: QueryPairs, name: string): string | undefined {
  let v: string | undefined;
  for (const [k, val] of pairs) if (k === name) v = val;
  return v;
}

/** parse_qs → a dict of lists, in first-seen order of names */
function grouped(pairs: QueryPairs): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  }
  return m;
}

/** urlencode(sorted(d.items()), doseq=True) */
function encodeSorted(m: Map<string, string[]>): string {
  const names = [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const k of names) for (const v of m.get(k)!) parts.push(`${quotePlus(k)}=${quotePlus(v)}`);
  return parts.join('&');
}

/** DRF's replace_query_param (value given) or remove_query_param (value null) on base + query. */
export function withQueryParam(base: string, query: string, name: string, value: string | null): string {
  const m = grouped(parseQs(query));
  if (value === null) m.delete(name);
  else m.set(name, [value]);
  const q = encodeSorted(m);
  return q ? `${base}?${q}` : base;
}

/** The page links of PageNumberPagination for page `page` of `pages`. */
export function pageLinks(base: string, query: string, page: number, pages: number): { next: string | null; previous: string | null } {
  return {
    next: page < pages ? withQueryParam(base, query, 'page', String(page + 1)) : null,
    previous: page > 1 ? withQueryParam(base, query, 'page', page - 1 === 1 ? null : String(page - 1)) : null,
  };
}

/**
 * Django's Paginator.validate_number through DRF: int() of the text, or
 * 'last'; anything else, below 1 or past the last page is "Invalid page."
 * (null here).
 */
export function pageNumber(raw: string | undefined, pages: number): number | null {
  if (raw === undefined) return 1;
  if (raw === 'last') return pages;
  // Python's int(): optional sign, decimal digits of any script with single underscores between, surrounding whitespace
  const m = /^\s*([+-]?)(\p{Nd}(?:_?\p{Nd})*)\s*$/u.exec(raw);
  if (!m) return null;
  const digits = [...m[2].replace(/_/g, '')].map(digitValue).join('');
  const n = Number((m[1] === '-' ? '-' : '') + digits);
  if (!Number.isSafeInteger(n) || n < 1 || n > pages) return null;
  return n;
}

/** The value of a decimal digit of any script: Unicode encodes each script's digits as a run 0–9, runs of ten back to back. */
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0)!;
  let k = 0;
  while (k < 100 && /\p{Nd}/u.test(String.fromCodePoint(cp - 1))) {
    cp--;
    k++;
  }
  return k % 10;
}

/** A number Python holds as a float (DRF writes 100.0 and 0.0, not 100 and 0): what round(x, 2) and x / 1000 give. */
export class PyFloat {
  constructor(readonly value: number) {}
}

const FLOAT_MARK = `\u0000pyfloat${Math.random().toString(36).slice(2)}:`;

/** Python's repr of a float, for the values an API answer holds (no exponent forms). */
function pyFloatText(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/**
 * The body as DRF's JSONRenderer writes it: compact separators, UTF-8 as
 * is, U+2028 and U+2029 escaped, floats with their ".0".
 */
export function drfJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof PyFloat ? FLOAT_MARK + pyFloatText(v.value) : v));
  return text
    .replace(new RegExp(`"${JSON.stringify(FLOAT_MARK).slice(1, -1).replace(/\\/g, '\\\\')}([^"]*)"`, 'g'), '$1')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
