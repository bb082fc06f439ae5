/**
 * `tasklog init`: asks, tests, and writes the config file that
 * resolveConnection, health and alerts check read — with the keys
 * toolkit/settings.ts declares, its threshold questions from query/thresholds.ts. A typed password goes into the file only when the
 * user says so; otherwise the file names the environment variable
 * (passwordEnv) resolveConnection takes it from.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import {
  configPaths,
  DEFAULT_CONNECT_TIMEOUT_S,
  DEFAULT_PASSWORD_ENV,
  DEFAULT_SQLITE_FILE,
  DEFAULT_TABLE,
  DEFAULT_USER_TABLE,
  readConfigFile,
  TABLE_NAME,
  TABLE_NAME_HELP,
} from '../toolkit/config.js';
import { DATABASE } from '../toolkit/settings.js';
import { describeError, EXIT } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import type { Db } from '../db/connect.js';
import { SIGNATURE_COLUMNS } from '../db/schema.js';
import { formatServerUrl, parseDatabaseUrl, urlScheme, type Backend } from '../db/url.js';
import { formatThreshold, parseThreshold, THRESHOLDS, thresholdFromJson, type Threshold } from '../query/thresholds.js';
import { makeStyle, type Style } from '../render/style.js';
import { isPromptExit, promptContext, toValidator } from './terminal.js';

/** The config file as read: unchecked, so that init can repair a file other commands refuse. */
type RawConfig = Record<string, unknown>;

/** The databases a task log lives in (ClickHouse holds its archive, which init does not set up). */
type InitBackend = Exclude<Backend, 'clickhouse'>;

interface Connection {
  backend: InitBackend;
  file: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** the password typed, or the stored one kept */
  password: string;
  sslmode: string;
}

const DEFAULT_PORT: Record<'postgres' | 'mysql', number> = { postgres: 5432, mysql: 3306 };
const DEFAULT_USER: Record<'postgres' | 'mysql', string> = { postgres: 'postgres', mysql: 'root' };

export interface InitOptions {
  global?: boolean;
  connectTimeout?: number;
  color?: boolean;
  /** --db, --table, --user-table: the answers offered first */
  db?: string;
  table?: string;
  userTable?: string;
}

/** What every step uses: the terminal, the prompts' streams, the file being written. */
interface Session {
  ctx: Ctx;
  c: Style['c'];
  say: (s?: string) => void;
  io: ReturnType<typeof promptContext>;
  path: string;
  base: RawConfig;
  /** the variable the file names for the password, if any */
  passwordEnv?: string;
}

export async function initWizard(ctx: Ctx, opts: InitOptions): Promise<number> {
  const style = makeStyle(ctx, opts.color === false);
  const say = (s = '') => void ctx.stdout.write(s + '\n');
  const path = configPaths(ctx)[opts.global ? 1 : 0];
  const exists = existsSync(path);
  const base: RawConfig = {
    ...(exists ? readConfigFile(path) : currentConfig(ctx)),
    ...(opts.db !== undefined ? { database: opts.db } : {}),
    ...(opts.table !== undefined ? { table: opts.table } : {}),
    ...(opts.userTable !== undefined ? { userTable: opts.userTable } : {}),
  };
  say(style.c.bold(`tasklog init · ${exists ? 'updates' : 'writes'} ${shortPath(path, ctx)}`));
  if (exists) say(style.c.gray('The current values are the defaults: Enter keeps them.'));
  say();
  const passwordEnv = typeof base.passwordEnv === 'string' && base.passwordEnv ? base.passwordEnv : undefined;
  const session: Session = { ctx, c: style.c, say, io: promptContext(ctx), path, base, passwordEnv };
  const timeoutS = opts.connectTimeout ?? (typeof base.connectTimeout === 'number' ? base.connectTimeout : DEFAULT_CONNECT_TIMEOUT_S);
  try {
    return await wizard(session, timeoutS);
  } catch (err) {
    if (!isPromptExit(err)) throw err;
    ctx.stderr.write('tasklog: init cancelled; nothing written\n');
    return EXIT.INTERRUPTED;
  }
}

/** The config file that applies now, if any (the per-user one when there is no project one). */
function currentConfig(ctx: Ctx): RawConfig {
  const found = configPaths(ctx).find((p) => existsSync(p));
  return found ? readConfigFile(found) : {};
}

