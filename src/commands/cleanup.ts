import { withDb } from '../toolkit/database.js';
import { resolveArchive, resolveSetting, type ArchiveFlags, type ConnectionFlags } from '../toolkit/config.js';
import { ARCHIVE_REQUIRED } from '../toolkit/settings.js';
import { output, type Output } from '../toolkit/output.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { EXIT, RuntimeFailure, UsageError } from '../core/errors.js';
import { Interrupted, onInterrupt } from '../core/interrupt.js';
import { isInteractive, type Ctx } from '../core/io.js';
import type { Db } from '../db/connect.js';
import type { Candidates, CleanupPlan } from '../query/cleanup.js';
import { formatInt, plural } from '../render/format.js';
import { intInRange, positiveInt } from '../core/values.js';
import { filterCondition } from '../query/filters.js';
import { commandFilters, filterOptions, type ReadFlags } from '../toolkit/logs.js';

interface Opts extends ReadFlags, ConnectionFlags, ArchiveFlags {
  archived?: boolean;
  [filter: string]: unknown;
  days: number;
  keepFailedDays?: number;
  batchSize: number;
  yes?: boolean;
  dryRun?: boolean;
  vacuum?: boolean;
}

export const spec: CommandSpec<Opts> = {
  path: ['cleanup'],
  summary: 'delete rows created more than --days ago, in short batches, safely',
  description:
    'Deletes rows created before now − --days (optionally only those the filters of `logs list` select — --status-in, ' +
    '--where, --view … — or keeping failed rows for ' +
    '--keep-failed-days), in batches of --batch-size, each its own short statement: writers are never blocked for ' +
    'long, and a row newer than the cutoff is never deleted, even one that arrives mid-run. On a terminal it asks ' +
    'first (unless --yes) and shows progress; off a terminal it needs --yes. Ctrl-C stops after the current batch ' +
    '(exit 130); running it again finishes the job.',
  options: [
    { flags: '--days <n>', description: 'delete rows created more than N days ago', default: 90, parse: (v) => positiveInt(v, 'a whole number of days ≥ 1') },
    { flags: '--keep-failed-days <n>', description: 'keep failed rows (failed, expired or success false) until they are N days old', parse: (v) => positiveInt(v, 'a whole number of days ≥ 1') },
    { flags: '--batch-size <n>', description: 'rows per delete statement', default: 5000, parse: (v) => intInRange(v, 1, 10000) },
    { flags: '-y, --yes', description: 'do not ask (needed off a terminal)' },
    { flags: '--dry-run', description: 'only count what would be deleted, by status' },
    { flags: '--vacuum', description: 'reclaim the space afterwards (VACUUM / OPTIMIZE TABLE)' },
    ...filterOptions(),
    { flags: '--archived', description: 'delete only rows whose current version is in the ClickHouse archive (default when the config file says archive.required: true)' },
    { flags: '--to <url>', description: 'the archive --archived checks: clickhouse://… (default: $TASKLOG_ARCHIVE_URL, archive.url)' },
    JSON_OPTION,
  ],
  exitCodes: { 130: 'interrupted (Ctrl-C) after a batch; run it again to finish' },
  examples: [
    { command: 'tasklog cleanup --days 90 --yes', description: 'the nightly cron line' },
    { command: 'tasklog cleanup --days 30 --keep-failed-days 180 --dry-run', description: 'what a stricter policy would delete' },
    { command: `tasklog cleanup --days 7 --where "task_name startswith 'healthcheck.'" --yes`, description: 'a shorter retention for some rows' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    checkFlags(opts, ctx);
    if (resolveSetting(ARCHIVE_REQUIRED, opts, ctx).value) {
      if (commandFilters(opts, ctx).length > 0) throw new UsageError('cleanup --archived deletes by age alone: it takes no filters (--where, --view, …) yet');
      return cleanupArchived(opts, ctx);
    }
    const { planCleanup, findCandidates, cutoffIso } = await import('../query/cleanup.js');
    const filters = commandFilters(opts, ctx);
    const out = output(opts, ctx);
    return withDb(opts, ctx, { requireTable: true, writes: 'cleanup deletes task log rows' }, async (db) => {
      // relative times of the filters resolved once: every batch deletes by the same condition
      const plan = planCleanup(ctx.now(), opts.days, opts.keepFailedDays, filterCondition(db, ctx.now(), { filters }));
      const candidates = await findCandidates(db, plan);
      const run: Run = { opts, ctx, out, db, plan, candidates, cutoff: cutoffIso(plan), olderThan: `older than ${plural(opts.days, 'day')}` };
      if (opts.dryRun) return reportDryRun(run);
      if (candidates.total > 0 && !opts.yes && !(await confirmDeletion(run))) {
        out.warn('Nothing deleted.');
        if (out.machine) await out.print(summary(run, 0), () => '');
        return;
      }
      return deleteAll(run);
    });
  },
};

interface Run {
  opts: Opts;
  ctx: Ctx;
  out: Output;
  db: Db;
  plan: CleanupPlan;
  candidates: Candidates;
  cutoff: string;
  /** "older than 90 days" */
  olderThan: string;
}

function checkFlags(opts: Opts, ctx: Ctx): void {
  if (opts.keepFailedDays !== undefined && opts.keepFailedDays < opts.days) {
    throw new UsageError(`option '--keep-failed-days <n>' (${opts.keepFailedDays}) must be at least --days (${opts.days}): it keeps failures longer`);
  }
  if (!opts.dryRun && !opts.yes && !isInteractive(ctx)) {
    throw new UsageError('refusing to delete without --yes when not on a terminal (add --yes, or --dry-run to count)');
  }
}

/** What --json prints: the same object whatever happened. */
function summary(run: Run, deleted: number, extra: Record<string, unknown> = {}) {
  return { deleted, cutoff: run.cutoff, dry_run: Boolean(run.opts.dryRun), by_status: run.candidates.byStatus, ...extra };
}

async function reportDryRun(run: Run): Promise<void> {
  const { total, byStatus } = run.candidates;
  await run.out.print(summary(run, total), () =>
    [`Would delete ${logs(total)} ${run.olderThan} (created before ${run.cutoff})`, ...Object.entries(byStatus).map(([s, n]) => `  ${s.padEnd(12)}${formatInt(n).padStart(12)}`)].join('\n') + '\n',
  );
}

/** Asks on the terminal: yes or no; Ctrl-C at the question is exit 130 with nothing deleted. */
async function confirmDeletion(run: Run): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  const { isPromptExit, promptContext } = await import('../ui/terminal.js');
  try {
    return await confirm({ message: `Delete ${logs(run.candidates.total)} ${run.olderThan} (created before ${run.cutoff})?`, default: false }, promptContext(run.ctx));
  } catch (err) {
    if (isPromptExit(err)) throw new Interrupted('interrupted: nothing deleted');
    throw err;
  }
}

