/**
 * What the read-only views (overview, stats, timeline, errors) share: read
 * the database once (or every N seconds with --watch), print JSON or the
 * terminal rendering.
 */
import type { ConnectionFlags } from '../cli/config.js';
import { withDb } from '../cli/database.js';
import type { Ctx } from '../core/io.js';
import { watch, watchSeconds } from '../cli/watch.js';
import type { Db } from '../db/connect.js';

export interface ViewFlags extends ConnectionFlags {
  json?: boolean;
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
    render(data: T): Promise<string>;
  },
): Promise<void> {
  const seconds = watchSeconds(opts.watch, ctx);
  await withDb(opts, ctx, { requireTable: true }, async (db) => {
    if (seconds !== null) return watch(ctx, seconds, async () => view.render(await view.compute(db)));
    const data = await view.compute(db);
    if (opts.json) {
      const { writeJson } = await import('../render/output.js');
      writeJson(ctx, view.json(data));
      return;
    }
    ctx.stdout.write(await view.render(data));
  });
}
