/**
 * django-cfg's overview: total_tasks, active_queues, recent_failures,
 * tasks_by_queue, tasks_by_status. One GROUP BY over (queue, status) gives
 * the first, second, fourth and fifth; recent_failures uses the created_at index.
 */
import { type Db } from '../db/connect.js';
import { addMs, instantFromDate } from '../core/time.js';
import { compareText, countsLargestFirst } from './sort.js';
import { groupSql } from './status.js';
import type { Condition } from './conditions.js';

export interface Overview {
  total_tasks: number;
  active_queues: string[];
  recent_failures: number;
  tasks_by_queue: Record<string, number>;
  tasks_by_status: Record<string, number>;
}

export const RECENT_FAILURE_HOURS = 24;

/** `condition`: only the rows it holds for (filterCondition). */
export async function overview(db: Db, now: Date, condition?: Condition | null): Promise<Overview> {
  const q = (c: string) => db.dialect.quote(c);
  const table = q(db.table);
  const since = db.dialect.encodeTime(addMs(instantFromDate(now), -RECENT_FAILURE_HOURS * 3600_000));
  const scoped = condition ? ` AND (${condition.sql})` : '';
  const scope = condition?.bindings ?? [];
  const [groups, recent] = await Promise.all([
    db.query<{ queue_name: string; status: string; n: number }>(`SELECT ${q('queue_name')} AS queue_name, ${q('status')} AS status, COUNT(*) AS n FROM ${table}${condition ? ` WHERE ${condition.sql}` : ''} GROUP BY ${q('queue_name')}, ${q('status')}`,
      scope,
    ),
    db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${q('created_at')} >= ? AND ${groupSql('failed', db.dialect)}${scoped}`,
      [since, ...scope],
    ),
  ]);
  const byQueue = new Map<string, number>();
  const byStatus = new Map<string, number>();
  let total = 0;
  for (const g of groups) {
    const n = Number(g.n);
    total += n;
    byQueue.set(g.queue_name, (byQueue.get(g.queue_name) ?? 0) + n);
    byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + n);
  }
  return {
    total_tasks: total,
    active_queues: [...byQueue.keys()].sort(compareText),
    recent_failures: Number(recent[0]?.n ?? 0),
    tasks_by_queue: countsLargestFirst(byQueue),
    tasks_by_status: countsLargestFirst(byStatus),
  };
}
