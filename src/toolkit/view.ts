/**
 * What the read-only views (overview, stats, timeline, errors, slo, rearq
 * workers and queues) share: open their data source, read it once (or every
 * N seconds with --watch), print it through the one output path (JSON, or
 * the terminal page).
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

/** Opens a view's data source, runs `use` with it and closes it (withDb, withRearq). */
export type OpenSource<S> = (use: (source: S) => Promise<void>) => Promise<void>;

/** The task log's database (its table required) as a view's source. */
export function taskLog(opts: ConnectionFlags, ctx: Ctx): OpenSource<Db> {
  return (use) => withDb(opts, ctx, { requireTable: true }, use);
}

/**
 * Refuses --watch off a terminal before the source is opened, then reads the
 * data from the source `open` gives and prints it: once, or redrawn every N
 * seconds until Ctrl-C.
 */
export async function showView<S, T>(
  opts: Pick<ViewFlags, 'watch' | keyof OutputFlags>,
  ctx: Ctx,
  open: OpenSource<S>,
  view: {
    /** reads the data (called again on every --watch redraw) */
    compute(source: S): Promise<T>;
    /** what --json prints */
    json(data: T): unknown;
    /** the terminal page */
    render(data: T, term: Terminal): string | Promise<string>;
  },
): Promise<void> {
  const seconds = watchSeconds(opts.watch, ctx);
  const out = output(opts, ctx);
  await open(async (source) => {
    if (seconds !== null) {
      const term = await out.terminal();
      return watch(ctx, seconds, async () => view.render(await view.compute(source), term));
    }
    const data = await view.compute(source);
    await out.print(view.json(data), (term) => view.render(data, term));
  });
}
