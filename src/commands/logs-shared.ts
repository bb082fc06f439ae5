/** What the logs commands share: the output flags and the view options. */
import type { ConnectionFlags } from '../cli/config.js';
import { terminalWidth, type Ctx } from '../core/io.js';
import { type OptionSpec } from '../cli/spec.js';
import { csvList } from '../core/values.js';
import { InvalidValue } from '../core/errors.js';
import { DETAIL_FIELDS } from '../query/present.js';
import type { OutputFormat } from '../render/output.js';

export interface OutputFlags extends ConnectionFlags {
  json?: boolean;
  output?: OutputFormat;
  fields?: string[];
  color?: boolean;
}

export const OUTPUT_OPTION: OptionSpec = {
  flags: '-o, --output <format>',
  description: 'table (default), json, jsonl (one object per line) or csv',
  choices: ['table', 'json', 'jsonl', 'csv'],
};

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

export function outputFormat(opts: OutputFlags): OutputFormat {
  return opts.json ? 'json' : (opts.output ?? 'table');
}

export async function viewOptions(opts: OutputFlags, ctx: Ctx) {
  const { makeStyle } = await import('../render/style.js');
  const style = makeStyle(ctx, opts.color === false);
  const decorate = Boolean(ctx.stdout.isTTY);
  return { style, now: ctx.now(), width: decorate ? terminalWidth(ctx) : undefined, decorate };
}
