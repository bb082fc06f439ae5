/**
 * Reading the source for the archive: its rows as raw values in one
 * statement the database streams, encoded for ClickHouse (RowEncoder) a
 * batch at a time — on this thread, or, for a long read, by reader threads
 * that each open the source themselves and read a range of ids, so the
 * reading and encoding (most of an archive run's work) use more than one
 * core. A thread's batch crosses as its lines' bytes (moved, not copied)
 * and its rows' keys and hashes.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { RuntimeFailure } from '../core/errors.js';
import type { Db } from '../db/connect.js';
import { decodeInt } from '../db/decode.js';
import { ARCHIVE_SOURCE_COLUMNS, CopyRowEncoder, RowEncoder, type EncodedBatch, type EncodedRow, type LineFormat } from './archive-rows.js';
import { Credit, errorFromThread, openSource, Signal, threadError, type SourceOpening, type ThreadError } from './threads.js';


/** rows read from the source at a time, at most (what waits for the collector stays small) */
const READ_CHUNK = 1000;

/**
 * The source's rows (ARCHIVE_SOURCE_COLUMNS, untyped values as the driver
 * hands them over), by id, `chunk` rows at a time, in one statement the
 * database streams (Db.streamRows). SQLite instead reads keyset segments of
 * a chunk, each statement finished before its rows are handled: a reader
 * holds SQLite's shared lock while its statement runs, and writers (Django's
 * workers) must not wait for the archive's inserts. `where` is a condition
 * on `t`.
 */
export async function* sourceRaw(db: Db, where: string, bindings: readonly unknown[], chunk: number, range: IdRange = {}): AsyncGenerator<unknown[][]> {
  const size = Math.max(1, Math.trunc(chunk));
  if (db.dialect.backend !== 'sqlite') {
    const { sql, binds } = sourceSelect(db, where, bindings, range.after ?? null, range.upTo ?? null);
    yield* db.streamRows(sql, binds, size);
    return;
  }
  let last: number | null = range.after ?? null;
  for (;;) {
    const { sql, binds } = sourceSelect(db, where, bindings, last, range.upTo ?? null);
    let rows: unknown[][] = [];
    // one row more than the segment: the statement has ended when its rows arrive
    for await (const batch of db.streamRows(`${sql} LIMIT ${size}`, binds, size + 1)) rows = batch;
    if (rows.length) yield rows;
    if (rows.length < size) return;
    last = decodeInt(rows[rows.length - 1][0]);
    if (last === null) throw new RuntimeFailure('a row of the source has an id that is not a number');
  }
}

/**
 * The statement reading the source's rows of `where` (ARCHIVE_SOURCE_COLUMNS)
 * with ids above `after` and up to `upTo`, in id order: one lower bound on
 * id at most (SQLite starts a range at one of them, and would scan from the
 * other).
 */
function sourceSelect(db: Db, where: string, bindings: readonly unknown[], after: number | null, upTo: number | null): { sql: string; binds: unknown[] } {
  const q = (c: string) => db.dialect.quote(c);
  const t = (c: string) => `${q('t')}.${q(c)}`;
  let from = `${q(db.table)} AS ${q('t')}`;
  const cols = ARCHIVE_SOURCE_COLUMNS.slice(0, -2).map((c) => t(c));
  if (db.userTable) {
    from += ` LEFT JOIN ${q(db.userTable)} AS ${q('u')} ON ${q('u')}.${q('id')} = ${t('user_id')}`;
    cols.push(`${q('u')}.${q('username')}`, `${q('u')}.${q('email')}`);
  } else cols.push(`NULL AS ${q('username')}`, `NULL AS ${q('email')}`);
  const conds = [where, ...(after === null ? [] : [`${t('id')} > ?`]), ...(upTo === null ? [] : [`${t('id')} <= ?`])].filter(Boolean);
  const binds = [...bindings, ...(after === null ? [] : [after]), ...(upTo === null ? [] : [upTo])];
  return { sql: `SELECT ${cols.join(', ')} FROM ${from}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${t('id')}`, binds };
}

/** Ids above `after` (null: from the first) and up to `upTo` (null: to the last). */
export interface IdRange {
  after?: number | null;
  upTo?: number | null;
}

/** What to read and how to encode it. */
export interface ReadSpec {
  /** a condition on `t` (the task table), with its bindings */
  where: string;
  bindings: unknown[];
  /** the run the lines are written for */
  run: string;
  /** null: no lines (a dry run, or rows only compared) */
  format: LineFormat;
  /** lines for settled rows only (the settled pass) */
  settledOnly: boolean;
  /** rows per batch */
  batchSize: number;
  range?: IdRange;
}

/** The rows of `spec`, encoded, --batch-size rows a batch, read on this thread. */
export async function* readBatches(db: Db, spec: ReadSpec): AsyncGenerator<EncodedBatch> {
  const encoder = new RowEncoder(spec.run, spec.format);
  const size = Math.max(1, Math.trunc(spec.batchSize));
  if (db.copyText && spec.format !== 'JSONEachRow') {
    // PostgreSQL: COPY's bytes, encoded as bytes (CopyRowEncoder)
    const { sql, binds } = sourceSelect(db, spec.where, spec.bindings, spec.range?.after ?? null, spec.range?.upTo ?? null);
    const copy = new CopyRowEncoder(encoder, spec.settledOnly);
    for await (const chunk of db.copyText(sql, binds)) {
      copy.write(chunk);
      if (encoder.count >= size) yield encoder.take();
    }
    copy.end();
    if (encoder.count) yield encoder.take();
    return;
  }
  for await (const chunk of sourceRaw(db, spec.where, spec.bindings, Math.min(size, READ_CHUNK), spec.range)) {
    for (const values of chunk) {
      encoder.add(values, spec.settledOnly);
      if (encoder.count >= size) yield encoder.take();
    }
  }
  if (encoder.count) yield encoder.take();
}


