import { resolveArchive, resolveConnection, type ArchiveFlags, type ConnectionFlags } from '../toolkit/config.js';
import { output, type OutputFlags } from '../toolkit/output.js';
import { CLUSTER_OPTION, JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { DatabaseError, EXIT, RuntimeFailure, UsageError } from '../core/errors.js';
import { onInterrupt } from '../core/interrupt.js';
import type { Ctx } from '../core/io.js';
import { intInRange } from '../core/values.js';
import type { Db } from '../db/connect.js';
import { parseDatabaseUrl } from '../db/url.js';
import { parseTimeArg, resolveTimeArg, TIME_ARG_HELP, type TimeArg } from '../query/timearg.js';
import { formatInt } from '../render/format.js';

interface Opts extends ConnectionFlags, ArchiveFlags, OutputFlags {
  cluster?: string;
  since?: TimeArg;
  dryRun?: boolean;
  batchSize: number;
}

export const spec: CommandSpec<Opts> = {
  path: ['archive'],
  summary: 'copy the task log into a ClickHouse archive, incrementally, exactly once',
  description:
    'Copies the rows of the task log (--db: SQLite, PostgreSQL, MySQL/MariaDB) into ClickHouse (--to, ' +
    '$TASKLOG_ARCHIVE_URL or the config file\'s archive.url), creating the archive\'s tables when missing. Each run ' +
    'copies what changed since the last one: a row archived before and changed since is archived again and only its ' +
    'latest version answers; a second run right after the first writes nothing. Killed at any moment, the run leaves ' +
    'nothing visible and the next run finishes the job: nothing lost, nothing twice. Only reads the source. Run one at ' +
    'a time (in cron: flock).',
  options: [
    { flags: '--to <url>', description: 'the archive: clickhouse://[user[:password]@]host[:port]/database (HTTP interface, port 8123 by default; default: $TASKLOG_ARCHIVE_URL, archive.url)' },
    CLUSTER_OPTION,
    { flags: '--since <time>', description: `only rows created since then (${TIME_ARG_HELP})`, parse: parseTimeArg },
    { flags: '--dry-run', description: 'count what would be archived, write nothing' },
    { flags: '--batch-size <n>', description: 'rows per lookup in the archive and per piece of an insert (one INSERT streams 20 pieces)', default: 5000, parse: (v) => intInRange(v, 100, 100_000) },
    JSON_OPTION,
  ],
  exitCodes: { 130: 'interrupted (Ctrl-C) after a batch: nothing of the run is visible; run it again' },
  examples: [
    { command: 'tasklog archive --db postgres://app@db/app --to clickhouse://ch:8123/tasklog', description: 'archive what changed since the last run' },
    { command: '*/5 * * * * flock -n /tmp/tasklog-archive.lock tasklog archive --json', description: 'every five minutes from cron ($TASKLOG_DATABASE_URL, $TASKLOG_ARCHIVE_URL)' },
    { command: 'tasklog archive --to clickhouse://ch1:8123/tasklog --cluster logs', description: 'into a ClickHouse cluster (tables ON CLUSTER, sharded by id)' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const out = output(opts, ctx);
    const sourceSettings = resolveConnection(opts, ctx);
    const archiveSettings = resolveArchive(opts, ctx);
    const { connect } = await import('../db/connect.js');
    const { parseDatabaseUrl } = await import('../db/url.js');
    if (parseDatabaseUrl(sourceSettings.url, ctx.cwd).backend === 'clickhouse') {
      throw new UsageError('option --db: the source of the archive is the task log (SQLite, PostgreSQL, MySQL/MariaDB), not ClickHouse');
    }
    const since = opts.since ? resolveTimeArg(opts.since, ctx.now()) : undefined;
    const started = performance.now();
    // the source is only read: SQLite opened read-only, server sessions read-only
    const source = await connect(sourceSettings, ctx.cwd, { requireTable: true, session: { readOnly: true } });
    try {
      // a dry run creates nothing: an archive database that is not there yet is an empty archive
      const ch = await connect(archiveSettings, ctx.cwd, { create: !opts.dryRun }).catch((err: unknown) => {
        if (opts.dryRun && err instanceof RuntimeFailure && err.kind === 'no_database') return null;
        throw err;
      });
      try {
        return await archiveInto(source, ch, opts, ctx, out, since, started, archiveSettings.url, sourceSettings);
      } catch (err) {
        throw ch ? explain(err, ch) : err;
      } finally {
        await ch?.close();
      }
    } finally {
      await source.close();
    }
  },
};

async function archiveInto(
  source: Db,
  ch: Db | null,
  opts: Opts,
  ctx: Ctx,
  out: ReturnType<typeof output>,
  since: import('../core/time.js').Instant | undefined,
  started: number,
  url: string,
  sourceSettings: import('../db/connect.js').ConnectionSettings,
) {
  const { ensureArchiveTables, absentArchive, archiveDialect } = await import('../db/archive.js');
  const { Archiver } = await import('../query/archive.js');
  const { progress } = await import('../render/progress.js');
  // a user who may only read is told so before any row is read (its refused INSERT would race the rows being sent)
  if (ch && !opts.dryRun && (await archiveDialect(ch).readOnly(ch))) {
    throw new RuntimeFailure(`cannot archive into ${ch.target.display}: the user may only read (readonly is set in its profile)`, 'archive_readonly');
  }
  const layout = ch ? await ensureArchiveTables(ch, opts.cluster ?? null, !opts.dryRun) : absentArchive(source.table);
  const display = ch?.target.display ?? parseDatabaseUrl(url, ctx.cwd).display;
  const bar = progress(ctx, 'Archiving', null);
  let interrupted = false;
  const unsubscribe = onInterrupt(ctx.signal, () => (interrupted = true));
  let result;
  try {
    const archiver = new Archiver(source, ch, layout, {
      since,
      dryRun: Boolean(opts.dryRun),
      batchSize: opts.batchSize,
      now: ctx.now,
      onProgress: (n) => bar.update(n),
      stop: () => interrupted,
      // a long read goes on in reader threads, each opening the source as this command did
      reopen: { settings: sourceSettings, cwd: ctx.cwd },
    }, layout.missing.length === 0);
    result = await archiver.archive();
  } catch (err) {
    bar.fail();
    throw err;
  } finally {
    unsubscribe();
  }
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const summary = {
    archived: result.archived,
    updated: result.updated,
    unchanged: result.unchanged,
    open: result.open,
    kept_deleted: result.kept_deleted,
    seconds,
    dry_run: Boolean(opts.dryRun),
    run: result.run,
    next_from: result.watermark,
    source: source.target.display,
    archive: display,
    cluster: layout.cluster,
    created: layout.created,
    ...(result.interrupted ? { interrupted: true } : {}),
  };
  const line = `${formatInt(result.archived)} new, ${formatInt(result.updated)} updated, ${formatInt(result.unchanged)} unchanged (${formatInt(result.open)} still open)`;
  if (result.interrupted) {
    bar.fail('Interrupted: nothing of this run is visible; run it again');
    await out.print(summary, () => `Interrupted after ${line}\n`);
    return EXIT.INTERRUPTED;
  }
  bar.succeed(opts.dryRun ? 'Counted' : 'Archived');
  const verb = opts.dryRun ? 'Would archive' : 'Archived';
  await out.print(summary, () => `${verb} ${line} from ${source.target.display} into ${display} in ${seconds} s\n`);
}

/** A ClickHouse refusal the user can act on, said as such. */
function explain(err: unknown, ch: Db): unknown {
  if (err instanceof DatabaseError && err.code === 'CH164') {
    return new RuntimeFailure(`cannot archive into ${ch.target.display}: the user may only read (${err.detail})`, 'archive_readonly');
  }
  return err;
}
