/**
 * The config file's keys, declared once: what each accepts and what it is
 * for. The file is checked whole when it is read (loadConfig): a bad value is
 * a ConfigError naming the key and what it accepts (the command's usage exit
 * code), an unknown key a warning on stderr. The man page lists the same
 * table; init writes these keys and no other.
 */
import { ConfigError } from '../core/errors.js';
import { isEmailAddress, isSmtpUrl, isWebhookUrl, SMTP_ACCEPTS, WEBHOOK_ACCEPTS } from '../notify/addresses.js';
import { parseDatabaseUrl } from '../db/url.js';
import type { TaskRule } from '../query/alerts.js';
import { BadObjective, parseObjectives, SLO_ACCEPTS, type Slo } from '../query/slo.js';
import { KIND_ACCEPTS, THRESHOLDS, thresholdFromJson } from '../query/thresholds.js';
import { parseSpan } from '../query/timearg.js';
import { parseWhere, WhereError } from '../query/where.js';

/** Table names reach SQL as quoted identifiers; still, keep them to what a Django db_table can be. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;
export const TABLE_NAME_HELP = 'letters, digits, _ and $, optionally schema.table';
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const DEFAULT_PASSWORD_ENV = 'TASKLOG_DB_PASSWORD';


/** The file as loadConfig returns it: every key checked (spans still as text, e-mail as a list). */
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
  health?: Record<string, number | string>;
  alerts?: {
    [threshold: string]: unknown;
    webhook?: string;
    email?: string[];
    smtpUrl?: string;
    from?: string;
    cooldown?: string;
    tasks?: TaskRule[];
  };
  rearq?: { database?: string; redis?: string; tables?: string; queues?: Record<string, string> };
  /** service-level objectives, checked and parsed (query/slo.ts) */
  slos?: Slo[];
  /** saved views: name → --where expression */
  views?: Record<string, string>;
  archive?: { url?: string; required?: boolean };
  [key: string]: unknown;
}

/** A value a key does not accept; `sub` names a part of it (alerts.tasks[1].failureRate). */
class BadValue extends Error {
  constructor(
    readonly accepts: string,
    readonly got: unknown,
    readonly sub = '',
  ) {
    super(accepts);
  }
}

export interface ConfigKey {
  /** dotted: "database", "alerts.webhook" */
  key: string;
  /** what it accepts, as the error and the man page say it */
  accepts: string;
  description: string;
  /** the value as the checked file holds it; throws BadValue */
  read(v: unknown, warn: (key: string) => void): unknown;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function key(k: string, accepts: string, description: string, ok: (v: unknown) => boolean): ConfigKey {
  return {
    key: k,
    accepts,
    description,
    read(v) {
      if (!ok(v)) throw new BadValue(accepts, v);
      return v;
    },
  };
}

function isDatabaseUrl(v: unknown): boolean {
  if (!nonEmpty(v)) return false;
  try {
    parseDatabaseUrl(v, '/');
    return true;
  } catch {
    return false;
  }
}

const DATABASE_ACCEPTS = 'a database URL (sqlite:///file, postgres://…, mysql://…) or a SQLite file path';

const ARCHIVE_ACCEPTS = 'a ClickHouse URL: clickhouse://[user[:password]@]host[:port]/database';

function isArchiveUrl(v: unknown): boolean {
  if (!nonEmpty(v)) return false;
  try {
    return parseDatabaseUrl(v, '/').backend === 'clickhouse';
  } catch {
    return false;
  }
}

const TASKS_ACCEPTS = 'a list of {"task": NAME and/or "where": EXPRESSION, "failureRate": PERCENT, "minRows": N (optional)}';
const TASK_RULE_KEYS = ['task', 'where', 'failureRate', 'minRows'];

/** A --where expression, checked as --where checks it; the message says what is wrong and where. */
function readWhere(v: unknown, sub = ''): string {
  if (typeof v !== 'string') throw new BadValue('a --where expression (text)', v, sub);
  try {
    parseWhere(v);
  } catch (err) {
    if (err instanceof WhereError) throw new BadValue(`a --where expression: ${err.message}`, v, sub);
    throw err;
  }
  return v;
}

export const VIEW_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const VIEWS_ACCEPTS = 'an object of view name (letters, digits, _ . -) → --where expression, such as {"payments-failing": "task_name contains \'payment\' and is_failed"}';

function readViews(v: unknown): Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadValue(VIEWS_ACCEPTS, v);
  const out: Record<string, string> = {};
  for (const [name, expr] of Object.entries(v as Record<string, unknown>)) {
    if (!VIEW_NAME.test(name)) throw new BadValue('a view name of letters, digits, _ . and - (up to 64)', name, `.${name}`);
    out[name] = readWhere(expr, `.${name}`);
  }
  return out;
}

