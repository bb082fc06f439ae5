/**
 * ReArq's connections, resolved like --db: ReArq's database from
 * --rearq-db, $TASKLOG_REARQ_DATABASE_URL or the config file's
 * "rearq": {"database"}; Redis from --redis, $TASKLOG_REDIS_URL or
 * "rearq": {"redis"}; the tables from --rearq-tables or "rearq": {"tables"};
 * the task → queue map from --queue-map or "rearq": {"queues"}.
 */
import type { Ctx } from '../core/io.js';
import { ConfigError, InvalidValue, UsageError } from '../core/errors.js';
import type { OptionSpec } from './spec.js';
import { loadConfig, resolveConnection, type ConnectionFlags, type LoadedConfig } from './config.js';
import type { ConfigFile } from './settings.js';
import type { ConnectionSettings, Db } from '../db/connect.js';
import { DEFAULT_TABLES, parseTables, type RearqTables } from '../rearq/schema.js';
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

/** The config file's "rearq" section, already checked key by key when the file was read (toolkit/settings.ts). */
function section(config: LoadedConfig): NonNullable<ConfigFile['rearq']> {
  return (config.values as ConfigFile).rearq ?? {};
}

export interface RearqSettings {
  db: ConnectionSettings | null;
  tables: RearqTables;
  redis: { url: string; source: string } | null;
  queueMap: Record<string, string>;
  connectTimeoutMs: number;
}

export function resolveRearq(flags: RearqFlags, ctx: Ctx): RearqSettings {
  const config = loadConfig(ctx);
  const base = resolveConnection({ ...flags, db: flags.db ?? ':memory:' }, ctx);
  const rearq = section(config);
  let tables = flags.rearqTables;
  if (!tables) {
    try {
      tables = rearq.tables ? parseTables(rearq.tables) : DEFAULT_TABLES;
    } catch (err) {
      throw new ConfigError(config.path, 'rearq.tables', (err as Error).message.replace(/^expects /, ''), rearq.tables);
    }
  }
  let db: ConnectionSettings | null = null;
  const dbUrl = flags.rearqDb ?? ctx.env.TASKLOG_REARQ_DATABASE_URL ?? rearq.database;
  if (dbUrl !== undefined && dbUrl !== '') {
    const source = flags.rearqDb !== undefined ? '--rearq-db' : ctx.env.TASKLOG_REARQ_DATABASE_URL ? 'TASKLOG_REARQ_DATABASE_URL' : (config.path ?? 'config');
    db = { url: dbUrl, source, table: tables.job, userTable: 'auth_user', connectTimeoutMs: base.connectTimeoutMs };
  }
  const redisUrl = flags.redis ?? ctx.env.TASKLOG_REDIS_URL ?? rearq.redis;
  const redisSource = flags.redis !== undefined ? '--redis' : ctx.env.TASKLOG_REDIS_URL ? '$TASKLOG_REDIS_URL' : `${config.path}: rearq.redis`;
  const queueMap = flags.queueMap ?? rearq.queues ?? {};
  return {
    db,
    tables,
    redis: redisUrl !== undefined && redisUrl !== '' ? { url: redisUrl, source: redisSource } : null,
    queueMap,
    connectTimeoutMs: base.connectTimeoutMs,
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
      const { parseDatabaseUrl } = await import('../db/url.js');
      try {
        parseDatabaseUrl(settings.db.url, ctx.cwd);
      } catch (err) {
        throw new UsageError((err as Error).message.replace('option --db', settings.db.source === '--rearq-db' ? 'option --rearq-db' : settings.db.source));
      }
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
