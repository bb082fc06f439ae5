/**
 * Settings that come from outside the command line: environment variables and
 * the config file. The resolution order for the database is fixed here:
 *   --db, TASKLOG_DATABASE_URL, DATABASE_URL, ./tasklog.config.json,
 *   $XDG_CONFIG_HOME/tasklog/config.json, ./tasklog.sqlite
 * The config file's keys are declared in settings.ts (checked whole when the
 * file is read), the thresholds in query/thresholds.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSettings } from '../db/connect.js';
import { parseDatabaseUrl, redactUrlText, withUrlPassword } from '../db/url.js';
import { EXIT, RuntimeFailure, TasklogError, UsageError } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { thresholdFromJson, thresholdsOf, type ThresholdSection } from '../query/thresholds.js';
import { checkConfig, DEFAULT_PASSWORD_ENV, ENV_NAME, TABLE_NAME, TABLE_NAME_HELP, type ConfigFile } from './settings.js';

export { DEFAULT_PASSWORD_ENV, ENV_NAME, TABLE_NAME, TABLE_NAME_HELP, type ConfigFile };

export const DEFAULT_TABLE = 'django_cfg_task_log';
export const DEFAULT_USER_TABLE = 'auth_user';
export const DEFAULT_SQLITE_FILE = 'tasklog.sqlite';
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

export interface LoadedConfig {
  path: string | null;
  values: ConfigFile;
}

export function configPaths(ctx: Ctx): string[] {
  const xdg = ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME || homedir(), '.config');
  return [join(ctx.cwd, 'tasklog.config.json'), join(xdg, 'tasklog', 'config.json')];
}

/** The config file each context has read: a command reads it once however many settings it takes from it. */
const loaded = new WeakMap<Ctx, LoadedConfig>();

/**
 * The config file that applies, checked whole: a bad value is a ConfigError
 * naming the key, an unknown key one warning on stderr.
 */
export function loadConfig(ctx: Ctx): LoadedConfig {
  let config = loaded.get(ctx);
  if (!config) {
    config = readApplicable(ctx);
    loaded.set(ctx, config);
  }
  return config;
}

function readApplicable(ctx: Ctx): LoadedConfig {
  for (const path of configPaths(ctx)) {
    if (existsSync(path)) {
      const warn = (key: string) => void ctx.stderr.write(`tasklog: warning: config file ${path}: unknown key "${key}" (ignored)\n`);
      return { path, values: checkConfig(readConfigFile(path), path, warn) };
    }
  }
  return { path: null, values: {} };
}

/** One config file's JSON object, unchecked (init offers its values back); not a JSON object is one line naming the file. */
export function readConfigFile(path: string): Record<string, unknown> {
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RuntimeFailure(`config file ${path} is not valid JSON: ${(err as Error).message}`, 'config');
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    // a value the file cannot hold, like a key's bad value: usage (exit 2)
    throw new TasklogError(`config file ${path} must hold a JSON object`, EXIT.USAGE, 'config');
  }
  return values as Record<string, unknown>;
}

export interface ConnectionFlags {
  db?: string;
  table?: string;
  userTable?: string;
  connectTimeout?: number;
}

export function resolveConnection(flags: ConnectionFlags, ctx: Ctx): ConnectionSettings {
  const config = loadConfig(ctx);
  const cfg = config.values;
  let url: string;
  let source: string;
  if (flags.db !== undefined) {
    url = flags.db;
    source = '--db';
  } else if (ctx.env.TASKLOG_DATABASE_URL) {
    url = ctx.env.TASKLOG_DATABASE_URL;
    source = 'TASKLOG_DATABASE_URL';
  } else if (ctx.env.DATABASE_URL) {
    url = ctx.env.DATABASE_URL;
    source = 'DATABASE_URL';
  } else if (cfg.database !== undefined) {
    url = withPasswordFromEnv(cfg.database, cfg.passwordEnv, ctx, config.path);
    source = config.path ?? 'config';
  } else {
    url = DEFAULT_SQLITE_FILE;
    source = 'default';
  }
  const table = flags.table ?? cfg.table ?? DEFAULT_TABLE;
  const userTable = flags.userTable ?? cfg.userTable ?? DEFAULT_USER_TABLE;
  checkIdentifier(table, '--table');
  checkIdentifier(userTable, '--user-table');
  const timeoutS = flags.connectTimeout ?? cfg.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_S;
  return { url, source, table, userTable, connectTimeoutMs: Math.round(timeoutS * 1000) };
}

export interface ArchiveFlags {
  to?: string;
  connectTimeout?: number;
}

/**
 * The archive (ClickHouse) to write or check: --to, $TASKLOG_ARCHIVE_URL,
 * the config file's archive.url. Its tables are named after the source's
 * task table (--table).
 */
export function resolveArchive(flags: ArchiveFlags & ConnectionFlags, ctx: Ctx): ConnectionSettings {
  const source = resolveConnection(flags, ctx);
  const config = loadConfig(ctx);
  let url: string;
  let from: string;
  if (flags.to !== undefined) {
    url = flags.to;
    from = '--to';
  } else if (ctx.env.TASKLOG_ARCHIVE_URL) {
    url = ctx.env.TASKLOG_ARCHIVE_URL;
    from = 'TASKLOG_ARCHIVE_URL';
  } else if (config.values.archive?.url !== undefined) {
    url = config.values.archive.url;
    from = config.path ?? 'config';
  } else {
    throw new UsageError('no archive: give --to clickhouse://host:8123/database (or set $TASKLOG_ARCHIVE_URL, or archive.url in the config file)');
  }
  let backend: string;
  try {
    backend = parseDatabaseUrl(url, ctx.cwd).backend;
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message.replace(/^option --db:/, `${from}:`));
    throw err;
  }
  if (backend !== 'clickhouse') throw new UsageError(`${from}: the archive is a ClickHouse database (clickhouse://host:8123/database), not ${redactUrlText(url)}`);
  return { ...source, url, source: from };
}

/** Whether cleanup keeps rows that are not in the archive unless told otherwise (archive.required). */
export function archiveRequired(ctx: Ctx): boolean {
  return loadConfig(ctx).values.archive?.required === true;
}

/** A config file URL without a password gets the one in the environment variable `passwordEnv` names. */
function withPasswordFromEnv(url: string, passwordEnv: string | undefined, ctx: Ctx, path: string | null): string {
  if (passwordEnv === undefined) return url;
  const password = ctx.env[passwordEnv];
  if (!password) {
    throw new RuntimeFailure(`config file ${path} takes the database password from $${passwordEnv}, which is not set (export ${passwordEnv}=…, or remove passwordEnv)`, 'config');
  }
  return withUrlPassword(url, password);
}

function checkIdentifier(name: string, flag: string): void {
  if (!TABLE_NAME.test(name)) throw new UsageError(`option ${flag}: '${name}' is not a table name (${TABLE_NAME_HELP})`);
}

/** The section's thresholds set in the config file, by field (spans in ms); the file was checked when read. */
export function configThresholds(config: LoadedConfig, section: ThresholdSection): Record<string, number> {
  const values = config.values[section] as Record<string, unknown> | undefined;
  const out: Record<string, number> = {};
  for (const t of thresholdsOf(section)) {
    const v = values?.[t.key];
    if (v !== undefined) out[t.field] = thresholdFromJson(t.kind, v)!;
  }
  return out;
}
