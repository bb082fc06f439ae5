/**
 * The one exporter behind --json and -o: data in, text on stdout.
 *   json   one document (pretty)
 *   jsonl  one compact JSON object per line
 *   csv    a header line, then one line per row (RFC 4180 quoting; objects as JSON; null empty, '' as "")
 */
import { writeOut, type Ctx } from '../core/io.js';

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

/** Text is handed to stdout in chunks of about this many characters: one write per record costs a system call each. */
const CHUNK = 64 * 1024;

/**
 * A sink for a stream of records in one of the line formats, or a streamed
 * JSON array (with `total`: the array under "rows" and the count beside it,
 * {"rows": […], "total": n}).
 */
export function recordWriter(ctx: Ctx, format: 'json' | 'jsonl' | 'csv', fields: readonly string[], { total = false }: { total?: boolean } = {}) {
  let n = 0;
  const open = total ? '{"rows": ' : '';
  const close = total ? () => `, "total": ${n}}\n` : () => '\n';
  let pending = '';
  return {
    async write(record: Record<string, unknown>): Promise<void> {
      if (format === 'jsonl') pending += jsonLine(record);
      else if (format === 'csv') pending += (n === 0 ? csvLine([...fields]) : '') + csvLine(fields.map((f) => record[f]));
      else pending += (n === 0 ? open + '[\n  ' : ',\n  ') + JSON.stringify(record);
      n++;
      if (pending.length >= CHUNK) {
        const chunk = pending;
        pending = '';
        await writeOut(ctx.stdout, chunk);
      }
    },
    /** whole JSON lines as UTF-8 bytes (jsonl only: the export's lines, made as bytes) */
    async writeBytes(bytes: Uint8Array): Promise<void> {
      if (pending) {
        ctx.stdout.write(pending);
        pending = '';
      }
      await writeOut(ctx.stdout, bytes);
    },
    end(): void {
      if (format === 'csv' && n === 0) pending += csvLine([...fields]);
      if (format === 'json') pending += (n === 0 ? open + '[]' : '\n]') + close();
      if (pending) ctx.stdout.write(pending);
      pending = '';
    },
  };
}
