/**
 * The one output path: every command that prints data gets its format
 * (--json, -o), color (--no-color, NO_COLOR, FORCE_COLOR, a terminal or not)
 * and width from here, and prints through it. A command says what its data
 * is and how its terminal page looks; this decides which of the two goes out.
 *   table  the terminal page (colored on a terminal)
 *   json   one document (pretty)
 *   jsonl  one compact JSON object per line (a command's rows)
 *   csv    a header line, then one line per row
 */
import { terminalWidth, writeOut, type Ctx } from '../core/io.js';
import type { OptionSpec } from '../core/option.js';
import { JSON_OPTION } from './spec.js';
import type { Style } from '../render/style.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../render/output.js';

export { JSON_OPTION, OUTPUT_FORMATS, type OutputFormat };

export const OUTPUT_OPTION: OptionSpec = {
  flags: '-o, --output <format>',
  description: 'table (default), json, jsonl (one object per line) or csv',
  choices: OUTPUT_FORMATS,
};

export interface OutputFlags {
  json?: boolean;
  output?: OutputFormat;
  /** false with --no-color */
  color?: boolean;
}

/** What a terminal page is drawn with. */
export interface Terminal {
  style: Style;
  now: Date;
  /** the terminal's columns (COLUMNS, or 100 off a terminal) */
  columns: number;
  /** columns to fit a table into: only on a terminal; piped tables keep their natural width */
  width?: number;
  /** a terminal: headers, footers and hints are shown */
  decorate: boolean;
}

export class Output {
  readonly format: OutputFormat;
  private term?: Terminal;

  constructor(
    private readonly flags: OutputFlags,
    private readonly ctx: Ctx,
  ) {
    this.format = flags.json ? 'json' : (flags.output ?? 'table');
  }

  /** JSON, JSON lines or CSV: for a program, so no human notes on stdout. */
  get machine(): boolean {
    return this.format !== 'table';
  }

  async terminal(): Promise<Terminal> {
    if (!this.term) {
      const { makeStyle } = await import('../render/style.js');
      const decorate = Boolean(this.ctx.stdout.isTTY);
      const columns = terminalWidth(this.ctx);
      const ctx = this.ctx;
      this.term = {
        style: makeStyle(ctx, this.flags.color === false),
        // read at each use: a --watch page redrawn a minute later says "1 min ago" from then
        get now() {
          return ctx.now();
        },
        columns,
        width: decorate ? columns : undefined,
        decorate,
      };
    }
    return this.term;
  }

  /**
   * Prints a command's answer: `data` as JSON (with -o jsonl/csv, `rows` of it
   * one per line), otherwise the page `render` draws.
   */
  async print<T>(data: T, render: (term: Terminal) => string | Promise<string>, rows?: { records: readonly Record<string, unknown>[]; fields: readonly string[] }): Promise<void> {
    if (this.format === 'json') {
      const { writeJson } = await import('../render/output.js');
      writeJson(this.ctx, data);
      return;
    }
    if (this.format === 'jsonl' || this.format === 'csv') {
      const records = rows?.records ?? (Array.isArray(data) ? (data as Record<string, unknown>[]) : [data as Record<string, unknown>]);
      const fields = rows?.fields ?? Object.keys(records[0] ?? {});
      const writer = await this.records(fields);
      for (const r of records) await writer.write(r);
      writer.end();
      return;
    }
    // a page drawn without the terminal (plain lines) does not load the color library
    this.ctx.stdout.write(await render(render.length === 0 ? (undefined as unknown as Terminal) : await this.terminal()));
  }

  /** A sink for rows streamed one at a time (json: a streamed array; with `total`, {"rows": […], "total": n}). */
  async records(fields: readonly string[], options: { total?: boolean } = {}) {
    const { recordWriter } = await import('../render/output.js');
    return recordWriter(this.ctx, this.format === 'table' ? 'json' : this.format, fields, options);
  }

  /**
   * Prints rows as they are read, in constant memory: the table block by
   * block (drawn whole, the header only over the first), or the records one
   * by one through `records` (json, jsonl, csv). Each format reads only its
   * own source: `blocks` for the table, `records` for the others.
   */
  async stream<T>(rows: {
    fields: readonly string[];
    /** the rows as records, for json, jsonl and csv */
    records(): AsyncIterable<Record<string, unknown>>;
    /** the rows in blocks, for the table (inBlocks) */
    blocks(): AsyncIterable<T[]>;
    /** one block's table, header included */
    table(rows: T[], term: Terminal): string | Promise<string>;
    /** json: {"rows": […], "total": n} instead of the bare array */
    total?: boolean;
  }): Promise<void> {
    if (this.format === 'table') {
      const term = await this.terminal();
      const { tableBody } = await import('../render/table.js');
      let first = true;
      for await (const block of rows.blocks()) {
        const text = await rows.table(block, term);
        await writeOut(this.ctx.stdout, first ? text : tableBody(text, term.decorate));
        first = false;
      }
      return;
    }
    const writer = await this.records(rows.fields, { total: rows.total });
    for await (const record of rows.records()) await writer.write(record);
    writer.end();
  }

  /** A line for the person at the terminal (a confirmation, a summary): on stdout with the table format, nowhere otherwise. */
  say(text: string): void {
    if (!this.machine) this.ctx.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** A remark that is not the answer (a warning, "no rows"): stderr, whatever the format. */
  warn(text: string): void {
    this.ctx.stderr.write(text.endsWith('\n') ? text : text + '\n');
  }
}

export function output(flags: OutputFlags, ctx: Ctx): Output {
  return new Output(flags, ctx);
}

/**
 * Rows in blocks of `size` for Output.stream's table (the last block
 * shorter); `header`: with no rows, one empty block, so the table still
 * shows its header.
 */
export async function* inBlocks<T>(rows: AsyncIterable<T>, size: number, { header = false } = {}): AsyncGenerator<T[]> {
  let block: T[] = [];
  let any = false;
  for await (const row of rows) {
    block.push(row);
    if (block.length >= size) {
      yield block;
      block = [];
      any = true;
    }
  }
  if (block.length || (header && !any)) yield block;
}
