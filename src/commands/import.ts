import type { ConnectionFlags } from '../toolkit/config.js';
import { withDb } from '../toolkit/database.js';
import { output, type Output, type OutputFlags } from '../toolkit/output.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { EXIT, TasklogError, UsageError } from '../core/errors.js';
import type { Ctx, InStream } from '../core/io.js';
import type { Db, Sql } from '../db/connect.js';
import { IMPORT_FORMATS, type ImportFormat } from '../import/read.js';
import { formatInt, plural } from '../render/format.js';
import type { Progress } from '../render/progress.js';

interface Opts extends ConnectionFlags, OutputFlags {
  format?: (typeof IMPORT_FORMATS)[number];
  skipInvalid?: boolean;
  dryRun?: boolean;
  newIds?: boolean;
}

export const spec: CommandSpec<Opts> = {
  path: ['import'],
  summary: 'upsert task log rows by job_id from NDJSON or CSV (an export of logs list), all or nothing',
  description:
    'Reads rows with the field names of `logs show --json` — one JSON object per line, or CSV with a header — from ' +
    'FILE or stdin (-), checks every field (status, ISO 8601 times, JSON, numbers, lengths) and upserts the rows by ' +
    'job_id in batches inside one transaction: a bad line stops the import naming its line, and nothing of it is ' +
    'kept, unless --skip-invalid, which reports each skipped line and imports the rest. A new row keeps the id the ' +
    'file gives (--new-ids: the database numbers it); an existing row keeps its id and gets the fields the file ' +
    "gives, and updated_at. Fields the file lacks take the model's defaults on a new row. A job_id repeated in the " +
    'file: the last line wins. The format comes from --format, the extension (.csv; .jsonl, .ndjson, .json), or ' +
    'the first line. Prints inserted, updated and skipped counts; progress on a terminal.',
  args: [{ name: 'file', description: 'the file to read, or - for stdin', required: true }],
  options: [
    { flags: '--format <format>', description: 'ndjson (also jsonl) or csv (default: from the extension, else the first line)', choices: IMPORT_FORMATS },
    { flags: '--skip-invalid', description: 'report and skip lines that cannot be imported instead of stopping' },
    { flags: '--dry-run', description: 'check and count everything inside the transaction, then roll it back' },
    { flags: '--new-ids', description: "ignore the file's ids: new rows get the database's next ids (when merging databases)" },
    JSON_OPTION,
  ],
  exitCodes: {
    1: 'the database failed or refused a batch (nothing imported)',
    2: 'a line cannot be imported (without --skip-invalid; nothing imported), the file cannot be read, or a bad flag',
  },
  examples: [
    { command: 'tasklog logs list --all -o jsonl --fields all --db old.sqlite | tasklog import - --db postgres://localhost/app', description: 'copy every row from SQLite to PostgreSQL' },
    { command: 'tasklog import week.jsonl --dry-run', description: 'check a file and count what it would insert and update' },
    { command: 'tasklog import rows.csv --skip-invalid --json', description: 'import what can be, list the lines that cannot' },
  ],
  async run(opts: Opts, ctx: Ctx, args: string[]) {
    const file = args[0];
    const { formatFromName } = await import('../import/read.js');
    const source = await openInput(file, ctx.stdin);
    const format = opts.format === 'jsonl' ? 'ndjson' : (opts.format ?? (file === '-' ? null : formatFromName(file)));
    const out = output(opts, ctx);
    let result;
    try {
      result = await withDb(opts, ctx, { requireTable: true, writes: 'import writes task log rows' }, (db) => importInto(db, { source, format, opts, ctx, out }));
    } finally {
      // a file opened but not read to its end (no database, a bad line) is closed here, not by the garbage collector
      if (file !== '-') (source as { destroy?(): void }).destroy?.();
    }
    const counts = `${formatInt(result.inserted)} inserted, ${formatInt(result.updated)} updated, ${formatInt(result.skipped)} skipped`;
    await out.print(
      {
        inserted: result.inserted,
        updated: result.updated,
        skipped: result.skipped,
        ...(opts.skipInvalid ? { skipped_lines: result.skippedLines } : {}),
        dry_run: Boolean(opts.dryRun),
      },
      () => (opts.dryRun ? `Dry run, nothing written to ${result.where}: ${counts}\n` : `Imported into ${result.where}: ${counts}\n`),
    );
  },
};

interface ImportRun {
  source: AsyncIterable<string | Buffer>;
  format: ImportFormat | null;
  opts: Opts;
  ctx: Ctx;
  out: Output;
}

