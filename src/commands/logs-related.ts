import { RuntimeFailure } from '../core/errors.js';
import { withDb } from '../cli/database.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../cli/spec.js';
import { intInRange } from '../core/values.js';
import { viewOptions, type OutputFlags } from './logs-shared.js';

interface Opts extends OutputFlags {
  limit: number;
}

export const spec: CommandSpec = {
  path: ['logs', 'related'],
  summary: 'other rows with the same job_id or task name, newest first',
  description: 'Newest created first (ties by id, descending). --json prints an array of list objects.',
  args: [{ name: 'id|job_id', description: 'the row id or its job_id', required: true }],
  options: [{ flags: '--limit <n>', description: 'how many rows', default: 10, parse: (v) => intInRange(v, 1, 1000) }, JSON_OPTION],
  examples: [{ command: 'tasklog logs related 123', description: 'earlier and later runs of the same job or task' }],
  async run(opts: Opts, ctx: Ctx, args: string[]) {
    const ref = args[0];
    const { LogReader } = await import('../query/logs.js');
    const rows = await withDb(opts, ctx, { requireTable: true }, async (db) => {
      const reader = new LogReader(db, ctx.now());
      const row = await reader.find(ref);
      if (!row) throw new RuntimeFailure(`no task log with id or job_id '${ref}' in ${db.table} (${db.target.display})`, 'not_found');
      return reader.related(row, opts.limit);
    });
    if (opts.json) {
      const { writeJson } = await import('../render/output.js');
      const { toListItem } = await import('../query/present.js');
      writeJson(ctx, rows.map(toListItem));
      return;
    }
    const { renderList, listColumns } = await import('../render/logs.js');
    const view = await viewOptions(opts, ctx);
    if (rows.length === 0) {
      ctx.stderr.write('no related rows\n');
      return;
    }
    ctx.stdout.write(renderList(rows, listColumns(view), view));
  },
};
