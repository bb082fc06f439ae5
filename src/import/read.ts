/**
 * Reading a file to import one record at a time, in bounded memory: physical
 * lines with their numbers, then NDJSON objects or CSV records (RFC 4180; a
 * quoted cell may span lines; an unquoted empty cell is null and a quoted
 * one "" the empty string, as PostgreSQL's COPY reads them and tasklog's
 * `-o csv` writes them). The format comes from --format, else the file's
 * extension, else the first line.
 */
import { StringDecoder } from 'node:string_decoder';

export const IMPORT_FORMATS = ['ndjson', 'jsonl', 'csv'] as const;
export type ImportFormat = 'ndjson' | 'csv';

export interface Line {
  /** the line without its terminator */
  text: string;
  /** '\n', '\r\n', or '' for a last line without one */
  eol: string;
  /** 1-based */
  number: number;
}

/** Lines of a byte or text stream, UTF-8 decoded across chunk boundaries, a leading BOM dropped. */
export async function* readLines(source: AsyncIterable<string | Buffer>): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  let first = true;
  const take = function* (): Generator<Line> {
    let start = 0;
    for (;;) {
      const nl = rest.indexOf('\n', start);
      if (nl < 0) break;
      const crlf = nl > start && rest.charCodeAt(nl - 1) === 13;
      yield { text: rest.slice(start, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n', number: ++number };
      start = nl + 1;
    }
    rest = rest.slice(start);
  };
  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text !== '') {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    rest += text;
    yield* take();
  }
  rest += decoder.end();
  yield* take();
  if (rest !== '') yield { text: rest, eol: '', number: ++number };
}

export function formatFromName(path: string): ImportFormat | null {
  const m = /\.([a-z0-9]+)$/i.exec(path);
  const ext = m?.[1].toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'jsonl' || ext === 'ndjson' || ext === 'json') return 'ndjson';
  return null;
}

/** A line of JSON starts with { (or [ for a JSON document, which the NDJSON reader then explains). */
export function sniffFormat(firstLine: string): ImportFormat {
  return /^\s*[{[]/.test(firstLine) ? 'ndjson' : 'csv';
}

/** One record of the file: its field values by name, or why the line cannot be read. */
export type RawRecord =
  | { line: number; values: Record<string, unknown>; source: ImportFormat }
  | { line: number; error: string };

/** A line that cannot be imported, and why. */
export class BadLine extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** A file-level problem (bad CSV header): the import cannot go on, --skip-invalid or not. */
export class FileError extends BadLine {}

/**
 * The records of the input. `known` names the fields a record may have; a
 * CSV header with another name stops the import at line 1.
 */
export async function* readRecords(
  lines: AsyncIterable<Line>,
  format: ImportFormat | null,
  known: readonly string[],
): AsyncGenerator<RawRecord> {
  const it = lines[Symbol.asyncIterator]();
  // blank lines (outside a quoted CSV cell) carry no record
  const nextLine = async (): Promise<Line | null> => {
    for (;;) {
      const r = await it.next();
      if (r.done) return null;
      if (r.value.text.trim() !== '') return r.value;
    }
  };
  const first = await nextLine();
  if (!first) return;
  const fmt = format ?? sniffFormat(first.text);
  if (fmt === 'ndjson') {
    for (let line: Line | null = first; line; line = await nextLine()) yield ndjsonRecord(line);
    return;
  }
  const header = await csvRecord(first, () => it.next().then((r) => (r.done ? null : r.value)));
  if ('error' in header) throw new FileError(header.line, `the CSV header: ${header.error}`);
  const names = header.cells;
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (name === null || name.trim() === '') throw new FileError(first.number, `the CSV header's field ${i + 1} has no name`);
    if (!known.includes(name)) throw new FileError(first.number, `the CSV header names an unknown field '${name}' ${FIELDS_HINT}`);
    if (seen.has(name)) throw new FileError(first.number, `the CSV header names the field '${name}' twice`);
    seen.add(name);
  }
  for (let line = await nextLine(); line; line = await nextLine()) {
    const rec = await csvRecord(line, () => it.next().then((r) => (r.done ? null : r.value)));
    if ('error' in rec) {
      yield { line: rec.line, error: rec.error };
      continue;
    }
    if (rec.cells.length !== names.length) {
      yield { line: rec.line, error: `${rec.cells.length} CSV fields where the header has ${names.length}` };
      continue;
    }
    const values: Record<string, unknown> = {};
    names.forEach((n, i) => (values[n as string] = rec.cells[i]));
    yield { line: rec.line, values, source: 'csv' };
  }
}

export const FIELDS_HINT = '(the fields are those of `tasklog logs show --json`)';

function ndjsonRecord(line: Line): RawRecord {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (err) {
    return { line: line.number, error: `not JSON: ${jsonErrorText((err as Error).message)}` };
  }
  if (value === null || typeof value !== 'object') return { line: line.number, error: `expected a JSON object (one per line, as \`logs list -o jsonl\` writes), not ${typeName(value)}` };
  if (Array.isArray(value)) return { line: line.number, error: 'expected a JSON object (one per line, as `logs list -o jsonl` writes), not an array' };
  return { line: line.number, values: value as Record<string, unknown>, source: 'ndjson' };
}

/** V8's JSON.parse message without the echo of the whole input, positions as 1-based columns. */
export function jsonErrorText(message: string): string {
  return message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ (?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?$/, (_, p) => ` at column ${Number(p) + 1}`)
    .replace(/ after JSON at column/, ' after the JSON value at column');
}

/** A JSON value's kind, for messages: null, an array, an object, a string… */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

type CsvParse = { cells: (string | null)[] } | { error: string } | 'open';

/** One CSV record starting at `first`, reading further lines while a quoted cell is open. */
async function csvRecord(first: Line, next: () => Promise<Line | null>): Promise<{ cells: (string | null)[]; line: number } | { error: string; line: number }> {
  let text = first.text;
  let eol = first.eol;
  for (;;) {
    const r = parseCsv(text);
    if (r !== 'open') return { ...r, line: first.number } as { cells: (string | null)[]; line: number } | { error: string; line: number };
    const more = await next();
    if (!more) return { error: 'a quoted CSV cell is never closed', line: first.number };
    text += eol + more.text;
    eol = more.eol;
  }
}

/** Cells of one CSV record; null for an unquoted empty cell; 'open' while a quoted cell runs past the text. */
export function parseCsv(text: string): CsvParse {
  const cells: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let j = i + 1;
      let value = '';
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return 'open';
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      cells.push(value);
      if (j === text.length) return { cells };
      if (text[j] !== ',') return { error: `CSV field ${cells.length} has text after its closing quote` };
      i = j + 1;
    } else {
      const c = text.indexOf(',', i);
      const raw = c < 0 ? text.slice(i) : text.slice(i, c);
      cells.push(raw === '' ? null : raw);
      if (c < 0) return { cells };
      i = c + 1;
    }
    if (i === text.length) {
      cells.push(null);
      return { cells };
    }
  }
}
