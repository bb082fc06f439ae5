/**
 * Ctrl-C, handled once for the whole process. SIGINT aborts the one signal
 * every command sees as `ctx.signal`; work that can stop cleanly listens to
 * it (cleanup finishes its batch, --watch stops redrawing, an interactive
 * screen puts the terminal back). When nothing listens, or at a second
 * Ctrl-C, the process leaves at once with 130, as a shell expects.
 */
import { getEventListeners } from 'node:events';
import { EXIT, TasklogError } from './errors.js';

export function processInterrupt(): AbortSignal {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted || getEventListeners(controller.signal, 'abort').length === 0) process.exit(EXIT.INTERRUPTED);
    controller.abort(new Interrupted());
  });
  return controller.signal;
}

/** The user pressed Ctrl-C: exit 130, the message says what was (not) done. */
export class Interrupted extends TasklogError {
  constructor(message = 'interrupted') {
    super(message, EXIT.INTERRUPTED, 'interrupted');
    this.name = 'Interrupted';
  }
}

/** Calls `fn` once on Ctrl-C; returns what stops listening. */
export function onInterrupt(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
