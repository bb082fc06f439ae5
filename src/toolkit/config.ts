/**
 * Settings that come from outside the command line, and the one resolver of
 * every setting: resolveSetting takes a setting of the table
 * (toolkit/settings.ts) from its flag, its environment variables in order,
 * the config file, its default, and says which. The config file that applies
 * is the first of ./tasklog.config.json, $XDG_CONFIG_HOME/tasklog/config.json;
 * it is checked whole when read. The thresholds are declared in
 * query/thresholds.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConnectionSettings } from '../db/connect.js';
import { EXIT, RuntimeFailure, TasklogError, UsageError } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { own } from '../core/own.js';
import { thresholdsOf, type ThresholdSection } from '../query/thresholds.js';
import { attributeName } from './spec.js';
import {
  ARCHIVE_URL,
  checkConfig,
  CONNECT_TIMEOUT,
  DATABASE,
  DEFAULT_CONNECT_TIMEOUT_S,
  DEFAULT_PASSWORD_ENV,
  DEFAULT_SQLITE_FILE,
  DEFAULT_TABLE,
  DEFAULT_USER_TABLE,
  ENV_NAME,
  originLabel,
  TABLE,
  TABLE_NAME,
  TABLE_NAME_HELP,
  thresholdSetting,
  USER_TABLE,
  type ConfigFile,
  type Origin,
  type Setting,
} from './settings.js';

export { DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_PASSWORD_ENV, DEFAULT_SQLITE_FILE, DEFAULT_TABLE, DEFAULT_USER_TABLE, ENV_NAME, TABLE_NAME, TABLE_NAME_HELP, type ConfigFile };

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

/** A setting's value (undefined: not set, and no default) and where it came from. */
export interface Resolved<T> {
  value: T | undefined;
  origin: Origin;
}

/**
 * The one resolver: the setting's value from the first of its flags (in
 * `flags`, a command's parsed options; two of them at once are a usage
 * error), its environment variables in order (an empty one counts as unset),
 * the config file, its default — then its check, whatever the origin. A
 * setting the config file may hold reads the file (checked whole) even when a
 * flag wins, so a bad file stops every command alike.
 */
export function resolveSetting<T>(setting: Setting<T>, flags: object, ctx: Ctx): Resolved<T> {
  const config = setting.file ? loadConfig(ctx) : undefined;
  const found = fromFlags(setting, flags as Record<string, unknown>, ctx) ?? fromEnv(setting, ctx) ?? fromFile(setting, config, ctx) ?? fromDefault(setting);
  if (found.value !== undefined) setting.check?.(found.value, found.origin);
  return found;
}

function fromFlags<T>(setting: Setting<T>, flags: Record<string, unknown>, ctx: Ctx): Resolved<T> | undefined {
  const given = (setting.flags ?? []).filter((f) => flags[attributeName({ flags: f.flag, description: '' })] !== undefined);
  if (given.length > 1) throw new UsageError(`give ${given.map((f) => f.flag).join(' or ')}, not both`);
  if (given.length === 0) return undefined;
  const f = given[0];
  const raw = flags[attributeName({ flags: f.flag, description: '' })];
  if (!f.file) return { value: raw as T, origin: { kind: 'flag', flag: f.flag } };
  const file = String(raw);
  let text: string;
  try {
    text = readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${f.flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // the file's one line; its line break is not part of the value
  return { value: text.replace(/\r?\n$/, '') as T, origin: { kind: 'flag', flag: f.flag, file } };
}

function fromEnv<T>(setting: Setting<T>, ctx: Ctx): Resolved<T> | undefined {
  for (const name of setting.env ?? []) {
    const text = ctx.env[name];
    if (text) return { value: text as T, origin: { kind: 'env', name } };
  }
  return undefined;
}

function fromFile<T>(setting: Setting<T>, config: LoadedConfig | undefined, ctx: Ctx): Resolved<T> | undefined {
  if (!config?.path) return undefined;
  const v = fileValue(config.values, setting.name);
  if (v === undefined) return undefined;
  const value = setting.fromFile ? setting.fromFile(v, { path: config.path, values: config.values, env: ctx.env }) : (v as T);
  return { value, origin: { kind: 'file', path: config.path, key: setting.name } };
}

function fromDefault<T>(setting: Setting<T>): Resolved<T> {
  return setting.default === undefined ? { value: undefined, origin: { kind: 'none' } } : { value: setting.default, origin: { kind: 'default' } };
}

/** A dotted key's value in the checked file ("alerts.cooldown" is {"alerts": {"cooldown": …}}), by own keys only. */
function fileValue(values: ConfigFile, name: string): unknown {
  const dot = name.indexOf('.');
  if (dot < 0) return own(values, name);
  const section = own(values, name.slice(0, dot));
  return section !== null && typeof section === 'object' ? own(section as Record<string, unknown>, name.slice(dot + 1)) : undefined;
}

export interface ConnectionFlags {
  db?: string;
  table?: string;
  userTable?: string;
  connectTimeout?: number;
}

/** The database, its tables and connect timeout; `source` is "--db", the variable's name, the config file or "default". */
export function resolveConnection(flags: ConnectionFlags, ctx: Ctx): ConnectionSettings {
  const db = resolveSetting(DATABASE, flags, ctx);
  const table = resolveSetting(TABLE, flags, ctx).value!;
  const userTable = resolveSetting(USER_TABLE, flags, ctx).value!;
  const source = db.origin.kind === 'env' ? db.origin.name : db.origin.kind === 'default' ? 'default' : originLabel(db.origin);
  return { url: db.value!, source, table, userTable, connectTimeoutMs: connectTimeoutMs(flags, ctx) };
}

/** --connect-timeout, or the config file's connectTimeout, or 10 s, in ms. */
export function connectTimeoutMs(flags: ConnectionFlags, ctx: Ctx): number {
  return Math.round(resolveSetting(CONNECT_TIMEOUT, flags, ctx).value! * 1000);
}

export interface ArchiveFlags {
  to?: string;
  connectTimeout?: number;
}

/**
 * The archive (ClickHouse) to write or check: the setting archive.url (--to,
 * $TASKLOG_ARCHIVE_URL, the config file). Its tables are named after the
 * source's task table (--table).
 */
export function resolveArchive(flags: ArchiveFlags & ConnectionFlags, ctx: Ctx): ConnectionSettings {
  const source = resolveConnection(flags, ctx);
  const archive = resolveSetting(ARCHIVE_URL, flags, ctx);
  if (archive.value === undefined) {
    throw new UsageError('no archive: give --to clickhouse://host:8123/database (or set $TASKLOG_ARCHIVE_URL, or archive.url in the config file)');
  }
  return { ...source, url: archive.value, source: originLabel(archive.origin) };
}

/** A section's thresholds by field (spans in ms): each from its flag, the config file's section, its default. */
export function thresholdValues(section: ThresholdSection, flags: object, ctx: Ctx): Record<string, number> {
  return Object.fromEntries(thresholdsOf(section).map((t) => [t.field, resolveSetting(thresholdSetting(t), flags, ctx).value!]));
}

/** The section's thresholds set in the config file, by field (spans in ms); the file was checked when read. */
export function configThresholds(config: LoadedConfig, section: ThresholdSection): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of thresholdsOf(section)) {
    const setting = thresholdSetting(t);
    const v = fileValue(config.values, setting.name);
    if (v !== undefined) out[t.field] = setting.fromFile!(v, { path: config.path ?? '', values: config.values, env: {} });
  }
  return out;
}
