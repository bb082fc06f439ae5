import { UsageError } from '../core/errors.js';
import { withDb } from '../toolkit/database.js';
import { isInteractive, type Ctx } from '../core/io.js';
import { type CommandSpec } from '../toolkit/spec.js';
import { intInRange } from '../core/values.js';
import { filterOptions, filterValues, viewOptions, type ReadFlags } from '../toolkit/logs.js';

interface Opts extends ReadFlags {
  pageSize?: number;
  [filter: string]: unknown;
}

export const spec: CommandSpec<Opts> = {
  path: ['logs', 'browse'],
  summary: 'browse the rows on a terminal: filter, page, open one, jump to its related rows',
  description:
    'An interactive list on the terminal: ↑↓ and Enter open a row (the page of `logs show`), r lists its related ' +
    'rows (`logs related`), b or Esc goes back, n/p page on, f picks a filter (status, task, queue, time window, ' +
    'search), / searches, c clears the filters, q or Ctrl-C quits and gives the screen back. The filter flags of ' +
    '`logs list` set the filters it starts with. Needs a terminal: scripts use logs list, logs show and logs related.',
  options: [
    ...filterOptions(),
    { flags: '--page-size <n>', description: 'rows per page (default: as many as fit the terminal)', parse: (v) => intInRange(v, 1, 1000) },
  ],
  exitCodes: { 130: 'quit with Ctrl-C' },
  examples: [
    { command: 'tasklog logs browse', description: 'every row, newest first' },
    { command: 'tasklog logs browse --is-failed --since 24h', description: 'start with the failures of the last day' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    if (!isInteractive(ctx)) {
      throw new UsageError('logs browse needs a terminal (stdin and stdout); off one, use `tasklog logs list` (the same filter flags), `logs show ID` and `logs related ID`');
    }
    const { browse } = await import('../ui/browse.js');
    const filters = filterValues(opts, ctx);
    const view = await viewOptions(opts, ctx);
    return withDb(opts, ctx, { requireTable: true }, (db) => browse(db, ctx, { filters, pageSize: opts.pageSize, view }));
  },
};
