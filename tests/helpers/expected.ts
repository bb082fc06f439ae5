/**
 * Expected numbers computed in JavaScript straight from the generator's rows,
 * without any database: what every backend's SQL must agree with.
 */
import { generateRows, type DemoOptions } from '../../fixtures/generate.js';
import { inGroup } from '../../src/query/status.js';

export function expectedOverview(opts: DemoOptions) {
  const byQueue: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  let total = 0;
  let recent = 0;
  const sinceUs = (opts.now.getTime() - 24 * 3600_000) * 1000;
  for (const r of generateRows(opts)) {
    total++;
    byQueue[r.queue_name] = (byQueue[r.queue_name] ?? 0) + 1;
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.created_at >= sinceUs && inGroup('failed', r)) recent++;
  }
  return { total_tasks: total, active_queues: Object.keys(byQueue).sort(), recent_failures: recent, tasks_by_queue: byQueue, tasks_by_status: byStatus };
}
