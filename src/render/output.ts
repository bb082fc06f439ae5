/**
 * The one exporter behind --json and -o: data in, text on stdout.
 *   json   one document (pretty)
 *   jsonl  one compact JSON object per line
 *   csv    a header line, then one line per row (RFC 4180 quoting; objects as JSON; null empty, '' as "")
 */
import { writeOut, type Ctx } from '../cli/io.js';

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function writeJson(ctx: Ctx, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function jsonLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

/** null is an empty cell, the empty string a quoted one ("") — as PostgreSQL's COPY tells them apart, and `tasklog import` reads them. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text === '') return '""';
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}

/** A sink for a stream of records in one of the line formats (or a streamed JSON array). */
export function recordWriter(ctx: Ctx, format: 'json' | 'jsonl' | 'csv', fields: readonly string[]) {
  let n = 0;
  return {
    async write(record: Record<string, unknown>): Promise<void> {
      let text: string;
      if (format === 'jsonl') text = jsonLine(record);
      else if (format === 'csv') text = (n === 0 ? csvLine([...fields]) : '') + csvLine(fields.map((f) => record[f]));
      else text = (n === 0 ? '[\n  ' : ',\n  ') + JSON.stringify(record);
      n++;
      await writeOut(ctx.stdout, text);
    },
    end() {
      if (format === 'csv' && n === 0) ctx.stdout.write(csvLine([...fields]));
      if (format === 'json') ctx.stdout.write(n === 0 ? '[]\n' : '\n]\n');
      return n;
    },
  };
}
