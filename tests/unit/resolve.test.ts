/**
 * The settings table and its one resolver: every setting is taken from its
 * flag, else its environment variables in order, else the config file, else
 * its default — and says which. `tasklog config` prints the result with
 * secrets hidden.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import type { Ctx } from '../../src/core/io.js';
import { THRESHOLDS, type ThresholdKind } from '../../src/query/thresholds.js';
import { resolveSetting } from '../../src/toolkit/config.js';
import { CONFIG_KEYS, hideSecret, SETTINGS, thresholdSetting, type Setting } from '../../src/toolkit/settings.js';
import { attributeName, GLOBAL_OPTIONS } from '../../src/toolkit/spec.js';
import { run } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder holding tasklog.config.json with these values (none: no file). */
function folder(values?: unknown): string {
  const cwd = mkdtempSync(join(tmpdir(), 'tasklog-resolve-'));
  dirs.push(cwd);
  if (values !== undefined) writeFileSync(join(cwd, 'tasklog.config.json'), JSON.stringify(values));
  return cwd;
}

const ctxIn = (cwd: string, env: Record<string, string> = {}): Ctx => ({
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: {},
  env: { HOME: '/nonexistent-home', XDG_CONFIG_HOME: '/nonexistent-xdg', ...env },
  cwd,
  now: () => new Date(),
});

/** {"alerts.cooldown": v, …} → {"alerts": {"cooldown": v}, …} */
function nested(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const [first, rest] = key.split('.');
    if (rest === undefined) out[first] = value;
    else out[first] = { ...((out[first] as Record<string, unknown>) ?? {}), [rest]: value };
  }
  return out;
}

interface Sample {
  /** the value a flag gives (as its option parsed it) */
  flag?: unknown;
  /** the text of an environment variable */
  env?: string;
  /** the config file's value, and the value it becomes */
  file?: [unknown, unknown];
}

/** Per kind of threshold: a flag's value, a file's value and what it becomes — none of them the default. */
const BY_KIND: Record<ThresholdKind, Sample> = {
  span: { flag: 5_400_000, file: ['7h', 25_200_000] },
  count: { flag: 77, file: [66, 66] },
  percent: { flag: 12.5, file: [33.5, 33.5] },
  number: { flag: 4.5, file: [99, 99] },
};

const SLO = { name: 'payments', objective: 'success', target: 99.5, window: '28d' };

/** A value from each place each setting can come from, written here by hand (thresholds by kind). */
const SAMPLES: Record<string, Sample> = {
  database: { flag: 'flag.sqlite', env: 'postgres://env@db/one', file: ['file.sqlite', 'file.sqlite'] },
  passwordEnv: { file: ['MY_PASSWORD', 'MY_PASSWORD'] },
  table: { flag: 'flag_table', file: ['file_table', 'file_table'] },
  userTable: { flag: 'flag_users', file: ['file_users', 'file_users'] },
  connectTimeout: { flag: 0.5, file: [3, 3] },
  ...Object.fromEntries(THRESHOLDS.map((t) => [`${t.section}.${t.key}`, BY_KIND[t.kind]])),
  'alerts.webhook': { flag: 'https://flag.example.com/hook', file: ['https://file.example.com/hook', 'https://file.example.com/hook'] },
  'alerts.email': { flag: ['flag@example.com'], file: ['a@example.com,b@example.com', ['a@example.com', 'b@example.com']] },
  'alerts.smtpUrl': { flag: 'smtp://flag:587', env: 'smtp://env:587', file: ['smtps://file:465', 'smtps://file:465'] },
  'alerts.from': { flag: 'flag@example.com', file: ['file@example.com', 'file@example.com'] },
  'alerts.cooldown': { flag: 60_000, file: ['30m', 1_800_000] },
  'alerts.tasks': { file: [[{ task: 'x', failureRate: 5 }], [{ task: 'x', failureRate: 5 }]] },
  slos: { file: [[SLO], expect.arrayContaining([expect.objectContaining({ name: 'payments', target: 99.5 })])] },
  views: { file: [{ failing: 'is_failed' }, { failing: 'is_failed' }] },
  'archive.url': { flag: 'clickhouse://flag:8123/a', env: 'clickhouse://env:8123/a', file: ['clickhouse://file:8123/a', 'clickhouse://file:8123/a'] },
  'archive.required': { flag: true, file: [true, true] },
  'rearq.database': { flag: 'mysql://flag@db/r', env: 'mysql://env@db/r', file: ['postgres://file@db/r', 'postgres://file@db/r'] },
  'rearq.redis': { flag: 'redis://flag:6379/0', env: 'redis://env:6379/1', file: ['redis://file:6379/2', 'redis://file:6379/2'] },
  'rearq.tables': { flag: { job: 'fj', result: 'fr' }, file: ['job,jobresult', { job: 'job', result: 'jobresult' }] },
  'rearq.queues': { flag: { a: 'flagq' }, file: [{ a: 'fileq' }, { a: 'fileq' }] },
  'serve.token': { flag: 'flag-token', env: 'env-token' },
};

