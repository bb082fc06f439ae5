/**
 * What the reader threads of long reads share (the archive's ranges of ids,
 * the export's ranges of its order): how many to start, and a thread's
 * failure carried to the main thread as the same error — one line, the same
 * exit code.
 */
import { availableParallelism } from 'node:os';
import { DatabaseError, TasklogError } from '../core/errors.js';
import type { ConnectionSettings, Db } from '../db/connect.js';

/**
 * Reader threads for a long read on a machine of this many cores: two at
 * least (the main thread mostly waits), four at most (each is a connection
 * to the application's database); none where this module runs as
 * TypeScript source (the tests' in-process runs: a thread runs the compiled
 * JavaScript only).
 */
export function readerThreads(): number {
  if (import.meta.url.endsWith('.ts')) return 0;
  return Math.min(4, Math.max(2, availableParallelism()));
}

/** How a reader thread opens the source: as the command did. */
export interface SourceOpening {
  settings: ConnectionSettings;
  cwd: string;
}

/** An error as it crosses from a thread (structured clone keeps no class). */
export interface ThreadError {
  name: string;
  message: string;
  exitCode?: number;
  kind?: string;
  detail?: string;
  code?: string;
}

/** A thread's error for the trip to the main thread. */
export function threadError(err: unknown): ThreadError {
  const e = err as { name?: string; message?: string; exitCode?: number; kind?: string; detail?: string; code?: unknown };
  return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err), exitCode: err instanceof TasklogError ? e.exitCode : undefined, kind: e?.kind, detail: e?.detail, code: typeof e?.code === 'string' ? e.code : undefined };
}

/** A thread's failure as the main thread would have thrown it. */
export function errorFromThread(e: ThreadError): Error {
  if (e.name === 'DatabaseError') return Object.assign(new DatabaseError(e.detail ?? e.message, '', e.code), { message: e.message });
  if (e.exitCode !== undefined) return Object.assign(new TasklogError(e.message, e.exitCode, e.kind), { name: e.name });
  return Object.assign(new Error(e.message), { name: e.name, code: e.code });
}

/** The source as a reader thread opens it: as the command did, read-only, one connection. */
export async function openSource(opening: SourceOpening): Promise<Db> {
  const { connect } = await import('../db/connect.js');
  return connect(opening.settings, opening.cwd, { requireTable: true, session: { readOnly: true }, poolSize: 1 });
}

/**
 * How far a reader thread may run ahead: `n` sends, one more each time the
 * main thread says it took one (give), so what waits in memory is bounded.
 */
export class Credit {
  private readonly changed = new Signal();
  constructor(private n: number) {}

  give(): void {
    this.n++;
    this.changed.notify();
  }

  /** resolves once a send is allowed, and counts it */
  async take(): Promise<void> {
    while (this.n === 0) await this.changed.wait();
    this.n--;
  }
}

/** One loop waiting for something to change (a message, a thread's end): wait() until the next notify(). */
export class Signal {
  private wake: (() => void) | null = null;

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  wait(): Promise<void> {
    return new Promise<void>((r) => (this.wake = r));
  }
}
