/**
 * Cooldown state of alerts, kept in the database itself (table
 * tasklog_alert_state, created on first use) so every cron run sees it.
 */
import type { Db } from '../db/connect.js';
import { decodeTime, instantFromDate, isoToMs } from '../core/time.js';

export const STATE_TABLE = 'tasklog_alert_state';

export async function ensureStateTable(db: Db): Promise<void> {
  const d = db.dialect;
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${d.quote(STATE_TABLE)} (${d.quote('alert_id')} varchar(191) NOT NULL PRIMARY KEY, ` +
      `${d.quote('last_sent_at')} ${d.timeType} NOT NULL, ${d.quote('last_value')} varchar(100) NULL)`,
  );
}

/** When each alert was last delivered (ms since the epoch). */
export async function lastSent(db: Db): Promise<Map<string, number>> {
  const q = (c: string) => db.dialect.quote(c);
  const rows = await db.query<{ alert_id: string; last_sent_at: unknown }>(`SELECT ${q('alert_id')} AS alert_id, ${q('last_sent_at')} AS last_sent_at FROM ${q(STATE_TABLE)}`,
  );
  return new Map(rows.map((r) => [r.alert_id, isoToMs(decodeTime(r.last_sent_at) ?? '')]));
}

export async function recordSent(db: Db, alertId: string, value: number, now: Date): Promise<void> {
  const q = (c: string) => db.dialect.quote(c);
  const at = db.dialect.encodeTime(instantFromDate(now));
  await db.transaction(async (tx) => {
    await tx.exec(`DELETE FROM ${q(STATE_TABLE)} WHERE ${q('alert_id')} = ?`, [alertId]);
    await tx.exec(`INSERT INTO ${q(STATE_TABLE)} (${q('alert_id')}, ${q('last_sent_at')}, ${q('last_value')}) VALUES (?, ?, ?)`, [alertId, at, String(value)]);
  });
}

/** Forgets when these alerts were sent: the next time one fires it is sent whatever the cooldown. */
export async function clearSent(db: Db, alertIds: readonly string[]): Promise<void> {
  const q = (c: string) => db.dialect.quote(c);
  if (alertIds.length === 0) return;
  await db.exec(`DELETE FROM ${q(STATE_TABLE)} WHERE ${q('alert_id')} IN (${alertIds.map(() => '?').join(', ')})`, alertIds);
}