/** The command-line options that give `value` to the setting's first flag. */
const flagged = (s: Setting, value: unknown) => ({ [attributeName({ flags: s.flags![0].flag, description: '' })]: value });

/** The environment that gives `text` to each of the setting's variables. */
const envOf = (s: Setting, text: string) => Object.fromEntries((s.env ?? []).map((e) => [e, text]));

/** A config file with every sample value of the file. */
const FILE = nested(Object.fromEntries(Object.entries(SAMPLES).filter(([, v]) => v.file).map(([k, v]) => [k, v.file![0]])));

describe('the settings table', () => {
  it('the samples cover every setting, and each sample comes from where the table says the setting may come from', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(SETTINGS.map((s) => s.name).sort());
    for (const s of SETTINGS) {
      const sample = SAMPLES[s.name];
      expect(sample.flag !== undefined, `${s.name}: flag`).toBe(Boolean(s.flags?.length));
      expect(sample.env !== undefined, `${s.name}: env`).toBe(Boolean(s.env?.length));
      expect(sample.file !== undefined, `${s.name}: file`).toBe(Boolean(s.file));
    }
  });

  it('the config file\'s keys are the settings it may hold; the samples make a file with no error and no warning', async () => {
    expect(CONFIG_KEYS.map((k) => k.key)).toEqual(SETTINGS.filter((s) => s.file).map((s) => s.name));
    const r = await run(['config', '--json'], { cwd: folder(FILE), env: { MY_PASSWORD: 'x' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('every flag of the table is a flag of a command (or a global one), with no default of its own that would always win', () => {
    const options = [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options)];
    for (const s of SETTINGS) {
      for (const f of s.flags ?? []) {
        const found = options.filter((o) => o.flags.split(' ')[0] === f.flag || o.flags.split(', ').includes(f.flag));
        expect(found.length, `${s.name}: ${f.flag} is no command's flag`).toBeGreaterThan(0);
        for (const o of found) expect(o.default, `${s.name}: ${o.flags} has a default`).toBeUndefined();
      }
    }
  });

  it("a flag's help names the setting's variables in their order (the help is prose; this keeps it true)", () => {
    const options = [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options)];
    for (const s of SETTINGS.filter((x) => x.env?.length && x.flags?.length)) {
      const helps = options.filter((o) => o.flags.split(' ')[0] === s.flags![0].flag).map((o) => o.description);
      for (const help of helps) {
        const at = s.env!.map((e) => help.indexOf(`$${e}`));
        expect(at.every((i) => i >= 0), `${s.flags![0].flag}: ${help}`).toBe(true);
        expect([...at].sort((a, b) => a - b)).toEqual(at);
      }
    }
  });

  it('each threshold of query/thresholds.ts is a setting with its flag, its key and its default', () => {
    for (const t of THRESHOLDS) {
      const s = thresholdSetting(t);
      expect(s.name).toBe(`${t.section}.${t.key}`);
      expect(s.flags?.map((f) => f.flag)).toEqual([t.flag.split(' ')[0]]);
      expect(s.default).toBe(t.default);
      expect(SETTINGS).toContain(s);
    }
  });
});

describe('resolveSetting: flag > environment > config file > default', () => {
  it.each(SETTINGS.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const sample = SAMPLES[s.name];
    const cwd = folder(FILE);
    const env = { MY_PASSWORD: 'pw', ...(sample.env !== undefined ? envOf(s, sample.env) : {}) };
    const file = { kind: 'file', path: join(cwd, 'tasklog.config.json'), key: s.name };
    if (sample.flag !== undefined) {
      expect(resolveSetting(s, flagged(s, sample.flag), ctxIn(cwd, env))).toEqual({ value: sample.flag, origin: { kind: 'flag', flag: s.flags![0].flag } });
    }
    if (sample.env !== undefined) {
      expect(resolveSetting(s, {}, ctxIn(cwd, env))).toEqual({ value: sample.env, origin: { kind: 'env', name: s.env![0] } });
      // the later variables, each when the ones before it are unset or empty
      for (let i = 1; i < s.env!.length; i++) {
        const later = { ...env, ...Object.fromEntries(s.env!.slice(0, i).map((e) => [e, ''])), [s.env![i]]: `${sample.env}-${i}` };
        expect(resolveSetting(s, {}, ctxIn(cwd, later))).toEqual({ value: `${sample.env}-${i}`, origin: { kind: 'env', name: s.env![i] } });
      }
    }
    if (sample.file !== undefined) {
      // an empty variable counts as unset
      const empty = { MY_PASSWORD: 'pw', ...envOf(s, '') };
      const fromFile = resolveSetting(s, {}, ctxIn(cwd, empty));
      expect(fromFile.origin).toEqual(file);
      if (s.name === 'database') expect(fromFile.value).toBe('file.sqlite');
      else expect(fromFile.value).toEqual(sample.file[1]);
    }
    const bare = resolveSetting(s, {}, ctxIn(folder()));
    expect(bare).toEqual(s.default === undefined ? { value: undefined, origin: { kind: 'none' } } : { value: s.default, origin: { kind: 'default' } });
  });

  it('database: the config file\'s URL gets the password of passwordEnv; a URL from a flag or a variable is taken as it is', () => {
    const cwd = folder({ database: 'postgres://app@db:5432/tasks', passwordEnv: 'MY_PASSWORD' });
    const db = SETTINGS.find((s) => s.name === 'database')!;
    expect(resolveSetting(db, {}, ctxIn(cwd, { MY_PASSWORD: 'p@ss' })).value).toBe('postgres://app:p%40ss@db:5432/tasks');
    expect(resolveSetting(db, {}, ctxIn(cwd, { MY_PASSWORD: 'p', DATABASE_URL: 'mysql://m@db/y' }))).toEqual({ value: 'mysql://m@db/y', origin: { kind: 'env', name: 'DATABASE_URL' } });
    expect(() => resolveSetting(db, {}, ctxIn(cwd))).toThrow(/takes the database password from \$MY_PASSWORD, which is not set/);
  });

  it('a bad config file stops the resolution even when a flag wins', () => {
    const cwd = folder({ table: 'no good' });
    const table = SETTINGS.find((s) => s.name === 'table')!;
    expect(() => resolveSetting(table, { table: 'fine' }, ctxIn(cwd))).toThrow(/table must be a table name/);
  });

  it("a check names where the value came from", () => {
    const get = (name: string) => SETTINGS.find((s) => s.name === name)!;
    const cwd = folder();
    expect(() => resolveSetting(get('table'), { table: 'x; drop table y' }, ctxIn(cwd))).toThrow(/^option --table: 'x; drop table y' is not a table name/);
    expect(() => resolveSetting(get('archive.url'), {}, ctxIn(cwd, { TASKLOG_ARCHIVE_URL: 'postgres://u:secret@h/db' }))).toThrow(
      /^\$TASKLOG_ARCHIVE_URL: the archive is a ClickHouse database \(clickhouse:\/\/host:8123\/database\), not postgres:\/\/u:\*\*\*@h\/db$/,
    );
    expect(() => resolveSetting(get('archive.url'), { to: 'ftp://x' }, ctxIn(cwd))).toThrow(/^--to: unsupported scheme 'ftp:'/);
    expect(() => resolveSetting(get('serve.token'), {}, ctxIn(cwd, { TASKLOG_SERVE_TOKEN: ' \t' }))).toThrow(/^\$TASKLOG_SERVE_TOKEN is empty or blank/);
    expect(() => resolveSetting(get('serve.token'), { token: 'two words' }, ctxIn(cwd))).toThrow(/^--token holds spaces/);
  });

  it('serve.token: --token-file reads its one line (origin: the flag and the file); two of its flags at once are refused', () => {
    const cwd = folder();
    writeFileSync(join(cwd, 'a.token'), 's3cret\n');
    const token = SETTINGS.find((s) => s.name === 'serve.token')!;
    expect(resolveSetting(token, { tokenFile: 'a.token' }, ctxIn(cwd, { TASKLOG_SERVE_TOKEN: 'env' }))).toEqual({ value: 's3cret', origin: { kind: 'flag', flag: '--token-file', file: 'a.token' } });
    expect(() => resolveSetting(token, { tokenFile: 'none.token' }, ctxIn(cwd))).toThrow(/^cannot read --token-file none\.token: ENOENT$/);
    expect(() => resolveSetting(token, { token: 'a', tokenFile: 'a.token' }, ctxIn(cwd))).toThrow(/^give --token or --token-file, not both$/);
    writeFileSync(join(cwd, 'blank.token'), '\n');
    expect(() => resolveSetting(token, { tokenFile: 'blank.token' }, ctxIn(cwd))).toThrow(/^--token-file blank\.token is empty or blank/);
  });
});

describe('secrets as tasklog config shows them', () => {
  it.each([
    ['password', 'postgres://app:hunter2@db:5432/tasks', 'postgres://app:***@db:5432/tasks'],
    ['password', 'redis://:hunter2@r:6379/0', 'redis://:***@r:6379/0'],
    ['password', 'smtp://u:pa@ss/w:rd@mail:587', 'smtp://u:***@mail:587'],
    ['password', 'postgres://app@db/tasks?sslmode=require&password=hunter2', 'postgres://app@db/tasks?sslmode=require&password=***'],
    ['password', 'tasklog.sqlite', 'tasklog.sqlite'],
    ['password', 'clickhouse://reader@ch:8123/archive', 'clickhouse://reader@ch:8123/archive'],
    ['path', 'https://hooks.slack.com/services/T0/B0/hunter2', 'https://hooks.slack.com/***'],
    ['path', 'https://u:hunter2@hooks.example.com', 'https://hooks.example.com'],
    ['path', 'not a url hunter2', '***'],
    ['all', 'hunter2', '***'],
  ] as const)('%s: %s', (kind, text, shown) => {
    expect(hideSecret(kind, text)).toBe(shown);
    expect(hideSecret(kind, text)).not.toContain('hunter2');
  });
});

describe('tasklog config', () => {
  const SECRETS = { TASKLOG_SMTP_URL: 'smtp://alerts:smtp-secret@mail:587', TASKLOG_SERVE_TOKEN: 'token-secret', MY_PASSWORD: 'db-secret' };
  const CONFIG = { database: 'postgres://app@db:5432/tasks', passwordEnv: 'MY_PASSWORD', alerts: { cooldown: '30m', webhook: 'https://hooks.slack.com/services/T0/B0/hook-secret' }, rearq: { redis: 'redis://:redis-secret@r:6379/0' } };

  it('--json: each setting with its value and origin; a flag, a variable, the config file (its path and key), a default', async () => {
    const cwd = folder(CONFIG);
    const r = await run(['config', '--json', '--table', 'mine'], { cwd, env: SECRETS });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { setting: string; value: unknown; origin: string; source: unknown; key: string | null; secret: boolean }[];
    expect(rows.map((x) => x.setting)).toEqual(SETTINGS.map((s) => s.name));
    const by = new Map(rows.map((x) => [x.setting, x]));
    const path = join(cwd, 'tasklog.config.json');
    expect(by.get('table')).toMatchObject({ value: 'mine', origin: 'flag --table', source: { kind: 'flag', flag: '--table' } });
    expect(by.get('database')).toMatchObject({ value: 'postgres://app:***@db:5432/tasks', origin: `config file ${path}: database`, source: { kind: 'file', path, key: 'database' }, secret: true });
    expect(by.get('alerts.cooldown')).toMatchObject({ value: '30m', origin: `config file ${path}: alerts.cooldown` });
    expect(by.get('alerts.smtpUrl')).toMatchObject({ value: 'smtp://alerts:***@mail:587', origin: 'env TASKLOG_SMTP_URL', source: { kind: 'env', name: 'TASKLOG_SMTP_URL' } });
    expect(by.get('alerts.webhook')).toMatchObject({ value: 'https://hooks.slack.com/***' });
    expect(by.get('rearq.redis')).toMatchObject({ value: 'redis://:***@r:6379/0' });
    expect(by.get('serve.token')).toMatchObject({ value: '***', origin: 'env TASKLOG_SERVE_TOKEN', key: null });
    expect(by.get('userTable')).toMatchObject({ value: 'auth_user', origin: 'default', source: { kind: 'default' } });
    expect(by.get('archive.url')).toMatchObject({ value: null, origin: 'not set', source: { kind: 'none' } });
    expect(by.get('health.stuckAfter')).toMatchObject({ value: '1h', origin: 'default' });
    expect(r.stdout).not.toMatch(/-secret/);
  });

  it('a table: setting, value, origin, then the config file; secrets hidden', async () => {
    const cwd = folder(CONFIG);
    const r = await run(['config'], { cwd, env: SECRETS });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SETTING\s+VALUE\s+ORIGIN$/);
    expect(lines).toContainEqual(expect.stringMatching(/^database\s+postgres:\/\/app:\*\*\*@db:5432\/tasks\s+config file .*tasklog\.config\.json: database$/));
    expect(lines).toContainEqual(expect.stringMatching(/^serve\.token\s+\*\*\*\s+env TASKLOG_SERVE_TOKEN$/));
    expect(lines).toContainEqual(expect.stringMatching(/^table\s+django_cfg_task_log\s+default$/));
    expect(lines[lines.length - 1]).toBe(`config file: ${join(cwd, 'tasklog.config.json')}`);
    expect(r.stdout).not.toMatch(/-secret/);
  });

  it('takes the global flags: --db shows "flag --db" (its password hidden); a name or a section picks settings', async () => {
    const cwd = folder();
    const r = await run(['config', 'database', '--db', 'postgres://u:flag-secret@h/db', '--json'], { cwd, env: { DATABASE_URL: 'mysql://m@db/y' } });
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ setting: 'database', value: 'postgres://u:***@h/db', origin: 'flag --db' })]);
    const before = await run(['--db', 'x.sqlite', 'config', 'database', '--json'], { cwd });
    expect(JSON.parse(before.stdout)[0]).toMatchObject({ value: 'x.sqlite', origin: 'flag --db' });
    const env = await run(['config', 'database', '--json'], { cwd, env: { DATABASE_URL: 'mysql://m@db/y' } });
    expect(JSON.parse(env.stdout)[0]).toMatchObject({ value: 'mysql://m@db/y', origin: 'env DATABASE_URL' });
    const rearq = await run(['config', 'rearq', '--json'], { cwd });
    expect(JSON.parse(rearq.stdout).map((x: { setting: string }) => x.setting)).toEqual(['rearq.database', 'rearq.redis', 'rearq.tables', 'rearq.queues']);
    const none = await run(['config'], { cwd });
    expect(none.stdout.trimEnd().split('\n').pop()).toMatch(/^config file: none \(.*tasklog\.config\.json, .*config\.json not found\)$/);
  });

  it('errors are one line, exit 2: an unknown setting, a bad config file, a bad value, a variable passwordEnv names but nobody set', async () => {
    const cases: [string[], Record<string, string>, unknown, RegExp][] = [
      [['config', 'nope'], {}, undefined, /^tasklog: no setting "nope": name one of database, passwordEnv, /],
      [['config'], {}, { alerts: { cooldown: 'soon' } }, /^tasklog: config file .*: alerts\.cooldown must be a span/],
      [['config'], {}, '{ not json', /^tasklog: config file .* is not valid JSON/],
      [['config'], { TASKLOG_ARCHIVE_URL: 'postgres://u:pw-secret@h/db' }, undefined, /^tasklog: \$TASKLOG_ARCHIVE_URL: the archive is a ClickHouse database .*not postgres:\/\/u:\*\*\*@h\/db$/],
      [['config', '--table', 'a b'], {}, undefined, /^tasklog: option --table: 'a b' is not a table name/],
      [['config'], {}, { database: 'postgres://app@db/x', passwordEnv: 'MY_PASSWORD' }, /^tasklog: config file .* takes the database password from \$MY_PASSWORD, which is not set/],
    ];
    for (const [argv, env, file, message] of cases) {
      const cwd = folder();
      if (file !== undefined) writeFileSync(join(cwd, 'tasklog.config.json'), typeof file === 'string' ? file : JSON.stringify(file));
      const r = await run(argv, { cwd, env });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(r.stderr).not.toMatch(/-secret/);
    }
  });
});
