/**
 * Where Redis is: redis://[[user]:password@]host[:port][/db] or rediss://
 * (TLS), parsed into a target with a redacted form for every message.
 */
import { UsageError } from '../core/errors.js';

export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** the URL with its password replaced by *** */
  display: string;
  /** strings that must never reach output */
  secrets: string[];
}

export const REDIS_URL_HELP = 'redis://[:password@]host[:port][/db] or rediss://…';

/** `flag` names where the URL came from (--redis, $TASKLOG_REDIS_URL, a config file) in the error. */
export function parseRedisUrl(raw: string, flag = '--redis'): RedisTarget {
  const text = raw.trim();
  const bad = (why: string) => new UsageError(`${flag}: ${why} (expects ${REDIS_URL_HELP})`);
  if (text === '') throw bad('empty value');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') throw bad(`'${redactRedisText(text)}' is not a Redis URL`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(`'${redactRedisText(text)}' is not a valid URL`);
  }
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const secrets = [password, url.password].filter((s): s is string => Boolean(s));
  if (url.password) url.password = '***';
  const display = url.toString().replace('%2A%2A%2A', '***');
  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '');
  if (!host) throw bad(`'${display}' names no host`);
  const port = url.port ? Number(url.port) : 6379;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw bad(`'${display}' has a bad port (1–65535)`);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw bad(`'${display}': the path must be a database number, got '${path}'`);
  const db = path === '' ? 0 : Number(path);
  if (!Number.isSafeInteger(db)) throw bad(`'${display}' has a bad database number`);
  return { host, port, db, username, password, tls: scheme === 'rediss', display, secrets };
}

function redactRedisText(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

export function redactRedis(message: string, target: RedisTarget): string {
  let out = redactRedisText(message);
  for (const s of target.secrets) if (s) out = out.split(s).join('***');
  return out;
}
