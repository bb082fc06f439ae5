import { REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION, watchSeconds } from '../toolkit/watch.js';
import type { OutputFlags, Terminal } from '../toolkit/output.js';
import type { Ctx } from '../core/io.js';
import { showRearqView } from '../toolkit/rearq-view.js';

interface Opts extends RearqFlags, OutputFlags {
  watch?: boolean | number;
}

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
    const seconds = watchSeconds(opts.watch, ctx);
    const { workersReport } = await import('../rearq/report.js');
    await withRearq(opts, ctx, { db: 'optional', redis: 'required' }, async ({ rearq, redis }) => {
      const { renderTable } = await import('../render/table.js');
      const { formatInt } = await import('../render/format.js');
      const compute = () => workersReport(redis!, rearq, ctx.now());
      const render = (rows: Awaited<ReturnType<typeof compute>>, view: Terminal) => {
        if (!rows.length) return 'no workers in rearq:worker\n';
        return renderTable(
          [
            { header: 'NAME', cell: (w) => w.name, flexible: true },
            { header: 'QUEUE', cell: (w) => w.queue ?? '—' },
            { header: 'TIMER', cell: (w) => (w.is_timer ? 'timer' : '') },
            { header: 'STATE', cell: (w) => (w.online ? view.style.c.green('online') : view.style.c.red('offline')) },
            { header: 'HEARTBEAT', cell: (w) => (w.age_seconds === null ? '—' : `${Math.round(w.age_seconds)} s ago`), align: 'right' },
            { header: 'OK', cell: (w) => (w.attempts ? formatInt(w.attempts.success) : '—'), align: 'right' },
            { header: 'FAILED', cell: (w) => (w.attempts ? formatInt(w.attempts.failed) : '—'), align: 'right' },
          ],
          rows,
          view,
        );
      };
      await showRearqView(opts, ctx, seconds, compute, (workers) => ({ workers }), render);
    });
  },
};
