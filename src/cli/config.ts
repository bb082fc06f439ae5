/**
 * Settings that come from outside the command line: environment variables and
 * the config file. The resolution order for the database is fixed here:
 *   --db, TASKLOG_DATABASE_URL, DATABASE_URL, ./tasklog.config.json,
 *   $XDG_CONFIG_HOME/tasklog/config.json, ./tasklog.sqlite
 * The config file's keys are declared here too: the connection keys below and
 * THRESHOLD_KEYS, which health and alerts check read and init writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSettings } from '../db/connect.js';
import { withUrlPassword } from '../db/url.js';
import { parseSpan } from '../query/timearg.js';
import { RuntimeFailure, UsageError } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { nonNegativeInt } from '../core/values.js';
import { InvalidValue } from '../core/errors.js';

export const DEFAULT_TABLE = 'django_cfg_task_log';
export const DEFAULT_USER_TABLE = 'auth_user';
export const DEFAULT_SQLITE_FILE = 'tasklog.sqlite';
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

export interface ConfigFile {
  database?: string;
  /**
   * The environment variable that holds the password of `database`: kept out
   * of the file, put into the URL when the URL comes from the file.
   */
  passwordEnv?: string;
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
    if (existsSync(path)) return { path, values: readConfigFile(path) };
  }
  return { path: null, values: {} };
}

/** One config file's settings; a file that is not a JSON object is one line naming it. */
export function readConfigFile(path: string): ConfigFile {
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RuntimeFailure(`config file ${path} is not valid JSON: ${(err as Error).message}`, 'config');
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new RuntimeFailure(`config file ${path} must hold a JSON object`, 'config');
  }
  return values as ConfigFile;
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
    url = withPasswordFromEnv(cfg.database, cfg.passwordEnv, ctx, config.path);
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

/** A config file URL without a password gets the one in the environment variable `passwordEnv` names. */
function withPasswordFromEnv(url: string, passwordEnv: unknown, ctx: Ctx, path: string | null): string {
  if (passwordEnv === undefined) return url;
  if (typeof passwordEnv !== 'string' || !ENV_NAME.test(passwordEnv)) {
    throw new RuntimeFailure(`config file ${path}: passwordEnv must name an environment variable, such as "${DEFAULT_PASSWORD_ENV}"`, 'config');
  }
  const password = ctx.env[passwordEnv];
  if (!password) {
    throw new RuntimeFailure(`config file ${path} takes the database password from $${passwordEnv}, which is not set (export ${passwordEnv}=…, or remove passwordEnv)`, 'config');
  }
  return withUrlPassword(url, password);
}

