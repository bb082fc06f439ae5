/**
 * Reading ReArq's database: jobs and results with the filters of ReArq's
 * server (GET /job/data, GET /result/data), newest id first, a page or
 * every row streamed by id; a job with its attempts.
 */
import type { Db } from '../db/connect.js';
import { compareIso, type Instant } from '../core/time.js';
import { RuntimeFailure } from '../core/errors.js';
import { decodeJob, decodeResult, encodeRearqTime, JOB_COLUMNS, RESULT_COLUMNS, type RearqJob, type RearqResult, type RearqTables } from './schema.js';

export interface RearqDb {
  db: Db;
  tables: RearqTables;
}

export interface JobFilter {
  task?: string;
  jobId?: string;
  status?: string[];
  /** on enqueue_time, inclusive */
  start?: Instant;
  end?: Instant;
}

export interface ResultFilter {
  task?: string;
  jobId?: string;
  worker?: string;
  success?: boolean;
  /** on the result's start_time, inclusive */
  start?: Instant;
  end?: Instant;
}

/** Both tables must exist: one line naming the missing one. */
export async function checkTables(r: RearqDb): Promise<void> {
  for (const t of [r.tables.job, r.tables.result]) {
    if (!(await r.db.dialect.tableExists(r.db, t))) {
      throw new RuntimeFailure(
        `table ${t} not found in ${r.db.target.display} (is this ReArq's database? ReArq before May 2022 names its tables job and jobresult: --rearq-tables job,jobresult)`,
        'no_table',
      );
    }
  }
}

function q(r: RearqDb, c: string): string {
  return r.db.dialect.quote(c);
}

/** `alias.col, …` for the columns of one table. */
function select(r: RearqDb, alias: string, columns: readonly string[]): string {
  return columns.map((c) => `${alias}.${q(r, c)}`).join(', ');
}

function jobSelect(r: RearqDb, alias: string): string {
  return select(r, alias, JOB_COLUMNS);
}

function resultSelect(r: RearqDb, alias: string): string {
  return select(r, alias, RESULT_COLUMNS);
}

function jobWhere(r: RearqDb, f: JobFilter): { sql: string; bindings: unknown[] } {
  const parts: string[] = [];
  const bindings: unknown[] = [];
  const col = (c: string) => `j.${q(r, c)}`;
  if (f.task !== undefined) parts.push(`${col('task')} = ?`), bindings.push(f.task);
  if (f.jobId !== undefined) parts.push(`${col('job_id')} = ?`), bindings.push(f.jobId);
  if (f.status?.length) parts.push(`${col('status')} IN (${f.status.map(() => '?').join(', ')})`), bindings.push(...f.status);
  const backend = r.db.dialect.backend;
  if (f.start) parts.push(`${col('enqueue_time')} >= ?`), bindings.push(encodeRearqTime(backend, f.start));
  if (f.end) parts.push(`${col('enqueue_time')} <= ?`), bindings.push(encodeRearqTime(backend, f.end));
  return { sql: parts.length ? ' WHERE ' + parts.join(' AND ') : '', bindings };
}

function resultWhere(r: RearqDb, f: ResultFilter): { sql: string; bindings: unknown[] } {
  const parts: string[] = [];
  const bindings: unknown[] = [];
  if (f.task !== undefined) parts.push(`j.${q(r, 'task')} = ?`), bindings.push(f.task);
  if (f.jobId !== undefined) parts.push(`j.${q(r, 'job_id')} = ?`), bindings.push(f.jobId);
  if (f.worker !== undefined) parts.push(`r.${q(r, 'worker')} = ?`), bindings.push(f.worker);
  if (f.success !== undefined) parts.push(`r.${q(r, 'success')} = ?`), bindings.push(r.db.dialect.encodeBool(f.success));
  const backend = r.db.dialect.backend;
  if (f.start) parts.push(`r.${q(r, 'start_time')} >= ?`), bindings.push(encodeRearqTime(backend, f.start));
  if (f.end) parts.push(`r.${q(r, 'start_time')} <= ?`), bindings.push(encodeRearqTime(backend, f.end));
  return { sql: parts.length ? ' WHERE ' + parts.join(' AND ') : '', bindings };
}

