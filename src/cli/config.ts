/**
 * Settings that come from outside the command line: environment variables and
 * the config file. The resolution order for the database is fixed here:
 *   --db, TASKLOG_DATABASE_URL, DATABASE_URL, ./tasklog.config.json,
 *   $XDG_CONFIG_HOME/tasklog/config.json, ./tasklog.sqlite
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RuntimeFailure, UsageError } from './errors.js';
import type { Ctx } from './io.js';

export const DEFAULT_TABLE = 'django_cfg_task_log';
export const DEFAULT_USER_TABLE = 'auth_user';
export const DEFAULT_SQLITE_FILE = 'tasklog.sqlite';
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

export interface ConfigFile {
  database?: string;
  table?: string;
  userTable?: string;
  connectTimeout?: number;
  /** thresholds and the rest belong to the commands that read them */
  [key: string]: unknown;
}

export interface LoadedConfig {
  path: string | null;
  values: ConfigFile;
}

export function configPaths(ctx: Ctx): string[] {
  const xdg = ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME || homedir(), '.config');
  return [join(ctx.cwd, 'tasklog.config.json'), join(xdg, 'tasklog', 'config.json')];
}

export function loadConfig(ctx: Ctx): LoadedConfig {
  for (const path of configPaths(ctx)) {
    if (!existsSync(path)) continue;
    let values: unknown;
    try {
      values = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new RuntimeFailure(`config file ${path} is not valid JSON: ${(err as Error).message}`, 'config');
    }
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      throw new RuntimeFailure(`config file ${path} must hold a JSON object`, 'config');
    }
    return { path, values: values as ConfigFile };
  }
  return { path: null, values: {} };
}

export interface ConnectionSettings {
  url: string;
  /** where the URL came from, for messages: "--db", "TASKLOG_DATABASE_URL", a config path, "default" */
  source: string;
  table: string;
  userTable: string;
  connectTimeoutMs: number;
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
  } else if (typeof cfg.database === 'string' && cfg.database) {
    url = cfg.database;
    source = config.path ?? 'config';
  } else {
    url = DEFAULT_SQLITE_FILE;
    source = 'default';
  }
  const table = flags.table ?? stringSetting(cfg, 'table', config.path) ?? DEFAULT_TABLE;
  const userTable = flags.userTable ?? stringSetting(cfg, 'userTable', config.path) ?? DEFAULT_USER_TABLE;
  checkIdentifier(table, '--table');
  checkIdentifier(userTable, '--user-table');
  let timeoutS = flags.connectTimeout;
  if (timeoutS === undefined && cfg.connectTimeout !== undefined) {
    if (typeof cfg.connectTimeout !== 'number' || !(cfg.connectTimeout > 0)) {
      throw new RuntimeFailure(`config file ${config.path}: connectTimeout must be a number of seconds > 0`, 'config');
    }
    timeoutS = cfg.connectTimeout;
  }
  return { url, source, table, userTable, connectTimeoutMs: Math.round((timeoutS ?? DEFAULT_CONNECT_TIMEOUT_S) * 1000) };
}

function stringSetting(cfg: ConfigFile, key: string, path: string | null): string | undefined {
  const v = cfg[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new RuntimeFailure(`config file ${path}: ${key} must be a non-empty string`, 'config');
  return v;
}

/** Table names reach SQL as quoted identifiers; still, keep them to what a Django db_table can be. */
function checkIdentifier(name: string, flag: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/.test(name)) {
    throw new UsageError(`option ${flag}: '${name}' is not a table name (letters, digits, _ and $, optionally schema.table)`);
  }
}
