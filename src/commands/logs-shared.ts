/** What the logs commands share: their flags (--fields beside the output flags) and the terminal they draw on. */
import type { ConnectionFlags } from '../cli/config.js';
import { output, type OutputFlags as PrintFlags, type Terminal } from '../cli/output.js';
import type { OptionSpec } from '../core/option.js';
import type { Ctx } from '../core/io.js';
import { csvList } from '../core/values.js';
import { InvalidValue } from '../core/errors.js';
import { attributeName } from '../cli/spec.js';
import { FILTERS } from '../query/filters.js';
import { DETAIL_FIELDS } from '../query/present.js';

export interface OutputFlags extends ConnectionFlags, PrintFlags {
  fields?: string[];
}

export const FIELDS_OPTION: OptionSpec = {
  flags: '--fields <a,b,…>',
  description: `fields to print: ${DETAIL_FIELDS.join(', ')}; or all (every one of them: a full export for tasklog import)`,
  parse: (raw) => {
    if (raw.trim() === 'all') return [...DETAIL_FIELDS];
    try {
      return csvList(raw, DETAIL_FIELDS);
    } catch (err) {
      throw new InvalidValue(`${(err as Error).message.replace(/^expects a comma-separated list of .*$/, 'expects field names')}`);
    }
  },
};

/** The terminal a logs screen draws on (browse keeps it for every page). */
export function viewOptions(opts: OutputFlags, ctx: Ctx): Promise<Terminal> {
  return output(opts, ctx).terminal();
}

/** The filters set on the command line, by filter name (the API's parameter names), from commander's parsed options. */
export function filterValues(opts: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of FILTERS) {
    const v = opts[attributeName(f.option)];
    if (v !== undefined) values[f.name] = v;
  }
  return values;
}
