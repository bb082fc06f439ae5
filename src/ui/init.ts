/**
 * `tasklog init`: asks, tests, and writes the config file that
 * resolveConnection, health and alerts check read — with the keys config.ts
 * declares, nothing else. A typed password goes into the file only when the
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
  loadConfig,
  parseThresholdInput,
  readConfigFile,
  TABLE_NAME,
  TABLE_NAME_HELP,
  THRESHOLD_KEYS,
  type ConfigFile,
  type ThresholdKey,
} from '../cli/config.js';
import { describeError, EXIT } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { InvalidValue } from '../core/errors.js';
import type { Db } from '../db/connect.js';
import { SIGNATURE_COLUMNS } from '../db/schema.js';
import { formatServerUrl, parseDatabaseUrl, type Backend } from '../db/url.js';
import { DEFAULT_RULES } from '../query/alerts.js';
import { DEFAULT_THRESHOLDS } from '../query/health.js';
import { formatSpan } from '../query/timearg.js';
import { makeStyle, type Style } from '../render/style.js';
import { isPromptExit, promptContext } from './terminal.js';

interface Connection {
  backend: Backend;
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

export async function initWizard(ctx: Ctx, opts: InitOptions): Promise<number> {
  const style = makeStyle(ctx, opts.color === false);
  const say = (s = '') => void ctx.stdout.write(s + '\n');
  const path = configPaths(ctx)[opts.global ? 1 : 0];
  const exists = existsSync(path);
  const base: ConfigFile = {
    ...(exists ? readConfigFile(path) : loadConfig(ctx).values),
    ...(opts.db !== undefined ? { database: opts.db } : {}),
    ...(opts.table !== undefined ? { table: opts.table } : {}),
    ...(opts.userTable !== undefined ? { userTable: opts.userTable } : {}),
  };
  say(style.c.bold(`tasklog init · ${exists ? 'updates' : 'writes'} ${shortPath(path, ctx)}`));
  if (exists) say(style.c.gray('The current values are the defaults: Enter keeps them.'));
  say();
  try {
    return await wizard(ctx, style, say, path, base, opts.connectTimeout ?? (typeof base.connectTimeout === 'number' ? base.connectTimeout : DEFAULT_CONNECT_TIMEOUT_S));
  } catch (err) {
    if (!isPromptExit(err)) throw err;
    ctx.stderr.write('tasklog: init cancelled; nothing written\n');
    return EXIT.INTERRUPTED;
  }
}

async function wizard(ctx: Ctx, style: Style, say: (s?: string) => void, path: string, base: ConfigFile, timeoutS: number): Promise<number> {
  const { confirm, input, select } = await import('@inquirer/prompts');
  const io = promptContext(ctx);
  const { c } = style;
  const passwordEnv = typeof base.passwordEnv === 'string' && base.passwordEnv ? base.passwordEnv : undefined;

  // 1. the connection, until it works or the user keeps it anyway
  let conn = currentConnection(base, ctx);
  let db: Db | null = null;
  let url: string;
  for (;;) {
    conn = await askConnection(ctx, conn, passwordEnv);
    const password = conn.password || (passwordEnv ? ctx.env[passwordEnv] ?? '' : '');
    url = connectionUrl(conn, password);
    say(c.gray(`Connecting to ${parseDatabaseUrl(url, ctx.cwd).display} …`));
    try {
      const { connect } = await import('../db/connect.js');
      db = await connect(
        { url, source: 'init', table: DEFAULT_TABLE, userTable: DEFAULT_USER_TABLE, connectTimeoutMs: Math.round(timeoutS * 1000) },
        ctx.cwd,
      );
      say(`${c.green('✔')} Connected: ${await db.dialect.serverVersion(db)}`);
      break;
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
        io,
      );
      if (next === 'keep') break;
      if (next === 'quit') {
        say('Nothing written.');
        return EXIT.OK;
      }
    }
  }

  // 2. the tables, offered from what the database holds
  let table: string;
  let userTable: string;
  try {
    const currentTable = typeof base.table === 'string' ? base.table : DEFAULT_TABLE;
    // names a config file can hold (no spaces, no quotes)
    const found = db ? (await db.dialect.tablesWithColumns(db, SIGNATURE_COLUMNS)).filter((t) => TABLE_NAME.test(t)) : [];
    if (db) say(found.length ? `Tables that look like a task log: ${found.join(', ')}` : `No table here has the task log's columns (${SIGNATURE_COLUMNS.join(', ')}).`);
    const typeName = (message: string, def: string) =>
      input({ message, default: def, validate: (v) => TABLE_NAME.test(v.trim()) || `a table name: ${TABLE_NAME_HELP}` }, io).then((v) => v.trim());
    if (found.length) {
      const picked = await select(
        {
          message: 'Task log table',
          choices: [...found.map((t) => ({ name: t, value: t })), { name: 'another name…', value: '' }],
          default: found.includes(currentTable) ? currentTable : found.includes(DEFAULT_TABLE) ? DEFAULT_TABLE : found[0],
        },
        io,
      );
      table = picked || (await typeName('Task log table', currentTable));
    } else {
      table = await typeName('Task log table', currentTable);
    }
    if (db && !found.includes(table)) {
      const there = await db.dialect.tableExists(db, table);
      say(there ? `${c.yellow('!')} ${table} lacks some of the task log's columns (tasklog doctor tells which)` : `${c.yellow('!')} ${table} is not in this database yet: tasklog migrate creates it, tasklog demo fills it with demo rows`);
    }
    userTable = await typeName('User table (joined for user names and e-mails)', typeof base.userTable === 'string' ? base.userTable : DEFAULT_USER_TABLE);
    if (db) {
      say(
        (await db.dialect.tableExists(db, userTable))
          ? `${c.green('✔')} ${userTable} exists: rows show their user`
          : `${c.yellow('!')} ${userTable} is not in this database: the user columns stay empty (that is fine)`,
      );
    }
  } finally {
    await db?.close();
  }

  // 3. thresholds, when asked for
  const sections: Record<'health' | 'alerts', Record<string, unknown>> = {
    health: { ...asObject(base.health) },
    alerts: { ...asObject(base.alerts) },
  };
  if (await confirm({ message: 'Review the health and alert thresholds?', default: false }, io)) {
    for (const t of THRESHOLD_KEYS) {
      const current = sections[t.section][t.key];
      const fallback = defaultThreshold(t);
      const raw = await input(
        {
          message: `${t.section}.${t.key}: ${t.label}`,
          default: current === undefined ? fallback : String(current),
          validate: (v) => {
            try {
              parseThresholdInput(t.kind, v);
              return true;
            } catch (err) {
              if (err instanceof InvalidValue) return err.message;
              throw err;
            }
          },
        },
        io,
      );
      const value = parseThresholdInput(t.kind, raw);
      // the file keeps what was chosen: values already there, and values other than the default
      if (current !== undefined || String(value) !== fallback) sections[t.section][t.key] = value;
    }
  }

  // 4. the password: in the file only when the user says so
  let storePassword = false;
  let envName: string | undefined;
  const serverPassword = conn.backend !== 'sqlite' && conn.password !== '';
  if (serverPassword) {
    storePassword = await confirm(
      { message: `Store the password in the config file? (No: tasklog reads it from $${passwordEnv ?? DEFAULT_PASSWORD_ENV})`, default: false },
      io,
    );
    if (!storePassword) envName = passwordEnv ?? DEFAULT_PASSWORD_ENV;
  } else if (conn.backend !== 'sqlite' && passwordEnv) {
    envName = passwordEnv;
  }

  // 5. the file: known keys first, then whatever else it held (webhooks, per-task rules…)
  const database = conn.backend === 'sqlite' ? sqliteSetting(conn.file, path, ctx) : connectionUrl(conn, storePassword ? conn.password : '');
  const rest: ConfigFile = { ...base };
  for (const k of ['database', 'passwordEnv', 'table', 'userTable', 'health', 'alerts']) delete rest[k];
  const out: ConfigFile = {
    database,
    ...(envName ? { passwordEnv: envName } : {}),
    table,
    userTable,
    ...rest,
    ...(Object.keys(sections.health).length ? { health: sections.health } : {}),
    ...(Object.keys(sections.alerts).length ? { alerts: sections.alerts } : {}),
  };
  const shown = { ...out, database: parseDatabaseUrl(database, ctx.cwd).display };
  say();
  say(c.gray(JSON.stringify(shown, null, 2)));
  if (!(await confirm({ message: `Write ${shortPath(path, ctx)}?`, default: true }, io))) {
    say('Nothing written.');
    return EXIT.OK;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n', { mode: storePassword ? 0o600 : 0o644 });
  if (storePassword) chmodSync(path, 0o600);
  say(`${c.green('✔')} Wrote ${shortPath(path, ctx)}${storePassword ? ' (with the password: readable by you only)' : ''}`);
  if (envName) say(`The password is not in the file: export ${envName}='…' before running tasklog.`);
  for (const v of ['TASKLOG_DATABASE_URL', 'DATABASE_URL']) {
    if (ctx.env[v]) say(`${c.yellow('!')} $${v} is set and wins over the config file's database.`);
  }
  const local = configPaths(ctx)[0];
  if (path !== local && existsSync(local)) say(`${c.yellow('!')} ${shortPath(local, ctx)} exists and is read before ${shortPath(path, ctx)}.`);
  say(`Next: tasklog doctor · tasklog overview · tasklog logs browse`);
  return EXIT.OK;
}

async function askConnection(ctx: Ctx, cur: Connection, passwordEnv: string | undefined): Promise<Connection> {
  const { input, password, select } = await import('@inquirer/prompts');
  const io = promptContext(ctx);
  const backend = await select<Backend>(
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
function currentConnection(base: ConfigFile, ctx: Ctx): Connection {
  const empty: Connection = { backend: 'sqlite', file: '', host: 'localhost', port: 0, database: '', user: '', password: '', sslmode: '' };
  if (typeof base.database !== 'string' || base.database === '') return empty;
  try {
    const t = parseDatabaseUrl(base.database, ctx.cwd);
    if (t.backend === 'sqlite') {
      const plain = !/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(base.database);
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
  if (path === configPaths(ctx)[0] || isAbsolute(file) || /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(file)) return file;
  return resolve(ctx.cwd, file);
}

function defaultThreshold(t: ThresholdKey): string {
  const defaults = (t.section === 'health' ? DEFAULT_THRESHOLDS : DEFAULT_RULES) as unknown as Record<string, number>;
  const v = defaults[t.field];
  return t.kind === 'span' ? formatSpan(v) : String(v);
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
