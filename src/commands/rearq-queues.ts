import { QUEUE_MAP_OPTION, REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION, watchSeconds } from '../toolkit/watch.js';
import type { OutputFlags, Terminal } from '../toolkit/output.js';
import type { Ctx } from '../core/io.js';
import { showRearqView } from '../toolkit/rearq-view.js';

interface Opts extends RearqFlags, OutputFlags {
  watch?: boolean | number;
}

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
    const seconds = watchSeconds(opts.watch, ctx);
    const { queuesReport } = await import('../rearq/report.js');
    await withRearq(opts, ctx, { db: 'optional', redis: 'required' }, async ({ rearq, redis, settings }) => {
      const { renderTable } = await import('../render/table.js');
      const { formatInt } = await import('../render/format.js');
      const { queueBadge } = await import('../render/style.js');
      const compute = () => queuesReport(redis!, rearq, ctx.now(), settings.queueMap);
      const render = (rows: Awaited<ReturnType<typeof compute>>, view: Terminal) => {
        if (!rows.length) return 'no queue streams (rearq:queue:*) in this Redis database\n';
        return renderTable(
          [
            { header: 'QUEUE', cell: (q) => queueBadge(view.style, q.name) },
            { header: 'ENTRIES', cell: (q) => formatInt(q.entries), align: 'right' },
            { header: 'GROUPS', cell: (q) => q.groups.map((g) => `${g.name}: ${g.consumers} consumer(s), ${g.pending} pending, lag ${g.lag ?? '?'}`).join('; ') || '—', flexible: true },
            { header: 'DELAYED', cell: (q) => `${formatInt(q.delayed)}${q.delayed_overdue ? ` (${q.delayed_overdue} overdue)` : ''}`, align: 'right' },
            { header: 'QUEUED', cell: (q) => (q.jobs ? formatInt(q.jobs.queued) : '—'), align: 'right' },
            { header: 'DEFERRED', cell: (q) => (q.jobs ? formatInt(q.jobs.deferred) : '—'), align: 'right' },
            { header: 'RUNNING', cell: (q) => (q.jobs ? formatInt(q.jobs.in_progress) : '—'), align: 'right' },
          ],
          rows,
          view,
        );
      };
      await showRearqView(opts, ctx, seconds, compute, (queues) => ({ queues }), render);
    });
  },
};
