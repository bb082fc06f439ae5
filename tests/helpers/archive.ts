/** Reading an archive back and the source beside it, in one shape, for row-for-row comparisons. */
import { openDb } from './db.js';
import type { ClickhouseServer } from './clickhouse.js';
import { sourceRaw } from '../../src/query/archive-read.js';
import { decodeSourceRow } from '../../src/query/archive-rows.js';
import { instantFromMicros, toIso } from '../../src/core/time.js';
import type { TaskLogRow } from '../../src/db/decode.js';

const TIMES = ['enqueue_time', 'expire_time', 'start_time', 'finish_time', 'created_at', 'updated_at'] as const;
const INTS = ['id', 'duration_ms', 'job_retry', 'job_retries', 'job_retry_after', 'user_id'] as const;

/** The current rows of an archive (its view), by id, as tasklog decodes a source row. */
export async function archivedRows(ch: ClickhouseServer, database: string, table = 'django_cfg_task_log'): Promise<TaskLogRow[]> {
  const rows = await ch.rows<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY id`, database);
  return rows.map((r) => {
    const out: Record<string, unknown> = { ...r };
    for (const c of INTS) out[c] = r[c] === null ? null : Number(r[c]);
    for (const c of TIMES) out[c] = r[c] === null ? null : toIso(instantFromMicros(Number(r[c])));
    out.args = JSON.parse(String(r.args));
    out.kwargs = JSON.parse(String(r.kwargs));
    out.success = r.success === null ? null : Number(r.success) === 1;
    return out as unknown as TaskLogRow;
  });
}

/** Every row of the source with its user's name and e-mail, by id. */
export async function sourceRows(url: string): Promise<TaskLogRow[]> {
  const db = await openDb(url);
  try {
    const out: TaskLogRow[] = [];
    for await (const batch of sourceRaw(db, '', [], 5000)) for (const values of batch) out.push(decodeSourceRow(values));
    return out;
  } finally {
    await db.close();
  }
}

/** How many rows of each kind the archive's tables hold (every version, visible or not). */
export async function tableCounts(ch: ClickhouseServer, database: string, table = 'django_cfg_task_log') {
  const [r] = await ch.rows<Record<string, string>>(
    `SELECT (SELECT count() FROM ${table}_settled) AS settled, (SELECT count() FROM ${table}_open) AS open, (SELECT count() FROM ${table}_superseded) AS superseded, (SELECT count() FROM ${table}_runs) AS runs, (SELECT count() FROM ${table}) AS visible`,
    database,
  );
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
}
