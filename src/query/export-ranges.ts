/**
 * The export's JSON lines from SQLite by reader threads: SQLite steps its
 * rows in the thread that asks (better-sqlite3), so one statement's export is
 * one core's work — stepping and making each value a JavaScript value, then
 * the lines. Here the statement is cut into consecutive ranges of its order
 * (LogReader.rawRanges: a pass over the order's index finds the cuts), each
 * range read and made into lines by one of 2–4 threads with a read-only
 * connection of its own, and the main thread writes the ranges' lines in
 * order. A thread's lines cross as bytes (moved, not copied); a thread runs
 * at most CREDIT chunks ahead of what is written, so memory stays flat
 * whatever the table's size.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { RuntimeFailure } from '../core/errors.js';

import { jsonLineWriter, linesBytes } from './export.js';
import type { LogQuery, LogReader } from './logs.js';
import { columnsFor } from './present.js';
import { Credit, errorFromThread, openSource, readerThreads, Signal, threadError, type SourceOpening, type ThreadError } from './threads.js';

/** rows per range: small enough to keep a few in flight, large enough that a range's statement start is nothing */
export const RANGE_ROWS = 20_000;
/** rows per chunk of lines a thread sends */
const CHUNK_ROWS = 2_000;
/** chunks a thread may have unwritten: its range and the start of the next, so no thread waits for another's range */
const CREDIT = Math.ceil(RANGE_ROWS / CHUNK_ROWS) + 2;

interface ThreadData {
  tasklogExportRanges: true;
  opening: SourceOpening;
  fields: string[];
}

type ToThread = { type: 'range'; index: number; sql: string; bindings: unknown[] } | { type: 'credit' };
type ToMain = { type: 'lines'; index: number; bytes: ArrayBuffer; offset: number; length: number } | { type: 'range-done'; index: number } | { type: 'error'; error: ThreadError };

/**
 * Writes the export's lines of `fields` (jsonLineWriter's, the same bytes)
 * for `query` through `write`, by reader threads over ranges of the order.
 * False (nothing written) where it does not apply — not SQLite, no threads
 * here (the tests' in-process runs), the order needs a sort, or fewer rows
 * than two ranges: the caller then reads one statement itself.
 */
export async function exportRanges(reader: LogReader, opening: SourceOpening, query: LogQuery, fields: readonly string[], write: (bytes: Buffer) => Promise<void>, rangeRows = RANGE_ROWS): Promise<boolean> {
  const threads = readerThreads();
  // a database in memory is this connection's alone
  if (reader.db.dialect.backend !== 'sqlite' || reader.db.target.filename === ':memory:' || threads < 2) return false;
  // the columns the lines are made from, as the threads' jsonLineWriter reads them
  const ranges = await reader.rawRanges(query, columnsFor(fields), rangeRows);
  if (!ranges) return false;
  const first = await ranges.next();
  const second = first.done ? first : await ranges.next();
  if (second.done) {
    await ranges.return(undefined);
    return false;
  }
  const pending = [first.value, second.value];
  let cutsDone = false;
  let assigned = 0;
  let failure: unknown = null;
  const changed = new Signal();
  const chunks = new Map<number, Buffer[]>();
  const finished = new Set<number>();
  const owner = new Map<number, Worker>();
  const idle: Worker[] = [];
  const workers: Worker[] = [];
  // the cuts wait while enough ranges are pending
  const taken = new Signal();
  let stopped = false;
  const dispatch = () => {
    while (idle.length && pending.length) {
      const worker = idle.shift()!;
      const range = pending.shift()!;
      const index = assigned++;
      owner.set(index, worker);
      worker.postMessage({ type: 'range', index, sql: range.sql, bindings: range.bindings } satisfies ToThread);
    }
    if (pending.length < threads) taken.notify();
  };
  const data: ThreadData = { tasklogExportRanges: true, opening, fields: [...fields] };
  try {
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(new URL(import.meta.url), { workerData: data });
      workers.push(worker);
      idle.push(worker);
      worker.on('message', (m: ToMain) => {
        if (m.type === 'lines') {
          const list = chunks.get(m.index) ?? [];
          list.push(Buffer.from(m.bytes, m.offset, m.length));
          chunks.set(m.index, list);
        } else if (m.type === 'range-done') {
          finished.add(m.index);
          idle.push(worker);
          dispatch();
        } else failure ??= errorFromThread(m.error);
        changed.notify();
      });
      worker.on('error', (err) => {
        failure ??= err;
        changed.notify();
      });
      worker.on('exit', (code) => {
        if (code !== 0) failure ??= new RuntimeFailure(`a reader of ${reader.db.target.display} stopped (exit ${code})`);
        changed.notify();
      });
    }
    dispatch();
    // the cuts go on being found while the threads read
    const cutting = (async () => {
      try {
        for await (const range of ranges) {
          pending.push(range);
          dispatch();
          // the cuts stay a few ranges ahead of the threads, whatever the table's size
          while (pending.length >= threads && !stopped) await taken.wait();
          if (stopped) break;
        }
      } catch (err) {
        failure ??= err;
      }
      cutsDone = true;
      changed.notify();
    })();
    for (let next = 0; ; ) {
      if (failure) throw failure;
      const list = chunks.get(next);
      if (list?.length) {
        await write(list.shift()!);
        owner.get(next)!.postMessage({ type: 'credit' } satisfies ToThread);
        continue;
      }
      if (finished.has(next)) {
        chunks.delete(next);
        owner.delete(next);
        finished.delete(next);
        next++;
        continue;
      }
      if (cutsDone && pending.length === 0 && next >= assigned) break;
      await changed.wait();
    }
    await cutting;
    return true;
  } finally {
    stopped = true;
    taken.notify();
    await ranges.return(undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** A reader thread: opens the source read-only; for each range it is given, its lines, CHUNK_ROWS rows a chunk. */
async function rangeReader(data: ThreadData): Promise<void> {
  const port = parentPort!;
  const credit = new Credit(CREDIT);
  const queue: Extract<ToThread, { type: 'range' }>[] = [];
  const given = new Signal();
  port.on('message', (m: ToThread) => {
    if (m.type === 'credit') return credit.give();
    queue.push(m);
    given.notify();
  });
  try {
    const db = await openSource(data.opening);
    const { line } = jsonLineWriter(data.fields);
    for (;;) {
      while (!queue.length) await given.wait();
      const range = queue.shift()!;
      for await (const batch of db.streamRows(range.sql, range.bindings, CHUNK_ROWS)) {
        const bytes = linesBytes(batch, line);
        await credit.take();
        const m: ToMain = { type: 'lines', index: range.index, bytes: bytes.buffer as ArrayBuffer, offset: bytes.byteOffset, length: bytes.length };
        port.postMessage(m, [m.bytes]);
      }
      port.postMessage({ type: 'range-done', index: range.index } satisfies ToMain);
    }
  } catch (err) {
    port.postMessage({ type: 'error', error: threadError(err) } satisfies ToMain);
  }
}

if (!isMainThread && (workerData as Partial<ThreadData> | null)?.tasklogExportRanges) void rangeReader(workerData as ThreadData);