function readTasks(v: unknown, warn: (key: string) => void): TaskRule[] {
  if (!Array.isArray(v)) throw new BadValue(TASKS_ACCEPTS, v);
  return v.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new BadValue(TASKS_ACCEPTS, item, `[${i}]`);
    const t = item as Record<string, unknown>;
    for (const k of Object.keys(t)) if (!TASK_RULE_KEYS.includes(k)) warn(`[${i}].${k}`);
    if (t.task === undefined && t.where === undefined) throw new BadValue('a rule with "task" or "where" (or both)', item, `[${i}]`);
    if (t.task !== undefined && !nonEmpty(t.task)) throw new BadValue('a task name', t.task, `[${i}].task`);
    if (t.where !== undefined) readWhere(t.where, `[${i}].where`);
    if (thresholdFromJson('percent', t.failureRate) === undefined) throw new BadValue(KIND_ACCEPTS.percent, t.failureRate, `[${i}].failureRate`);
    if (t.minRows !== undefined && thresholdFromJson('count', t.minRows) === undefined) throw new BadValue(KIND_ACCEPTS.count, t.minRows, `[${i}].minRows`);
    return {
      ...(t.task !== undefined ? { task: t.task as string } : {}),
      ...(t.where !== undefined ? { where: t.where as string } : {}),
      failureRate: t.failureRate as number,
      ...(t.minRows !== undefined ? { minRows: t.minRows as number } : {}),
    };
  });
}

const EMAIL_ACCEPTS = 'e-mail addresses: a list such as ["oncall@example.com"], or one string "a@x.org,b@x.org"';

function readEmails(v: unknown): string[] {
  const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string' && isEmailAddress(a))) throw new BadValue(EMAIL_ACCEPTS, v);
  return list as string[];
}

/** The objectives, checked as query/slo.ts declares them; a bad one names its part (slos[1].target). */
function readSlos(v: unknown, warn: (key: string) => void): Slo[] {
  try {
    return parseObjectives(v, warn);
  } catch (err) {
    if (err instanceof BadObjective) throw new BadValue(err.accepts, err.got, err.path);
    throw err;
  }
}

const QUEUE_MAP_ACCEPTS = 'an object of task name → queue name, such as {"send_email": "mail"}';

