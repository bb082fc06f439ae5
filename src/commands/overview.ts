import type { ConnectionFlags } from '../toolkit/config.js';
import type { Ctx } from '../core/io.js';
import type { OutputFlags, Terminal } from '../toolkit/output.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { WATCH_OPTION } from '../toolkit/watch.js';
import { showView, taskLog } from '../toolkit/view.js';
import type { Overview } from '../query/overview.js';
import { filterCondition } from '../query/filters.js';
import { commandFilters, filterOptions } from '../toolkit/logs.js';

interface Opts extends ConnectionFlags, OutputFlags {
  watch?: boolean | number;
  [filter: string]: unknown;
}

export const spec: CommandSpec<Opts> = {
  path: ['overview'],
  summary: 'totals by queue and status, active queues and failures of the last 24 h',
  description:
    'django-cfg\'s system overview: total_tasks, active_queues, recent_failures (rows created in the last 24 hours ' +
    'that failed: status failed or expired, or success false), tasks_by_queue and tasks_by_status. Every filter of ' +
    '`logs list` (--where, --view too) narrows the rows.',
  options: [...filterOptions(), JSON_OPTION, WATCH_OPTION],
  examples: [
    { command: 'tasklog overview', description: 'the overview as a table' },
    { command: "tasklog overview --json | jq '.recent_failures'", description: 'one number for a script' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const { overview } = await import('../query/overview.js');
    const filters = commandFilters(opts, ctx);
    await showView(opts, ctx, taskLog(opts, ctx), {
      compute: (db) => overview(db, ctx.now(), filterCondition(db, ctx.now(), { filters })),
      json: (data) => data,
      render: renderOverviewPage,
    });
  },
};

/** The overview's terminal page (also what `demo` prints when it is done). */
export async function renderOverviewPage(data: Overview, term: Terminal): Promise<string> {
  return (await import('../render/overview.js')).renderOverview(data, term);
}
