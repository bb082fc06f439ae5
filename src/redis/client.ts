/**
 * The Redis client (ioredis, imported only when a command talks to Redis):
 * connect under a timeout, no retries or offline queue (a command fails in
 * one line instead of hanging), every failure a RuntimeFailure naming the
 * server with its password redacted.
 */
import { RuntimeFailure } from '../core/errors.js';
import { redactRedis, type RedisTarget } from './url.js';

export type RedisArg = string | number | Buffer;

export interface RedisConn {
  target: RedisTarget;
  /** any Redis command; replies as ioredis gives them (strings, numbers, arrays, null) */
  call(command: string, ...args: RedisArg[]): Promise<any>;
  close(): Promise<void>;
}

export async function connectRedis(target: RedisTarget, timeoutMs: number): Promise<RedisConn> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    tls: target.tls ? { servername: target.host } : undefined,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: Math.max(timeoutMs, 30_000),
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
  });
  let lastError: unknown = null;
  client.on('error', (err) => {
    lastError = err;
  });
  // ioredis rejects with "Connection is closed" when the socket failed; the 'error' event had the cause
  const cause = (err: unknown) => (lastError && /Connection is closed/i.test(String((err as Error)?.message)) ? lastError : (err ?? lastError));
  const fail = (err: unknown, connecting: boolean): RuntimeFailure =>
    new RuntimeFailure(redactRedis(describeRedisError(cause(err), target, timeoutMs, connecting), target), connecting ? 'connect' : 'redis');
  try {
    await client.connect();
    await client.call('PING');
  } catch (err) {
    client.disconnect();
    throw fail(err, true);
  }
  return {
    target,
    async call(command, ...args) {
      try {
        return await client.call(command, ...args);
      } catch (err) {
        throw fail(err, false);
      }
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

export function describeRedisError(err: unknown, target: RedisTarget, timeoutMs: number, connecting: boolean): string {
  const e = err as { code?: string; message?: string } | null;
  const msg = String(e?.message ?? err ?? 'unknown error').split('\n')[0];
  const where = `Redis at ${target.display}`;
  if (connecting) {
    if (e?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg)) return `cannot connect to ${where}: connection refused (is the server running?)`;
    if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN' || /ENOTFOUND|EAI_AGAIN/.test(msg)) return `cannot connect to ${where}: unknown host`;
    if (e?.code === 'ETIMEDOUT' || /timeout|timed out/i.test(msg)) return `cannot connect to ${where}: no answer within ${timeoutMs / 1000} s (--connect-timeout)`;
    if (/WRONGPASS|NOAUTH|invalid password|AUTH/i.test(msg)) return `cannot connect to ${where}: authentication failed (${msg})`;
    if (/DB index is out of range/i.test(msg)) return `cannot connect to ${where}: no database ${target.db} on this server`;
    if (/Connection is closed|ECONNRESET/i.test(msg)) return `cannot connect to ${where}: the server closed the connection`;
    return `cannot connect to ${where}: ${msg}`;
  }
  return `${where}: ${msg}`;
}
