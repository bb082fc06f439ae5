import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configThresholds, resolveConnection } from '../../src/toolkit/config.js';
import { DEFAULT_RULES } from '../../src/query/alerts.js';
import { DEFAULT_THRESHOLDS } from '../../src/query/health.js';
import { parseThreshold, THRESHOLDS } from '../../src/query/thresholds.js';
import { formatSpan, parseSpan } from '../../src/query/timearg.js';
import type { Ctx } from '../../src/core/io.js';
import { COMMANDS } from '../../src/commands/index.js';
import { run } from '../helpers/run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tasklog-cli-'));

describe('help and version', () => {
  it('prints help listing every command, exit 0: top-level commands and groups in tasklog --help, each grouped command in its group\'s help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--db <url>');
    const listed = (help: string, word: string) => help.split('\n').some((l) => l.trim().split(/\s+/)[0] === word);
    for (const spec of COMMANDS) {
      expect(listed(r.stdout, spec.path[0]), `${spec.path[0]} in tasklog --help`).toBe(true);
      if (spec.path.length === 1) continue;
      const group = await run([...spec.path.slice(0, -1), '--help']);
      expect(group.code).toBe(0);
      const line = group.stdout.split('\n').find((l) => l.trim().split(/\s+/)[0] === spec.path[spec.path.length - 1]);
      expect(line, `${spec.path.join(' ')} in ${spec.path[0]} --help`).toBeDefined();
      const flat = (t: string) => t.replace(/\s+/g, ' ');
      expect(flat(group.stdout)).toContain(flat(spec.summary));
    }
  });

  it.each(COMMANDS.map((c) => c.path))('%s --help lists its flags', async (...path) => {
    const spec = COMMANDS.find((c) => c.path.join(' ') === path.join(' '))!;
    const r = await run([...path, '--help']);
    expect(r.code).toBe(0);
    for (const o of spec.options) expect(r.stdout).toContain(o.flags.split(' ')[0]);
  });

  it('prints the version from package.json', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('usage errors exit 2 with one line naming the flag', () => {
  it.each([
    [['overview', '--bogus'], /^tasklog: unknown option '--bogus'/],
    [['demo', '--rows', 'abc'], /^tasklog: option '--rows <n>' argument 'abc' is invalid\. expects a whole number/],
    [['demo', '--rows', '0'], /--rows <n>.*expects a whole number/],
    [['demo', '--rows'], /^tasklog: option '--rows <n>' argument missing/],
    [['demo', '--days', '-3'], /--days <d>/],
    [['overview', '--connect-timeout', 'soon'], /--connect-timeout <seconds>.*number of seconds/],
    [['nosuchcommand'], /^tasklog: unknown command 'nosuchcommand'/],
    [['overview', '--db', 'redis://x/0'], /^tasklog: option --db: unsupported scheme 'redis:'/],
    [['overview', '--table', 'x; drop table y'], /^tasklog: option --table: 'x; drop table y' is not a table name/],
  ])('%j', async (argv, message) => {
    const r = await run(argv as string[], { cwd: tmp() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('with --json, the error is a JSON object on stderr and stdout stays empty', async () => {
    const r = await run(['overview', '--json', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { kind: 'usage', exit_code: 2 } });
  });
});

describe('runtime failures exit 1 with one line', () => {
  it('a missing default database says how to make one', async () => {
    const r = await run(['overview'], { cwd: tmp() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tasklog: no database at tasklog.sqlite (run `tasklog demo` to create one, or point --db at your database)\n');
  });

  it('a database without the table names the table, the database and the fix', async () => {
    const dir = tmp();
    const file = join(dir, 'other.sqlite');
    const Database = (await import('better-sqlite3')).default;
    new Database(file).exec('CREATE TABLE unrelated (id integer)');
    const r = await run(['overview', '--db', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tasklog: table django_cfg_task_log not found in ${file} (run \`tasklog migrate\` to create it, or point --db/--table at the database that has it)\n`);
  });

  it('a folder given as the database is refused', async () => {
    const dir = tmp();
    const r = await run(['overview', '--db', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a folder, not a SQLite file/);
  });

  it('a file that is not SQLite is one line, no stack', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'junk.sqlite'), 'this is not a database at all, just some text '.repeat(100));
    const r = await run(['overview', '--db', join(dir, 'junk.sqlite')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a SQLite database|file is not a database/);
  });
});

describe('--db is accepted before and after the command', () => {
  it.each([
    [['--db', 'DB', 'migrate']],
    [['migrate', '--db', 'DB']],
  ])('%j', async (argv) => {
    const dir = tmp();
    const file = join(dir, 'x.sqlite');
    const r = await run(argv.map((a) => (a === 'DB' ? file : a)));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Created table django_cfg_task_log with 10 indexes in ${file}`);
  });
});

describe('choosing the database', () => {
  const ctxFor = (cwd: string, env: Record<string, string>): Ctx => ({
    stdout: { write: () => true },
    stderr: { write: () => true },
    stdin: {},
    env,
    cwd,
    now: () => new Date(),
  });

  it('follows --db, TASKLOG_DATABASE_URL, DATABASE_URL, ./tasklog.config.json, XDG config, ./tasklog.sqlite', () => {
    const cwd = tmp();
    const xdg = tmp();
    mkdirSync(join(xdg, 'tasklog'));
    writeFileSync(join(xdg, 'tasklog', 'config.json'), JSON.stringify({ database: 'xdg.sqlite', table: 'xdg_table' }));
    const env: Record<string, string> = { XDG_CONFIG_HOME: xdg, TASKLOG_DATABASE_URL: 'postgres://a/one', DATABASE_URL: 'mysql://b/two' };
    expect(resolveConnection({ db: 'flag.sqlite' }, ctxFor(cwd, env))).toMatchObject({ url: 'flag.sqlite', source: '--db', table: 'xdg_table' });
    expect(resolveConnection({}, ctxFor(cwd, env))).toMatchObject({ url: 'postgres://a/one', source: 'TASKLOG_DATABASE_URL' });
    delete env.TASKLOG_DATABASE_URL;
    expect(resolveConnection({}, ctxFor(cwd, env))).toMatchObject({ url: 'mysql://b/two', source: 'DATABASE_URL' });
    delete env.DATABASE_URL;
    expect(resolveConnection({}, ctxFor(cwd, env))).toMatchObject({ url: 'xdg.sqlite', table: 'xdg_table' });
    writeFileSync(join(cwd, 'tasklog.config.json'), JSON.stringify({ database: 'local.sqlite', connectTimeout: 3 }));
    expect(resolveConnection({}, ctxFor(cwd, env))).toMatchObject({ url: 'local.sqlite', table: 'django_cfg_task_log', connectTimeoutMs: 3000 });
    expect(resolveConnection({ table: 'mine', connectTimeout: 0.5 }, ctxFor(cwd, env))).toMatchObject({ table: 'mine', connectTimeoutMs: 500 });
    expect(resolveConnection({}, ctxFor(tmp(), {}))).toMatchObject({ url: 'tasklog.sqlite', source: 'default', userTable: 'auth_user', connectTimeoutMs: 10000 });
  });

  it('a broken config file is one line naming the file', async () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'tasklog.config.json'), '{ not json');
    const r = await run(['overview'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tasklog: config file .*tasklog\.config\.json is not valid JSON/);
  });

  it('passwordEnv: the config file names the variable that holds its URL\'s password', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'tasklog.config.json'), JSON.stringify({ database: 'postgres://app@db:5432/tasks', passwordEnv: 'TASKLOG_DB_PASSWORD' }));
    const withPassword = resolveConnection({}, ctxFor(cwd, { TASKLOG_DB_PASSWORD: 'p@ss:w/rd' }));
    expect(withPassword.url).toBe('postgres://app:p%40ss%3Aw%2Frd@db:5432/tasks');
    // a URL from the command line or the environment carries its own credentials
    expect(resolveConnection({ db: 'postgres://other@db/x' }, ctxFor(cwd, { TASKLOG_DB_PASSWORD: 'p' })).url).toBe('postgres://other@db/x');
    expect(resolveConnection({}, ctxFor(cwd, { TASKLOG_DATABASE_URL: 'mysql://m@db/y' })).url).toBe('mysql://m@db/y');
    expect(() => resolveConnection({}, ctxFor(cwd, {}))).toThrow(
      /^config file .*tasklog\.config\.json takes the database password from \$TASKLOG_DB_PASSWORD, which is not set \(export TASKLOG_DB_PASSWORD=…, or remove passwordEnv\)$/,
    );
    writeFileSync(join(cwd, 'tasklog.config.json'), JSON.stringify({ database: 'postgres://app@db/tasks', passwordEnv: 'not a name' }));
    expect(() => resolveConnection({}, ctxFor(cwd, {}))).toThrow(/passwordEnv must be the name of an environment variable/);
  });
});

describe('thresholds in the config file', () => {
  const ctxIn = (values: unknown) => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'tasklog.config.json'), JSON.stringify(values));
    return cwd;
  };

  it('every key names a field of the settings health or alerts check use, with a default', () => {
    for (const t of THRESHOLDS) {
      const defaults = (t.section === 'health' ? DEFAULT_THRESHOLDS : DEFAULT_RULES) as unknown as Record<string, unknown>;
      expect(typeof defaults[t.field], `${t.section}.${t.key}`).toBe('number');
    }
  });

  it('reads numbers and spans, and names a bad value', async () => {
    const cwd = ctxIn({ health: { warnStuck: 7, stuckAfter: '90m' }, alerts: { window: '2h', avgDuration: 12.5, webhook: 'https://x' } });
    const { loadConfig } = await import('../../src/toolkit/config.js');
    const loaded = loadConfig({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: {}, env: {}, cwd, now: () => new Date() });
    expect(configThresholds(loaded, 'health')).toEqual({ warnStuck: 7, stuckAfterMs: 5_400_000 });
    expect(configThresholds(loaded, 'alerts')).toEqual({ windowMs: 7_200_000, avgDurationSeconds: 12.5 });
    for (const [values, message] of [
      [{ health: { warnStuck: 'many' } }, /config file .* health\.warnStuck must be a whole number ≥ 0 \(got "many"\)$/],
      [{ health: { stuckAfter: 'soon' } }, /config file .* health\.stuckAfter must be a span such as "1h" .*\(got "soon"\)$/],
      [{ alerts: { window: 3600 } }, /config file .* alerts\.window must be a span such as "1h" .*\(got 3600\)$/],
    ] as const) {
      const r = await run('health' in values ? ['health'] : ['alerts', 'check'], { cwd: ctxIn(values) });
      expect(r.stderr.trimEnd()).toMatch(message);
    }
  });

  it('what flags and init accept for each kind, and spans written back as they read', () => {
    expect(parseThreshold('count', ' 7 ')).toBe(7);
    expect(() => parseThreshold('count', '2.5')).toThrow(/whole number/);
    expect(parseThreshold('percent', '12.5')).toBe(12.5);
    expect(() => parseThreshold('percent', '120')).toThrow(/percentage from 0 to 100/);
    expect(parseThreshold('number', '0.5')).toBe(0.5);
    expect(parseThreshold('span', '90m')).toBe(5_400_000);
    expect(() => parseThreshold('span', '90')).toThrow(/span/);
    for (const ms of [1000, 90_000, 3_600_000, 7_200_000, 86_400_000, 1_209_600_000, 1500]) expect(parseSpan(formatSpan(ms))).toBe(ms);
    expect(formatSpan(3_600_000)).toBe('1h');
    expect(formatSpan(5_400_000)).toBe('90m');
  });
});
