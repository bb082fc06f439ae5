import { withDb } from '../toolkit/database.js';
import { loadConfig } from '../toolkit/config.js';
import { output } from '../toolkit/output.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import type { Ctx } from '../core/io.js';
import { savedViews, type ReadFlags } from '../toolkit/logs.js';

export const spec: CommandSpec<ReadFlags> = {
  path: ['views'],
  summary: 'the saved views of the config file ("views"), with how many rows each selects',
  description:
    'A view is a --where expression saved under a name in the config file: {"views": {"payments-failing": ' +
    '"task_name contains \'payment\' and is_failed"}}. Every command that takes filters takes --view NAME (ANDed with ' +
    'its other filters), and serve\'s dashboard links each one. --json: [{name, where, count}].',
  options: [JSON_OPTION],
  examples: [
    { command: 'tasklog views', description: 'each view, its expression and its row count' },
    { command: 'tasklog logs list --view payments-failing', description: 'the rows of a view' },
  ],
  async run(opts: ReadFlags, ctx: Ctx) {
    const views = savedViews(ctx);
    const out = output(opts, ctx);
    if (views.size === 0 && !out.machine) {
      const { path } = loadConfig(ctx);
      out.warn(`no views: add "views": {"name": "expression"} to ${path ?? 'the config file (tasklog.config.json)'}`);
      return;
    }
    const [{ LogReader }, { activeFilters }, { parseWhere }] = await Promise.all([import('../query/logs.js'), import('../query/filters.js'), import('../query/where.js')]);
    const rows = await withDb(opts, ctx, { requireTable: true }, async (db) => {
      const reader = new LogReader(db, ctx.now());
      const counted: { name: string; where: string; count: number }[] = [];
      for (const [name, where] of views) counted.push({ name, where, count: await reader.count({ filters: activeFilters({ where: parseWhere(where) }), order: [] }) });
      return counted;
    });
    await out.print(rows, async (term) => {
      const [{ renderTable }, { formatInt, showControls }] = await Promise.all([import('../render/table.js'), import('../render/format.js')]);
      return renderTable(
        [
          { header: 'VIEW', cell: (v) => v.name },
          { header: 'ROWS', cell: (v) => formatInt(v.count), align: 'right' },
          // an expression is the config file's text: control characters shown, never sent to the terminal
          { header: 'WHERE', cell: (v) => showControls(v.where), flexible: true },
        ],
        rows,
        term,
      );
    });
  },
};