export const CONFIG_KEYS: readonly ConfigKey[] = [
  key('database', DATABASE_ACCEPTS, 'the task log database, when neither --db nor $TASKLOG_DATABASE_URL nor $DATABASE_URL names one', isDatabaseUrl),
  key('passwordEnv', `the name of an environment variable, such as "${DEFAULT_PASSWORD_ENV}"`, "the variable that holds the password of database's URL", (v) => typeof v === 'string' && ENV_NAME.test(v)),
  key('table', `a table name (${TABLE_NAME_HELP})`, 'the task log table (--table)', (v) => typeof v === 'string' && TABLE_NAME.test(v)),
  key('userTable', `a table name (${TABLE_NAME_HELP})`, 'the user table (--user-table)', (v) => typeof v === 'string' && TABLE_NAME.test(v)),
  key('connectTimeout', 'a number of seconds > 0', 'give up connecting after this long (--connect-timeout)', (v) => typeof v === 'number' && Number.isFinite(v) && v > 0),
  ...THRESHOLDS.map((t) =>
    key(`${t.section}.${t.key}`, KIND_ACCEPTS[t.kind], `${t.description} (${t.flag.split(' ')[0]} of ${t.section === 'health' ? 'health' : 'alerts check'})`, (v) => thresholdFromJson(t.kind, v) !== undefined),
  ),
  key('alerts.webhook', WEBHOOK_ACCEPTS, 'alerts check --webhook', (v) => typeof v === 'string' && isWebhookUrl(v)),
  { key: 'alerts.email', accepts: EMAIL_ACCEPTS, description: 'alerts check --email', read: readEmails },
  key('alerts.smtpUrl', SMTP_ACCEPTS, 'alerts check --smtp-url', (v) => typeof v === 'string' && isSmtpUrl(v)),
  key('alerts.from', 'an e-mail address', 'alerts check --from', (v) => typeof v === 'string' && isEmailAddress(v)),
  key('alerts.cooldown', KIND_ACCEPTS.span, 'alerts check --cooldown', (v) => thresholdFromJson('span', v) !== undefined),
  { key: 'alerts.tasks', accepts: TASKS_ACCEPTS, description: 'per-task failure-rate rules of alerts check', read: readTasks },
  { key: 'slos', accepts: SLO_ACCEPTS, description: 'service-level objectives: tasklog slo, alerts check, health --slo, metrics, serve', read: readSlos },
  key('rearq.database', DATABASE_ACCEPTS, "ReArq's database", isDatabaseUrl),
  key('rearq.redis', 'a redis:// or rediss:// URL', "ReArq's Redis", (v) => typeof v === 'string' && /^rediss?:\/\//i.test(v)),
  key('rearq.tables', 'a non-empty string', "ReArq's tables", nonEmpty),
  { key: 'views', accepts: VIEWS_ACCEPTS, description: 'saved views: --view NAME on every command that takes filters, tasklog views lists them', read: readViews },
  key('archive.url', ARCHIVE_ACCEPTS, 'the ClickHouse archive (tasklog archive --to), when neither --to nor $TASKLOG_ARCHIVE_URL names one', isArchiveUrl),
  key('archive.required', 'true or false', 'cleanup deletes only rows whose current version is in the archive, as with --archived', (v) => typeof v === 'boolean'),
  key('rearq.queues', QUEUE_MAP_ACCEPTS, 'the queue of each ReArq task', (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(nonEmpty)),
];

/** The sections: the first word of a dotted key. */
export const CONFIG_SECTIONS: readonly string[] = [...new Set(CONFIG_KEYS.filter((k) => k.key.includes('.')).map((k) => k.key.split('.')[0]))];

/**
 * Checks every key of a parsed file; `warn` gets the dotted name of each key
 * the table does not know. Throws ConfigError naming the first bad value.
 */
export function checkConfig(values: Record<string, unknown>, path: string | null, warn: (key: string) => void): ConfigFile {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (CONFIG_SECTIONS.includes(k)) out[k] = checkSection(k, v, path, warn);
    else {
      const spec = CONFIG_KEYS.find((c) => c.key === k);
      if (spec) out[k] = readKey(spec, v, path, warn);
      else warn(k);
    }
  }
  return out as ConfigFile;
}

function checkSection(section: string, v: unknown, path: string | null, warn: (key: string) => void): Record<string, unknown> {
  const keys = CONFIG_KEYS.filter((c) => c.key.startsWith(section + '.'));
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ConfigError(path, section, `an object with the keys ${keys.map((c) => c.key.slice(section.length + 1)).join(', ')}`, v);
  }
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    const spec = keys.find((c) => c.key === `${section}.${k}`);
    if (spec) out[k] = readKey(spec, value, path, warn);
    else warn(`${section}.${k}`);
  }
  return out;
}

function readKey(spec: ConfigKey, v: unknown, path: string | null, warn: (key: string) => void): unknown {
  try {
    return spec.read(v, (sub) => warn(spec.key + sub));
  } catch (err) {
    if (err instanceof BadValue) throw new ConfigError(path, spec.key + err.sub, err.accepts, err.got);
    throw err;
  }
}

/** A span key of the checked file in ms (its text was checked when read). */
export function spanSetting(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseSpan(text);
}
