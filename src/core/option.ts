/**
 * A flag or argument declared as data: the same declaration builds the
 * parser, --help, completion and the man page, and may live beside the rule
 * it sets (a filter in src/query, a threshold in the settings table).
 */
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

