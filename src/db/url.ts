/**
 * Where the task log lives: a database URL (or a plain SQLite path) parsed
 * into a target, with a redacted form for every message a user can see.
 */
import { isAbsolute, resolve } from 'node:path';
import { own } from '../core/own.js';
import { UsageError } from '../core/errors.js';

export type Backend = 'sqlite' | 'postgres' | 'mysql' | 'clickhouse';

export interface ServerTarget {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  /** PostgreSQL: unix socket directory or host from ?host= */
  socketPath?: string;
  sslmode?: string;
  params: Record<string, string>;
}

export interface Target {
  backend: Backend;
  /** the URL with its password replaced by *** */
  display: string;
  /** SQLite: an absolute file path, or ':memory:' */
  filename?: string;
  server?: ServerTarget;
  /** strings that must never reach output (the password, raw and URL-encoded) */
  secrets: string[];
}

const SCHEMES: Record<string, Backend> = {
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  postgres: 'postgres',
  postgresql: 'postgres',
  pgsql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  clickhouse: 'clickhouse',
};

/** The port each server's URL means when it names none (ClickHouse: its HTTP interface). */
export const DEFAULT_PORTS: Record<Exclude<Backend, 'sqlite'>, number> = { postgres: 5432, mysql: 3306, clickhouse: 8123 };

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * The scheme of a URL, lower case, or undefined for a plain path (no scheme,
 * or a Windows-like drive letter): the rule that tells a URL from a SQLite file.
 */
export function urlScheme(text: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text.trim())?.[1]?.toLowerCase();
  if (!scheme || (scheme.length === 1 && /^[a-zA-Z]:[\\/]/.test(text.trim()))) return undefined;
  return scheme;
}

export function parseDatabaseUrl(raw: string, cwd: string): Target {
  const text = raw.trim();
  if (text === '') throw new UsageError('option --db: expects a database URL or a SQLite file path, got an empty value');
  const scheme = urlScheme(text);
  if (!scheme) {
    const filename = text === ':memory:' ? text : resolve(cwd, text);
    return { backend: 'sqlite', display: text, filename, secrets: [] };
  }
  const backend = own(SCHEMES, scheme);
  if (!backend) {
    throw new UsageError(
      `option --db: unsupported scheme '${scheme}:' (accepts a file path, sqlite:///file, postgres://, postgresql://, mysql://, mariadb://, clickhouse://)`,
    );
  }
  if (backend === 'sqlite') return parseSqliteUrl(text, cwd);
  return parseServerUrl(text, scheme, backend);
}

/** dj-database-url: sqlite:///relative/path, sqlite:////absolute/path, sqlite:// or sqlite:///:memory: */
function parseSqliteUrl(text: string, cwd: string): Target {
  const rest = text.replace(/^[a-zA-Z0-9]+:/, '');
  let path: string;
  if (rest === '' || rest === '//' || rest === '//:memory:' || rest === '///:memory:') path = ':memory:';
  else if (rest.startsWith('///')) path = rest.slice(3);
  else if (rest.startsWith('//')) path = rest.slice(2);
  else path = rest;
  path = decodeURIComponent(path.split('?')[0]);
  if (path === '') throw new UsageError(`option --db: '${text}' names no SQLite file (sqlite:///relative.sqlite or sqlite:////absolute/path.sqlite)`);
  const filename = path === ':memory:' ? path : isAbsolute(path) ? path : resolve(cwd, path);
  return { backend: 'sqlite', display: text, filename, secrets: [] };
}

function parseServerUrl(text: string, scheme: string, backend: Exclude<Backend, 'sqlite'>): Target {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`option --db: '${redactUrlText(text)}' is not a valid URL (e.g. ${scheme}://user:password@host:port/database)`);
  }
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const params: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    params[k] = v;
  });
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const secrets = [password, url.password, params.password].filter((s): s is string => Boolean(s));
  if (params.password) {
    url.searchParams.set('password', '***');
  }
  if (url.password) url.password = '***';
  const display = url.toString().replace('%2A%2A%2A', '***');
  if (!database) {
    throw new UsageError(`option --db: '${display}' names no database (add /DATABASE after the host)`);
  }
  const port = url.port ? Number(url.port) : params.port ? Number(params.port) : DEFAULT_PORTS[backend];
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new UsageError(`option --db: '${display}' has a bad port (1–65535)`);
  }
  const sslmode = params.sslmode;
  if (sslmode !== undefined && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new UsageError(`option --db: sslmode '${sslmode}' is not one of ${SSL_MODES.join(', ')}`);
  }
  const hostParam = params.host;
  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '') || 'localhost';
  return {
    backend,
    display,
    secrets,
    server: {
      host: hostParam && !hostParam.startsWith('/') ? hostParam : host,
      socketPath: hostParam?.startsWith('/') ? hostParam : params.socket,
      port,
      user: user ?? params.user,
      password: password ?? params.password,
      database,
      sslmode,
      params,
    },
  };
}

/** Best-effort redaction of a URL-looking string that did not parse. */
export function redactUrlText(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** Removes every secret of the target from a message. */
export function redact(message: string, target: Target | undefined): string {
  let out = redactUrlText(message);
  for (const s of target?.secrets ?? []) {
    if (s.length > 0) out = out.split(s).join('***');
  }
  return out;
}

/** A server URL with this password put in (percent-encoded), unless it already has one; other URLs unchanged. */
export function withUrlPassword(url: string, password: string): string {
  const scheme = urlScheme(url);
  if (!scheme || own(SCHEMES, scheme) === undefined || own(SCHEMES, scheme) === 'sqlite') return url;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)(?:([^/@?#]*)@)?/.exec(url);
  if (!m || m[2]?.includes(':')) return url;
  return `${m[1]}${m[2] ?? ''}:${encodeURIComponent(password)}@${url.slice(m[0].length)}`;
}

export interface ServerUrlParts {
  backend: 'postgres' | 'mysql';
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  params?: Record<string, string>;
}

/** postgres://user:password@host:port/database?params, every part percent-encoded. */
export function formatServerUrl(p: ServerUrlParts): string {
  const enc = encodeURIComponent;
  const auth = p.user ? `${enc(p.user)}${p.password ? ':' + enc(p.password) : ''}@` : '';
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  const query = Object.entries(p.params ?? {})
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  return `${p.backend}://${auth}${host}:${p.port}/${enc(p.database)}${query ? '?' + query : ''}`;
}
