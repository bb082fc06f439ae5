/**
 * Progress for long work: an ora spinner with count, rate and what remains on
 * a terminal (stderr), nothing when stderr is not a terminal.
 */
import type { Ctx } from '../cli/io.js';
import { formatInt } from './format.js';

export interface Progress {
  update(done: number): void;
  succeed(message: string): void;
  fail(message?: string): void;
}

/** `total` null: the amount of work is not known beforehand (count and rate only). */
export function progress(ctx: Ctx, label: string, total: number | null): Progress {
  const stream = ctx.stderr as NodeJS.WriteStream;
  if (!stream.isTTY) {
    // Off a terminal: no spinner, just the closing line (on stderr, so stdout stays data).
    return { update() {}, succeed: (m) => void stream.write(`${m}\n`), fail() {} };
  }
  const started = Date.now();
  let spinner: { text: string; succeed(t?: string): void; fail(t?: string): void; stop(): void } | null = null;
  let pending = '';
  import('ora').then(({ default: ora }) => {
    spinner = ora({ text: pending || label, stream }).start();
  });
  return {
    update(done: number) {
      const secs = (Date.now() - started) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      if (total === null) {
        pending = `${label}: ${formatInt(done)} · ${formatInt(Math.round(rate))}/s`;
      } else {
        const left = total - done;
        const eta = rate > 0 ? ` · ${Math.ceil(left / rate)} s left` : '';
        pending = `${label}: ${formatInt(done)} / ${formatInt(total)} · ${formatInt(Math.round(rate))}/s${eta}`;
      }
      if (spinner) spinner.text = pending;
    },
    succeed(message: string) {
      if (spinner) spinner.succeed(message);
      else stream.write(`✔ ${message}\n`);
    },
    fail(message?: string) {
      if (spinner) spinner.fail(message);
    },
  };
}
