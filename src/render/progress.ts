/**
 * Progress for long work: an ora spinner with count, rate and what remains on
 * a terminal (stderr), nothing when stderr is not a terminal.
 */
import type { Ctx } from '../core/io.js';
import { formatInt } from './format.js';

export interface Progress {
  update(done: number): void;
  /** a line of its own on stderr, above the spinner (which a plain write would garble) */
  print(line: string): void;
  succeed(message: string): void;
  fail(message?: string): void;
  /** ends the line without a closing message (a step whose result the command prints itself) */
  stop(): void;
}

/** `total` null: the amount of work is not known beforehand (count and rate only). */
export function progress(ctx: Ctx, label: string, total: number | null): Progress {
  const stream = ctx.stderr as NodeJS.WriteStream;
  // A terminal that reports no width (a pty nobody sized, as `script` opens one) would make ora's
  // redraw clear lines without end: treat it as no terminal.
  if (!stream.isTTY || !stream.columns) {
    // Off a terminal: no spinner, just the closing line (on stderr, so stdout stays data).
    return { update() {}, print: (l) => void stream.write(`${l}\n`), succeed: (m) => void stream.write(`${m}\n`), fail() {}, stop() {} };
  }
  const started = Date.now();
  let spinner: { text: string; succeed(t?: string): void; fail(t?: string): void; stop(): void; clear(): void; render(): void } | null = null;
  let pending = '';
  let stopped = false;
  import('ora').then(({ default: ora }) => {
    if (stopped) return;
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
    print(line: string) {
      spinner?.clear();
      stream.write(`${line}\n`);
      spinner?.render();
    },
    succeed(message: string) {
      if (spinner) spinner.succeed(message);
      else stream.write(`✔ ${message}\n`);
    },
    fail(message?: string) {
      if (spinner) spinner.fail(message);
    },
    stop() {
      stopped = true;
      spinner?.stop();
    },
  };
}