/** The steps, in order: connection, tables, thresholds, password, the file. */
async function wizard(s: Session, timeoutS: number): Promise<number> {
  const connected = await askWorkingConnection(s, timeoutS);
  if (!connected) return nothingWritten(s);
  let tables: { table: string; userTable: string };
  try {
    tables = await askTables(s, connected.db);
  } finally {
    await connected.db?.close();
  }
  const sections = await askThresholds(s);
  const password = await askPasswordStorage(s, connected.conn);
  const database = connected.conn.backend === 'sqlite' ? sqliteSetting(connected.conn.file, s.path, s.ctx) : connectionUrl(connected.conn, password.store ? connected.conn.password : '');
  const out = composeFile(s.base, { database, envName: password.envName, ...tables }, sections);
  if (!(await confirmFile(s, out))) return nothingWritten(s);
  writeFile(s, out, password.store);
  sayNext(s, password.envName);
  return EXIT.OK;
}

function nothingWritten(s: Session): number {
  s.say('Nothing written.');
  return EXIT.OK;
}

/** Step 1: the connection, until it works or the user keeps it anyway; null when the user quits. */
async function askWorkingConnection(s: Session, timeoutS: number): Promise<{ conn: Connection; db: Db | null } | null> {
  const { select } = await import('@inquirer/prompts');
  const { c, say, ctx } = s;
  let conn = currentConnection(s.base, ctx);
  for (;;) {
    conn = await askConnection(ctx, conn, s.passwordEnv);
    const password = conn.password || (s.passwordEnv ? (ctx.env[s.passwordEnv] ?? '') : '');
    const url = connectionUrl(conn, password);
    say(c.gray(`Connecting to ${parseDatabaseUrl(url, ctx.cwd).display} …`));
    try {
      const { connect } = await import('../db/connect.js');
      const db = await connect(
        { url, source: 'init', table: DEFAULT_TABLE, userTable: DEFAULT_USER_TABLE, connectTimeoutMs: Math.round(timeoutS * 1000) },
        ctx.cwd,
      );
      say(`${c.green('✔')} Connected: ${await db.dialect.serverVersion(db)}`);
      return { conn, db };
    } catch (err) {
      say(`${c.red('✖')} ${describeError(err).message}`);
      const next = await select(
        {
          message: 'What now?',
          choices: [
            { name: 'Change the connection details', value: 'edit' },
            { name: 'Keep them anyway (the server may be down now)', value: 'keep' },
            { name: 'Quit without writing', value: 'quit' },
          ],
        },
        s.io,
      );
      if (next === 'keep') return { conn, db: null };
      if (next === 'quit') return null;
    }
  }
}

/** Step 2: the tables, offered from what the database holds (when connected). */
async function askTables(s: Session, db: Db | null): Promise<{ table: string; userTable: string }> {
  const { input, select } = await import('@inquirer/prompts');
  const { c, say, base } = s;
  const currentTable = typeof base.table === 'string' ? base.table : DEFAULT_TABLE;
  // names a config file can hold (no spaces, no quotes)
  const found = db ? (await db.dialect.tablesWithColumns(db, SIGNATURE_COLUMNS)).filter((t) => TABLE_NAME.test(t)) : [];
  if (db) say(found.length ? `Tables that look like a task log: ${found.join(', ')}` : `No table here has the task log's columns (${SIGNATURE_COLUMNS.join(', ')}).`);
  const typeName = (message: string, def: string) =>
    input({ message, default: def, validate: (v) => TABLE_NAME.test(v.trim()) || `a table name: ${TABLE_NAME_HELP}` }, s.io).then((v) => v.trim());
  let table: string;
  if (found.length) {
    const picked = await select(
      {
        message: 'Task log table',
        choices: [...found.map((t) => ({ name: t, value: t })), { name: 'another name…', value: '' }],
        default: found.includes(currentTable) ? currentTable : found.includes(DEFAULT_TABLE) ? DEFAULT_TABLE : found[0],
      },
      s.io,
    );
    table = picked || (await typeName('Task log table', currentTable));
  } else {
    table = await typeName('Task log table', currentTable);
  }
  if (db && !found.includes(table)) {
    const there = await db.dialect.tableExists(db, table);
    say(there ? `${c.yellow('!')} ${table} lacks some of the task log's columns (tasklog doctor tells which)` : `${c.yellow('!')} ${table} is not in this database yet: tasklog migrate creates it, tasklog demo fills it with demo rows`);
  }
  const userTable = await typeName('User table (joined for user names and e-mails)', typeof base.userTable === 'string' ? base.userTable : DEFAULT_USER_TABLE);
  if (db) {
    say(
      (await db.dialect.tableExists(db, userTable))
        ? `${c.green('✔')} ${userTable} exists: rows show their user`
        : `${c.yellow('!')} ${userTable} is not in this database: the user columns stay empty (that is fine)`,
    );
  }
  return { table, userTable };
}

