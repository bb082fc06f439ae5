import { withDb } from '../cli/database.js';
import { EXIT, UsageError } from '../core/errors.js';
import { isInteractive, type Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../cli/spec.js';
import { csvList, intInRange, positiveInt } from '../core/values.js';
import { STATUSES } from '../query/status.js';
import type { OutputFlags } from './logs-shared.js';

interface Opts extends OutputFlags {
  days: number;
  status?: string[];
  keepFailedDays?: number;
  batchSize: number;
  yes?: boolean;
  dryRun?: boolean;
  vacuum?: boolean;
}

export const spec: CommandSpec = {
  path: ['cleanup'],
  summary: 'delete rows created more than --days ago, in short batches, safely',
  description:
    'Deletes rows created before now − --days (optionally only --status …, or keeping failed rows for ' +
    '--keep-failed-days), in batches of --batch-size, each its own short statement: writers are never blocked for ' +
    'long, and a row newer than the cutoff is never deleted, even one that arrives mid-run. On a terminal it asks ' +
    'first (unless --yes) and shows progress; off a terminal it needs --yes. Ctrl-C stops after the current batch ' +
    '(exit 130); running it again finishes the job.',
  options: [
    { flags: '--days <n>', description: 'delete rows created more than N days ago', default: 90, parse: (v) => positiveInt(v, 'a whole number of days ≥ 1') },
    { flags: '--status <a,b>', description: `only rows with these statuses (${STATUSES.join(', ')})`, parse: (v) => csvList(v, STATUSES) },
    { flags: '--keep-failed-days <n>', description: 'keep failed rows (failed, expired or success false) until they are N days old', parse: (v) => positiveInt(v, 'a whole number of days ≥ 1') },
    { flags: '--batch-size <n>', description: 'rows per delete statement', default: 5000, parse: (v) => intInRange(v, 1, 10000) },
    { flags: '-y, --yes', description: 'do not ask (needed off a terminal)' },
    { flags: '--dry-run', description: 'only count what would be deleted, by status' },
    { flags: '--vacuum', description: 'reclaim the space afterwards (VACUUM / OPTIMIZE TABLE)' },
    JSON_OPTION,
  ],
  exitCodes: { 130: 'interrupted (Ctrl-C) after a batch; run it again to finish' },
  examples: [
    { command: 'tasklog cleanup --days 90 --yes', description: 'the nightly cron line' },
    { command: 'tasklog cleanup --days 30 --keep-failed-days 180 --dry-run', description: 'what a stricter policy would delete' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    if (opts.keepFailedDays !== undefined && opts.keepFailedDays < opts.days) {
      throw new UsageError(`option '--keep-failed-days <n>' (${opts.keepFailedDays}) must be at least --days (${opts.days}): it keeps failures longer`);
    }
    if (!opts.dryRun && !opts.yes && !isInteractive(ctx)) {
      throw new UsageError('refusing to delete without --yes when not on a terminal (add --yes, or --dry-run to count)');
    }
    const { planCleanup, findCandidates, deleteInBatches, cutoffIso } = await import('../query/cleanup.js');
    const { formatInt } = await import('../render/format.js');
    const plan = planCleanup(ctx.now(), opts.days, opts.keepFailedDays, opts.status);
    return withDb(opts, ctx, { requireTable: true }, async (db) => {
      const candidates = await findCandidates(db, plan);
      const byStatus = candidates.byStatus;
      const matching = candidates.total;
      const what = `logs older than ${opts.days} days`;
      const summary = (deleted: number, extra: Record<string, unknown> = {}) => ({
        deleted,
        cutoff: cutoffIso(plan),
        dry_run: Boolean(opts.dryRun),
        by_status: byStatus,
        ...extra,
      });
      const finish = async (deleted: number, extra: Record<string, unknown> = {}) => {
        if (opts.json) {
          const { writeJson } = await import('../render/output.js');
          writeJson(ctx, summary(deleted, extra));
        }
      };
      if (opts.dryRun) {
        if (!opts.json) {
          ctx.stdout.write(`Would delete ${formatInt(matching)} ${what} (created before ${cutoffIso(plan)})\n`);
          for (const [s, n] of Object.entries(byStatus)) ctx.stdout.write(`  ${s.padEnd(12)}${formatInt(n).padStart(12)}\n`);
        }
        await finish(matching);
        return;
      }
      if (matching > 0 && !opts.yes) {
        const { confirm } = await import('@inquirer/prompts');
        const ok = await confirm({ message: `Delete ${formatInt(matching)} ${what} (created before ${cutoffIso(plan)})?`, default: false }).catch(() => false);
        if (!ok) {
          ctx.stderr.write('Nothing deleted.\n');
          await finish(0);
          return;
        }
      }
      const { progress } = await import('../render/progress.js');
      const bar = progress(ctx, 'Deleting', matching);
      let interrupted = false;
      const onSigint = () => {
        interrupted = true;
      };
      process.on('SIGINT', onSigint);
      let result;
      try {
        result = await deleteInBatches(db, plan, candidates, opts.batchSize, (n) => bar.update(n), () => interrupted);
      } catch (err) {
        bar.fail();
        throw err;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
      if (result.interrupted) {
        bar.fail(`Interrupted: deleted ${formatInt(result.deleted)} ${what}; run it again to finish`);
        if (!opts.json) ctx.stdout.write(`Deleted ${formatInt(result.deleted)} ${what} (interrupted)\n`);
        await finish(result.deleted, { interrupted: true });
        return EXIT.INTERRUPTED;
      }
      bar.succeed(`Deleted ${formatInt(result.deleted)} rows`);
      if (opts.vacuum) await db.exec(db.dialect.vacuumSql(db.table));
      if (!opts.json) ctx.stdout.write(`Deleted ${formatInt(result.deleted)} ${what}\n`);
      await finish(result.deleted, { longest_batch_ms: Math.round(result.longestBatchMs) });
    });
  },
};
