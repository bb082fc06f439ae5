import { output, type OutputFlags } from '../toolkit/output.js';
import { withDb } from '../toolkit/database.js';
import { QUEUE_MAP_OPTION, REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { Ctx } from '../core/io.js';

interface Opts extends RearqFlags, OutputFlags {
  full?: boolean;
  dryRun?: boolean;
}

export const spec: CommandSpec<Opts> = {
  path: ['sync', 'rearq'],
  summary: "fill the task log from ReArq's database: one row per job, upserted by job_id, incremental",
  description:
    'Reads ReArq\'s rearq_job and rearq_job_results (--rearq-db) and upserts one task log row per job into --db (the ' +
    'table is created as migrate does when missing). Each run reads the jobs added since the last run, the jobs with ' +
    'new attempts and the jobs the task log still has open; a row equal to its mapping is left alone, so a second run ' +
    'with nothing new changes nothing. With --redis the queue is the stream that carried the job; otherwise ' +
    '--queue-map or the config\'s "rearq": {"queues"}, else default. A row that exists keeps its user_id, and its ' +
    'queue_name unless Redis shows the job\'s stream. A job_id or worker longer than the task log\'s columns (100) ' +
    'is skipped and reported, never truncated. Safe to run from cron next to running workers.',
  options: [
    ...REARQ_OPTIONS,
    QUEUE_MAP_OPTION,
    { flags: '--full', description: 'reread every job (ignore how far earlier runs read)' },
    { flags: '--dry-run', description: 'count what would be written, write nothing' },
    JSON_OPTION,
  ],
  examples: [
    { command: 'tasklog sync rearq --rearq-db postgres://rearq@db/rearq --redis redis://127.0.0.1:6379/0 --db postgres://app@db/app', description: 'bring the task log up to date' },
    { command: '* * * * * tasklog sync rearq --json >> /var/log/tasklog-sync.jsonl', description: 'crontab line: every minute (connections from the config file)' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { syncRearq } = await import('../rearq/sync.js');
    const report = await withRearq(opts, ctx, { db: 'required', redis: 'optional' }, async ({ rearq, redis, settings }) =>
      withDb(opts, ctx, { create: true, writes: 'sync rearq writes task log rows' }, async (target) =>
        syncRearq({
          target,
          rearq: rearq!,
          redis,
          queueMap: settings.queueMap,
          full: Boolean(opts.full),
          dryRun: Boolean(opts.dryRun),
          source: `${rearq!.db.target.display}#${settings.tables.job},${settings.tables.result}`,
          onSkip: (s) => ctx.stderr.write(`skipped job ${s.job_id}: ${s.reason}\n`),
        }),
      ),
    );
    const verb = opts.dryRun ? 'would insert' : 'inserted';
    await output(opts, ctx).print(
      { inserted: report.inserted, updated: report.updated, unchanged: report.unchanged, skipped: report.skipped, skipped_jobs: report.skipped_jobs, dry_run: Boolean(opts.dryRun) },
      () => `${verb} ${report.inserted}, ${opts.dryRun ? 'would update' : 'updated'} ${report.updated}, unchanged ${report.unchanged}, skipped ${report.skipped}\n`,
    );
  },
};
