/** What the rearq commands share: paging and time flags, the rows printed a page at a time or streamed. */
import { OUTPUT_OPTION, output, type OutputFlags, type Terminal } from './output.js';
import type { OptionSpec } from './spec.js';
import type { RearqFlags } from './rearq.js';
import { writeOut, type Ctx } from '../core/io.js';
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

/** The terminal the rearq tables are drawn on (the one output path's). */
export function rearqView(opts: OutputFlags, ctx: Ctx): Promise<Terminal> {
  return output(opts, ctx).terminal();
}

/**
 * Prints rows in the chosen format: a page ({"rows", "total"} for json) or,
 * with --all, a stream in constant memory (json is then written as it goes,
 * the total at the end).
 */
export async function printRows<T>(
  ctx: Ctx,
  opts: PagingFlags,
  fields: readonly string[],
  source: { page: () => Promise<{ rows: T[]; total: number }>; stream: () => AsyncGenerator<T> },
  toRecord: (row: T) => Record<string, unknown>,
  table: (rows: T[], first: boolean) => Promise<string>,
): Promise<void> {
  const out = output(opts, ctx);
  const format = out.format;
  if (!opts.all) {
    const { rows, total } = await source.page();
    const records = rows.map(toRecord);
    const footer = `${rows.length} of ${total} (offset ${opts.offset}; --limit, --offset, --all for more)`;
    if (!out.machine && !rows.length) return out.warn(footer);
    await out.print({ rows: records, total }, async () => (await table(rows, true)) + footer + '\n', { records, fields });
    return;
  }
  if (format === 'json') {
    let n = 0;
    let pending = '{"rows": [';
    for await (const r of source.stream()) {
      pending += (n++ ? ',\n  ' : '\n  ') + JSON.stringify(toRecord(r));
      if (pending.length > 65536) await writeOut(ctx.stdout, pending), (pending = '');
    }
    ctx.stdout.write(pending + (n ? '\n' : '') + `], "total": ${n}}\n`);
    return;
  }
  if (format === 'table') {
    let batch: T[] = [];
    let first = true;
    for await (const r of source.stream()) {
      batch.push(r);
      if (batch.length >= 1000) await writeOut(ctx.stdout, await table(batch, first)), (batch = []), (first = false);
    }
    if (batch.length || first) await writeOut(ctx.stdout, await table(batch, first));
    return;
  }
  const writer = await out.records(fields);
  for await (const r of source.stream()) await writer.write(toRecord(r));
  writer.end();
}

