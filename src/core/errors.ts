/**
 * The errors that carry the exit codes (declared in exit.ts): the one place that decides what
 * a failure looks like to a shell. Every command throws these; `main` turns
 * them into one line on stderr (or one JSON object with --json) and a code.
 */
import { EXIT } from './exit.js';

export { EXIT };

export type ExitCode = number;

/** Raised by value parsers; the caller (commander, the config reader) names the flag or key in front of the message. */
export class InvalidValue extends Error {}

export class TasklogError extends Error {
  readonly exitCode: ExitCode;
  readonly kind: string;
  constructor(message: string, exitCode: ExitCode = EXIT.FAILURE, kind = 'error') {
    super(message);
    this.name = 'TasklogError';
    this.exitCode = exitCode;
    this.kind = kind;
  }
}

/** A bad flag or value. The message names the flag and what it accepts. */
export class UsageError extends TasklogError {
  constructor(message: string) {
    super(message, EXIT.USAGE, 'usage');
    this.name = 'UsageError';
  }
}

/**
 * A bad value in the config file: one line naming the file, the key and what
 * it accepts; the command's usage exit code (2; 3 for health).
 */
export class ConfigError extends TasklogError {
  constructor(path: string | null, key: string, accepts: string, got?: unknown) {
    super(`config file ${path ?? '(none)'}: ${key} must be ${accepts}${got === undefined ? '' : ` (got ${shown(got)})`}`, EXIT.USAGE, 'config');
    this.name = 'ConfigError';
  }
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? text.slice(0, 57) + '…' : text;
}

/** Something outside the user's command line went wrong (database, network, file). */
export class RuntimeFailure extends TasklogError {
  constructor(message: string, kind = 'runtime') {
    super(message, EXIT.FAILURE, kind);
    this.name = 'RuntimeFailure';
  }
}

/**
 * The database failed or refused a statement. `detail` is the driver's own
 * words in one line (passwords already redacted), `code` its error code; the
 * original error is the cause. Anything else that goes wrong while a command
 * holds a connection is not a database failure and is not reported as one.
 */
export class DatabaseError extends RuntimeFailure {
  readonly detail: string;
  readonly code?: string;
  constructor(detail: string, where: string, code?: string, cause?: unknown) {
    super(`query on ${where} failed: ${detail}`, 'query');
    this.name = 'DatabaseError';
    this.detail = detail;
    this.code = code;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** One line, never a stack trace; the message of an unexpected error is kept. */
export function describeError(err: unknown): { message: string; exitCode: ExitCode; kind: string } {
  if (err instanceof TasklogError) return { message: err.message, exitCode: err.exitCode, kind: err.kind };
  const e = err as { message?: unknown; code?: unknown } | undefined;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
  return { message: shortMessage(message) + code, exitCode: EXIT.FAILURE, kind: 'internal' };
}

/** A driver's message as one short line: its first line, never more than 300 characters. */
export function shortMessage(message: string): string {
  const text = firstLine(message);
  return text.length > 300 ? text.slice(0, 297) + '…' : text;
}

export function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.trim();
}
