/**
 * The command context: streams, environment and clock, injected so that tests
 * run commands in-process and every command sees the same terminal facts.
 */
import { EXIT } from './exit.js';
import { processInterrupt } from './interrupt.js';

export interface OutStream {
  /** text, or UTF-8 bytes of whole lines (the export) */
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  once?(event: 'drain', listener: () => void): unknown;
}

/**
 * Writes with backpressure: when the stream's buffer is full (a slow pipe),
 * wait for it to drain, so streaming a whole table never piles up in memory.
 */
export async function writeOut(stream: OutStream, chunk: string | Uint8Array): Promise<void> {
  if (stream.write(chunk) === false && stream.once) {
    await new Promise<void>((resolve) => stream.once!('drain', resolve));
  }
}

export interface InStream {
  isTTY?: boolean;
  /** the bytes piped in (`tasklog import -`); process.stdin, or a test's Readable */
  [Symbol.asyncIterator]?(): AsyncIterator<string | Buffer>;
}

export interface Ctx {
  stdout: OutStream;
  stderr: OutStream;
  stdin: InStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The current time. TASKLOG_NOW (ISO 8601) pins it, for reproducible output and tests. */
  now(): Date;
  /** Aborted on Ctrl-C (src/core/interrupt.ts): long work checks it between batches, screens restore the terminal. */
  signal?: AbortSignal;
}

export function processCtx(): Ctx {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // `tasklog … | head`: the reader went away; stop quietly, as Unix tools do
      if (err.code === 'EPIPE') process.exit(0);
      // a full disk, a closed descriptor: one line where it can still be read, never a stack
      if (stream === process.stdout) process.stderr.write(`tasklog: cannot write the output: ${err.code ?? err.name}: ${err.message.replace(/^[A-Z]+: /, '')}\n`);
      process.exit(EXIT.FAILURE);
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    now: clockFromEnv(process.env),
    signal: processInterrupt(),
  };
}

export function clockFromEnv(env: Record<string, string | undefined>): () => Date {
  const pinned = env.TASKLOG_NOW;
  if (pinned) {
    const ms = Date.parse(pinned);
    if (!Number.isNaN(ms)) return () => new Date(ms);
  }
  return () => new Date();
}

/**
 * Color level for stdout: NO_COLOR and --no-color win, FORCE_COLOR forces,
 * otherwise color only on a terminal (https://no-color.org, https://force-color.org).
 */
export function colorLevel(ctx: Ctx, noColorFlag = false): 0 | 1 | 2 | 3 {
  if (noColorFlag) return 0;
  const env = ctx.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2' || force === '3') return Number(force) as 2 | 3;
    return 1;
  }
  if (!ctx.stdout.isTTY) return 0;
  if (env.TERM === 'dumb') return 0;
  return 1;
}

/** Width to fit tables and charts into: the terminal's, COLUMNS, or 100 off a terminal. */
export function terminalWidth(ctx: Ctx): number {
  return terminalSize(ctx, ctx.stdout.columns, 'COLUMNS', 100);
}

/** Height of the terminal: its rows, LINES, or 24. */
export function terminalHeight(ctx: Ctx): number {
  return terminalSize(ctx, ctx.stdout.rows, 'LINES', 24);
}

function terminalSize(ctx: Ctx, reported: number | undefined, envName: string, fallback: number): number {
  if (ctx.stdout.isTTY && reported && reported > 0) return reported;
  const env = Number(ctx.env[envName]);
  return Number.isInteger(env) && env > 0 ? env : fallback;
}

export function isInteractive(ctx: Ctx): boolean {
  return Boolean(ctx.stdout.isTTY && ctx.stdin.isTTY);
}
