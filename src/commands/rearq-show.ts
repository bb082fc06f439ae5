import { output, type OutputFlags } from '../toolkit/output.js';
import { REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { Ctx } from '../core/io.js';
import { RuntimeFailure } from '../core/errors.js';

interface Opts extends RearqFlags, OutputFlags {}

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'show'],
  summary: 'one ReArq job: its row, every attempt in order, and with Redis where it is',
  description:
    'The job by job_id (or by its integer id), its attempts ordered by start time (worker, times, duration, success, ' +
    'result or error), and with --redis the stream that carried it, whether it is pending in a consumer group, or its ' +
    'due time in a delay set. --json: {job, attempts, queue, redis}.',
  args: [{ name: 'job', description: 'job_id or id', required: true }],
  options: [...REARQ_OPTIONS, JSON_OPTION],
  examples: [{ command: 'tasklog rearq show 83be3e572b3545319ddf7bb4f0afbdde --redis redis://127.0.0.1:6379/0', description: 'a job and its place in Redis' }],
  async run(opts: Opts, ctx: Ctx, args: string[]) {
    const { jobReport } = await import('../rearq/report.js');
    const report = await withRearq(opts, ctx, { db: 'required', redis: 'optional' }, async ({ rearq, redis, settings }) => {
      const r = await jobReport(rearq!, redis, args[0], settings.queueMap);
      if (!r) throw new RuntimeFailure(`no ReArq job with job_id or id '${args[0]}' in ${rearq!.db.target.display}`, 'not_found');
      return r;
    });
    const { renderJobPage } = await import('../render/rearq.js');
    await output(opts, ctx).print(report, (view) => renderJobPage(report, view));
  },
};
