import { REARQ_OPTIONS, withRearq } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { Ctx } from '../core/io.js';
import { csvList } from '../core/values.js';
import { STATUSES } from '../query/status.js';
import { PAGING_OPTIONS, printRows, timeOptions, timeRange, type PagingFlags } from '../toolkit/rearq-view.js';

interface Opts extends PagingFlags {
  task?: string;
  jobId?: string;
  status?: string[];
}

export const JOB_FIELDS = ['id', 'task', 'args', 'kwargs', 'job_retry', 'job_retries', 'job_retry_after', 'job_id', 'enqueue_time', 'expire_time', 'status'] as const;

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'jobs'],
  summary: "ReArq's jobs (rearq_job) with the filters of ReArq's server, newest first",
  description:
    "The filters of ReArq's GET /job/data: --task, --job-id, --status, --start-time/--end-time on enqueue_time " +
    '(inclusive), --limit (default 10) and --offset, newest id first; --all streams every match. --json prints ' +
    "ReArq's own shape {rows: [{id, task, args, kwargs, job_retry, job_retries, job_retry_after, job_id, " +
    'enqueue_time, expire_time, status}], total}, times ISO 8601 UTC with their microseconds, JSON values parsed.',
  options: [
    ...REARQ_OPTIONS,
    { flags: '--task <name>', description: 'jobs of this task' },
    { flags: '--job-id <id>', description: 'the job with this job_id' },
    { flags: '--status <s[,s…]>', description: `statuses: ${STATUSES.join(', ')}`, parse: (v) => csvList(v, STATUSES) },
    ...timeOptions('enqueued'),
    ...PAGING_OPTIONS,
    JSON_OPTION,
  ],
  examples: [
    { command: 'tasklog rearq jobs --status failed --start-time 24h', description: 'failed jobs of the last day' },
    { command: 'tasklog rearq jobs --all -o jsonl > jobs.jsonl', description: 'every job, streamed' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const read = await import('../rearq/read.js');
    const filter = { task: opts.task, jobId: opts.jobId, status: opts.status, ...timeRange(opts, ctx) };
    await withRearq(opts, ctx, { db: 'required', redis: 'none' }, async ({ rearq }) => {
      const r = rearq!;
      const { renderJobs } = await import('../render/rearq.js');
      type Job = import('../rearq/schema.js').RearqJob;
      await printRows<Job>(
        ctx,
        opts,
        JOB_FIELDS,
        {
          page: () => read.pageJobs(r, filter, opts.limit, opts.offset),
          count: () => read.countJobs(r, filter),
          stream: () => read.streamJobs(r, filter),
        },
        (j) => ({ ...j }),
        renderJobs,
      );
    });
  },
};
