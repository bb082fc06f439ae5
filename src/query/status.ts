/**
 * Statuses and django-cfg's status groups, defined once. Every command that
 * counts or filters "completed", "successful" or "failed" rows uses these.
 *
 *   is_completed  = status in (success, failed, expired, canceled)
 *   is_successful = status = success AND success IS TRUE
 *   is_failed     = status in (failed, expired) OR success IS FALSE
 *   open          = status in (queued, in_progress): what the statistics call in_progress
 */
import type { Dialect } from '../db/dialect/types.js';

export const STATUSES = ['deferred', 'queued', 'in_progress', 'success', 'failed', 'expired', 'canceled'] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_DISPLAY: Record<Status, string> = {
  deferred: 'Deferred',
  queued: 'Queued',
  in_progress: 'In Progress',
  success: 'Success',
  failed: 'Failed',
  expired: 'Expired',
  canceled: 'Canceled',
};

export const COMPLETED_STATUSES: readonly Status[] = ['success', 'failed', 'expired', 'canceled'];
export const FAILED_STATUSES: readonly Status[] = ['failed', 'expired'];
export const OPEN_STATUSES: readonly Status[] = ['queued', 'in_progress'];
/** ReArq's unfinished jobs (cancel, queues, sync): unlike OPEN_STATUSES, deferred is in, since a ReArq job waiting in a delay set is still to run. */
export const REARQ_OPEN_STATUSES = ['deferred', 'queued', 'in_progress'] as const;

export function statusDisplay(status: string): string {
  // an own key only: a status from the database may be "constructor" or "__proto__"
  return Object.hasOwn(STATUS_DISPLAY, status) ? STATUS_DISPLAY[status as Status] : status;
}

export type StatusGroup = 'completed' | 'successful' | 'failed' | 'open';

function list(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

/** The groups, as `--is-<group>` flags and `is_<group>` words of --where name them. */
export const STATUS_GROUPS: readonly StatusGroup[] = ['completed', 'successful', 'failed', 'open'];

/**
 * The group as a SQL condition that is never NULL (so NOT of it is the exact
 * complement, null `success` included). `col` quotes a column, optionally
 * qualified by an alias.
 */
export function groupSql(group: StatusGroup, dialect: Dialect, alias?: string): string {
  return groupSqlWith(group, dialect, (c) => (alias ? `${alias}.` : '') + dialect.quote(c));
}

/** groupSql with the columns written by `col` (a quoted, possibly qualified column). */
export function groupSqlWith(group: StatusGroup, dialect: Dialect, col: (c: string) => string): string {
  const t = dialect.trueSql;
  const f = dialect.falseSql;
  switch (group) {
    case 'completed':
      return `(${col('status')} IN (${list(COMPLETED_STATUSES)}))`;
    case 'open':
      return `(${col('status')} IN (${list(OPEN_STATUSES)}))`;
    case 'successful':
      return `(${col('status')} = 'success' AND ${col('success')} IS NOT NULL AND ${col('success')} = ${t})`;
    case 'failed':
      return `(${col('status')} IN (${list(FAILED_STATUSES)}) OR (${col('success')} IS NOT NULL AND ${col('success')} = ${f}))`;
  }
}
