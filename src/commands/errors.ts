import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { intInRange } from '../core/values.js';
import { WATCH_OPTION } from '../toolkit/watch.js';
import type { TimeArg } from '../query/timearg.js';
import { PERIOD_OPTION, resolveWindow, SINCE_OPTION } from '../query/window.js';
import { filterCondition } from '../query/filters.js';
import { commandFilters, filterOptions, WINDOW_OWNS, type ReadFlags } from '../toolkit/logs.js';
import { showView, taskLog } from '../toolkit/view.js';

interface Opts extends ReadFlags {
  periodHours: number;
  since?: TimeArg;
  limit: number;
  watch?: boolean | number;
  [filter: string]: unknown;
}

export const spec: CommandSpec<Opts> = {
  path: ['errors'],
  summary: 'failures of the window grouped by error signature, and by task',
  description:
    'Failed rows (status failed or expired, or success false) created in the window, grouped by a normalized ' +
    'error signature — numbers, hex ids, UUIDs, quoted values, paths, URLs and e-mail addresses folded — with count, ' +
    'tasks affected, first and last seen and an example job_id; plus failures by task. --json: total_failures, ' +
    'by_task, top_errors, period_hours. Every filter of `logs list` (--where, --view too) narrows the rows.',
  options: [
    PERIOD_OPTION,
    SINCE_OPTION,
    ...filterOptions(WINDOW_OWNS),
    { flags: '--limit <n>', description: 'how many error groups', default: 10, parse: (v) => intInRange(v, 1, 1000) },
    JSON_OPTION,
    WATCH_OPTION,
  ],
  examples: [
    { command: 'tasklog errors', description: 'what failed in the last 24 hours, and why' },
    { command: "tasklog errors --period-hours 168 --json | jq '.top_errors[0]'", description: 'the most common failure of the week' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { errorReport } = await import('../query/errors.js');
    const filters = commandFilters(opts, ctx, WINDOW_OWNS);
    await showView(opts, ctx, taskLog(opts, ctx), {
      compute: async (db) => {
        const window = resolveWindow(opts, ctx.now());
        return { window, report: await errorReport(db, window, opts.limit, filterCondition(db, ctx.now(), { filters })) };
      },
      json: (d) => d.report,
      render: async ({ window, report }, term) => {
        const { renderErrors } = await import('../render/errors.js');
        return renderErrors(report, window, { style: term.style, now: term.now, width: term.columns });
      },
    });
  },
};
