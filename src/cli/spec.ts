/**
 * A command is declared once, as data: its name, words, flags and exit codes.
 * The same spec builds commander's parser and --help, and generates the man
 * page.
 */
import type { Ctx } from './io.js';

export interface OptionSpec {
  /** commander flag syntax: '--rows <n>', '-o, --output <format>', '--append' */
  flags: string;
  description: string;
  /** default value (shown in help) */
  default?: unknown;
  /** turns the raw string into a value or throws InvalidValue (a usage error naming the flag) */
  parse?: (raw: string) => unknown;
  /** fixed values, checked and listed in help and completion */
  choices?: readonly string[];
  /** not listed in --help (still in the man page) */
  hidden?: boolean;
}

export interface ArgSpec {
  name: string;
  description: string;
  required?: boolean;
}

export interface Example {
  command: string;
  description: string;
}

/** A command's exit code; nothing means 0. */
export type RunResult = number | void;

export interface CommandSpec {
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
  run(opts: any, ctx: Ctx, args: string[]): Promise<RunResult>;
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

export const JSON_OPTION: OptionSpec = { flags: '--json', description: 'print JSON to stdout (errors go to stderr)' };

/** Raised by value parsers; commander names the flag in front of the message. */
export class InvalidValue extends Error {}

export function positiveInt(raw: string, what = 'a whole number greater than 0'): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s) || Number(s) <= 0 || !Number.isSafeInteger(Number(s))) throw new InvalidValue(`expects ${what}`);
  return Number(s);
}

export function nonNegativeInt(raw: string, what = 'a whole number ≥ 0'): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new InvalidValue(`expects ${what}`);
  return Number(s);
}

export function positiveNumber(raw: string, what = 'a number greater than 0'): number {
  const s = raw.trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n <= 0) throw new InvalidValue(`expects ${what}`);
  return n;
}

export function intInRange(raw: string, min: number, max: number): number {
  const s = raw.trim();
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || n < min || n > max) throw new InvalidValue(`expects a whole number from ${min} to ${max}`);
  return n;
}

/** true/false for flags like --is-failed [bool]; a bare flag is true (commander passes no value). */
export function parseBool(raw: string): boolean {
  const s = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 't'].includes(s)) return true;
  if (['false', '0', 'no', 'n', 'f'].includes(s)) return false;
  throw new InvalidValue('expects true or false');
}

/** a comma-separated list, each item checked against the allowed values when given */
export function csvList(raw: string, allowed?: readonly string[]): string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidValue(allowed ? `expects a comma-separated list of ${allowed.join(', ')}` : 'expects a comma-separated list');
  if (allowed) {
    const bad = items.filter((i) => !allowed.includes(i));
    if (bad.length) throw new InvalidValue(`'${bad.join(',')}' is not one of ${allowed.join(', ')}`);
  }
  return items;
}

