/** What the rearq commands share: paging and time flags, the rows printed a page at a time or streamed. */
import { inBlocks, OUTPUT_OPTION, output, type OutputFlags, type Terminal } from './output.js';
import type { OptionSpec } from './spec.js';
import type { RearqFlags } from './rearq.js';
import type { Ctx } from '../core/io.js';
import { nonNegativeInt, positiveInt } from '../core/values.js';
import { parseTimeArg, resolveTimeArg, TIME_ARG_HELP, type TimeArg } from '../query/timearg.js';
import type { Instant } from '../core/time.js';

export interface PagingFlags extends RearqFlags, OutputFlags {
  limit: number;
  offset: number;
  all?: boolean;
  startTime?: TimeArg;
  endTime?: TimeArg;
}

export const PAGING_OPTIONS: OptionSpec[] = [
  { flags: '--limit <n>', description: 'rows per page', default: 10, parse: (v) => positiveInt(v, 'a whole number ≥ 1') },
  { flags: '--offset <n>', description: 'rows to skip', default: 0, parse: (v) => nonNegativeInt(v) },
  { flags: '--all', description: 'every matching row, streamed (ignores --limit and --offset)' },
  OUTPUT_OPTION,
];

export function timeOptions(on: string): OptionSpec[] {
  return [
    { flags: '--start-time <time>', description: `${on} at or after: ${TIME_ARG_HELP}`, parse: parseTimeArg },
    { flags: '--end-time <time>', description: `${on} at or before (same forms)`, parse: parseTimeArg },
  ];
}

export function timeRange(opts: PagingFlags, ctx: Ctx): { start?: Instant; end?: Instant } {
  const now = ctx.now();
  return {
    start: opts.startTime ? resolveTimeArg(opts.startTime, now) : undefined,
    end: opts.endTime ? resolveTimeArg(opts.endTime, now) : undefined,
  };
}

/**
 * Prints rows in the chosen format: a page and the count of every match
 * ({"rows", "total"} for json) or, with --all, every match streamed in
 * constant memory (Output.stream: json then {"rows": […], "total": n}
 * written as it goes; a table of no rows is its header).
 */
export async function printRows<T>(
  ctx: Ctx,
  opts: PagingFlags,
  fields: readonly string[],
  source: { page: () => Promise<T[]>; count: () => Promise<number>; stream: () => AsyncIterable<T> },
  toRecord: (row: T) => Record<string, unknown>,
  table: (rows: T[], term: Terminal) => string,
): Promise<void> {
  const out = output(opts, ctx);
  if (!opts.all) {
    const [rows, total] = await Promise.all([source.page(), source.count()]);
    const records = rows.map(toRecord);
    const footer = `${rows.length} of ${total} (offset ${opts.offset}; --limit, --offset, --all for more)`;
    if (!out.machine && !rows.length) return out.warn(footer);
    await out.print({ rows: records, total }, (term) => table(rows, term) + footer + '\n', { records, fields });
    return;
  }
  await out.stream({
    fields,
    total: true,
    async *records() {
      for await (const row of source.stream()) yield toRecord(row);
    },
    blocks: () => inBlocks(source.stream(), 1000, { header: true }),
    table,
  });
}