/** The batches, with progress; Ctrl-C stops after the current batch (exit 130). */
async function deleteAll(run: Run): Promise<number | void> {
  const { deleteInBatches } = await import('../query/cleanup.js');
  const { progress } = await import('../render/progress.js');
  const { db, opts, out } = run;
  const bar = progress(run.ctx, 'Deleting', run.candidates.total);
  const result = await batchesWithBar(run.ctx, bar, (stop) => deleteInBatches(db, { plan: run.plan, candidates: run.candidates, batchSize: opts.batchSize, onBatch: (n) => bar.update(n), stop }));
  const deleted = logs(result.deleted);
  if (result.interrupted) {
    bar.fail(`Interrupted: deleted ${deleted}; run it again to finish`);
    await out.print(summary(run, result.deleted, { interrupted: true }), () => `Deleted ${deleted} ${run.olderThan} (interrupted)\n`);
    return EXIT.INTERRUPTED;
  }
  bar.succeed(`Deleted ${deleted}`);
  if (opts.vacuum) await db.exec(db.dialect.vacuumSql(db.table));
  await out.print(summary(run, result.deleted, { longest_batch_ms: Math.round(result.longestBatchMs) }), () => `Deleted ${deleted} ${run.olderThan}\n`);
}

/** "1 log", "12,944 logs" */
function logs(n: number): string {
  return plural(n, 'log');
}

