/**
 * ReArq's connections, opened for a command: the settings rearq.database
 * (--rearq-db, $TASKLOG_REARQ_DATABASE_URL), rearq.redis (--redis,
 * $TASKLOG_REDIS_URL), rearq.tables and rearq.queues, each declared once in
 * the settings table (toolkit/settings.ts) with its config file key.
 */
import type { Ctx } from '../core/io.js';
import { InvalidValue, UsageError } from '../core/errors.js';
import type { OptionSpec } from './spec.js';
import { connectTimeoutMs, resolveSetting, type ConnectionFlags } from './config.js';
import { DEFAULT_USER_TABLE, originLabel, parseUrlAs, REARQ_DATABASE, REARQ_QUEUES, REARQ_REDIS, REARQ_TABLES } from './settings.js';
import type { ConnectionSettings, Db } from '../db/connect.js';
import { parseTables, type RearqTables } from '../rearq/schema.js';
import type { RearqDb } from '../rearq/read.js';
import type { RedisConn } from '../redis/client.js';

export interface RearqFlags extends ConnectionFlags {
  rearqDb?: string;
  redis?: string;
  rearqTables?: RearqTables;
  queueMap?: Record<string, string>;
}

export const REARQ_DB_OPTION: OptionSpec = {
  flags: '--rearq-db <url>',
  description: "ReArq's database, same URL forms as --db (default: $TASKLOG_REARQ_DATABASE_URL, config \"rearq\": {\"database\"})",
};
export const REDIS_OPTION: OptionSpec = {
  flags: '--redis <url>',
  description: 'ReArq\'s Redis: redis://[:password@]host[:port][/db] or rediss:// (default: $TASKLOG_REDIS_URL, config "rearq": {"redis"})',
};
export const REARQ_TABLES_OPTION: OptionSpec = {
  flags: '--rearq-tables <job,result>',
  description: 'ReArq\'s job and result tables (default: rearq_job,rearq_job_results; job,jobresult for ReArq before May 2022)',
  parse: parseTables,
};

export function parseQueueMap(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new InvalidValue('expects task=queue[,task=queue…]');
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (!Object.keys(out).length) throw new InvalidValue('expects task=queue[,task=queue…]');
  return out;
}

export const QUEUE_MAP_OPTION: OptionSpec = {
  flags: '--queue-map <task=queue,…>',
  description: 'the queue of each task where Redis does not tell (default: config "rearq": {"queues": {task: queue}}, else default)',
  parse: parseQueueMap,
};

/** The options every rearq command takes. */
export const REARQ_OPTIONS: OptionSpec[] = [REARQ_DB_OPTION, REDIS_OPTION, REARQ_TABLES_OPTION];

export interface RearqSettings {
  db: ConnectionSettings | null;
  tables: RearqTables;
  /** `source` names where the URL came from, as a message names it (--redis, $TASKLOG_REDIS_URL, the config file) */
  redis: { url: string; source: string } | null;
  queueMap: Record<string, string>;
  connectTimeoutMs: number;
}

/** ReArq's settings (toolkit/settings.ts); an empty URL, even from a flag, is none. */
export function resolveRearq(flags: RearqFlags, ctx: Ctx): RearqSettings {
  const tables = resolveSetting(REARQ_TABLES, flags, ctx).value!;
  const timeoutMs = connectTimeoutMs(flags, ctx);
  const db = resolveSetting(REARQ_DATABASE, flags, ctx);
  const redis = resolveSetting(REARQ_REDIS, flags, ctx);
  return {
    db: db.value ? { url: db.value, source: originLabel(db.origin), table: tables.job, userTable: DEFAULT_USER_TABLE, connectTimeoutMs: timeoutMs } : null,
    tables,
    redis: redis.value ? { url: redis.value, source: originLabel(redis.origin) } : null,
    queueMap: resolveSetting(REARQ_QUEUES, flags, ctx).value!,
    connectTimeoutMs: timeoutMs,
  };
}

export interface RearqNeeds {
  db: 'required' | 'optional' | 'none';
  redis: 'required' | 'optional' | 'none';
}

export interface RearqHandles {
  rearq: RearqDb | null;
  redis: RedisConn | null;
  settings: RearqSettings;
}

/** Opens what the command needs (one line, exit 2, for what is missing), runs fn, closes everything. */
export async function withRearq<T>(flags: RearqFlags, ctx: Ctx, needs: RearqNeeds, fn: (h: RearqHandles) => Promise<T>): Promise<T> {
  const settings = resolveRearq(flags, ctx);
  if (needs.db === 'required' && !settings.db) {
    throw new UsageError('this command reads ReArq\'s database: give --rearq-db URL, $TASKLOG_REARQ_DATABASE_URL or "rearq": {"database": …} in the config file');
  }
  if (needs.redis === 'required' && !settings.redis) {
    throw new UsageError('this command needs ReArq\'s Redis: give --redis URL, $TASKLOG_REDIS_URL or "rearq": {"redis": …} in the config file');
  }
  // parse both before connecting anything: a malformed URL is a usage error whatever else is wrong
  const { parseRedisUrl } = await import('../redis/url.js');
  const redisTarget = needs.redis !== 'none' && settings.redis ? parseRedisUrl(settings.redis.url, settings.redis.source) : null;
  let rearq: RearqDb | null = null;
  let redis: RedisConn | null = null;
  let db: Db | null = null;
  try {
    if (needs.db !== 'none' && settings.db) {
      parseUrlAs(settings.db.url, settings.db.source, ctx.cwd);
      const { connect } = await import('../db/connect.js');
      db = await connect(settings.db, ctx.cwd, {});
      rearq = { db, tables: settings.tables };
      const { checkTables } = await import('../rearq/read.js');
      await checkTables(rearq);
    }
    if (redisTarget) {
      const { connectRedis } = await import('../redis/client.js');
      redis = await connectRedis(redisTarget, settings.connectTimeoutMs);
    }
    return await fn({ rearq, redis, settings });
  } finally {
    await redis?.close();
    await db?.close();
  }
}
