/**
 * `tasklog sync rearq`: one TaskLog row per ReArq job, upserted by job_id
 * with the import's writer (src/import/write.ts). Incremental: each run
 * reads the jobs after the last job id, the jobs with results after the
 * last result id, and the jobs still open in the task log; rows equal to
 * their mapping are left alone (counted unchanged).
 *
 * Order, so that nothing committed meanwhile is lost: the highest result
 * id is read first (the snapshot); new jobs are then read with all their
 * attempts (which include every result up to the snapshot); the results up
 * to the snapshot then name the older jobs to reread. Marks restart a
 * little below where they stopped (OVERLAP ids), so a row committed late
 * with a lower id (PostgreSQL and MySQL hand out ids before commit) is
 * still read.
 */
import { toIso, type Instant } from '../core/time.js';
import type { Db, Sql } from '../db/connect.js';
import { decodeRow } from '../db/decode.js';
import { REARQ_OPEN_STATUSES } from '../query/status.js';
import { migrateTaskTable } from '../db/migrate.js';
import type { TaskLogColumns } from '../db/schema.js';
import { Importer } from '../import/write.js';
import type { ImportRow } from '../import/validate.js';
import type { RedisConn } from '../redis/client.js';
import { mapJob, tooLong } from './mapping.js';
import { attemptsOf, jobsAfter, jobsById, jobsByJobId, resultJobsAfter, type RearqDb } from './read.js';
import { delayedJobs, listQueues, readStream } from './redis.js';
import type { RearqJob, RearqResult } from './schema.js';
import { emptyState, ensureStateTable, loadState, saveState, type SyncState } from './state.js';
import { own } from '../core/own.js';

export const OVERLAP = 1000;
const CHUNK = 1000;
const NEW_CHUNK = 20_000;
const WIDE = 10_000;

export interface SyncOptions {
  /** the task log (created as migrate does when missing) */
  target: Db;
  rearq: RearqDb;
  redis: RedisConn | null;
  /** task → queue (flag or config), used when Redis does not tell */
  queueMap: Record<string, string>;
  full: boolean;
  dryRun: boolean;
  /** names the ReArq source in the state table */
  source: string;
  onSkip?(skip: SkippedJob): void;
}

export interface SkippedJob {
  job_id: string;
  reason: string;
}

export interface SyncCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

export interface SyncReport extends SyncCounts {
  skipped_jobs: SkippedJob[];
}

/** Columns compared to tell a changed row from an unchanged one (queue_name and user_id aside). */
const COMPARED = [
  'task_name', 'args', 'kwargs', 'status', 'duration_ms', 'job_retry', 'job_retries', 'job_retry_after', 'success',
  'result', 'error_message', 'worker_id', 'enqueue_time', 'expire_time', 'start_time', 'finish_time', 'created_at', 'updated_at',
] as const;
const TIME_COLUMNS = new Set(['enqueue_time', 'expire_time', 'start_time', 'finish_time', 'created_at', 'updated_at']);

