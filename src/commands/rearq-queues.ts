import { QUEUE_MAP_OPTION, REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION } from '../toolkit/watch.js';
import type { Ctx } from '../core/io.js';
import { showView, type ViewFlags } from '../toolkit/view.js';

type Opts = RearqFlags & ViewFlags;

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'queues'],
  summary: "ReArq's queues: stream entries, consumer groups (pending, lag), delayed jobs, open jobs",
  description:
    'Per stream rearq:queue:<name>: its entries (XLEN, every job ever sent: ReArq never trims), each consumer ' +
    'group with its consumers, pending entries and lag, the jobs waiting in the delay sets and how many are ' +
    'overdue, and with --rearq-db the queued / deferred / in_progress jobs of that queue (placed by their stream ' +
    'entry or delay member). --json: {queues: [{name, stream, entries, groups: [{name, consumers, pending, lag, ' +
    'last_delivered_id}], delayed, delayed_overdue, jobs: {queued, deferred, in_progress}}]}.',
  options: [...REARQ_OPTIONS, QUEUE_MAP_OPTION, JSON_OPTION, WATCH_OPTION],
  examples: [{ command: 'tasklog rearq queues --redis redis://127.0.0.1:6379/0 --rearq-db rearq.sqlite', description: 'backlog per queue' }],
  async run(opts: Opts, ctx: Ctx) {
    const { queuesReport } = await import('../rearq/report.js');
    const { renderQueues } = await import('../render/rearq.js');
    await showView(opts, ctx, (use) => withRearq(opts, ctx, { db: 'optional', redis: 'required' }, use), {
      compute: ({ rearq, redis, settings }) => queuesReport(redis!, rearq, ctx.now(), settings.queueMap),
      json: (queues) => ({ queues }),
      render: renderQueues,
    });
  },
};