type Sections = Record<Threshold['section'], Record<string, unknown>>;

/** Step 3: every threshold of the table, when asked for; the file keeps values already there and values other than the default. */
async function askThresholds(s: Session): Promise<Sections> {
  const { confirm, input } = await import('@inquirer/prompts');
  const sections: Sections = { health: { ...asObject(s.base.health) }, alerts: { ...asObject(s.base.alerts) } };
  if (!(await confirm({ message: 'Review the health and alert thresholds?', default: false }, s.io))) return sections;
  for (const t of THRESHOLDS) {
    const stored = sections[t.section][t.key];
    const current = thresholdFromJson(t.kind, stored);
    const fallback = formatThreshold(t);
    const raw = await input(
      {
        message: `${t.section}.${t.key}: ${t.description}`,
        default: current === undefined ? fallback : formatThreshold(t, current),
        validate: toValidator((v) => parseThreshold(t.kind, v)),
      },
      s.io,
    );
    // what the file holds: a span as its text, a number as a number
    const value = t.kind === 'span' ? raw.trim() : parseThreshold(t.kind, raw);
    if (current !== undefined || String(value) !== fallback) sections[t.section][t.key] = value;
    else delete sections[t.section][t.key];
  }
  return sections;
}

/** Step 4: a typed server password goes into the file only when the user says so; else the file names its variable. */
async function askPasswordStorage(s: Session, conn: Connection): Promise<{ store: boolean; envName?: string }> {
  const { confirm } = await import('@inquirer/prompts');
  if (conn.backend === 'sqlite') return { store: false };
  if (conn.password === '') return { store: false, envName: s.passwordEnv };
  const envName = s.passwordEnv ?? DEFAULT_PASSWORD_ENV;
  const store = await confirm({ message: `Store the password in the config file? (No: tasklog reads it from $${envName})`, default: false }, s.io);
  return store ? { store } : { store, envName };
}

/** Step 5: the file: known keys first, then whatever else it held (webhooks, per-task rules…). */
function composeFile(base: RawConfig, chosen: { database: string; envName?: string; table: string; userTable: string }, sections: Sections): RawConfig {
  const rest: RawConfig = { ...base };
  for (const k of ['database', 'passwordEnv', 'table', 'userTable', 'health', 'alerts']) delete rest[k];
  return {
    database: chosen.database,
    ...(chosen.envName ? { passwordEnv: chosen.envName } : {}),
    table: chosen.table,
    userTable: chosen.userTable,
    ...rest,
    ...(Object.keys(sections.health).length ? { health: sections.health } : {}),
    ...(Object.keys(sections.alerts).length ? { alerts: sections.alerts } : {}),
  };
}

async function confirmFile(s: Session, out: RawConfig): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  const shown = { ...out, database: parseDatabaseUrl(String(out.database), s.ctx.cwd).display };
  s.say();
  s.say(s.c.gray(JSON.stringify(shown, null, 2)));
  return confirm({ message: `Write ${shortPath(s.path, s.ctx)}?`, default: true }, s.io);
}

function writeFile(s: Session, out: RawConfig, withPassword: boolean): void {
  mkdirSync(dirname(s.path), { recursive: true });
  writeFileSync(s.path, JSON.stringify(out, null, 2) + '\n', { mode: withPassword ? 0o600 : 0o644 });
  if (withPassword) chmodSync(s.path, 0o600);
  s.say(`${s.c.green('✔')} Wrote ${shortPath(s.path, s.ctx)}${withPassword ? ' (with the password: readable by you only)' : ''}`);
}

/** What may still stand between the file and the next command. */
function sayNext(s: Session, envName: string | undefined): void {
  const { c, say, ctx, path } = s;
  if (envName) say(`The password is not in the file: export ${envName}='…' before running tasklog.`);
  for (const v of DATABASE.env!) {
    if (ctx.env[v]) say(`${c.yellow('!')} $${v} is set and wins over the config file's database.`);
  }
  const local = configPaths(ctx)[0];
  if (path !== local && existsSync(local)) say(`${c.yellow('!')} ${shortPath(local, ctx)} exists and is read before ${shortPath(path, ctx)}.`);
  say(`Next: tasklog doctor · tasklog overview · tasklog logs browse`);
}

