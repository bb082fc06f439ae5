/**
 * What the interactive commands (init, logs browse) share: the streams the
 * prompts read and draw on, and leaving the terminal as it was on every way
 * out — q, Ctrl-C inside a prompt (inquirer's ExitPromptError), Ctrl-C while a
 * query runs (SIGINT), an error.
 */
import { EXIT, InvalidValue } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { onInterrupt } from '../core/interrupt.js';
import { ESC } from '../core/terminal.js';

/** The context every prompt is called with: the command's own streams. */
export function promptContext(ctx: Ctx): { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; clearPromptOnDone?: boolean; signal?: AbortSignal } {
  return { input: ctx.stdin as unknown as NodeJS.ReadableStream, output: ctx.stdout as unknown as NodeJS.WritableStream, signal: ctx.signal };
}

/** A prompt's validate function from a value parser: true, or what the parser said (InvalidValue) to show under the answer. */
export function toValidator(parse: (raw: string) => unknown): (raw: string) => true | string {
  return (raw) => {
    try {
      parse(raw);
      return true;
    } catch (err) {
      if (err instanceof InvalidValue) return err.message;
      throw err;
    }
  };
}

/** Ctrl-C (or a closed terminal) inside a prompt: inquirer rejects with ExitPromptError. */
export function isPromptExit(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

/**
 * Runs `fn` on the terminal's alternate screen (as less and top do) and puts
 * back the screen the user had, with the cursor shown, however `fn` ends.
 * Ctrl-C outside a prompt (a slow query) restores the terminal and exits 130
 * at once.
 */
export async function onAlternateScreen<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> {
  const restore = () => void ctx.stdout.write(ESC.clear + ESC.alternateOff + ESC.cursorShow);
  const unsubscribe = onInterrupt(ctx.signal, () => {
    restore();
    process.exit(EXIT.INTERRUPTED);
  });
  ctx.stdout.write(ESC.alternateOn + ESC.clear);
  try {
    return await fn();
  } finally {
    unsubscribe();
    restore();
  }
}
