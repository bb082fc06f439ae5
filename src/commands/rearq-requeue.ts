import { output, type OutputFlags } from '../toolkit/output.js';
import { QUEUE_MAP_OPTION, REARQ_OPTIONS, withRearq, type RearqFlags } from '../toolkit/rearq.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { isInteractive, type Ctx } from '../core/io.js';
import { RuntimeFailure, UsageError } from '../core/errors.js';
import { Interrupted } from '../core/interrupt.js';
import { csvList } from '../core/values.js';
import { STATUSES } from '../query/status.js';
import { parseTimeArg, resolveTimeArg, TIME_ARG_HELP, type TimeArg } from '../query/timearg.js';

interface Opts extends RearqFlags, OutputFlags {
  status?: string[];
  task?: string;
  since?: TimeArg;
  queue?: string;
  yes?: boolean;
  dryRun?: boolean;
}

export const spec: CommandSpec<Opts> = {
  path: ['rearq', 'requeue'],
  summary: 'enqueue ReArq jobs again: a new job with the same task and arguments, the original untouched',
  description:
    'Each job named (or matched by --status/--task/--since) becomes a new job with the same task, args, kwargs, ' +
    'job_retry and job_retry_after, a new uuid4-hex job_id, status queued and enqueue_time now, added with XADD to ' +
    'the stream the original went through (found in Redis), else --queue, else the config\'s task→queue map, else ' +
    'default. The original row is never changed. Filter mode asks first on a terminal and needs --yes off one; ' +
    '--dry-run lists what would go and changes nothing. --json: {requeued: [{from, job_id, queue}]}.',
  args: [{ name: 'job_id...', description: 'job_ids to requeue (or use the filters)' }],
  options: [
    ...REARQ_OPTIONS,
    { flags: '--status <s[,s…]>', description: `filter: statuses (${STATUSES.join(', ')})`, parse: (v) => csvList(v, STATUSES) },
    { flags: '--task <name>', description: 'filter: task' },
    { flags: '--since <time>', description: `filter: enqueued at or after: ${TIME_ARG_HELP}`, parse: parseTimeArg },
    { flags: '--queue <name>', description: 'queue for jobs whose stream Redis does not show' },
    QUEUE_MAP_OPTION,
    { flags: '-y, --yes', description: 'do not ask (needed off a terminal in filter mode)' },
    { flags: '--dry-run', description: 'list what would be requeued, change nothing' },
    JSON_OPTION,
  ],
  examples: [
    { command: 'tasklog rearq requeue --status failed --task send_email --since 24h --dry-run', description: 'what would go again' },
    { command: 'tasklog rearq requeue b5cefbc70ef04f87a573ff533a418331', description: 'one job again' },
  ],
  async run(opts: Opts, ctx: Ctx, args: string[]) {
    const filterMode = args.length === 0;
    const anyFilter = opts.status !== undefined || opts.task !== undefined || opts.since !== undefined;
    if (filterMode && !anyFilter) throw new UsageError('name job_ids to requeue, or select them with --status, --task and --since');
    if (!filterMode && anyFilter) throw new UsageError('give job_ids or filters (--status, --task, --since), not both');
    if (filterMode && !opts.dryRun && !opts.yes && !isInteractive(ctx)) {
      throw new UsageError('refusing to requeue by filter without --yes when not on a terminal (add --yes, or --dry-run to list)');
    }
    const read = await import('../rearq/read.js');
    const actions = await import('../rearq/actions.js');
    const result = await withRearq(opts, ctx, { db: 'required', redis: 'required' }, async ({ rearq, redis, settings }) => {
      const r = rearq!;
      let jobs: import('../rearq/schema.js').RearqJob[] = [];
      if (filterMode) {
        const filter = { task: opts.task, status: opts.status, start: opts.since ? resolveTimeArg(opts.since, ctx.now()) : undefined };
        for await (const j of read.streamJobs(r, filter)) jobs.push(j);
        jobs.reverse();
        if (!jobs.length) throw new RuntimeFailure('no ReArq job matches the filters: nothing requeued', 'not_found');
      } else {
        const found = new Map((await read.jobsByJobId(r, args)).map((j) => [j.job_id, j]));
        const unknown = args.filter((a) => !found.has(a));
        if (unknown.length) throw new RuntimeFailure(`no ReArq job with job_id ${unknown.join(', ')}: nothing requeued`, 'not_found');
        jobs = [...new Set(args)].map((a) => found.get(a)!);
      }
      const plans = await actions.planRequeue(redis!, jobs, opts.queue, settings.queueMap);
      if (opts.dryRun) return { requeued: plans.map((p) => ({ from: p.from.job_id, job_id: null, queue: p.queue })), dry_run: true };
      if (filterMode && !opts.yes) {
        const { confirm } = await import('@inquirer/prompts');
        const { isPromptExit, promptContext } = await import('../ui/terminal.js');
        let ok: boolean;
        try {
          ok = await confirm({ message: `Requeue ${plans.length} job(s)?`, default: false }, promptContext(ctx));
        } catch (err) {
          // Ctrl-C at the question: exit 130, nothing requeued
          if (isPromptExit(err)) throw new Interrupted('interrupted: nothing requeued');
          throw err;
        }
        if (!ok) return { requeued: [], dry_run: false };
      }
      const done = [];
      for (const p of plans) done.push(await actions.requeue(r, redis!, p, ctx.now()));
      return { requeued: done, dry_run: false };
    });
    await output(opts, ctx).print(result.dry_run ? result : { requeued: result.requeued }, () =>
      result.requeued.map((x) => (result.dry_run ? `would requeue ${x.from} on ${x.queue}\n` : `requeued ${x.from} as ${x.job_id} on ${x.queue}\n`)).join(''),
    );
  },
};
