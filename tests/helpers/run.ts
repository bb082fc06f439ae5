/** Runs the CLI in-process with captured streams, a chosen environment and clock. */
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Ctx } from '../../src/core/io.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  now?: string | Date;
  tty?: boolean;
  columns?: number;
  /** what is piped to stdin (for `import -`) */
  stdin?: string;
}

export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const now = options.now ? new Date(options.now) : undefined;
  const ctx: Ctx = {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.tty ?? false, columns: options.columns ?? 100 },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdin: options.stdin === undefined ? { isTTY: options.tty ?? false } : Object.assign(Readable.from([options.stdin]), { isTTY: false }),
    env: { HOME: '/nonexistent-home', XDG_CONFIG_HOME: '/nonexistent-xdg', ...(options.env ?? {}) },
    cwd: options.cwd ?? process.cwd(),
    now: () => (now ? new Date(now) : new Date()),
  };
  const code = await main(argv, ctx);
  return { code, stdout, stderr };
}

/** Runs and parses stdout as JSON, failing loudly with stderr when the command failed. */
export async function runJson<T = any>(argv: string[], options: RunOptions = {}): Promise<T> {
  const r = await run([...argv, '--json'], options);
  if (r.code !== 0) throw new Error(`tasklog ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