/** JSON with object keys sorted: jsonb reorders keys, and key order is no change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v as object).sort().map((k) => JSON.stringify(k) + ':' + canonical((v as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(v ?? null);
}

function comparable(column: string, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (TIME_COLUMNS.has(column)) return typeof value === 'string' ? value : toIso(value as Instant);
  if (column === 'args' || column === 'kwargs') return canonical(value);
  return JSON.stringify(value);
}

class Syncer {
  readonly counts: SyncCounts = { inserted: 0, updated: 0, unchanged: 0, skipped: 0 };
  readonly skippedJobs: SkippedJob[] = [];
  /** job_id → queue, from the streams and delay sets read in this run */
  readonly queues = new Map<string, string>();
  private line = 0;

  constructor(private readonly o: SyncOptions) {}

  queueFor(job: RearqJob): { name: string; known: boolean } {
    const q = this.queues.get(job.job_id);
    if (q !== undefined) return { name: q, known: true };
    return { name: own(this.o.queueMap, job.task) ?? 'default', known: false };
  }

  /** Maps, compares and writes one chunk of jobs (with their attempts read now). */
  /** `known`: the attempts of these jobs, when the caller read them already */
  async chunk(jobs: RearqJob[], known?: Map<number, RearqResult[]>, inTx?: Sql): Promise<void> {
    if (!jobs.length) return;
    const { target } = this.o;
    const attempts = known ?? (await attemptsOf(this.o.rearq, jobs.map((j) => j.id)));
    const q = (c: string) => target.dialect.quote(c);
    const existing = new Map<string, Record<string, unknown>>();
    const keys = jobs.map((j) => j.job_id);
    if (!this.tableMissing) {
      // inside the chunk's transaction when there is one (SQLite has a single connection)
      const rows = await (inTx ?? target).query(`SELECT * FROM ${q(target.table)} WHERE ${q('job_id')} IN (${keys.map(() => '?').join(', ')})`, keys);
      for (const r of rows) {
        const d = decodeRow(r) as unknown as Record<string, unknown>;
        existing.set(String(d.job_id), d);
      }
    }
    const toWrite: ImportRow[] = [];
    for (const job of jobs) {
      const list = attempts.get(job.id) ?? [];
      const why = tooLong(job, list);
      if (why) {
        const skip = { job_id: job.job_id, reason: why };
        this.counts.skipped++;
        this.skippedJobs.push(skip);
        this.o.onSkip?.(skip);
        continue;
      }
      const queue = this.queueFor(job);
      const values: TaskLogColumns<Instant> = mapJob(job, list, queue.name);
      const old = existing.get(job.job_id);
      if (old) {
        const same = COMPARED.every((c) => comparable(c, old[c]) === comparable(c, values[c])) && (!queue.known || old.queue_name === queue.name);
        if (same) {
          this.counts.unchanged++;
          continue;
        }
        values.user_id = (old.user_id as number | null) ?? null;
        if (!queue.known) values.queue_name = String(old.queue_name);
      }
      const given = ['job_id', ...COMPARED, ...(old && !queue.known ? [] : ['queue_name'])];
      toWrite.push({ line: ++this.line, id: null, given, values, userDisplay: null });
    }
    if (!toWrite.length) return;
    if (this.o.dryRun) {
      for (const r of toWrite) existing.has(r.values.job_id) ? this.counts.updated++ : this.counts.inserted++;
      return;
    }
    const write = async (tx: Sql) => {
      const importer = new Importer(target, tx, {
        skipInvalid: true,
        newIds: true,
        onSkip: (s) => {
          const row = toWrite.find((r) => r.line === s.line);
          const skip = { job_id: row?.values.job_id ?? '?', reason: s.reason };
          this.skippedJobs.push(skip);
          this.o.onSkip?.(skip);
        },
      });
      for (const r of toWrite) await importer.add(r);
      const c = await importer.finish();
      this.counts.inserted += c.inserted;
      this.counts.updated += c.updated;
      this.counts.skipped += c.skipped;
    };
    if (inTx) await write(inTx);
    else await target.transaction(write);
  }

  tableMissing = false;
}

/** The streams after their marks, and the delay sets: which queue carried which job. */
async function readQueues(redis: RedisConn, state: SyncState, queues: Map<string, string>): Promise<Map<string, string>> {
  const marks = new Map<string, string>();
  for (const queue of await listQueues(redis)) {
    let after = state.streams.get(queue) ?? '0';
    for (;;) {
      const batch = await readStream(redis, queue, after, 10_000);
      for (const e of batch) if (e.job_id !== null) queues.set(e.job_id, queue);
      if (batch.length) after = batch[batch.length - 1].id;
      if (batch.length < 10_000) break;
    }
    marks.set(queue, after);
  }
  for (const d of await delayedJobs(redis)) if (!queues.has(d.job_id)) queues.set(d.job_id, d.queue);
  return marks;
}

