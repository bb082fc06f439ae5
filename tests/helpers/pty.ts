/**
 * The built bin in a real pseudo-terminal: a detached tmux session (its own
 * server on a socket of its own, killed afterwards) runs `node bin/tasklog …`;
 * tests send keys and read the screen. When the command ends, the session's
 * shell prints `[exited N]` and keeps the pane open so the screen and the
 * terminal's state (alternate screen, cursor) can still be read.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REQUIRE_ALL } from './databases.js';
import { REPO_ROOT } from './shared.js';

const BIN = join(REPO_ROOT, 'bin', 'tasklog');

/** Why PTY tests cannot run (null: tmux is there); a failure under TASKLOG_TEST_REQUIRE_ALL=1. */
export function tmuxMissing(): string | null {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  const why = 'tmux is not installed (apt-get install tmux)';
  if (REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
  console.warn(`\n*** SKIPPING pseudo-terminal tests: ${why}\n*** (set TASKLOG_TEST_REQUIRE_ALL=1 to make this a failure)\n`);
  return why;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

let sessions = 0;

export interface PtyOptions {
  cwd: string;
  env?: Record<string, string>;
  width?: number;
  height?: number;
}

export class Pty {
  private constructor(private readonly socket: string) {}

  /** Starts `tasklog ARGS` in a fresh 120×40 terminal (by default). */
  static start(args: string[], options: PtyOptions): Pty {
    const socket = `tasklog-test-${process.pid}-${++sessions}-${Math.random().toString(36).slice(2, 8)}`;
    const pty = new Pty(socket);
    const env = { TERM: 'xterm-256color', LANG: 'C.UTF-8', ...options.env };
    const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
    pty.tmux([
      'new-session', '-d',
      '-x', String(options.width ?? 120),
      '-y', String(options.height ?? 40),
      '-c', options.cwd,
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      `${command}; echo "[exited $?]"; exec sleep 3600`,
    ]);
    return pty;
  }

  private tmux(args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Named keys as tmux knows them: Enter, Down, Escape, C-c, or single characters. */
  keys(...keys: string[]): void {
    this.tmux(['send-keys', ...keys]);
  }

  /** Text typed as it is. */
  type(text: string): void {
    this.tmux(['send-keys', '-l', text]);
  }

  /** The screen as text, trailing blanks trimmed. */
  screen(): string {
    return this.tmux(['capture-pane', '-p'])
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')
      .replace(/\n+$/, '');
  }

  /** Waits until the screen shows `what`; fails with the screen when it does not within the timeout. */
  async waitFor(what: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen();
      if (typeof what === 'string' ? text.includes(what) : what.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${String(what)} within ${timeoutMs} ms; it shows:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits for the command to end; its exit code. */
  async exitCode(timeoutMs = 20_000): Promise<number> {
    const text = await this.waitFor(/\[exited \d+\]/, timeoutMs);
    return Number(/\[exited (\d+)\]/.exec(text)![1]);
  }

  /** Whether the alternate screen is on and the cursor visible. */
  terminalState(): { alternateScreen: boolean; cursorVisible: boolean } {
    const [alt, cursor] = this.tmux(['display-message', '-p', '#{alternate_on} #{cursor_flag}']).trim().split(' ');
    return { alternateScreen: alt === '1', cursorVisible: cursor === '1' };
  }

  /** Ends the session and its server, and removes the server's socket. */
  close(): void {
    const path = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
    if (path.endsWith(this.socket)) rmSync(path, { force: true });
  }
}