export async function countJobs(r: RearqDb, f: JobFilter): Promise<number> {
  const w = jobWhere(r, f);
  const rows = await r.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${q(r, r.tables.job)} j${w.sql}`, w.bindings);
  return Number(rows[0].n);
}

export async function pageJobs(r: RearqDb, f: JobFilter, limit: number, offset: number): Promise<RearqJob[]> {
  const w = jobWhere(r, f);
  const rows = await r.db.query(
    `SELECT ${jobSelect(r, 'j')} FROM ${q(r, r.tables.job)} j${w.sql} ORDER BY j.${q(r, 'id')} DESC LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`,
    w.bindings,
  );
  return rows.map((x) => decodeJob(x));
}

/**
 * Every row of `SELECT columns FROM from where`, highest `idCol` first, read
 * in batches of `batch` below the last id seen (keyset: constant memory).
 */
async function* byIdDescending(
  r: RearqDb,
  columns: string,
  from: string,
  where: { sql: string; bindings: unknown[] },
  idCol: string,
  batch: number,
): AsyncGenerator<Record<string, unknown>> {
  let below: number | null = null;
  for (;;) {
    const sql: string = where.sql + (below === null ? '' : `${where.sql ? ' AND' : ' WHERE'} ${idCol} < ?`);
    const rows: Record<string, unknown>[] = await r.db.query(
      `SELECT ${columns} FROM ${from}${sql} ORDER BY ${idCol} DESC LIMIT ${batch}`,
      below === null ? where.bindings : [...where.bindings, below],
    );
    yield* rows;
    if (rows.length < batch) return;
    below = Number(rows[rows.length - 1].id);
  }
}

/** Every matching job, newest id first, read in batches by id (constant memory). */
export async function* streamJobs(r: RearqDb, f: JobFilter, batch = 1000): AsyncGenerator<RearqJob> {
  for await (const row of byIdDescending(r, jobSelect(r, 'j'), `${q(r, r.tables.job)} j`, jobWhere(r, f), `j.${q(r, 'id')}`, batch)) yield decodeJob(row);
}

export interface ResultWithJob extends RearqResult {
  job: Pick<RearqJob, 'id' | 'task' | 'job_id' | 'status'>;
}

function resultJoin(r: RearqDb): string {
  return `${q(r, r.tables.result)} r JOIN ${q(r, r.tables.job)} j ON j.${q(r, 'id')} = r.${q(r, 'job_id')}`;
}

function decodeResultWithJob(row: Record<string, unknown>): ResultWithJob {
  const job = decodeJob(row, 'j_');
  return { ...decodeResult(row), job: { id: job.id, task: job.task, job_id: job.job_id, status: job.status } };
}

const JOB_BRIEF = ['id', 'task', 'job_id', 'status'];

export async function countResults(r: RearqDb, f: ResultFilter): Promise<number> {
  const w = resultWhere(r, f);
  const rows = await r.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${resultJoin(r)}${w.sql}`, w.bindings);
  return Number(rows[0].n);
}

function resultColumns(r: RearqDb): string {
  return resultSelect(r, 'r') + ', ' + JOB_BRIEF.map((c) => `j.${q(r, c)} AS ${q(r, 'j_' + c)}`).join(', ');
}

export async function pageResults(r: RearqDb, f: ResultFilter, limit: number, offset: number): Promise<ResultWithJob[]> {
  const w = resultWhere(r, f);
  const rows = await r.db.query(
    `SELECT ${resultColumns(r)} FROM ${resultJoin(r)}${w.sql} ORDER BY r.${q(r, 'id')} DESC LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`,
    w.bindings,
  );
  return rows.map(decodeResultWithJob);
}

export async function* streamResults(r: RearqDb, f: ResultFilter, batch = 1000): AsyncGenerator<ResultWithJob> {
  for await (const row of byIdDescending(r, resultColumns(r), resultJoin(r), resultWhere(r, f), `r.${q(r, 'id')}`, batch)) yield decodeResultWithJob(row);
}