async function askConnection(ctx: Ctx, cur: Connection, passwordEnv: string | undefined): Promise<Connection> {
  const { input, password, select } = await import('@inquirer/prompts');
  const io = promptContext(ctx);
  const backend = await select<InitBackend>(
    {
      message: 'Database',
      choices: [
        { name: 'SQLite (a file)', value: 'sqlite' },
        { name: 'PostgreSQL', value: 'postgres' },
        { name: 'MySQL / MariaDB', value: 'mysql' },
      ],
      default: cur.backend,
    },
    io,
  );
  const required = (v: string) => v.trim() !== '' || 'required';
  if (backend === 'sqlite') {
    const file = await input({ message: 'SQLite file', default: cur.file || DEFAULT_SQLITE_FILE, validate: required }, io);
    return { ...cur, backend, file: file.trim() };
  }
  const same = cur.backend === backend;
  const host = await input({ message: 'Host', default: same ? cur.host : 'localhost', validate: required }, io);
  const port = await input(
    {
      message: 'Port',
      default: String(same ? cur.port : DEFAULT_PORT[backend]),
      validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) || 'a port from 1 to 65535',
    },
    io,
  );
  const database = await input({ message: 'Database name', default: same ? cur.database || undefined : undefined, validate: required }, io);
  const user = await input({ message: 'User', default: same && cur.user ? cur.user : DEFAULT_USER[backend] }, io);
  const keep = same && cur.password ? 'keep the stored one' : passwordEnv ? `read it from $${passwordEnv}` : 'none';
  const typed = await password({ message: `Password (empty: ${keep})`, mask: '*' }, io);
  let sslmode = '';
  if (backend === 'postgres') {
    sslmode = await select<string>(
      {
        message: 'TLS (sslmode)',
        choices: [
          { name: 'off', value: '' },
          { name: 'require (encrypted, certificate not checked)', value: 'require' },
          { name: 'verify-ca', value: 'verify-ca' },
          { name: 'verify-full', value: 'verify-full' },
        ],
        default: same ? cur.sslmode : '',
      },
      io,
    );
  }
  return {
    backend,
    file: cur.file,
    host: host.trim(),
    port: Number(port),
    database: database.trim(),
    user: user.trim(),
    password: typed || (same ? cur.password : ''),
    sslmode,
  };
}

/** The connection the config file names now (the defaults of the questions). */
function currentConnection(base: RawConfig, ctx: Ctx): Connection {
  const empty: Connection = { backend: 'sqlite', file: '', host: 'localhost', port: 0, database: '', user: '', password: '', sslmode: '' };
  if (typeof base.database !== 'string' || base.database === '') return empty;
  try {
    const t = parseDatabaseUrl(base.database, ctx.cwd);
    // init asks for the task log's own database; an archive (ClickHouse) is not one of its choices
    if (t.backend === 'clickhouse') return empty;
    if (t.backend === 'sqlite') {
      const plain = urlScheme(base.database) === undefined;
      return { ...empty, file: plain ? base.database : (t.filename ?? '') };
    }
    const s = t.server!;
    return { ...empty, backend: t.backend, host: s.socketPath ?? s.host, port: s.port, database: s.database, user: s.user ?? '', password: s.password ?? '', sslmode: s.sslmode ?? '' };
  } catch {
    return empty;
  }
}

function connectionUrl(conn: Connection, password: string): string {
  if (conn.backend === 'sqlite') return conn.file;
  return formatServerUrl({
    backend: conn.backend,
    host: conn.host,
    port: conn.port,
    database: conn.database,
    user: conn.user || undefined,
    password: password || undefined,
    params: conn.sslmode ? { sslmode: conn.sslmode } : undefined,
  });
}

/** A SQLite file as the config file should hold it: as typed for ./tasklog.config.json, absolute in the per-user one. */
function sqliteSetting(file: string, path: string, ctx: Ctx): string {
  if (path === configPaths(ctx)[0] || isAbsolute(file) || urlScheme(file) !== undefined) return file;
  return resolve(ctx.cwd, file);
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A path as the user knows it: relative below the working directory, ~ below home. */
function shortPath(path: string, ctx: Ctx): string {
  const rel = relative(ctx.cwd, path);
  if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.startsWith('.') ? rel : `./${rel}`;
  const home = ctx.env.HOME;
  if (home && path.startsWith(home + '/')) return '~/' + path.slice(home.length + 1);
  return path;
}
