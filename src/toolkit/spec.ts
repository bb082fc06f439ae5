/**
 * A command is declared once, as data: its name, words, flags and exit codes.
 * The same spec builds commander's parser and --help, and generates the man
 * page.
 */
import { Option } from 'commander';
import type { Ctx } from '../core/io.js';
import { positiveNumber } from '../core/values.js';
import { InvalidValue } from '../core/errors.js';
import type { ArgSpec, OptionSpec } from '../core/option.js';

export type { ArgSpec, OptionSpec };

export interface Example {
  command: string;
  description: string;
}

/** A command's exit code; nothing means 0. */
export type RunResult = number | void;

export interface CommandSpec<O = any> {
  /** words after `tasklog`: ['overview'], ['logs', 'list'] */
  path: string[];
  summary: string;
  description?: string;
  args?: ArgSpec[];
  options: OptionSpec[];
  examples?: Example[];
  /** exit codes beyond the common ones (0, 1, 2) */
  exitCodes?: Record<number, string>;
  /**
   * For commands that follow another convention (the Nagios plugin API):
   * the exit code of a usage error and of a runtime failure, and the line
   * that reports a failure on stdout.
   */
  failure?: { usage: number; runtime: number; line?(message: string): string };
  /**
   * Runs the command with its parsed options (global ones merged in) and
   * positional arguments. Heavy modules (database drivers, renderers, prompts) are
   * imported inside, so that --help and other commands never load them.
   */
  run(opts: O, ctx: Ctx, args: string[], program: Program): Promise<RunResult>;
}

/** What a command may ask of the program around it: every command's spec (loaded on demand; completion needs them). */
export interface Program {
  load(): Promise<CommandSet>;
}

/** The program's commands and the words that group them: what the completion command needs to know of the others. */
export interface CommandSet {
  commands: readonly CommandSpec[];
  /** words of command groups (`logs` in `tasklog logs list`) and what they hold */
  groups: Readonly<Record<string, string>>;
}

/** Options every command accepts, before or after the command words. */
export const GLOBAL_OPTIONS: OptionSpec[] = [
  {
    flags: '--db <url>',
    description:
      'database: a file path, sqlite:///rel.sqlite, sqlite:////abs.sqlite, postgres://…, mysql://… (default: $TASKLOG_DATABASE_URL, $DATABASE_URL, config file, ./tasklog.sqlite)',
  },
  { flags: '--table <name>', description: 'task log table (default: django_cfg_task_log)' },
  { flags: '--user-table <name>', description: 'user table joined for user columns (default: auth_user; optional)' },
  {
    flags: '--connect-timeout <seconds>',
    description: 'give up connecting after this long (default: 10)',
    parse: (raw) => positiveNumber(raw, 'a number of seconds greater than 0'),
  },
  { flags: '--no-color', description: 'no colors (also: NO_COLOR=1)' },
];

/** Commander's own flags, declared here so the man page lists what program.ts installs. */
export const HELP_OPTION: OptionSpec = { flags: '-h, --help', description: 'show help' };
export const VERSION_OPTION: OptionSpec = { flags: '-V, --version', description: 'print the version' };

export const JSON_OPTION: OptionSpec = { flags: '--json', description: 'print JSON to stdout (errors go to stderr)' };

/** The ClickHouse cluster the archive's tables spread over (migrate, archive). */
export const CLUSTER_OPTION: OptionSpec = {
  flags: '--cluster <name>',
  description: "ClickHouse: create the archive's tables ON CLUSTER (ReplicatedMergeTree on each shard under a Distributed table)",
  parse: (v) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw new InvalidValue('expects a cluster name of remote_servers (letters, digits and _)');
    return v;
  },
};


/** The key commander stores an option's value under in the parsed options ('--task-name <text>' → 'taskName'), asked of commander itself. */
export function attributeName(spec: OptionSpec): string {
  return new Option(spec.flags).attributeName();
}