/** A job by its job_id, or else by its integer id when the key is a number. */
export async function findJob(r: RearqDb, key: string): Promise<RearqJob | null> {
  const byJobId = await r.db.query(`SELECT ${jobSelect(r, 'j')} FROM ${q(r, r.tables.job)} j WHERE j.${q(r, 'job_id')} = ?`, [key]);
  if (byJobId.length) return decodeJob(byJobId[0]);
  if (/^\d{1,15}$/.test(key)) {
    const byId = await r.db.query(`SELECT ${jobSelect(r, 'j')} FROM ${q(r, r.tables.job)} j WHERE j.${q(r, 'id')} = ?`, [Number(key)]);
    if (byId.length) return decodeJob(byId[0]);
  }
  return null;
}

/** Jobs by job_id (any order). */
export async function jobsByJobId(r: RearqDb, jobIds: readonly string[]): Promise<RearqJob[]> {
  if (!jobIds.length) return [];
  const rows = await r.db.query(
    `SELECT ${jobSelect(r, 'j')} FROM ${q(r, r.tables.job)} j WHERE j.${q(r, 'job_id')} IN (${jobIds.map(() => '?').join(', ')})`,
    [...jobIds],
  );
  return rows.map((x) => decodeJob(x));
}

/** Jobs by integer id (any order). */
export async function jobsById(r: RearqDb, ids: readonly number[]): Promise<RearqJob[]> {
  if (!ids.length) return [];
  const rows = await r.db.query(`SELECT ${jobSelect(r, 'j')} FROM ${q(r, r.tables.job)} j WHERE j.${q(r, 'id')} IN (${ids.map(() => '?').join(', ')})`, [...ids]);
  return rows.map((x) => decodeJob(x));
}

/** Jobs with id above `after`, oldest first, at most `limit`. */
export async function jobsAfter(r: RearqDb, after: number, limit: number): Promise<RearqJob[]> {
  const rows = await r.db.query(
    `SELECT ${jobSelect(r, 'j')} FROM ${q(r, r.tables.job)} j WHERE j.${q(r, 'id')} > ? ORDER BY j.${q(r, 'id')} LIMIT ${Math.trunc(limit)}`,
    [after],
  );
  return rows.map((x) => decodeJob(x));
}

/** The distinct job ids (integer) of results with id above `after`, and the highest result id read. */
export async function resultJobsAfter(r: RearqDb, after: number, limit: number): Promise<{ jobIds: number[]; lastId: number; count: number }> {
  const rows = await r.db.query<{ id: unknown; job_id: unknown }>(
    `SELECT ${q(r, 'id')}, ${q(r, 'job_id')} FROM ${q(r, r.tables.result)} WHERE ${q(r, 'id')} > ? ORDER BY ${q(r, 'id')} LIMIT ${Math.trunc(limit)}`,
    [after],
  );
  const ids = new Set(rows.map((x) => Number(x.job_id)));
  return { jobIds: [...ids], lastId: rows.length ? Number(rows[rows.length - 1].id) : after, count: rows.length };
}

/**
 * The attempts of these jobs (by integer id), each job's in order:
 * start_time (none first), then id. `range`: the jobs are every job with an
 * id from the first to the last (one range condition instead of a list).
 */
export async function attemptsOf(r: RearqDb, jobIds: readonly number[], range = false): Promise<Map<number, RearqResult[]>> {
  const out = new Map<number, RearqResult[]>();
  if (!jobIds.length) return out;
  const col = `r.${q(r, 'job_id')}`;
  const where = range ? `${col} >= ? AND ${col} <= ?` : `${col} IN (${jobIds.map(() => '?').join(', ')})`;
  const rows = await r.db.query(
    `SELECT ${resultSelect(r, 'r')} FROM ${q(r, r.tables.result)} r WHERE ${where}`,
    range ? [Math.min(...jobIds), Math.max(...jobIds)] : [...jobIds],
  );
  for (const row of rows) {
    const res = decodeResult(row);
    const list = out.get(res.job_id);
    if (list) list.push(res);
    else out.set(res.job_id, [res]);
  }
  for (const list of out.values()) list.sort(compareAttempts);
  return out;
}

/** Attempt order: start_time (an attempt without one first), then id. */
export function compareAttempts(a: RearqResult, b: RearqResult): number {
  return compareIso(a.start_time, b.start_time) || a.id - b.id;
}
