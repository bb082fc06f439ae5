/**
 * Entry point: argv in, exit code out. Streams, environment and clock come
 * from the context, so tests run the whole CLI in-process.
 */
import { CommanderError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError, EXIT } from './errors.js';
import { processCtx, type Ctx } from './io.js';
import { buildProgram } from './program.js';

export async function main(argv: string[], ctx: Ctx = processCtx()): Promise<number> {
  const wantsJson = argv.includes('--json');
  let code: number = EXIT.OK;
  const program = buildProgram(ctx, version(), async ({ spec, opts, args }) => {
    const result = await spec.run(opts, ctx, args);
    code = typeof result === 'number' ? result : EXIT.OK;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
      // No command given: commander has printed the help to stderr.
      if (err.code === 'commander.help') return EXIT.USAGE;
      report(ctx, wantsJson, err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '), EXIT.USAGE, 'usage');
      return EXIT.USAGE;
    }
    const d = describeError(err);
    report(ctx, wantsJson, d.message, d.exitCode, d.kind);
    return d.exitCode;
  }
}

/** The one way an error reaches the user: one line on stderr, or one JSON object with --json. */
function report(ctx: Ctx, json: boolean, message: string, exitCode: number, kind: string): void {
  if (json) ctx.stderr.write(JSON.stringify({ error: { message, kind, exit_code: exitCode } }) + '\n');
  else ctx.stderr.write(`tasklog: ${message}\n`);
}

let cachedVersion: string | undefined;
/** The version in package.json (found from here in both src/ and dist/src/). */
export function version(): string {
  if (cachedVersion) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tasklog' && pkg.version) return (cachedVersion = pkg.version);
    }
    dir = dirname(dir);
  }
  return (cachedVersion = '0.0.0');
}
