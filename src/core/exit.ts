/**
 * Exit codes, declared once with what each means: tasklog's own (every
 * command), the Nagios plugin API's (health) and alerts check's. The command
 * specs, `main` and the man page's EXIT STATUS section all read these tables.
 */
export interface ExitDef {
  code: number;
  meaning: string;
}

type Codes<T extends Record<string, ExitDef>> = { readonly [K in keyof T]: T[K]['code'] };

function codes<T extends Record<string, ExitDef>>(defs: T): Codes<T> {
  return Object.fromEntries(Object.entries(defs).map(([k, d]) => [k, d.code])) as Codes<T>;
}

/** Code → meaning, as a command spec's `exitCodes` and the man page list them. */
export function exitDocs(defs: Record<string, ExitDef>): Record<number, string> {
  return Object.fromEntries(Object.values(defs).map((d) => [d.code, d.meaning]));
}

/** Every command's codes, unless its spec declares a convention of its own. */
export const EXIT_STATUS = {
  OK: { code: 0, meaning: 'success' },
  FAILURE: { code: 1, meaning: 'runtime failure: database unreachable, table missing, row not found' },
  USAGE: { code: 2, meaning: 'usage error: unknown command or flag, a bad value of a flag or of a config file key' },
  INTERRUPTED: { code: 130, meaning: 'interrupted by Ctrl-C (128 + SIGINT): cleanup stops after the current batch, init writes nothing' },
} as const;
export const EXIT = codes(EXIT_STATUS);

/** health follows the Nagios plugin API. */
export const NAGIOS_STATUS = {
  OK: { code: 0, meaning: 'OK: every check below its warning threshold' },
  WARNING: { code: 1, meaning: 'WARNING: a check reached its warning threshold' },
  CRITICAL: { code: 2, meaning: 'CRITICAL: a check reached its critical threshold' },
  UNKNOWN: { code: 3, meaning: 'UNKNOWN: bad arguments or config file, database unreachable, table missing' },
} as const;
export const NAGIOS = codes(NAGIOS_STATUS);
export type NagiosStatus = keyof typeof NAGIOS;

/** alerts check, for cron and CI: 1 is "something to look at", not a failure of the check. */
export const ALERT_STATUS = {
  NONE: { code: 0, meaning: 'no alert fired' },
  FIRED: { code: 1, meaning: 'an alert fired' },
  USAGE: { code: 2, meaning: 'usage error: a bad flag or config file value' },
  FAILED: { code: 3, meaning: 'could not check (database) or deliver' },
} as const;
export const ALERT_EXIT = codes(ALERT_STATUS);