export const DEFAULT_PASSWORD_ENV = 'TASKLOG_DB_PASSWORD';
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function stringSetting(cfg: ConfigFile, key: string, path: string | null): string | undefined {
  const v = cfg[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new RuntimeFailure(`config file ${path}: ${key} must be a non-empty string`, 'config');
  return v;
}

/** Table names reach SQL as quoted identifiers; still, keep them to what a Django db_table can be. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;
export const TABLE_NAME_HELP = 'letters, digits, _ and $, optionally schema.table';

function checkIdentifier(name: string, flag: string): void {
  if (!TABLE_NAME.test(name)) throw new UsageError(`option ${flag}: '${name}' is not a table name (${TABLE_NAME_HELP})`);
}

/**
 * The thresholds the config file holds, declared once: `health` reads the
 * "health" section and `alerts check` the "alerts" one (flags win over both),
 * `init` asks for them and writes them. `field` is the name in the command's
 * settings; spans are written as text ("1h") and read as milliseconds.
 */
export type ThresholdKind = 'count' | 'percent' | 'number' | 'span';

export interface ThresholdKey {
  section: 'health' | 'alerts';
  key: string;
  field: string;
  kind: ThresholdKind;
  label: string;
}

export const THRESHOLD_KEYS: readonly ThresholdKey[] = [
  { section: 'health', key: 'stuckAfter', field: 'stuckAfterMs', kind: 'span', label: 'in progress for longer than this counts as stuck' },
  { section: 'health', key: 'warnStuck', field: 'warnStuck', kind: 'count', label: 'WARNING at this many stuck tasks' },
  { section: 'health', key: 'critStuck', field: 'critStuck', kind: 'count', label: 'CRITICAL at this many stuck tasks' },
  { section: 'health', key: 'warnFailureRate', field: 'warnFailureRate', kind: 'percent', label: 'WARNING at this last-hour failure rate, %' },
  { section: 'health', key: 'critFailureRate', field: 'critFailureRate', kind: 'percent', label: 'CRITICAL at this last-hour failure rate, %' },
  { section: 'health', key: 'warnQueued', field: 'warnQueued', kind: 'count', label: 'WARNING at this many queued rows' },
  { section: 'health', key: 'critQueued', field: 'critQueued', kind: 'count', label: 'CRITICAL at this many queued rows' },
  { section: 'alerts', key: 'window', field: 'windowMs', kind: 'span', label: 'window of the failure rate, duration and retry rules' },
  { section: 'alerts', key: 'failureRate', field: 'failureRate', kind: 'percent', label: 'alert above this failure rate, %' },
  { section: 'alerts', key: 'minRows', field: 'minRows', kind: 'count', label: '… with at least this many rows in the window' },
  { section: 'alerts', key: 'stuckCount', field: 'stuckCount', kind: 'count', label: 'alert above this many stuck tasks' },
  { section: 'alerts', key: 'stuckAfter', field: 'stuckAfterMs', kind: 'span', label: 'in progress for longer than this is stuck' },
  { section: 'alerts', key: 'queued', field: 'queued', kind: 'count', label: 'alert above this many queued rows' },
  { section: 'alerts', key: 'avgDuration', field: 'avgDurationSeconds', kind: 'number', label: 'alert above this average duration, seconds' },
  { section: 'alerts', key: 'avgRetries', field: 'avgRetries', kind: 'number', label: 'alert above this many retries on average' },
];

/** The section's thresholds set in the config file, by field (spans in ms); a bad value is one line naming it. */
export function configThresholds(config: LoadedConfig, section: ThresholdKey['section']): Record<string, number> {
  const values = config.values[section];
  if (values === undefined) return {};
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new RuntimeFailure(`config file ${config.path}: ${section} must be an object`, 'config');
  }
  const out: Record<string, number> = {};
  for (const t of THRESHOLD_KEYS) {
    if (t.section !== section) continue;
    const v = (values as Record<string, unknown>)[t.key];
    if (v === undefined) continue;
    const bad = () => new RuntimeFailure(`config file ${config.path}: ${section}.${t.key} must be ${t.kind === 'span' ? 'a span such as "1h"' : 'a number ≥ 0'}`, 'config');
    if (t.kind === 'span') {
      if (typeof v !== 'string') throw bad();
      try {
        out[t.field] = parseSpan(v);
      } catch {
        throw bad();
      }
    } else {
      if (typeof v !== 'number' || !(v >= 0)) throw bad();
      out[t.field] = v;
    }
  }
  return out;
}

/**
 * A threshold typed by a user (init), checked as its kind demands: the value
 * the config file holds (a number, or a span's text). Throws InvalidValue.
 */
export function parseThresholdInput(kind: ThresholdKind, raw: string): number | string {
  const text = raw.trim();
  switch (kind) {
    case 'span':
      parseSpan(text);
      return text;
    case 'count':
      return nonNegativeInt(text, 'a whole number ≥ 0');
    case 'percent': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidValue('expects a percentage from 0 to 100');
      return n;
    }
    case 'number': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n) || n < 0) throw new InvalidValue('expects a number ≥ 0');
      return n;
    }
  }
}
