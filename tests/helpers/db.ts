/** Direct access to a test database through tasklog's own connection layer, and exact times. */
import { resolveConnection } from '../../src/toolkit/config.js';
import { connect, type Db } from '../../src/db/connect.js';
import { parseInstant } from '../../src/core/time.js';

/** Opens the database tasklog would open for `--db url` (the task table must exist). */
export function openDb(url: string): Promise<Db> {
  const sink = { write: () => true };
  const ctx = { stdout: sink, stderr: sink, stdin: {}, env: {}, cwd: process.cwd(), now: () => new Date() };
  return connect(resolveConnection({ db: url }, ctx), process.cwd(), { requireTable: true });
}

/** Runs `fn` with an open database and closes it. */
export async function withTestDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(url);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Microseconds since the epoch of an ISO time, exactly (the unit of generated rows). */
export function micros(iso: string): number {
  const t = parseInstant(iso)!;
  return Math.floor(t.ms / 1000) * 1_000_000 + t.micros;
}
