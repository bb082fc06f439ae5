import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/toolkit/completion.js';
import { COMMANDS, GROUPS } from '../../src/commands/index.js';

const program = { commands: COMMANDS, groups: GROUPS };
import { run } from '../helpers/run.js';

/** What bash offers after `line` (a trailing space means: a new word). */
function bashComplete(line: string): string[] {
  const script = `${completionScript('bash', program)}
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_tasklog
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { env: { LINE: line, PATH: process.env.PATH }, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('shell completion', () => {
  it.each([
    ['tasklog lo', ['logs']],
    ['tasklog logs ', ['list', 'show', 'related', 'browse']],
    ['tasklog logs list --is-f', ['--is-failed']],
    ['tasklog timeline --interval ', ['minute', 'hour', 'day']],
    ['tasklog logs list -o ', ['table', 'json', 'jsonl', 'csv']],
    ['tasklog --db x.sqlite st', ['stats']],
    ['tasklog stats --by ', ['task', 'queue']],
    ['tasklog alerts ', ['check']],
    ['tasklog completion ', ['bash', 'zsh', 'fish']],
    ['tasklog import --format ', ['ndjson', 'jsonl', 'csv']],
    // an argument or a flag's value is not a command word: the command's flags are still offered
    ['tasklog import rows.jsonl --sk', ['--skip-invalid']],
    ['tasklog logs show 12 --j', ['--json']],
    ['tasklog logs list --status failed --is-f', ['--is-failed']],
  ])('bash: %j → %j', (line, expected) => {
    expect(bashComplete(line)).toEqual(expected);
  });

  it('bash offers every flag of a command and the global ones', () => {
    const offered = bashComplete('tasklog cleanup --');
    for (const f of ['--days', '--status', '--keep-failed-days', '--batch-size', '--yes', '--dry-run', '--vacuum', '--json', '--db', '--no-color']) expect(offered).toContain(f);
  });

  it('zsh and fish scripts name the commands; an unknown shell is a usage error', async () => {
    expect(completionScript('zsh', program)).toMatch(/^#compdef tasklog/);
    expect(completionScript('fish', program)).toContain("complete -c tasklog -n '__fish_seen_subcommand_from list' -l is-failed");
    expect(completionScript('fish', program)).toContain("complete -c tasklog -n '__fish_seen_subcommand_from import' -F");
    const r = await run(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expects one of bash, zsh, fish/);
  });
});
