/**
 * Every setting, declared once: its name, the flags that set it, its
 * environment variables, its key in the config file (what the key accepts,
 * how a value is checked), its default, whether it is secret. One resolver
 * (resolveSetting in toolkit/config.ts) takes a setting's value from the
 * first of: its flag, its variables in order, the config file, the default,
 * and says which (`tasklog config` prints both).
 *
 * The config file is checked whole when it is read (loadConfig): a bad value
 * is a ConfigError naming the key and what it accepts (the command's usage
 * exit code), an unknown key a warning on stderr. The man page lists the same
 * table; init writes these keys and no other.
 */
import { ConfigError, RuntimeFailure, UsageError } from '../core/errors.js';
import { isEmailAddress, isSmtpUrl, isWebhookUrl, SMTP_ACCEPTS, WEBHOOK_ACCEPTS } from '../notify/addresses.js';
import { parseDatabaseUrl, redactUrlText, withUrlPassword, type Target } from '../db/url.js';
import type { TaskRule } from '../query/alerts.js';
import { BadObjective, parseObjectives, SLO_ACCEPTS, type Slo } from '../query/slo.js';
import { formatThreshold, KIND_ACCEPTS, THRESHOLDS, thresholdFromJson, type Threshold } from '../query/thresholds.js';
import { formatSpan, parseSpan } from '../query/timearg.js';
import { parseWhere, WhereError } from '../query/where.js';
import { DEFAULT_TABLES, parseTables, type RearqTables } from '../rearq/schema.js';

/** Table names reach SQL as quoted identifiers; still, keep them to what a Django db_table can be. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;
export const TABLE_NAME_HELP = 'letters, digits, _ and $, optionally schema.table';
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const DEFAULT_PASSWORD_ENV = 'TASKLOG_DB_PASSWORD';

export const DEFAULT_TABLE = 'django_cfg_task_log';
export const DEFAULT_USER_TABLE = 'auth_user';
export const DEFAULT_SQLITE_FILE = 'tasklog.sqlite';
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

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

/** A key of the config file, as the file is checked and the man page lists it. */
export interface ConfigKey {
  /** dotted: "database", "alerts.webhook" */
  key: string;
  /** what it accepts, as the error and the man page say it */
  accepts: string;
  description: string;
  /** the value as the checked file holds it; throws BadValue */
  read(v: unknown, warn: (key: string) => void): unknown;
}

/**
 * How `tasklog config` shows a secret: "password" hides a URL's password,
 * "path" all of a URL but its host (a webhook's path is its key), "all" the
 * whole value.
 */
export type Secret = 'password' | 'path' | 'all';

/** A flag that sets a setting; `file`: the flag names a file whose one line is the value (--token-file). */
export interface SettingFlag {
  flag: string;
  file?: boolean;
}

/** What a value from the config file is read with: the file, all its checked values, the environment (passwordEnv). */
export interface FileValues {
  path: string;
  values: ConfigFile;
  env: Readonly<Record<string, string | undefined>>;
}

/** Where a setting's value came from. */
export type Origin =
  | { kind: 'flag'; flag: string; file?: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string; key: string }
  | { kind: 'default' }
  | { kind: 'none' };

/**
 * A setting. Its value is the first of: a flag (as the command's option
 * parsed it; two of its flags at once are a usage error), a variable of
 * `env` in order (an empty one counts as unset; the value is its text), the
 * config file's key `name` (when `file` is given), `default`.
 */
export interface Setting<T = unknown> {
  /** dotted like a config key ("alerts.smtpUrl"); the config key itself when `file` is given */
  name: string;
  description: string;
  /** the flags of the commands that take this setting */
  flags?: readonly SettingFlag[];
  /** environment variables, the first one set wins (text settings only) */
  env?: readonly string[];
  /** the setting is the config file's key `name`: what the key accepts, and its check (throws BadValue; returns the value as the checked file holds it) */
  file?: { accepts: string; read(v: unknown, warn: (key: string) => void): unknown };
  /** the checked file value → the value (default: as it is) */
  fromFile?(v: unknown, file: FileValues): T;
  default?: T;
  secret?: Secret;
  /** the value as the config file says it (a span as "1h"), for `tasklog config` (default: as it is) */
  show?(v: T): unknown;
  /** a rule the value obeys wherever it came from: throws one line naming the origin */
  check?(v: T, origin: Origin): void;
}

