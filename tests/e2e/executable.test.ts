/**
 * The built executable as a user runs it: bin/tasklog in a child process.
 * (`npm test` builds first, through the pretest script.)
 */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { REPO_ROOT } from '../helpers/shared.js';

const BIN = join(REPO_ROOT, 'bin', 'tasklog');
const NOW = '2026-02-10T09:30:00.123456Z';

function tasklog(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  return execa(BIN, args, { cwd: opts.cwd, env: { NO_COLOR: '1', ...opts.env }, reject: false, timeout: 60_000 });
}

describe('bin/tasklog', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tasklog-e2e-'));
  });

  it('prints help and version, exit 0', async () => {
    const help = await tasklog(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tasklog/);
    const version = await tasklog(['--version']);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('demo fills ./tasklog.sqlite and prints the overview; overview --json then parses', async () => {
    const demo = await tasklog(['demo', '--rows', '2000'], { cwd: dir, env: { TASKLOG_NOW: NOW } });
    expect(demo.exitCode).toBe(0);
    expect(demo.stdout).toMatch(/Total tasks\s+2,000/);
    expect(demo.stderr).toMatch(/Inserted 2,000 demo rows into django_cfg_task_log \(tasklog\.sqlite\)/);
    const ov = await tasklog(['overview', '--json'], { cwd: dir, env: { TASKLOG_NOW: NOW } });
    expect(ov.exitCode).toBe(0);
    expect(JSON.parse(ov.stdout).total_tasks).toBe(2000);
  });

  it('a closed pipe (| head) ends the stream quietly, exit 0', async () => {
    const r = await execa('sh', ['-c', `${JSON.stringify(BIN)} logs list --all -o jsonl | head -n 3`], { cwd: dir, reject: false, env: { TASKLOG_NOW: NOW } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(3);
    expect(r.stderr).toBe('');
  });

  it('output that cannot be written (a full disk) is one line and exit 1, never a stack', async () => {
    const r = await execa('sh', ['-c', `${JSON.stringify(BIN)} logs list --all -o jsonl > /dev/full`], { cwd: dir, reject: false, env: { TASKLOG_NOW: NOW } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('tasklog: cannot write the output: ENOSPC: no space left on device, write');
  });

  it('piped, the list is a plain table: header, no color, no rule', async () => {
    const r = await tasklog(['logs', 'list', '--page-size', '3'], { cwd: dir, env: { TASKLOG_NOW: NOW, FORCE_COLOR: '0' } });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\s*ID\s+TASK\s+QUEUE\s+STATUS\s+USER\s+DURATION\s+RETRIES\s+CREATED\s+FINISHED$/);
    expect(r.stdout).not.toMatch(/\u001b\[|─/);
  });

  it('gives the same answer in every process time zone', async () => {
    const outputs = await Promise.all(
      ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Kiritimati'].map((TZ) => tasklog(['overview', '--json'], { cwd: dir, env: { TASKLOG_NOW: NOW, TZ } })),
    );
    for (const o of outputs) expect(o.exitCode).toBe(0);
    expect(new Set(outputs.map((o) => o.stdout)).size).toBe(1);
  });

  it('help and version load no database driver, spinner or prompt; overview does', async () => {
    const probe = `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))});
      const sink = { write: () => true };
      const ctx = { stdout: sink, stderr: sink, stdin: {}, env: {}, cwd: process.argv[1], now: () => new Date() };
      await main(JSON.parse(process.argv[2]), ctx);
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      const heavy = ['pg', 'mysql2', 'better-sqlite3', 'ora', '@inquirer'].filter((m) => loaded.some((p) => p.includes('/node_modules/' + m + '/')));
      console.log(JSON.stringify(heavy));
    `;
    const loadedBy = async (argv: string[]) => {
      const r = await execa('node', ['--input-type=module', '-e', probe, dir, JSON.stringify(argv)], { reject: false });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as string[];
    };
    expect(await loadedBy(['--help'])).toEqual([]);
    expect(await loadedBy(['--version'])).toEqual([]);
    for (const spec of COMMANDS) expect(await loadedBy([...spec.path, '--help'])).toEqual([]);
    // the probe can see a loaded module: a real run loads the SQLite driver only
    expect(await loadedBy(['overview'])).toEqual(['better-sqlite3']);
    // resolving every setting connects to nothing and loads no driver
    expect(await loadedBy(['config'])).toEqual([]);
  });

  it('config: where each setting comes from, secrets hidden, as text and --json; a bad flag is one line, exit 2', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tasklog-e2e-config-'));
    writeFileSync(join(cwd, 'tasklog.config.json'), JSON.stringify({ database: 'postgres://app@db/tasks', passwordEnv: 'APP_DB_PASSWORD', alerts: { cooldown: '45m' } }));
    const env = { APP_DB_PASSWORD: 'Sup3rS3cret', TASKLOG_REDIS_URL: 'redis://:Sup3rS3cret@r:6379/0', TASKLOG_SERVE_TOKEN: 'Sup3rS3cret' };
    const text = await tasklog(['config', '--connect-timeout', '4'], { cwd, env });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^database\s+postgres:\/\/app:\*\*\*@db\/tasks\s+config file .*tasklog\.config\.json: database$/m);
    expect(text.stdout).toMatch(/^connectTimeout\s+4\s+flag --connect-timeout$/m);
    expect(text.stdout).toMatch(/^alerts\.cooldown\s+45m\s+config file .*: alerts\.cooldown$/m);
    expect(text.stdout).toMatch(/^rearq\.redis\s+redis:\/\/:\*\*\*@r:6379\/0\s+env TASKLOG_REDIS_URL$/m);
    const json = await tasklog(['--db', 'mysql://m:Sup3rS3cret@db/x', 'config', '--json'], { cwd, env });
    expect(json.exitCode).toBe(0);
    const rows = JSON.parse(json.stdout) as { setting: string; value: unknown; origin: string }[];
    expect(rows.find((r) => r.setting === 'database')).toMatchObject({ value: 'mysql://m:***@db/x', origin: 'flag --db' });
    expect(rows.find((r) => r.setting === 'serve.token')).toMatchObject({ value: '***', origin: 'env TASKLOG_SERVE_TOKEN' });
    for (const out of [text.stdout, text.stderr, json.stdout, json.stderr]) expect(out).not.toContain('Sup3rS3cret');
    const bad = await tasklog(['config', '--connect-timeout', '0'], { cwd, env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^tasklog: option '--connect-timeout <seconds>' argument '0' is invalid/);
  });
});

describe('connection failures: one line, exit 1, never the password', () => {
  let silent: Server;
  let silentPort: number;
  beforeAll(async () => {
    // accepts connections and never says a word: a server that hangs
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => {
    silent.close();
  });

  it.each(['postgres', 'mysql'])('%s: connection refused', async (scheme) => {
    const r = await tasklog(['overview', '--db', `${scheme}://someone:Sup3rS3cret@127.0.0.1:1/app`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`tasklog: cannot connect to ${scheme}://someone:***@127.0.0.1:1/app: connection refused (is the server running?)`);
    expect(r.stdout).toBe('');
  });

  it.each(['postgres', 'mysql'])('%s: a silent server times out after --connect-timeout', async (scheme) => {
    const started = Date.now();
    const r = await tasklog(['overview', '--connect-timeout', '1', '--db', `${scheme}://someone:Sup3rS3cret@127.0.0.1:${silentPort}/app`]);
    const seconds = (Date.now() - started) / 1000;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^tasklog: cannot connect to .*someone:\*\*\*@127\.0\.0\.1:\d+\/app: no answer within 1 s \(--connect-timeout\)$/);
    expect(r.stderr).not.toContain('Sup3rS3cret');
    expect(seconds).toBeLessThan(8);
  });

  it('--json: the error is JSON on stderr, stdout empty, password redacted', async () => {
    const r = await tasklog(['overview', '--json', '--db', 'postgres://someone:Sup3rS3cret@127.0.0.1:1/app']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    const err = JSON.parse(r.stderr).error;
    expect(err).toMatchObject({ kind: 'connect', exit_code: 1 });
    expect(err.message).not.toContain('Sup3rS3cret');
  });
});
