/**
 * man/tasklog.1, generated from the same command specs as --help (npm run man;
 * a test fails when the committed page drifts from the specs).
 */
import { COMMANDS, GROUPS } from '../commands/index.js';
import { EXIT_STATUS } from '../core/exit.js';
import { PROGRAM_DESCRIPTION } from './program.js';
import { SETTINGS, type Setting } from '../toolkit/settings.js';
import { WHERE_FIELDS, WHERE_GRAMMAR, WHERE_GROUPS } from '../query/where.js';
import { GLOBAL_OPTIONS, HELP_OPTION, VERSION_OPTION, type CommandSpec, type OptionSpec } from '../toolkit/spec.js';

/** roff-escapes text: backslashes, leading dots and quotes, hyphens in flags */
function esc(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1')
    // groff reads ASCII: anything else as a named Unicode escape
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

function optionItem(o: OptionSpec): string[] {
  const [flag, ...rest] = o.flags.split(' ');
  const arg = rest.join(' ');
  const head = `.TP\n.B ${esc(flag.replace(/,$/, ''))}${flag.endsWith(',') ? `, ${esc(rest[0])}` : ''}${arg && !flag.endsWith(',') ? ` \\fI${esc(arg)}\\fR` : ''}${flag.endsWith(',') && rest.length > 1 ? ` \\fI${esc(rest.slice(1).join(' '))}\\fR` : ''}`;
  const extra: string[] = [];
  if (o.choices) extra.push(`One of: ${o.choices.join(', ')}.`);
  if (o.default !== undefined) extra.push(`Default: ${String(o.default)}.`);
  return [head, esc([o.description, ...extra].join(' '))];
}

function commandSection(spec: CommandSpec): string[] {
  const name = spec.path.join(' ');
  const args = (spec.args ?? []).map((a) => (a.required ? ` \\fI${esc(a.name)}\\fR` : ` [\\fI${esc(a.name)}\\fR]`)).join('');
  const out = [`.SS "${esc(name)}"`, `.B tasklog ${esc(name)}${args}`, '[\\fIoptions\\fR]', '.PP', esc(spec.summary + '.')];
  if (spec.description) out.push('.PP', esc(spec.description));
  for (const o of spec.options) out.push(...optionItem(o));
  if (spec.exitCodes) {
    out.push('.PP', 'Exit status:');
    for (const [code, what] of Object.entries(spec.exitCodes)) out.push('.TP', `.B ${code}`, esc(what));
  }
  return out;
}

/** Where a setting is taken from, in order, as the settings table declares it. */
function precedence(s: Setting): string {
  const flags = (s.flags ?? []).map((f) => f.flag).join(' or ');
  const from = [...(flags ? [flags] : []), ...(s.env ?? []).map((e) => `$${e}`), ...(s.file ? ['the config file'] : [])];
  const shown = s.default === undefined ? undefined : s.show ? s.show(s.default) : s.default;
  return `From ${from.join(', then ')}${shown === undefined ? '' : `; default ${typeof shown === 'string' ? shown : JSON.stringify(shown)}`}.`;
}

/** Every key of the config file, from the settings table the file is checked against. */
function configSection(): string[] {
  const out = [
    '.SH CONFIG FILE',
    esc('Every key is checked when the file is read: a bad value stops the command with one line naming the key and what it accepts (exit 2; health: 3), an unknown key is a warning. Flags and environment variables win over the file, as each key says; tasklog config shows every setting in effect and where it came from. Keys with a dot are in a section: "alerts.webhook" is {"alerts": {"webhook": ...}}.'),
  ];
  for (const s of SETTINGS) if (s.file) out.push('.TP', `.B ${esc(s.name)}`, esc(`${s.description}: ${s.file.accepts}. ${precedence(s)}`));
  return out;
}

/** The environment variables of the settings table, each with its setting. */
function settingsEnvironment(): string[] {
  return SETTINGS.flatMap((s) => (s.env ?? []).flatMap((e) => ['.TP', `.B ${esc(e)}`, esc(`${s.description[0].toUpperCase()}${s.description.slice(1)} (${s.name}). ${precedence(s)}`)]));
}

/** The --where language, from its own tables (grammar, fields, groups). */
function whereSection(): string[] {
  return [
    '.SH WHERE EXPRESSIONS',
    esc('--where EXPR (every command that takes filters; ?q= of serve; "where" of an alert rule; a saved view) is a condition over the row, ANDed with the other filters:'),
    '.RS', '.nf', ...WHERE_GRAMMAR.map(esc), '.fi', '.RE',
    '.PP',
    esc(`Fields: ${[...WHERE_FIELDS.keys()].join(', ')}; args, kwargs and result take a JSON path, compared by the JSON value's type. Groups, standing alone: ${WHERE_GROUPS.join(', ')}. contains is case-insensitive (all of Unicode), startswith exact; a duration is 500ms, 30s, 5m, 2h, 1d or 1w; a time is ISO 8601 (UTC unless an offset), a date, -7d or 7d ago (before now), or now. A comparison with a missing value is false. A bad expression is a usage error showing the expression with a caret under the error.`),
  ];
}

/** tasklog's exit codes, then each command with a convention of its own, from the same tables main and the specs use. */
function exitStatusSection(): string[] {
  const out = ['.SH EXIT STATUS'];
  for (const d of Object.values(EXIT_STATUS)) out.push('.TP', `.B ${d.code}`, esc(d.meaning[0].toUpperCase() + d.meaning.slice(1) + '.'));
  for (const spec of COMMANDS.filter((c) => c.failure && c.exitCodes)) {
    out.push('.PP', esc(`${spec.path.join(' ')}:`));
    for (const [code, what] of Object.entries(spec.exitCodes!)) out.push('.TP', `.B ${code}`, esc(what + '.'));
  }
  return out;
}

export function manPage(version: string): string {
  const lines: string[] = [
    `.TH TASKLOG 1 "" "tasklog ${esc(version)}" "User Commands"`,
    '.SH NAME',
    'tasklog \\- query and maintain task\\-execution logs',
    '.SH SYNOPSIS',
    '.B tasklog',
    '[\\fIglobal options\\fR]',
    '.I command',
    '[\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    esc(PROGRAM_DESCRIPTION),
    '.PP',
    esc('Every command that prints data takes --json. Times are printed as ISO 8601 UTC; time arguments take ISO 8601, a date, or a span before now (90s, 30m, 24h, 7d, 2w).'),
    '.SH GLOBAL OPTIONS',
    esc('Accepted before or after the command.'),
  ];
  for (const o of [...GLOBAL_OPTIONS, HELP_OPTION, VERSION_OPTION]) lines.push(...optionItem(o));
  lines.push('.SH COMMANDS');
  for (const [group, what] of Object.entries(GROUPS)) lines.push('.PP', `\\fB${esc(group)}\\fR: ${esc(what)}.`);
  for (const spec of COMMANDS) lines.push(...commandSection(spec));
  lines.push(
    '.SH ENVIRONMENT',
    ...settingsEnvironment(),
    '.TP', '.B XDG_CONFIG_HOME', esc('Where the global config file lives (default ~/.config).'),
    '.TP', '.B NO_COLOR', esc('Set to anything to turn colors off (also --no-color).'),
    '.TP', '.B FORCE_COLOR', esc('Force colors (1, 2 or 3) or turn them off (0), even off a terminal.'),
    '.TP', '.B TASKLOG_NOW', esc('Pins the current time (ISO 8601), for reproducible output.'),
    '.SH FILES',
    '.TP', '.I ./tasklog.config.json', esc('Project config: a JSON object with the keys listed under CONFIG FILE.'),
    '.TP', '.I $XDG_CONFIG_HOME/tasklog/config.json', esc('User config, read when there is no project config.'),
    '.TP', '.I ./tasklog.sqlite', esc('The default database when nothing else names one.'),
    ...configSection(),
    ...whereSection(),
    ...exitStatusSection(),
    '.SH EXAMPLES',
  );
  for (const spec of COMMANDS) {
    for (const e of spec.examples ?? []) lines.push('.PP', esc(e.description + ':'), '.RS', '.nf', esc(e.command), '.fi', '.RE');
  }
  lines.push('.PP', esc('In CI:'), '.RS', '.nf', esc("tasklog stats --period-hours 24 --json | jq -e '.success_rate > 95'"), '.fi', '.RE');
  lines.push('.SH SEE ALSO', '.BR psql (1),', '.BR sqlite3 (1),', '.BR mysql (1)');
  return lines.join('\n') + '\n';
}