interface ReaderData {
  tasklogArchiveReader: true;
  opening: SourceOpening;
  spec: ReadSpec;
}

type ToMain =
  | { type: 'batch'; bytes: ArrayBuffer; offset: number; length: number; ids: Float64Array; created: Float64Array; settled: Uint8Array; starts: Int32Array; ends: Int32Array; hashes: string[] }
  | { type: 'done' }
  | { type: 'error'; error: ThreadError };

/** batches a reader sends before it waits for the main thread to take one */
const AHEAD = 2;

/**
 * The rows of `spec` with ids above `after` (null: all), encoded, read by
 * `threads` reader threads over ranges of ids up to the table's largest
 * (the last range open above, for rows that arrive meanwhile). Batches come
 * as they are ready, not in id order. Ending the loop (Ctrl-C, an error)
 * stops the readers; a reader's failure is thrown here as the same error.
 */
export async function* parallelBatches(db: Db, opening: SourceOpening, spec: ReadSpec, after: number | null, threads: number): AsyncGenerator<EncodedBatch> {
  const q = (c: string) => db.dialect.quote(c);
  const id = `${q('t')}.${q('id')}`;
  const [m] = await db.query<{ lo: unknown; hi: unknown }>(`SELECT MIN(${id}) AS ${q('lo')}, MAX(${id}) AS ${q('hi')} FROM ${q(db.table)} AS ${q('t')}${after === null ? '' : ` WHERE ${id} > ?`}`, after === null ? [] : [after]);
  const lo = decodeInt(m?.lo);
  const hi = decodeInt(m?.hi);
  if (lo === null || hi === null) return;
  // ranges (a, b] of ids: from just below the first to the last, the last one open above
  const from = Math.floor(lo) - 1;
  const step = Math.max(1, Math.ceil((hi - from) / threads));
  const ranges: { above: number; upTo: number | null }[] = [];
  for (let a = from; a < hi; a += step) ranges.push({ above: a, upTo: a + step });
  ranges[ranges.length - 1].upTo = null;
  const workers: Worker[] = [];
  const ready: EncodedBatch[] = [];
  const owner = new Map<EncodedBatch, Worker>();
  let running = ranges.length;
  let failure: unknown = null;
  const changed = new Signal();
  const notify = () => changed.notify();
  try {
    for (const r of ranges) {
      const data: ReaderData = { tasklogArchiveReader: true, opening, spec: { ...spec, range: { after: r.above, upTo: r.upTo } } };
      const worker = new Worker(new URL(import.meta.url), { workerData: data });
      workers.push(worker);
      worker.on('message', (m: ToMain) => {
        if (m.type === 'batch') {
          const batch = batchFrom(m);
          owner.set(batch, worker);
          ready.push(batch);
        } else if (m.type === 'done') running--;
        else failure ??= errorFromThread(m.error);
        notify();
      });
      worker.on('error', (err) => {
        failure ??= err;
        notify();
      });
      worker.on('exit', (code) => {
        if (code !== 0) failure ??= new RuntimeFailure(`a reader of ${db.target.display} stopped (exit ${code})`);
        notify();
      });
    }
    for (;;) {
      if (failure) throw failure;
      const batch = ready.shift();
      if (batch) {
        const worker = owner.get(batch)!;
        owner.delete(batch);
        yield batch;
        worker.postMessage('more');
        continue;
      }
      if (running === 0) return;
      await changed.wait();
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function batchFrom(m: Extract<ToMain, { type: 'batch' }>): EncodedBatch {
  const rows: EncodedRow[] = new Array(m.ids.length);
  for (let i = 0; i < rows.length; i++) {
    rows[i] = { id: m.ids[i], created_at: m.created[i], settled: m.settled[i] === 1, hash: m.hashes[i], start: m.starts[i], end: m.ends[i] };
  }
  return { rows, bytes: Buffer.from(m.bytes, m.offset, m.length) };
}

/** A reader thread: opens the source read-only, reads its range, sends batches (at most AHEAD before the main thread takes one). */
async function reader(data: ReaderData): Promise<void> {
  const port = parentPort!;
  const credit = new Credit(AHEAD);
  port.on('message', () => credit.give());
  try {
    const db = await openSource(data.opening);
    try {
      for await (const batch of readBatches(db, data.spec)) {
        await credit.take();
        const n = batch.rows.length;
        const m: Extract<ToMain, { type: 'batch' }> = {
          type: 'batch',
          bytes: batch.bytes.buffer as ArrayBuffer,
          offset: batch.bytes.byteOffset,
          length: batch.bytes.length,
          ids: new Float64Array(n),
          created: new Float64Array(n),
          settled: new Uint8Array(n),
          starts: new Int32Array(n),
          ends: new Int32Array(n),
          hashes: new Array<string>(n),
        };
        batch.rows.forEach((r, i) => {
          m.ids[i] = r.id;
          m.created[i] = r.created_at;
          m.settled[i] = r.settled ? 1 : 0;
          m.starts[i] = r.start;
          m.ends[i] = r.end;
          m.hashes[i] = r.hash;
        });
        port.postMessage(m, [m.bytes, m.ids.buffer, m.created.buffer, m.settled.buffer, m.starts.buffer, m.ends.buffer] as ArrayBuffer[]);
      }
    } finally {
      await db.close();
    }
    port.postMessage({ type: 'done' } satisfies ToMain);
  } catch (err) {
    port.postMessage({ type: 'error', error: threadError(err) } satisfies ToMain);
  }
  port.close();
}

if (!isMainThread && (workerData as Partial<ReaderData> | null)?.tasklogArchiveReader) void reader(workerData as ReaderData);
