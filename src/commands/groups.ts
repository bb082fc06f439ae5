/** Words of command groups (`logs` in `tasklog logs list`) and what they hold. */
export const GROUPS: Record<string, string> = {
  logs: 'list, show, relate and browse task log rows',
  alerts: 'evaluate alert rules and deliver what fired',
  rearq: "ReArq's own database and Redis: jobs, results, workers, queues, tasks, cancel, requeue",
  sync: 'fill the task log from another system (rearq)',
};
