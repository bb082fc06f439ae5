/**
 * The shared way a command reaches its database: resolve --db/--table/… with
 * the environment and config file, connect, run, always close.
 */
import type { Db, ConnectOptions } from '../db/connect.js';
import { resolveConnection, type ConnectionFlags } from './config.js';
import type { Ctx } from '../core/io.js';

export async function withDb<T>(
  flags: ConnectionFlags,
  ctx: Ctx,
  options: ConnectOptions,
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  const settings = resolveConnection(flags, ctx);
  const { connect } = await import('../db/connect.js');
  const db = await connect(settings, ctx.cwd, options);
  try {
    return await fn(db);
  } catch (err) {
    const { RuntimeFailure, TasklogError, cleanDbMessage } = await import('../core/errors.js');
    const { redact } = await import('../db/url.js');
    if (err instanceof TasklogError) throw err;
    throw new RuntimeFailure(redact(`query on ${db.target.display} failed: ${cleanDbMessage((err as Error).message)}`, db.target), 'query');
  } finally {
    await db.close();
  }
}