/** Where a value came from, as a message names it in front of what is wrong: "--to", "$TASKLOG_ARCHIVE_URL", "config file F: archive.url". */
export function originLabel(o: Origin): string {
  switch (o.kind) {
    case 'flag':
      return o.file === undefined ? o.flag : `${o.flag} ${o.file}`;
    case 'env':
      return `$${o.name}`;
    case 'file':
      return `config file ${o.path}: ${o.key}`;
    case 'default':
      return 'the default';
    case 'none':
      return 'not set';
  }
}

/** Where a value came from, as `tasklog config` says it: "flag --db", "env DATABASE_URL", "config file F: database", "default". */
export function originText(o: Origin): string {
  switch (o.kind) {
    case 'flag':
      return `flag ${originLabel(o)}`;
    case 'env':
      return `env ${o.name}`;
    case 'default':
      return 'default';
    default:
      return originLabel(o);
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** A config key whose value is kept as it is when `ok` says so. */
function fileKey(accepts: string, ok: (v: unknown) => boolean): NonNullable<Setting['file']> {
  return {
    accepts,
    read(v) {
      if (!ok(v)) throw new BadValue(accepts, v);
      return v;
    },
  };
}

const flag = (...names: string[]): SettingFlag[] => names.map((f) => ({ flag: f }));

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

const TABLE_ACCEPTS = `a table name (${TABLE_NAME_HELP})`;
const isTableName = (v: unknown) => typeof v === 'string' && TABLE_NAME.test(v);

/** A table name from a flag (a file's was checked when read): the flag names it, as commander names a bad value. */
function checkTableName(name: string, origin: Origin): void {
  if (!TABLE_NAME.test(name)) throw new UsageError(`${origin.kind === 'flag' ? `option ${origin.flag}` : originLabel(origin)}: '${name}' is not a table name (${TABLE_NAME_HELP})`);
}

/** A config file URL without a password gets the one in the variable passwordEnv names. */
function withPasswordFromEnv(url: string, file: FileValues): string {
  const passwordEnv = file.values.passwordEnv;
  if (passwordEnv === undefined) return url;
  const password = file.env[passwordEnv];
  if (!password) {
    throw new RuntimeFailure(`config file ${file.path} takes the database password from $${passwordEnv}, which is not set (export ${passwordEnv}=…, or remove passwordEnv)`, 'config');
  }
  return withUrlPassword(url, password);
}

/** A database URL, its errors naming where it came from (`label`) rather than --db. */
export function parseUrlAs(url: string, label: string, cwd: string): Target {
  try {
    return parseDatabaseUrl(url, cwd);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message.replace(/^option --db:/, `${label}:`));
    throw err;
  }
}

function checkArchiveUrl(url: string, origin: Origin): void {
  const label = originLabel(origin);
  if (parseUrlAs(url, label, '/').backend !== 'clickhouse') {
    throw new UsageError(`${label}: the archive is a ClickHouse database (clickhouse://host:8123/database), not ${redactUrlText(url)}`);
  }
}

/** what a client can send after "Bearer ": visible ASCII, no space (RFC 6750's b64token and more) */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * Refused: a blank token (`--token "$UNSET"` would otherwise open the server
 * to anyone), or one with spaces or characters a header cannot carry as they
 * are, since the header is compared exactly.
 */
function checkToken(token: string, origin: Origin): void {
  const from = originLabel(origin);
  if (token.trim() === '') throw new UsageError(`${from} is empty or blank: give a token of visible characters (or none, on loopback)`);
  if (!TOKEN_CHARS.test(token)) throw new UsageError(`${from} holds spaces or characters other than visible ASCII: a client sends the token as it is in "Authorization: Bearer TOKEN"`);
}

function readRearqTables(v: unknown, file: FileValues): RearqTables {
  try {
    return parseTables(v as string);
  } catch (err) {
    throw new ConfigError(file.path, 'rearq.tables', (err as Error).message.replace(/^expects /, ''), v);
  }
}

/** A threshold of health or alerts check (query/thresholds.ts) as a setting: its flag, its key in the section, its default. */
function asSetting(t: Threshold): Setting<number> {
  return {
    name: `${t.section}.${t.key}`,
    description: `${t.description} (${t.section === 'health' ? 'health' : 'alerts check'})`,
    flags: flag(t.flag.split(' ')[0]),
    file: fileKey(KIND_ACCEPTS[t.kind], (v) => thresholdFromJson(t.kind, v) !== undefined),
    fromFile: (v) => thresholdFromJson(t.kind, v)!,
    default: t.default,
    show: (v) => (t.kind === 'span' ? formatThreshold(t, v) : v),
  };
}
const THRESHOLD_SETTINGS = new Map(THRESHOLDS.map((t) => [t, asSetting(t)]));

/** The setting of a threshold. */
export function thresholdSetting(t: Threshold): Setting<number> {
  return THRESHOLD_SETTINGS.get(t)!;
}

export const DATABASE: Setting<string> = {
  name: 'database',
  description: 'the task log database',
  flags: flag('--db'),
  env: ['TASKLOG_DATABASE_URL', 'DATABASE_URL'],
  file: fileKey(DATABASE_ACCEPTS, isDatabaseUrl),
  fromFile: (v, file) => withPasswordFromEnv(v as string, file),
  default: DEFAULT_SQLITE_FILE,
  secret: 'password',
};

export const PASSWORD_ENV: Setting<string> = {
  name: 'passwordEnv',
  description: "the variable that holds the password of database's URL, when database comes from the config file",
  file: fileKey(`the name of an environment variable, such as "${DEFAULT_PASSWORD_ENV}"`, (v) => typeof v === 'string' && ENV_NAME.test(v)),
};

export const TABLE: Setting<string> = {
  name: 'table',
  description: 'the task log table',
  flags: flag('--table'),
  file: fileKey(TABLE_ACCEPTS, isTableName),
  default: DEFAULT_TABLE,
  check: checkTableName,
};

export const USER_TABLE: Setting<string> = {
  name: 'userTable',
  description: 'the user table joined for user columns (optional)',
  flags: flag('--user-table'),
  file: fileKey(TABLE_ACCEPTS, isTableName),
  default: DEFAULT_USER_TABLE,
  check: checkTableName,
};

export const CONNECT_TIMEOUT: Setting<number> = {
  name: 'connectTimeout',
  description: 'give up connecting after this many seconds',
  flags: flag('--connect-timeout'),
  file: fileKey('a number of seconds > 0', (v) => typeof v === 'number' && Number.isFinite(v) && v > 0),
  default: DEFAULT_CONNECT_TIMEOUT_S,
};

export const ALERTS_WEBHOOK: Setting<string> = {
  name: 'alerts.webhook',
  description: 'alerts check posts what fired here',
  flags: flag('--webhook'),
  file: fileKey(WEBHOOK_ACCEPTS, (v) => typeof v === 'string' && isWebhookUrl(v)),
  secret: 'path',
};

export const ALERTS_EMAIL: Setting<string[]> = {
  name: 'alerts.email',
  description: 'alerts check e-mails what fired to these addresses',
  flags: flag('--email'),
  file: { accepts: EMAIL_ACCEPTS, read: readEmails },
};

export const ALERTS_SMTP_URL: Setting<string> = {
  name: 'alerts.smtpUrl',
  description: 'the SMTP server of alerts check',
  flags: flag('--smtp-url'),
  env: ['TASKLOG_SMTP_URL'],
  file: fileKey(SMTP_ACCEPTS, (v) => typeof v === 'string' && isSmtpUrl(v)),
  secret: 'password',
};

export const ALERTS_FROM: Setting<string> = {
  name: 'alerts.from',
  description: "the sender of alerts check's e-mail",
  flags: flag('--from'),
  file: fileKey('an e-mail address', (v) => typeof v === 'string' && isEmailAddress(v)),
  default: 'tasklog@localhost',
};

export const ALERTS_COOLDOWN: Setting<number> = {
  name: 'alerts.cooldown',
  description: 'alerts check does not send the same alert again within this span',
  flags: flag('--cooldown'),
  file: fileKey(KIND_ACCEPTS.span, (v) => thresholdFromJson('span', v) !== undefined),
  fromFile: (v) => parseSpan(v as string),
  default: 3_600_000,
  show: formatSpan,
};

export const ALERTS_TASKS: Setting<TaskRule[]> = {
  name: 'alerts.tasks',
  description: 'per-task failure-rate rules of alerts check',
  file: { accepts: TASKS_ACCEPTS, read: readTasks },
  default: [],
};

export const SLOS: Setting<Slo[]> = {
  name: 'slos',
  description: 'service-level objectives: tasklog slo, alerts check, health --slo, metrics, serve',
  file: { accepts: SLO_ACCEPTS, read: readSlos },
  default: [],
  show: (slos) => slos.map((o) => o.name),
};

export const VIEWS: Setting<Record<string, string>> = {
  name: 'views',
  description: 'saved views: --view NAME on every command that takes filters, tasklog views lists them',
  file: { accepts: VIEWS_ACCEPTS, read: readViews },
  default: {},
};

export const ARCHIVE_URL: Setting<string> = {
  name: 'archive.url',
  description: 'the ClickHouse archive of tasklog archive and cleanup --archived',
  flags: flag('--to'),
  env: ['TASKLOG_ARCHIVE_URL'],
  file: fileKey(ARCHIVE_ACCEPTS, isArchiveUrl),
  secret: 'password',
  check: checkArchiveUrl,
};

export const ARCHIVE_REQUIRED: Setting<boolean> = {
  name: 'archive.required',
  description: 'cleanup deletes only rows whose current version is in the archive',
  flags: flag('--archived'),
  file: fileKey('true or false', (v) => typeof v === 'boolean'),
  default: false,
};

export const REARQ_DATABASE: Setting<string> = {
  name: 'rearq.database',
  description: "ReArq's database",
  flags: flag('--rearq-db'),
  env: ['TASKLOG_REARQ_DATABASE_URL'],
  file: fileKey(DATABASE_ACCEPTS, isDatabaseUrl),
  secret: 'password',
};

export const REARQ_REDIS: Setting<string> = {
  name: 'rearq.redis',
  description: "ReArq's Redis",
  flags: flag('--redis'),
  env: ['TASKLOG_REDIS_URL'],
  file: fileKey('a redis:// or rediss:// URL', (v) => typeof v === 'string' && /^rediss?:\/\//i.test(v)),
  secret: 'password',
};

export const REARQ_TABLES: Setting<RearqTables> = {
  name: 'rearq.tables',
  description: "ReArq's job and result tables",
  flags: flag('--rearq-tables'),
  file: fileKey('a non-empty string', nonEmpty),
  fromFile: readRearqTables,
  default: DEFAULT_TABLES,
  show: (t) => `${t.job},${t.result}`,
};

export const REARQ_QUEUES: Setting<Record<string, string>> = {
  name: 'rearq.queues',
  description: 'the queue of each ReArq task where Redis does not tell',
  flags: flag('--queue-map'),
  file: fileKey(QUEUE_MAP_ACCEPTS, (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(nonEmpty)),
  default: {},
};

export const SERVE_TOKEN: Setting<string> = {
  name: 'serve.token',
  description: 'the token every request to tasklog serve must send (Authorization: Bearer TOKEN); never in the config file',
  flags: [{ flag: '--token' }, { flag: '--token-file', file: true }],
  env: ['TASKLOG_SERVE_TOKEN'],
  secret: 'all',
  check: checkToken,
};

/** Every setting, in the order `tasklog config` and the man page list them. */
export const SETTINGS: readonly Setting[] = [
  DATABASE,
  PASSWORD_ENV,
  TABLE,
  USER_TABLE,
  CONNECT_TIMEOUT,
  ...THRESHOLD_SETTINGS.values(),
  ALERTS_WEBHOOK,
  ALERTS_EMAIL,
  ALERTS_SMTP_URL,
  ALERTS_FROM,
  ALERTS_COOLDOWN,
  ALERTS_TASKS,
  SLOS,
  VIEWS,
  ARCHIVE_URL,
  ARCHIVE_REQUIRED,
  REARQ_DATABASE,
  REARQ_REDIS,
  REARQ_TABLES,
  REARQ_QUEUES,
  SERVE_TOKEN,
];

/** The config file's keys: the settings it may hold. */
export const CONFIG_KEYS: readonly ConfigKey[] = SETTINGS.filter((s) => s.file).map((s) => ({ key: s.name, accepts: s.file!.accepts, description: s.description, read: s.file!.read }));

/** The value as `tasklog config` shows it: as the config file says it, a secret's secret part as *** (never the secret itself). */
export function shownValue<T>(s: Setting<T>, v: T | undefined): unknown {
  if (v === undefined) return null;
  const shown = s.show ? s.show(v) : v;
  return s.secret ? hideSecret(s.secret, String(shown)) : shown;
}

/** Query parameters that carry a secret in a URL (?password=… of PostgreSQL, a token or key of others). */
const SECRET_PARAM = /([?&](?:password|passwd|pwd|sslpassword|secret|token|api_?key|access_?key|auth)=)[^&#]*/gi;

/**
 * A secret as it may be shown. "password": the password of user:password@
 * (the last @ ends it, so a password with an unescaped @ or / is hidden
 * whole) and secret query parameters; "path": only the scheme and host;
 * "all": nothing.
 */
export function hideSecret(kind: Secret, text: string): string {
  if (kind === 'all') return '***';
  if (kind === 'path') {
    try {
      const u = new URL(text);
      return `${u.protocol}//${u.host}${u.pathname !== '/' || u.search || u.hash ? '/***' : ''}`;
    } catch {
      return '***';
    }
  }
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  let rest = text.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) rest = `${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
  }
  return scheme + rest.replace(SECRET_PARAM, '$1***');
}

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
