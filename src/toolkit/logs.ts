/**
 * What the commands that read task log rows share: the filter flags of
 * `logs list` (with --where and --view) and their values; and what the logs
 * commands share: --fields beside the output flags, the terminal they draw on.
 */
import { resolveSetting, type ConnectionFlags } from './config.js';
import { VIEWS } from './settings.js';
import { output, type OutputFlags, type Terminal } from './output.js';
import type { OptionSpec } from '../core/option.js';
import type { Ctx } from '../core/io.js';
import { csvList } from '../core/values.js';
import { InvalidValue, UsageError } from '../core/errors.js';
import { attributeName } from './spec.js';
import { activeFilters, filterArgs, FILTERS, type ActiveFilter, type FilterDef } from '../query/filters.js';
import { andWhere, describeWhereError, parseWhere, WhereError, type WhereExpr } from '../query/where.js';
import { DETAIL_FIELDS } from '../query/present.js';

/** What every command that reads the task log takes: the connection and the output flags. */
export interface ReadFlags extends ConnectionFlags, OutputFlags {}

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
export function viewOptions(opts: ReadFlags, ctx: Ctx): Promise<Terminal> {
  return output(opts, ctx).terminal();
}

export const VIEW_OPTION: OptionSpec = {
  flags: '--view <name>',
  description: 'a saved view: the --where expression of that name in the config file\'s "views" (ANDed with the other filters; tasklog views lists them)',
};

/**
 * The filter flags of `logs list`, --where and --view, for every command
 * that reads rows; `except`: filters the command has its own flag for (the
 * reports' window takes --since).
 */
export function filterOptions(except: readonly string[] = []): OptionSpec[] {
  return [...FILTERS.filter((f) => !except.includes(f.name)).map((f) => f.option), VIEW_OPTION];
}

/**
 * The filters set on the command line, by filter name (the API's parameter
 * names), from commander's parsed options: --where parsed (a bad one is a
 * usage error with a caret under the spot), --view's expression ANDed to it.
 */
export function filterValues(opts: Readonly<Record<string, unknown>>, ctx: Ctx, except: readonly string[] = []): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of FILTERS) {
    if (except.includes(f.name)) continue;
    const v = opts[attributeName(f.option)];
    if (v !== undefined) values[f.name] = typeof v === 'string' && f.parseLater ? parseLater(f, v) : v;
  }
  if (typeof opts.view === 'string') values.where = andWhere(viewExpr(opts.view, ctx), values.where as WhereExpr | undefined);
  return values;
}

/** The active filters of the command line (filterValues, in the filter table's order). */
export function commandFilters(opts: Readonly<Record<string, unknown>>, ctx: Ctx, except: readonly string[] = []): ActiveFilter[] {
  return activeFilters(filterValues(opts, ctx, except));
}

/** The reports' window has its own --since: the filters it takes beside it. */
export const WINDOW_OWNS = ['since'] as const;

/** The filters as the flags that set them, for a report's title: "--queue-name high --where …". */
export function describeFilters(filters: readonly ActiveFilter[]): string {
  return filterArgs([...filters]).map((a) => (/^[\w.,:+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

function parseLater(def: FilterDef, raw: string): unknown {
  try {
    return def.parseLater!(raw);
  } catch (err) {
    if (err instanceof WhereError) throw new UsageError(describeWhereError(err, def.option.flags.split(' ')[0]));
    if (err instanceof InvalidValue) throw new UsageError(`option '${def.option.flags}' argument '${raw}' is invalid. ${err.message}`);
    throw err;
  }
}

/** The saved views of the config file, by name. */
export function savedViews(ctx: Ctx): Map<string, string> {
  return new Map(Object.entries(resolveSetting(VIEWS, {}, ctx).value!));
}

/** A view's expression (checked when the config file was read). */
export function viewExpr(name: string, ctx: Ctx): WhereExpr {
  const views = savedViews(ctx);
  const text = views.get(name);
  if (text === undefined) {
    const known = [...views.keys()];
    throw new UsageError(`no view '${name}' in the config file (${known.length ? `views: ${known.join(', ')}` : 'it has no "views"'})`);
  }
  return parseWhere(text);
}