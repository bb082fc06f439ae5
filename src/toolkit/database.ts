/**
 * The shared way a command reaches its database: resolve --db/--table/… with
 * the environment and config file, connect, run, always close. A statement
 * that fails is a DatabaseError (src/db/connect.ts); anything else thrown by
 * `fn` is passed on as it is, never reported as a database failure.
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
  const db = await connect(settings, ctx.cwd, { note: (message) => void ctx.stderr.write(`tasklog: note: ${message}\n`), ...options });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