/**
 * cleanup --archived: the same rows as cleanup, but each deleted only if the
 * archive holds its current version; the others stay and are counted.
 */
async function cleanupArchived(opts: Opts, ctx: Ctx): Promise<number | void> {
  const archiveSettings = resolveArchive(opts, ctx);
  const { planCleanup, findCandidates, cutoffIso, deleteArchivedInBatches } = await import('../query/cleanup.js');
  const { connect } = await import('../db/connect.js');
  const { ensureArchiveTables } = await import('../db/archive.js');
  const { archiveCheck } = await import('../query/archive.js');
  const plan = planCleanup(ctx.now(), opts.days, opts.keepFailedDays, null);
  const out = output(opts, ctx);
  return withDb(opts, ctx, { requireTable: true }, async (db) => {
    const ch = await connect(archiveSettings, ctx.cwd, {});
    try {
      const layout = await ensureArchiveTables(ch, null, false);
      if (layout.missing.length) throw new RuntimeFailure(`no archive of ${db.table} in ${ch.target.display} (run \`tasklog archive\` first): nothing deleted`, 'no_archive');
      const check = await archiveCheck(ch, layout);
      const candidates = await findCandidates(db, plan);
      const run: Run = { opts, ctx, out, db, plan, candidates, cutoff: cutoffIso(plan), olderThan: `older than ${plural(opts.days, 'day')}` };
      const extra = { archived_only: true, archive: ch.target.display };
      if (!opts.dryRun && candidates.total > 0 && !opts.yes && !(await confirmDeletion(run))) {
        out.warn('Nothing deleted.');
        if (out.machine) await out.print(summary(run, 0, { ...extra, kept: candidates.total }), () => '');
        return;
      }
      const { progress } = await import('../render/progress.js');
      const bar = progress(ctx, opts.dryRun ? 'Checking' : 'Deleting', candidates.total);
      const counted = { n: 0 };
      const effective = opts.dryRun ? { archived: async (rows: import('../db/decode.js').TaskLogRow[]) => dryRunIds(await check.archived(rows), counted) } : check;
      let result = await batchesWithBar(ctx, bar, (stop) => deleteArchivedInBatches(db, effective, { plan, candidates, batchSize: opts.batchSize, onBatch: (n) => bar.update(n), stop }));
      // a dry run handed back no row to delete: what it counted would have gone, the rest stays
      if (opts.dryRun) result = { ...result, deleted: counted.n, kept: result.kept - counted.n };
      const deleted = logs(result.deleted);
      const kept = result.kept ? `; kept ${logs(result.kept)} not (yet) in the archive in their current version` : '';
      if (result.interrupted) {
        bar.fail(`Interrupted: deleted ${deleted}; run it again to finish`);
        await out.print(summary(run, result.deleted, { ...extra, kept: result.kept, interrupted: true }), () => `Deleted ${deleted} ${run.olderThan} (interrupted)${kept}\n`);
        return EXIT.INTERRUPTED;
      }
      bar.succeed(`${opts.dryRun ? 'Would delete' : 'Deleted'} ${deleted}`);
      if (opts.vacuum && !opts.dryRun) await db.exec(db.dialect.vacuumSql(db.table));
      await out.print(summary(run, result.deleted, { ...extra, kept: result.kept }), () => `${opts.dryRun ? 'Would delete' : 'Deleted'} ${deleted} ${run.olderThan} that the archive holds${kept}\n`);
    } finally {
      await ch.close();
    }
  });
}

/** A dry run deletes nothing: it counts the archived rows and hands back none. */
function dryRunIds(ids: Set<number>, counted: { n: number }): Set<number> {
  counted.n += ids.size;
  return new Set();
}

/** Batches under a progress bar: Ctrl-C asks them to stop after the current one; a failure marks the bar failed. */
async function batchesWithBar<T>(ctx: Ctx, bar: { fail(text?: string): void }, work: (stop: () => boolean) => Promise<T>): Promise<T> {
  let interrupted = false;
  const unsubscribe = onInterrupt(ctx.signal, () => (interrupted = true));
  try {
    return await work(() => interrupted);
  } catch (err) {
    bar.fail();
    throw err;
  } finally {
    unsubscribe();
  }
}
