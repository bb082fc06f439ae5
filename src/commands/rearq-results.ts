import { REARQ_OPTIONS, withRearq } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { Ctx } from '../core/io.js';
import { parseBool } from '../core/values.js';
import { PAGING_OPTIONS, printRows, timeOptions, timeRange, type PagingFlags } from '../toolkit/rearq-view.js';

interface Opts extends PagingFlags {
  task?: string;
  jobId?: string;
  worker?: string;
  success?: boolean;
}

const FIELDS = ['id', 'worker', 'success', 'msg_id', 'result', 'start_time', 'finish_time', 'job'] as const;

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'results'],
  summary: "ReArq's attempts (rearq_job_results) with the filters of ReArq's server, newest first",
  description:
    "The filters of ReArq's GET /result/data: --task, --job-id, --worker, --success, --start-time/--end-time on the " +
    "result's start_time (inclusive), paging as rearq jobs. --json rows are {id, worker, success, msg_id, result, " +
    'start_time, finish_time, job: {id, task, job_id, status}}.',
  options: [
    ...REARQ_OPTIONS,
    { flags: '--task <name>', description: 'attempts of jobs of this task' },
    { flags: '--job-id <id>', description: 'attempts of the job with this job_id' },
    { flags: '--worker <name>', description: 'attempts run by this worker (<group>-<consumer>)' },
    { flags: '--success <bool>', description: 'true or false', parse: parseBool },
    ...timeOptions('started'),
    ...PAGING_OPTIONS,
    JSON_OPTION,
  ],
  examples: [{ command: 'tasklog rearq results --success false --worker payments-w-high', description: "a worker's failed attempts" }],
  async run(opts: Opts, ctx: Ctx) {
    const read = await import('../rearq/read.js');
    const filter = { task: opts.task, jobId: opts.jobId, worker: opts.worker, success: opts.success, ...timeRange(opts, ctx) };
    await withRearq(opts, ctx, { db: 'required', redis: 'none' }, async ({ rearq }) => {
      const r = rearq!;
      const { renderResults } = await import('../render/rearq.js');
      type Res = import('../rearq/read.js').ResultWithJob;
      await printRows<Res>(
        ctx,
        opts,
        FIELDS,
        {
          page: () => read.pageResults(r, filter, opts.limit, opts.offset),
          count: () => read.countResults(r, filter),
          stream: () => read.streamResults(r, filter),
        },
        (x) => ({ id: x.id, worker: x.worker, success: x.success, msg_id: x.msg_id, result: x.result, start_time: x.start_time, finish_time: x.finish_time, job: x.job }),
        renderResults,
      );
    });
  },
};
