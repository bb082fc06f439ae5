/**
 * Builds commander's program from the command specs. Every flag and its
 * parser come from the spec, so help, validation and the man page agree.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { GROUPS } from '../commands/groups.js';
import type { CommandEntry } from './registry.js';
import type { Ctx } from '../core/io.js';
import { GLOBAL_OPTIONS, HELP_OPTION, VERSION_OPTION, type CommandSpec, type OptionSpec } from '../toolkit/spec.js';
import { InvalidValue } from '../core/errors.js';

export const PROGRAM_DESCRIPTION =
  "Query and maintain task-execution logs — the django_cfg_task_log table of Django's TaskLog model — on SQLite, PostgreSQL and MySQL/MariaDB.";

export function makeOption(spec: OptionSpec): Option {
  const opt = new Option(spec.flags, spec.description);
  if (spec.default !== undefined) opt.default(spec.default);
  if (spec.choices) opt.choices(spec.choices as string[]);
  if (spec.parse) {
    const parse = spec.parse;
    opt.argParser((raw: string) => {
      try {
        return parse(raw);
      } catch (err) {
        if (err instanceof InvalidValue) throw new InvalidArgumentError(err.message);
        throw err;
      }
    });
  }
  if (spec.hidden) opt.hideHelp();
  return opt;
}

export interface Invocation {
  spec: CommandSpec;
  opts: Record<string, unknown>;
  args: string[];
}

/**
 * The program; `onAction` receives the chosen command and its merged options.
 * Commander's own exits are turned into exceptions (exitOverride) so `main`
 * decides exit codes.
 */
/**
 * `commands`: every command, each either loaded (its spec: flags, help,
 * action) or only as the registry knows it (listed in help, never run).
 */
export function buildProgram(ctx: Ctx, version: string, onAction: (inv: Invocation) => Promise<void>, commands: readonly (CommandSpec | CommandEntry)[]): Command {
  const program = new Command('tasklog');
  program
    .description(PROGRAM_DESCRIPTION)
    .version(version, VERSION_OPTION.flags, VERSION_OPTION.description)
    .helpOption(HELP_OPTION.flags, HELP_OPTION.description)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .configureOutput({
      writeOut: (s) => void ctx.stdout.write(s),
      writeErr: (s) => void ctx.stderr.write(s),
      outputError: () => undefined, // main prints the one-line error
    });
  for (const g of GLOBAL_OPTIONS) program.addOption(makeOption(g));
  program.addHelpCommand(false);

  const groups = new Map<string, Command>();
  for (const spec of commands) {
    let parent = program;
    for (const word of spec.path.slice(0, -1)) {
      let group = groups.get(word);
      if (!group) {
        group = parent.command(word).description(GROUPS[word] ?? '');
        groups.set(word, group);
      }
      parent = group;
    }
    if (!('run' in spec)) {
      listOnly(parent, spec);
      continue;
    }
    const cmd = parent.command(spec.path[spec.path.length - 1]).description(spec.description ? `${spec.summary}\n\n${spec.description}` : spec.summary);
    cmd.summary(spec.summary);
    for (const a of spec.args ?? []) cmd.argument(a.required ? `<${a.name}>` : `[${a.name}]`, a.description);
    for (const o of spec.options) cmd.addOption(makeOption(o));
    if (spec.examples?.length) {
      cmd.addHelpText('after', '\nExamples:\n' + spec.examples.map((e) => `  $ ${e.command}\n      ${e.description}`).join('\n'));
    }
    cmd.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      await onAction({ spec, opts: self.optsWithGlobals(), args: self.args });
    });
  }
  return program;
}

/** A command not loaded: its line in the help listing (words, [options], arguments, summary), nothing more. */
function listOnly(parent: Command, entry: CommandEntry): void {
  const cmd = parent.command(entry.path[entry.path.length - 1]).description(entry.summary);
  for (const a of entry.args) cmd.argument(a.required ? `<${a.name}>` : `[${a.name}]`);
  // the listing writes [options] when a command has any
  if (entry.options > 0) cmd.addOption(new Option('--options').hideHelp());
}
