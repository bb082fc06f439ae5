/**
 * Entry point: argv in, exit code out. Streams, environment and clock come
 * from the context, so tests run the whole CLI in-process.
 */
import { CommanderError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError, EXIT } from '../core/errors.js';
import { processCtx, type Ctx } from '../core/io.js';
import { buildProgram } from './program.js';
import { GROUPS } from '../commands/groups.js';
import { REGISTRY } from './registry-table.js';
import { loadSpec, type CommandEntry } from './registry.js';
import { GLOBAL_OPTIONS, type CommandSet, type CommandSpec } from '../toolkit/spec.js';

/** The command an argv names (even when it does not parse), by its words. */
export function entryForArgv(argv: string[]): CommandEntry | undefined {
  const valued = new Set(GLOBAL_OPTIONS.filter((o) => /<.+>/.test(o.flags)).map((o) => o.flags.split(' ')[0]));
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (valued.has(a)) i++;
      continue;
    }
    words.push(a);
  }
  let best: CommandEntry | undefined;
  for (const spec of REGISTRY) {
    if (spec.path.every((w, i) => words[i] === w) && (!best || spec.path.length > best.path.length)) best = spec;
  }
  return best;
}

export async function main(argv: string[], ctx: Ctx = processCtx()): Promise<number> {
  const wantsJson = argv.includes('--json');
  // only the module of the command being run is imported; the others are listed from the registry
  const entry = entryForArgv(argv);
  const chosen = entry ? await loadSpec(entry) : undefined;
  const failure = chosen?.failure;
  let code: number = EXIT.OK;
  const program = buildProgram(
    ctx,
    version(),
    async ({ spec, opts, args }) => {
      const result = await spec.run(opts, ctx, args, { load: allCommands });
      code = typeof result === 'number' ? result : EXIT.OK;
    },
    REGISTRY.map((e) => (e === entry ? chosen! : e)),
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
      // No command given: commander has printed the help to stderr.
      if (err.code === 'commander.help') return EXIT.USAGE;
      const code = failure?.usage ?? EXIT.USAGE;
      report(ctx, wantsJson, shortenArgument(err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')), code, 'usage', failure);
      return code;
    }
    const d = describeError(err);
    const code = failure ? (d.exitCode === EXIT.USAGE ? failure.usage : failure.runtime) : d.exitCode;
    report(ctx, wantsJson, d.message, code, d.kind, failure);
    return code;
  }
}

/** Commander quotes a refused value in full: one that is kilobytes long is cut, so the line stays a line. */
function shortenArgument(message: string): string {
  const from = message.indexOf(" argument '") + 11;
  const to = message.lastIndexOf("' is invalid.");
  return from > 10 && to - from > 80 ? `${message.slice(0, from + 77)}…${message.slice(to)}` : message;
}

/** The one way an error reaches the user: one line on stderr, or one JSON object with --json. */
function report(ctx: Ctx, json: boolean, message: string, exitCode: number, kind: string, failure?: CommandSpec['failure']): void {
  if (failure?.line && !json) ctx.stdout.write(failure.line(message) + '\n');
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

/** Every command's spec (what completion needs of the others): loads them all. */
async function allCommands(): Promise<CommandSet> {
  const { COMMANDS } = await import('../commands/index.js');
  return { commands: COMMANDS, groups: GROUPS };
}
