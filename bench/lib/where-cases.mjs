// The cases of bench/where.mjs and bench/where-query.mjs: a filter as flags and the same
// filter as a --where expression, its conditions in the flags' order (so both compile
// to one statement).
export const CASES = [
  {
    id: 'list-page',
    what: 'logs list, first page and count: failed rows of one queue',
    base: ['logs', 'list', '--json'],
    flags: ['--queue-name', 'high', '--is-failed'],
    where: "queue_name = 'high' and is_failed",
  },
  {
    id: 'list-contains',
    what: 'logs list, first page and count: task name contains, slow',
    base: ['logs', 'list', '--json'],
    flags: ['--task-name', 'payment', '--duration-min', '2000'],
    where: "task_name contains 'payment' and duration_ms >= 2s",
  },
  {
    id: 'stats',
    what: 'stats, 168 h, one queue',
    base: ['stats', '--period-hours', '168', '--json'],
    flags: ['--queue-name', 'critical'],
    where: "queue_name = 'critical'",
  },
  {
    id: 'timeline',
    what: 'timeline, 168 h by hour, failed and expired',
    base: ['timeline', '--period-hours', '168', '--json'],
    flags: ['--status-in', 'failed,expired'],
    where: "status in ('failed', 'expired')",
  },
  {
    id: 'errors',
    what: 'errors, 168 h, tasks whose name contains "orders"',
    base: ['errors', '--period-hours', '168', '--json'],
    flags: ['--task-name', 'orders'],
    where: "task_name contains 'orders'",
  },
  {
    id: 'export-day',
    what: 'logs list --all -o jsonl: a day of slow rows',
    base: ['logs', 'list', '--all', '-o', 'jsonl'],
    flags: ['--since', '24h', '--duration-min', '5000'],
    where: 'created_at >= -24h and duration_ms >= 5s',
  },
];
