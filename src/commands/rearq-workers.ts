import { REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION } from '../toolkit/watch.js';
import type { Ctx } from '../core/io.js';
import { showView, type ViewFlags } from '../toolkit/view.js';

type Opts = RearqFlags & ViewFlags;

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'workers'],
  summary: "ReArq's workers from rearq:worker: heartbeat, online or offline, attempts by success",
  description:
    'Every rearq:worker entry: name, group, consumer, queue, timer or not, last heartbeat and its age, online when ' +
    "the heartbeat is at most 20 s old (ReArq's rule), else offline; with --rearq-db each worker's attempts by " +
    'success. --json: {workers: [{name, group, consumer, queue, is_timer, last_heartbeat, age_seconds, online, ' +
    'attempts: {success, failed}}]} (attempts null without the database).',
  options: [...REARQ_OPTIONS, JSON_OPTION, WATCH_OPTION],
  examples: [{ command: 'tasklog rearq workers --redis redis://127.0.0.1:6379/0 --watch', description: 'watch the heartbeats' }],
  async run(opts: Opts, ctx: Ctx) {
    const { workersReport } = await import('../rearq/report.js');
    const { renderWorkers } = await import('../render/rearq.js');
    await showView(opts, ctx, (use) => withRearq(opts, ctx, { db: 'optional', redis: 'required' }, use), {
      compute: ({ rearq, redis }) => workersReport(redis!, rearq, ctx.now()),
      json: (workers) => ({ workers }),
      render: renderWorkers,
    });
  },
};
