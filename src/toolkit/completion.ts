/**
 * Shell completion scripts, generated from the command specs: commands,
 * flags and fixed values (statuses, intervals, output formats, …).
 */
import { GLOBAL_OPTIONS, type CommandSet, type CommandSpec, type OptionSpec } from '../toolkit/spec.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const longFlags = (options: OptionSpec[]) => options.flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith('-')));

/** every command path (groups included) → the words that may follow it */
function tree(COMMANDS: readonly CommandSpec[]): Map<string, string[]> {
  const next = new Map<string, Set<string>>();
  const add = (path: string, word: string) => {
    if (!next.has(path)) next.set(path, new Set());
    next.get(path)!.add(word);
  };
  for (const spec of COMMANDS) spec.path.forEach((w, i) => add(spec.path.slice(0, i).join(' '), w));
  return new Map([...next].map(([k, v]) => [k, [...v]]));
}

/** flags that take one of fixed values → those values */
function valueChoices(COMMANDS: readonly CommandSpec[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const spec of COMMANDS) for (const o of spec.options) if (o.choices) for (const f of longFlags([o])) out.set(f, [...o.choices]);
  return out;
}

function bash({ commands: COMMANDS }: CommandSet): string {
  const t = tree(COMMANDS);
  const globals = longFlags(GLOBAL_OPTIONS).join(' ');
  const cases = [...t].map(([path, words]) => `    "${path}") words="${words.join(' ')}" ;;`);
  const flagCases = COMMANDS.map((s) => `    "${s.path.join(' ')}") flags="${longFlags(s.options).join(' ')} --help" ;;`);
  const valueCases = [...valueChoices(COMMANDS)].map(([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W "${values.join(' ')}" -- "$cur")); return ;;`);
  // command words only: a positional argument (`logs show 12`, `import rows.jsonl`) does not change the command
  const known = [...new Set([...[...t.keys()].filter(Boolean), ...COMMANDS.map((s) => s.path.join(' '))])].join('|');
  return `# bash completion for tasklog (generated: tasklog completion bash)
_tasklog() {
  local cur prev cmd w words flags i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
${valueCases.join('\n')}
    completion) COMPREPLY=($(compgen -W "${SHELLS.join(' ')}" -- "$cur")); return ;;
  esac
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      -*) ;;
      *) case "\${COMP_WORDS[i-1]}" in --db|--table|--user-table|--connect-timeout) ;; *) [[ "|${known}|" == *"|\${cmd:+$cmd }$w|"* ]] && cmd="\${cmd:+$cmd }$w" ;; esac ;;
    esac
  done
  words=""
  flags=""
  case "$cmd" in
${cases.join('\n')}
  esac
  case "$cmd" in
${flagCases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags ${globals}" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -o default -F _tasklog tasklog
`;
}

function zsh(set: CommandSet): string {
  return `#compdef tasklog
# zsh completion for tasklog (generated: tasklog completion zsh); uses the bash function
autoload -U +X bashcompinit && bashcompinit
${bash(set)}`;
}

function fishEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

function fish({ commands: COMMANDS, groups: GROUPS }: CommandSet): string {
  const lines = ['# fish completion for tasklog (generated: tasklog completion fish)', 'complete -c tasklog -f'];
  const t = tree(COMMANDS);
  for (const [path, words] of t) {
    const cond = path === '' ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${path.split(' ').pop()}`;
    for (const w of words) {
      if (path === '' && w === 'logs') lines.push(`complete -c tasklog -n '${cond}' -a logs -d '${fishEscape(GROUPS.logs)}'`);
      else if (path === '' && GROUPS[w]) lines.push(`complete -c tasklog -n '${cond}' -a ${w} -d '${fishEscape(GROUPS[w])}'`);
      else {
        const spec = COMMANDS.find((s) => s.path.join(' ') === (path ? `${path} ${w}` : w));
        lines.push(`complete -c tasklog -n '${cond}' -a ${w} -d '${fishEscape(spec?.summary ?? 'print a shell completion script')}'`);
      }
    }
  }
  for (const spec of COMMANDS) {
    const cond = `__fish_seen_subcommand_from ${spec.path[spec.path.length - 1]}`;
    for (const o of spec.options) {
      const long = o.flags.split(/[ ,]+/).find((f) => f.startsWith('--'))!.slice(2);
      const short = o.flags.match(/^-([a-z]),/)?.[1];
      const takes = /[<[]/.test(o.flags);
      lines.push(
        `complete -c tasklog -n '${cond}' -l ${long}${short ? ` -s ${short}` : ''}${takes ? ' -r' : ''}${o.choices ? ` -a '${o.choices.join(' ')}'` : ''} -d '${fishEscape(o.description.slice(0, 80))}'`,
      );
    }
  }
  for (const o of GLOBAL_OPTIONS) {
    const long = o.flags.split(' ')[0].slice(2);
    lines.push(`complete -c tasklog -l ${long}${/</.test(o.flags) ? ' -r' : ''} -d '${fishEscape(o.description.slice(0, 80))}'`);
  }
  lines.push(`complete -c tasklog -n '__fish_seen_subcommand_from completion' -a '${SHELLS.join(' ')}'`);
  // commands that read a file: file names after them (completion is otherwise off, -f above)
  for (const spec of COMMANDS) if (spec.args?.some((a) => a.name === 'file')) lines.push(`complete -c tasklog -n '__fish_seen_subcommand_from ${spec.path[spec.path.length - 1]}' -F`);
  return lines.join('\n') + '\n';
}

/** The script for `shell` that completes the commands of `set` (the program's own, handed to the completion command). */
export function completionScript(shell: Shell, set: CommandSet): string {
  return shell === 'bash' ? bash(set) : shell === 'zsh' ? zsh(set) : fish(set);
}
