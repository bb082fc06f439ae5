import { output, type OutputFlags } from '../toolkit/output.js';
import { REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { EXIT } from '../core/exit.js';
import type { Ctx } from '../core/io.js';

interface Opts extends RearqFlags, OutputFlags {}

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'cancel'],
  summary: "cancel ReArq jobs as ReArq's server does (queued, deferred or in_progress only)",
  description:
    'For each queued, deferred or in_progress job: publishes ReArq\'s cancel message on rearq:channel (running ' +
    'workers stop the task) and sets its status to canceled. A job in any other status, or unknown, is refused with ' +
    'one line naming it and its status; the others are still canceled, and the exit code is 1 when anything was ' +
    'refused. --json: {canceled: [{job_id, task, previous_status}], refused: [{job_id, status, reason}]}.',
  args: [{ name: 'job_id...', description: 'job_ids to cancel', required: true }],
  options: [...REARQ_OPTIONS, JSON_OPTION],
  exitCodes: { 1: 'some job was refused (finished, unknown) or a connection failed' },
  examples: [{ command: 'tasklog rearq cancel 02e852af876e410596742d3e1414bb32', description: 'cancel a queued job' }],
  async run(opts: Opts, ctx: Ctx, args: string[]) {
    const { cancelJobs } = await import('../rearq/actions.js');
    const result = await withRearq(opts, ctx, { db: 'required', redis: 'required' }, ({ rearq, redis }) => cancelJobs(rearq!, redis!, args));
    await output(opts, ctx).print(result, () => result.canceled.map((c) => `canceled ${c.job_id} (${c.task}, was ${c.previous_status})\n`).join(''));
    for (const r of result.refused) ctx.stderr.write(`tasklog: ${r.reason}\n`);
    return result.refused.length ? EXIT.FAILURE : EXIT.OK;
  },
};
