import { withDb } from '../toolkit/database.js';
import { resolveConnection } from '../toolkit/config.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { intInRange, positiveInt } from '../core/values.js';
import { formatInt } from '../render/format.js';
import { DEFAULT_ORDERING, ESTIMATE_FROM, ORDERING_FIELDS, parseOrdering, type OrderTerm } from '../query/logs.js';
import { commandFilters, FIELDS_OPTION, filterOptions, type ReadFlags } from '../toolkit/logs.js';
import { inBlocks, OUTPUT_OPTION, output, type Output } from '../toolkit/output.js';
import type { Column } from '../render/table.js';
import type { TaskLogRow } from '../query/present.js';

interface Opts extends ReadFlags {
  fields?: string[];
  ordering?: OrderTerm[];
  page: number;
  pageSize: number;
  exactCount?: boolean;
  all?: boolean;
  [filter: string]: unknown;
}

export const MAX_PAGE_SIZE = 1000;

export const spec: CommandSpec<Opts> = {
  path: ['logs', 'list'],
  summary: 'list task log rows: every filter of the API, search, ordering, pages, streaming',
  description:
    'Filters combine with AND. Times take ISO 8601 (UTC unless an offset is given), a date (midnight UTC) or a ' +
    'span before now (90s, 30m, 24h, 7d, 2w). On a terminal the rows are a table like the admin list; piped, the ' +
    'same table without color. --json prints {count, page, page_size, results}; -o jsonl and -o csv print one row ' +
    'per line, meant for --all, which streams every matching row in constant memory.',
  options: [
    ...filterOptions(),
    {
      flags: '--ordering <fields>',
      description: `sort by FIELD[,FIELD…], - for descending: ${ORDERING_FIELDS.join(', ')} (default ${DEFAULT_ORDERING}; ties by id; nulls last)`,
      parse: parseOrdering,
    },
    { flags: '--page <n>', description: 'page number', default: 1, parse: (v) => positiveInt(v, 'a whole number ≥ 1') },
    { flags: '--page-size <n>', description: `rows per page, at most ${MAX_PAGE_SIZE}`, default: 20, parse: (v) => intInRange(v, 1, MAX_PAGE_SIZE) },
    { flags: '--all', description: 'every matching row, streamed in constant memory; ignores --page' },
    {
      flags: '--exact-count',
      description: `count every row even on a huge table (without filters, PostgreSQL's estimate is shown, marked, when it is ${formatInt(ESTIMATE_FROM)} or more)`,
    },
    OUTPUT_OPTION,
    FIELDS_OPTION,
    JSON_OPTION,
  ],
  examples: [
    { command: 'tasklog logs list --is-failed --since 24h', description: 'failures of the last day' },
    { command: 'tasklog logs list --duration-min 30000 --ordering -duration_ms', description: 'the slowest jobs' },
    { command: "tasklog logs list --search 'timeout payments' --json | jq '.results[].job_id'", description: 'search, for a script' },
    { command: 'tasklog logs list --all -o jsonl --since 7d > week.jsonl', description: 'export a week, streamed' },
    { command: `tasklog logs list --where "kwargs.user_id = 42 and (is_failed or duration_ms > 30s)"`, description: 'a condition over the row, into its arguments' },
    { command: 'tasklog logs list --view payments-failing', description: 'a view saved in the config file' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { LogReader } = await import('../query/logs.js');
    const query = { filters: commandFilters(opts, ctx), order: opts.ordering ?? parseOrdering(DEFAULT_ORDERING) };
    const out = output(opts, ctx);
    await withDb(opts, ctx, { requireTable: true }, async (db) => {
      const reader = new LogReader(db, ctx.now());
      // the export's reader threads open the database as this command did
      if (opts.all) await streamAll(reader, query, opts, out, { settings: resolveConnection(opts, ctx), cwd: ctx.cwd });
      else await printPage(reader, query, opts, out, ctx);
    });
  },
};

type Reader = import('../query/logs.js').LogReader;
type Query = import('../query/logs.js').LogQuery;
type SourceOpening = import('../query/threads.js').SourceOpening;

/** One page: {count, page, page_size, results} as JSON, its rows as JSON lines or CSV, or the table with a footer. */
async function printPage(reader: Reader, query: Query, opts: Opts, out: Output, ctx: Ctx): Promise<void> {
  const { toDetail, pick, LIST_FIELDS } = await import('../query/present.js');
  const fields = opts.fields ?? [...LIST_FIELDS];
  // a filtered page is always counted: where one statement gives both, it reads the matching rows once
  const together = query.filters.length > 0 ? await reader.pageWithCount(query, opts.page, opts.pageSize) : null;
  const [{ count, estimated }, rows] = together
    ? [{ count: together.count, estimated: false }, together.rows]
    : await Promise.all([reader.countForPage(query, opts.exactCount ? null : ESTIMATE_FROM), reader.page(query, opts.page, opts.pageSize)]);
  const results = rows.map((r) => pick(toDetail(r), fields));
  const page = { count, count_estimated: estimated, page: opts.page, page_size: opts.pageSize, results };
  await out.print(page, async (term) => {
    const { renderList, listColumns, fieldColumns, pageFooter } = await import('../render/logs.js');
    const columns = opts.fields ? fieldColumns(opts.fields) : listColumns(term);
    const footer = pageFooter(opts.page, opts.pageSize, rows.length, count, estimated);
    if (!term.decorate && !rows.length) ctx.stderr.write(footer + '\n');
    return (rows.length ? renderList(rows, columns, term) : '') + (term.decorate ? term.style.c.gray(footer) + '\n' : '');
  }, { records: results, fields });
}

/**
 * Every matching row, streamed in constant memory from one statement the
 * database streams (LogReader.streamRaw; the ClickHouse archive's decoded
 * rows, LogReader.stream): JSON lines written straight from the raw values,
 * other formats through the decoded records, or the table in blocks of
 * 1,000 rows (Output.stream).
 */
async function streamAll(reader: Reader, query: Query, opts: Opts, out: Output, opening: SourceOpening): Promise<void> {
  const { toDetail, pick, columnsFor, LIST_FIELDS } = await import('../query/present.js');
  const fields = opts.fields ?? [...LIST_FIELDS];
  // the ClickHouse archive streams decoded rows (Db.streamRecords), not the source databases' raw values
  const decoded = Boolean(reader.db.streamRecords);
  if (!decoded && out.format === 'jsonl') return streamJsonLines(reader, query, fields, out, opening);
  const { decodeRawRow } = await import('../db/decode.js');
  let columns: Column<TaskLogRow>[] | undefined;
  await out.stream<TaskLogRow>({
    fields,
    // only the columns the fields are made from: an export of the list fields never reads args or results
    async *records() {
      if (decoded) {
        for await (const row of reader.stream(query, undefined, columnsFor(fields))) yield pick(toDetail(row), fields);
        return;
      }
      const raw = reader.streamRaw(query, columnsFor(fields));
      for await (const batch of raw.batches) for (const row of batch) yield pick(toDetail(decodeRawRow(raw.columns, row)), fields);
    },
    async *blocks() {
      if (decoded) {
        yield* inBlocks(reader.stream(query), 1000);
        return;
      }
      const raw = reader.streamRaw(query);
      for await (const batch of raw.batches) yield batch.map((row) => decodeRawRow(raw.columns, row));
    },
    async table(rows, term) {
      const { renderList, listColumns, fieldColumns } = await import('../render/logs.js');
      columns ??= opts.fields ? fieldColumns(opts.fields) : listColumns(term);
      return renderList(rows, columns, { ...term, width: undefined });
    },
  });
}

/**
 * -o jsonl from a source database: PostgreSQL's lines made from the bytes of
 * its COPY text; SQLite's by reader threads over ranges of the order where
 * it has an index and enough rows; otherwise each line from the raw values
 * of one streamed statement. (PostgreSQL writing the lines itself, row_to_json
 * and to_char, was 2.7× slower than the COPY bytes on 1M rows in time order,
 * 4.1× on 10M.)
 */
async function streamJsonLines(reader: Reader, query: Query, fields: string[], out: Output, opening: SourceOpening): Promise<void> {
  const writer = await out.records(fields);
  const { jsonLineWriter, copyTextJsonWriter, linesBytes } = await import('../query/export.js');
  const bytes = copyTextJsonWriter(fields);
  const copy = reader.streamCopyText(query, bytes.only);
  if (copy) {
    for await (const chunk of copy.chunks) {
      const lines = bytes.write(chunk);
      if (lines.length) await writer.writeBytes(lines);
    }
    bytes.end();
    writer.end();
    return;
  }
  // SQLite: reader threads over ranges of the order, where it has an index and enough rows
  const { exportRanges } = await import('../query/export-ranges.js');
  if (await exportRanges(reader, opening, query, fields, (bytes) => writer.writeBytes(bytes))) {
    writer.end();
    return;
  }
  const { only, line } = jsonLineWriter(fields);
  for await (const batch of reader.streamRaw(query, only).batches) await writer.writeBytes(linesBytes(batch, line));
  writer.end();
}
