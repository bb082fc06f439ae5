/**
 * How far `tasklog sync rearq` has read, kept in the task log database (a
 * small table of its own, tasklog_rearq_sync): per ReArq source, the last
 * job id, the last result id and the last entry id of each queue stream.
 */
import type { Db, Sql } from '../db/connect.js';

export const STATE_TABLE = 'tasklog_rearq_sync';

export interface SyncState {
  jobs: number;
  results: number;
  /** queue name → last stream entry id read (a Map: queue names come from Redis) */
  streams: Map<string, string>;
}

export function emptyState(): SyncState {
  return { jobs: 0, results: 0, streams: new Map() };
}

export async function ensureStateTable(db: Db): Promise<void> {
  if (await db.dialect.tableExists(db, STATE_TABLE)) return;
  const q = (c: string) => db.dialect.quote(c);
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${q(STATE_TABLE)} (${q('source')} VARCHAR(255) NOT NULL, ${q('name')} VARCHAR(255) NOT NULL, ` +
      `${q('value')} ${db.dialect.longTextType} NOT NULL, PRIMARY KEY (${q('source')}, ${q('name')}))`,
  );
}

export async function loadState(db: Db, source: string): Promise<SyncState> {
  const state = emptyState();
  if (!(await db.dialect.tableExists(db, STATE_TABLE))) return state;
  const q = (c: string) => db.dialect.quote(c);
  const rows = await db.query<{ name: string; value: string }>(`SELECT ${q('name')}, ${q('value')} FROM ${q(STATE_TABLE)} WHERE ${q('source')} = ?`, [source]);
  for (const r of rows) {
    const name = String(r.name);
    const value = String(r.value);
    if (name === 'jobs') state.jobs = Number(value) || 0;
    else if (name === 'results') state.results = Number(value) || 0;
    else if (name.startsWith('stream:')) state.streams.set(name.slice(7), value);
  }
  return state;
}

/** Writes these entries of the state (inside the caller's transaction). */
export async function saveState(tx: Sql, db: Db, source: string, entries: Record<string, string>): Promise<void> {
  const q = (c: string) => db.dialect.quote(c);
  for (const [name, value] of Object.entries(entries)) {
    await tx.exec(`DELETE FROM ${q(STATE_TABLE)} WHERE ${q('source')} = ? AND ${q('name')} = ?`, [source, name]);
    await tx.exec(`INSERT INTO ${q(STATE_TABLE)} (${q('source')}, ${q('name')}, ${q('value')}) VALUES (?, ?, ?)`, [source, name, value]);
  }
}
