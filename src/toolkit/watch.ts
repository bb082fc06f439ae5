/**
 * --watch [SECONDS]: redraw a view in place on a terminal until Ctrl-C,
 * with the time the data was last read. Shared by stats, overview, timeline
 * and errors.
 */
import { UsageError } from '../core/errors.js';
import { onInterrupt } from '../core/interrupt.js';
import { ESC } from '../core/terminal.js';
import { isInteractive, type Ctx } from '../core/io.js';
import { type OptionSpec } from './spec.js';
import { positiveNumber } from '../core/values.js';
import { InvalidValue } from '../core/errors.js';

export const DEFAULT_WATCH_SECONDS = 5;

export const WATCH_OPTION: OptionSpec = {
  flags: '--watch [seconds]',
  description: `redraw every SECONDS (default ${DEFAULT_WATCH_SECONDS}) on a terminal until Ctrl-C`,
  parse: (raw) => {
    const n = positiveNumber(raw, 'a number of seconds ≥ 0.5');
    if (n < 0.5) throw new InvalidValue('expects a number of seconds ≥ 0.5');
    return n;
  },
};

/** The --watch interval, or null without --watch; refuses off a terminal before any work is done. */
export function watchSeconds(value: unknown, ctx: Ctx): number | null {
  if (value === undefined || value === false) return null;
  if (!isInteractive(ctx)) throw new UsageError('--watch needs a terminal (stdout and stdin); drop it to print once');
  return value === true ? DEFAULT_WATCH_SECONDS : Number(value);
}

/**
 * Calls `draw` (which reads the database and returns the screen's text) every
 * `seconds` until Ctrl-C (or the context's signal), clearing the screen each time.
 */
export async function watch(ctx: Ctx, seconds: number, draw: () => Promise<string>): Promise<void> {
  const stop = new AbortController();
  const unsubscribe = onInterrupt(ctx.signal, () => stop.abort());
  ctx.stdout.write(ESC.cursorHide); // hide the cursor while redrawing
  try {
    while (!stop.signal.aborted) {
      const text = await draw();
      const stamp = new Date().toISOString().slice(11, 19);
      ctx.stdout.write(`${ESC.clear}${text}\nupdated ${stamp} UTC · every ${seconds} s · Ctrl-C to quit\n`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, seconds * 1000);
        stop.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  } finally {
    unsubscribe();
    ctx.stdout.write(ESC.cursorShow);
  }
}
