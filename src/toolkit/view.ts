/**
 * What the read-only views (overview, stats, timeline, errors) share: read
 * the database once (or every N seconds with --watch), print it through the
 * one output path (JSON, or the terminal page).
 */
import type { ConnectionFlags } from './config.js';
import { withDb } from './database.js';
import { output, type OutputFlags, type Terminal } from './output.js';
import { watch, watchSeconds } from './watch.js';
import type { Ctx } from '../core/io.js';
import type { Db } from '../db/connect.js';

export interface ViewFlags extends ConnectionFlags, OutputFlags {
  watch?: boolean | number;
}

export async function showView<T>(
  opts: ViewFlags,
  ctx: Ctx,
  view: {
    /** reads the data (called again on every --watch redraw) */
    compute(db: Db): Promise<T>;
    /** what --json prints */
    json(data: T): unknown;
    /** the terminal page */
    render(data: T, term: Terminal): string | Promise<string>;
  },
): Promise<void> {
  const seconds = watchSeconds(opts.watch, ctx);
  const out = output(opts, ctx);
  await withDb(opts, ctx, { requireTable: true }, async (db) => {
    if (seconds !== null) {
      const term = await out.terminal();
      return watch(ctx, seconds, async () => view.render(await view.compute(db), term));
    }
    const data = await view.compute(db);
    await out.print(view.json(data), (term) => view.render(data, term));
  });
}
