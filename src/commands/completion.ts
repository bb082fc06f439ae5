import type { Ctx } from '../core/io.js';
import type { CommandSpec, Program } from '../toolkit/spec.js';

export const spec: CommandSpec<object> = {
  path: ['completion'],
  summary: 'print a shell completion script (bash, zsh or fish)',
  description: 'Completes commands, flags and fixed values (statuses, intervals, output formats). See the README for where to put it.',
  args: [{ name: 'shell', description: 'bash, zsh or fish', required: true }],
  options: [],
  examples: [
    { command: 'tasklog completion bash > ~/.local/share/bash-completion/completions/tasklog', description: 'bash' },
    { command: 'tasklog completion fish > ~/.config/fish/completions/tasklog.fish', description: 'fish' },
  ],
  async run(_opts: object, ctx: Ctx, args: string[], program: Program) {
    const { completionScript, SHELLS } = await import('../toolkit/completion.js');
    const shell = args[0];
    if (!(SHELLS as readonly string[]).includes(shell)) {
      const { UsageError } = await import('../core/errors.js');
      throw new UsageError(`argument 'shell' '${shell}' is invalid. expects one of ${SHELLS.join(', ')}`);
    }
    ctx.stdout.write(completionScript(shell as (typeof SHELLS)[number], await program.load()));
  },
};
