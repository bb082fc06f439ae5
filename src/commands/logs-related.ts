import { withDb } from '../toolkit/database.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { intInRange } from '../core/values.js';
import { commandFilters, filterOptions, type ReadFlags } from '../toolkit/logs.js';
import { output } from '../toolkit/output.js';

interface Opts extends ReadFlags {
  limit: number;
  [filter: string]: unknown;
}

export const spec: CommandSpec<Opts> = {
  path: ['logs', 'related'],
  summary: 'other rows with the same job_id or task name, newest first',
  description: 'Newest created first (ties by id, descending); the filters of `logs list` (--where, --view too) narrow them. --json prints an array of list objects.',
  args: [{ name: 'id|job_id', description: 'the row id or its job_id', required: true }],
  options: [{ flags: '--limit <n>', description: 'how many rows', default: 10, parse: (v) => intInRange(v, 1, 1000) }, ...filterOptions(), JSON_OPTION],
  examples: [{ command: 'tasklog logs related 123', description: 'earlier and later runs of the same job or task' }],
  async run(opts: Opts, ctx: Ctx, args: string[]) {
    const ref = args[0];
    const { LogReader, notFound } = await import('../query/logs.js');
    const filters = commandFilters(opts, ctx);
    const rows = await withDb(opts, ctx, { requireTable: true }, async (db) => {
      const reader = new LogReader(db, ctx.now());
      const row = await reader.find(ref);
      if (!row) throw notFound(ref, db);
      return reader.related(row, opts.limit, filters);
    });
    const { toListItem } = await import('../query/present.js');
    const out = output(opts, ctx);
    if (rows.length === 0 && !out.machine) {
      out.warn('no related rows');
      return;
    }
    await out.print(rows.map(toListItem), async (term) => {
      const { renderList, listColumns } = await import('../render/logs.js');
      return renderList(rows, listColumns(term), term);
    });
  },
};
