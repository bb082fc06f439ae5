import { output, type OutputFlags } from '../toolkit/output.js';
import { REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { Ctx } from '../core/io.js';

interface Opts extends RearqFlags, OutputFlags {}

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'tasks'],
  summary: 'every task seen in rearq_job: enabled or not (rearq:task), jobs, successes, failures, last run',
  description:
    'Tasks from the job table with their job counts by outcome (status success / failed) and the start of their ' +
    'latest attempt; with --redis whether rearq:task has them enabled (a task missing there is enabled). --json: ' +
    '{tasks: [{task, enabled, jobs, success, failed, last_run}]} (enabled null without Redis).',
  options: [...REARQ_OPTIONS, JSON_OPTION],
  examples: [{ command: 'tasklog rearq tasks --redis redis://127.0.0.1:6379/0', description: 'tasks and their switches' }],
  async run(opts: Opts, ctx: Ctx) {
    const { tasksReport } = await import('../rearq/report.js');
    const rows = await withRearq(opts, ctx, { db: 'required', redis: 'optional' }, ({ rearq, redis }) => tasksReport(rearq!, redis));
    const { renderTasks } = await import('../render/rearq.js');
    await output(opts, ctx).print({ tasks: rows }, (view) => renderTasks(rows, view), {
      records: rows as unknown as Record<string, unknown>[],
      fields: ['task', 'enabled', 'jobs', 'success', 'failed', 'last_run'],
    });
  },
};