export async function syncRearq(o: SyncOptions): Promise<SyncReport> {
  const { target, rearq } = o;
  const syncer = new Syncer(o);
  const tableExists = await target.dialect.tableExists(target, target.table);
  if (!tableExists) {
    if (o.dryRun) syncer.tableMissing = true;
    else await migrateTaskTable(target);
  }
  if (!o.dryRun) await ensureStateTable(target);
  const state = o.full ? emptyState() : await loadState(target, o.source);
  const streamMarks = o.redis ? await readQueues(o.redis, state, syncer.queues) : new Map<string, string>();
  const save = async (entries: Record<string, string>) => {
    if (!o.dryRun) await target.transaction((tx) => saveState(tx, target, o.source, entries));
  };

  // 1. the snapshot: results up to here are read in step 3 (or with their new jobs in step 2)
  const q = (c: string) => rearq.db.dialect.quote(c);
  const [{ n }] = await rearq.db.query<{ n: unknown }>(`SELECT MAX(${q('id')}) AS n FROM ${q(rearq.tables.result)}`);
  const snapshot = n === null || n === undefined ? 0 : Number(n);

  // 2. new jobs, oldest first, each chunk with its attempts
  const jobsFrom = Math.max(0, state.jobs - (o.full ? 0 : OVERLAP));
  let jobMark = state.jobs;
  for (let after = jobsFrom; ; ) {
    // a large chunk: its attempts come from one range scan (ReArq has no index on the result's job_id)
    const jobs = await jobsAfter(rearq, after, NEW_CHUNK);
    if (!jobs.length) break;
    const attempts = await attemptsOf(rearq, jobs.map((j) => j.id), true);
    after = jobs[jobs.length - 1].id;
    jobMark = Math.max(jobMark, after);
    // one transaction per large chunk, with the mark: a commit per 1,000 rows cost more than the rows
    const writeChunk = async (tx?: Sql) => {
      for (let i = 0; i < jobs.length; i += CHUNK) await syncer.chunk(jobs.slice(i, i + CHUNK), attempts, tx);
      if (tx) await saveState(tx, target, o.source, { jobs: String(jobMark) });
    };
    if (o.dryRun) await writeChunk();
    else await target.transaction(writeChunk);
    if (jobs.length < NEW_CHUNK) break;
  }

  /**
   * Jobs read again (steps 3 and 4), WIDE at a time: their attempts come from one scan of the result
   * table (ReArq has no index on its job_id), written 1,000 rows at a time in one transaction.
   */
  const reread = new Set<number>();
  const rereadJobs = async (jobs: RearqJob[]) => {
    const fresh = jobs.filter((j) => j.id <= jobsFrom && !reread.has(j.id));
    for (const j of fresh) reread.add(j.id);
    for (let g = 0; g < fresh.length; g += WIDE) {
      const group = fresh.slice(g, g + WIDE);
      const attempts = await attemptsOf(rearq, group.map((j) => j.id));
      const write = async (tx?: Sql) => {
        for (let i = 0; i < group.length; i += CHUNK) await syncer.chunk(group.slice(i, i + CHUNK), attempts, tx);
      };
      if (o.dryRun) await write();
      else await target.transaction(write);
    }
  };

  // 3. older jobs with results up to the snapshot
  const resultsFrom = Math.max(0, state.results - (o.full ? 0 : OVERLAP));
  const older: number[] = [];
  for (let after = resultsFrom; after < snapshot; ) {
    const batch = await resultJobsAfter(rearq, after, CHUNK * 5);
    if (!batch.count) break;
    for (const id of batch.jobIds) if (id <= jobsFrom) older.push(id);
    after = batch.lastId;
  }
  const olderIds = [...new Set(older)];
  for (let i = 0; i < olderIds.length; i += WIDE) {
    const ids = olderIds.slice(i, i + WIDE);
    const jobs: RearqJob[] = [];
    for (let k = 0; k < ids.length; k += CHUNK) jobs.push(...(await jobsById(rearq, ids.slice(k, k + CHUNK))));
    await rereadJobs(jobs);
  }

  // 4. jobs the task log still has open whose status ReArq has changed (a cancel or an expiry writes
  //    no result row; a new attempt was read in step 3)
  if (tableExists) {
    const tq = (c: string) => target.dialect.quote(c);
    const open = await target.query<{ job_id: string; status: string }>(
      `SELECT ${tq('job_id')}, ${tq('status')} FROM ${tq(target.table)} WHERE ${tq('status')} IN (${REARQ_OPEN_STATUSES.map(() => '?').join(', ')})`,
      [...REARQ_OPEN_STATUSES],
    );
    const logged = new Map(open.map((r) => [String(r.job_id), String(r.status)]));
    const ids = [...logged.keys()];
    const changed: RearqJob[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      for (const j of await jobsByJobId(rearq, ids.slice(i, i + CHUNK))) if (j.status !== logged.get(j.job_id)) changed.push(j);
    }
    await rereadJobs(changed);
  }

  const entries: Record<string, string> = { jobs: String(jobMark), results: String(Math.max(state.results, snapshot)) };
  for (const [queue, id] of streamMarks) entries['stream:' + queue] = id;
  await save(entries);
  return { ...syncer.counts, skipped_jobs: syncer.skippedJobs };
}
