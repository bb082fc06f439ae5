import { configPaths, loadConfig, resolveSetting } from '../toolkit/config.js';
import { output, type OutputFlags } from '../toolkit/output.js';
import { originText, SETTINGS, shownValue, type Origin, type Setting } from '../toolkit/settings.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { EXIT, UsageError } from '../core/errors.js';
import type { Ctx } from '../core/io.js';

/** One setting as `tasklog config` prints it (--json: the array of these). */
interface Row {
  setting: string;
  /** as the config file would say it; a secret's secret part as *** */
  value: unknown;
  /** "flag --db", "env TASKLOG_DATABASE_URL", "config file PATH: database", "default", "not set" */
  origin: string;
  source: Origin;
  flags: string[];
  env: string[];
  /** its key in the config file, if it may be there */
  key: string | null;
  default: unknown;
  secret: boolean;
  description: string;
}

export const spec: CommandSpec<OutputFlags> = {
  path: ['config'],
  summary: 'every setting in effect and where it comes from: a flag, the environment, the config file or a default',
  description:
    'Resolves each setting as the commands do — its flag, its environment variables in order, the config file that ' +
    'applies (./tasklog.config.json, else $XDG_CONFIG_HOME/tasklog/config.json), its default — and prints its value ' +
    'and origin, like git config --show-origin. It takes the global flags, so `tasklog config --db URL` shows ' +
    'database from "flag --db"; a flag of one command (--to, --redis, …) is that command\'s own. Secrets never ' +
    'show: a password in a URL is ***, a token ***, a webhook only its host. SETTING names one setting (database) ' +
    'or a section (alerts, rearq). --json: [{setting, value, origin, source, flags, env, key, default, secret, ' +
    'description}]. Connects to nothing; a bad setting or config file is one line, exit 2.',
  args: [{ name: 'setting', description: 'only this setting, or the settings of this section (health, alerts, archive, rearq, serve)' }],
  options: [JSON_OPTION],
  failure: { usage: EXIT.USAGE, runtime: EXIT.USAGE },
  examples: [
    { command: 'tasklog config', description: 'every setting, its value and where it came from' },
    { command: 'tasklog config database --db postgres://app@db/app', description: 'the database, from "flag --db"' },
    { command: "tasklog config alerts --json | jq '.[] | select(.origin != \"default\")'", description: 'the alert settings set somewhere' },
  ],
  async run(opts: OutputFlags, ctx: Ctx, args: string[]) {
    const settings = chosen(args[0]);
    const rows = settings.map((s) => row(s, opts, ctx));
    const path = loadConfig(ctx).path;
    await output(opts, ctx).print(rows, async (term) => {
      const [{ renderTable }, { showControls }] = await Promise.all([import('../render/table.js'), import('../render/format.js')]);
      const { c } = term.style;
      const table = renderTable(
        [
          { header: 'SETTING', cell: (r) => r.setting },
          { header: 'VALUE', cell: (r) => showControls(valueText(r.value)), flexible: true },
          { header: 'ORIGIN', cell: (r) => (r.source.kind === 'default' || r.source.kind === 'none' ? c.dim(r.origin) : showControls(r.origin)), flexible: true },
        ],
        rows,
        term,
      );
      const file = path ? `config file: ${showControls(path)}` : `config file: none (${configPaths(ctx).map(showControls).join(', ')} not found)`;
      return `${table}${table.endsWith('\n') ? '' : '\n'}${file}\n`;
    });
  },
};

/** The settings SETTING names: one by its name, or a section's by the first word. */
function chosen(name: string | undefined): readonly Setting[] {
  if (name === undefined) return SETTINGS;
  const found = SETTINGS.filter((s) => s.name === name || s.name.startsWith(name + '.'));
  if (found.length === 0) {
    const shown = name.length > 40 ? `${name.slice(0, 39)}…` : name;
    throw new UsageError(`no setting ${JSON.stringify(shown)}: name one of ${SETTINGS.map((s) => s.name).join(', ')}, or a section (${sections().join(', ')})`);
  }
  return found;
}

function sections(): string[] {
  return [...new Set(SETTINGS.filter((s) => s.name.includes('.')).map((s) => s.name.split('.')[0]))];
}

function row<T>(s: Setting<T>, flags: object, ctx: Ctx): Row {
  const { value, origin } = resolveSetting(s, flags, ctx);
  return {
    setting: s.name,
    value: shownValue(s, value),
    origin: originText(origin),
    source: origin,
    flags: (s.flags ?? []).map((f) => f.flag),
    env: [...(s.env ?? [])],
    key: s.file ? s.name : null,
    default: shownValue(s, s.default),
    secret: s.secret !== undefined,
    description: s.description,
  };
}

/** A value on the terminal: text as it is, a list or an object as JSON, nothing as nothing. */
function valueText(v: unknown): string {
  if (v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