/** What reading the input found besides the counts. */
interface ReadFacts {
  skippedLines: { line: number; reason: string }[];
  /** fields the first row lacks that the model has defaults for (a partial export): said once, at the end */
  missing?: string[];
  usersWithoutTable: boolean;
}

/** The whole input in one transaction (rolled back for --dry-run or at the first bad line), with progress, then the notes. */
async function importInto(db: Db, run: ImportRun) {
  const { progress } = await import('../render/progress.js');
  const { BadLine } = await import('../import/validate.js');
  const { opts } = run;
  const bar = progress(run.ctx, 'Importing', null);
  const started = Date.now();
  const facts: ReadFacts = { skippedLines: [], usersWithoutTable: false };
  const dryRunDone = new Error('dry run: roll back');
  let counts: { inserted: number; updated: number; skipped: number } | undefined;
  try {
    await db.transaction(async (tx) => {
      counts = await readAll(db, tx, run, facts, bar);
      if (opts.dryRun) throw dryRunDone;
    });
  } catch (err) {
    if (err !== dryRunDone) {
      bar.fail();
      if (err instanceof BadLine) throw new TasklogError(`line ${err.line}: ${err.reason}${opts.dryRun ? '' : ' (nothing imported)'}`, EXIT.USAGE, 'invalid_line');
      throw err;
    }
  }
  const c = counts!;
  // fresh statistics, or the planner keeps guessing from the table as it was (an empty one scans)
  if (!opts.dryRun && c.inserted > 0) await db.exec(db.dialect.analyzeSql(db.table));
  bar.succeed(`Read ${plural(c.inserted + c.updated + c.skipped, 'row')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (!run.out.machine) noteWhatWasMissing(db, facts, run.out);
  return { ...c, skippedLines: facts.skippedLines, where: `${db.table} (${db.target.display})` };
}

/** Reads, validates and upserts every line inside the transaction `tx`. */
async function readAll(db: Db, tx: Sql, run: ImportRun, facts: ReadFacts, bar: Progress) {
  const { readLines, readRecords } = await import('../import/read.js');
  const { validateRecord, BadLine, IMPORT_FIELDS, DEFAULTED_FIELDS } = await import('../import/validate.js');
  const { Importer } = await import('../import/write.js');
  const { opts, out } = run;
  const importer = new Importer(db, tx, {
    skipInvalid: Boolean(opts.skipInvalid),
    newIds: Boolean(opts.newIds),
    onSkip: (s) => {
      facts.skippedLines.push(s);
      if (!out.machine) bar.print(`tasklog: line ${s.line}: ${s.reason} (skipped)`);
    },
    onProgress: (n) => bar.update(n),
  });
  for await (const record of readRecords(readLines(run.source), run.format, IMPORT_FIELDS)) {
    if ('error' in record) {
      await importer.invalid(new BadLine(record.line, record.error));
      continue;
    }
    let row;
    try {
      row = validateRecord(record.line, record.values, record.source, { target: db.dialect, now: run.ctx.now() });
    } catch (err) {
      if (!(err instanceof BadLine)) throw err;
      await importer.invalid(err);
      continue;
    }
    facts.missing ??= DEFAULTED_FIELDS.filter((f) => !row.given.includes(f));
    facts.usersWithoutTable ||= row.values.user_id !== null && !db.userTable;
    await importer.add(row);
  }
  const counts = await importer.finish();
  if (!opts.dryRun && importer.insertedIds) await db.dialect.syncIdSequence?.(tx, db.table);
  return counts;
}

function noteWhatWasMissing(db: Db, facts: ReadFacts, out: Output): void {
  if (facts.missing?.length) {
    out.warn(
      `tasklog: note: the rows have no ${facts.missing.join(', ')}: new rows got the model's defaults, existing rows kept theirs ` +
        '(`logs list --all -o jsonl --fields all` exports every field)',
    );
  }
  if (facts.usersWithoutTable) {
    out.warn(`tasklog: note: ${db.target.display} has no user table ${db.userTableName}: user ids were kept as they are, with no user to name`);
  }
}

/** The bytes to read: the file (opened now, so a wrong name fails before connecting) or stdin. */
async function openInput(file: string, stdin: InStream): Promise<AsyncIterable<string | Buffer>> {
  if (file === '-') {
    if (stdin.isTTY) throw new UsageError('import -: stdin is a terminal; pipe the rows in (… | tasklog import -) or name a file');
    if (!stdin[Symbol.asyncIterator]) throw new UsageError('import -: there is no stdin to read');
    return stdin as AsyncIterable<string | Buffer>;
  }
  const { open } = await import('node:fs/promises');
  try {
    const handle = await open(file, 'r');
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return handle.createReadStream();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}
