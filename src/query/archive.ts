/**
 * Archiving the task log into ClickHouse, incrementally, exactly once, the
 * latest version of each row answering (the tables: src/db/dialect/clickhouse.ts).
 *
 * A run R (a number above every run before it) reads from the source only:
 *  1. settled rows (success, failed, expired, canceled) updated since the
 *     last finished run's watermark, by id, in batches (a long pass in
 *     reader threads over ranges of ids: archive-read.ts): a row whose content
 *     (its _hash) is already archived is left alone; otherwise it is written
 *     to T_settled with _run R, and its older settled versions are listed in
 *     T_superseded;
 *  2. every open row: written to T_open as run R's snapshot (its settled
 *     versions, if it was settled before — a retried failure — superseded);
 *  3. rows of the last snapshot that are in neither: looked up by id; a row
 *     that left the source while open keeps its last archived version, moved
 *     to T_settled;
 *  4. one row in T_runs: the commit. Readers see rows of runs up to the last
 *     one in T_runs only, so a run becomes visible whole or not at all.
 * Killed at any moment, nothing of the run is visible, and the next run
 * checks what is already there (by id and content) before writing: nothing
 * twice, nothing lost. Memory holds a few batches (two ahead per reader
 * thread, two statements' queues per table).
 */
import type { Instant } from '../core/time.js';
import type { Db } from '../db/connect.js';
import { ARCHIVE_COLUMNS, ClickhouseDialect, LOCAL_SUFFIX, RUNS_COLUMNS } from '../db/dialect/clickhouse.js';
import type { ArchiveLayout } from '../db/archive.js';
import type { ArchiveNames } from '../db/dialect/clickhouse.js';
import type { ArchiveCheck } from './cleanup.js';
import type { TaskLogRow } from '../db/decode.js';
import { isoMicros, linesOf, RowEncoder, rowHash, type EncodedBatch, type EncodedRow, type LineFormat } from './archive-rows.js';
import { parallelBatches, readBatches, sourceRaw, type ReadSpec } from './archive-read.js';
import { readerThreads, type SourceOpening } from './threads.js';
import { COMPLETED_STATUSES } from './status.js';

const SETTLED_STATUSES = new Set<string>(COMPLETED_STATUSES);

/**
 * How the archive's rows travel: TabSeparated takes ClickHouse less work to
 * parse than JSONEachRow (18.16, 100,000 archive rows: 0.17 against 0.25
 * CPU seconds) and is half the bytes (bench/RESULTS.md, issue #19)
 */
const LINE_FORMAT: Exclude<LineFormat, null> = 'TabSeparated';
/** ids per lookup statement at most (each id and created_at written out, 19 and 17 digits at most: 200 KB) */
const LOOKUP_IDS = 5000;
/** batches the settled pass reads on the main thread before it hands the rest to reader threads (when it may) */
const PARALLEL_AFTER_BATCHES = 10;

/** How far back before a run's start the next run reads again: rows whose writer committed late (or whose clock lags) are not missed. */
export const ARCHIVE_OVERLAP_MS = 10 * 60_000;

export interface ArchiveOptions {
  /** only rows created at or after this */
  since?: Instant;
  dryRun: boolean;
  batchSize: number;
  now: () => Date;
  /** rows read so far */
  onProgress(read: number): void;
  /** true when the run should stop after the current batch (Ctrl-C) */
  stop(): boolean;
  /** how reader threads open the source (absent: the source is read on this thread only) */
  reopen?: SourceOpening;
}

export interface ArchiveCounts {
  /** rows new to the archive */
  archived: number;
  /** rows archived again in a newer version */
  updated: number;
  /** rows read whose current version was archived already */
  unchanged: number;
  /** open rows in this run's snapshot */
  open: number;
  /** rows that left the source while open, kept in their last archived version */
  kept_deleted: number;
}

export interface ArchiveResult extends ArchiveCounts {
  run: string;
  /** rows updated at or after this are read again by the next run */
  watermark: string | null;
  interrupted: boolean;
}

/** One archived version of a row, as the lookups see it. */
interface Version {
  run: string;
  hash: string;
}

/** What the archive holds of a batch's ids. */
interface Known {
  /** settled versions not superseded (by any run, finished or not), by id */
  live: Map<number, Version[]>;
  /** the hash of each id in the last finished run's open snapshot */
  openHash: Map<number, string>;
  /** the hash each id answers with now (last finished run), by id */
  visible: Map<number, string>;
}

/** The source's rows with these ids, raw (any order; missing ids are rows that are gone). */
async function sourceRowsById(db: Db, ids: number[]): Promise<unknown[][]> {
  if (ids.length === 0) return [];
  const q = (c: string) => db.dialect.quote(c);
  const rows: unknown[][] = [];
  for await (const batch of sourceRaw(db, `${q('t')}.${q('id')} IN (${ids.map(() => '?').join(', ')})`, ids, ids.length + 1)) rows.push(...batch);
  return rows;
}

/**
 * What the archive holds of these rows (by id and created_at, the settled
 * table's key): their settled versions no run superseded, their versions in
 * the current snapshot, and the version each answers with now.
 */
export async function lookupArchive(ch: Db, t: ArchiveNames, state: ArchiveState, rows: { id: number; created_at: number }[]): Promise<Known> {
  const { committed, snapshot } = state;
  const known: Known = { live: new Map(), openHash: new Map(), visible: new Map() };
  if (rows.length === 0) return known;
  if (rows.length > LOOKUP_IDS) {
    // a statement of 100,000 ids passes ClickHouse's max_query_size (256 KiB): a few of LOOKUP_IDS each
    for (let i = 0; i < rows.length; i += LOOKUP_IDS) {
      const part = await lookupArchive(ch, t, state, rows.slice(i, i + LOOKUP_IDS));
      for (const [id, versions] of part.live) known.live.set(id, [...(known.live.get(id) ?? []), ...versions]);
      for (const [id, h] of part.openHash) known.openHash.set(id, h);
      for (const [id, h] of part.visible) known.visible.set(id, h);
    }
    return known;
  }
  const q = (c: string) => ch.dialect.quote(c);
  const ids = rows.map((r) => r.id).join(', ');
  const created = [...new Set(rows.map((r) => r.created_at))].join(', ');
  const [settled, superseded, open] = await Promise.all([
    ch.query<{ id: number; run: string; h: string }>(
      `SELECT ${q('id')}, toString(${q('_run')}) AS ${q('run')}, toString(${q('_hash')}) AS ${q('h')} FROM ${t.settled} WHERE ${q('created_at')} IN (${created}) AND ${q('id')} IN (${ids})`,
    ),
    ch.query<{ id: number; v: string; run: string }>(
      `SELECT ${q('id')}, toString(${q('version')}) AS ${q('v')}, toString(${q('_run')}) AS ${q('run')} FROM ${t.superseded} WHERE ${q('id')} IN (${ids})`,
    ),
    snapshot === '0'
      ? Promise.resolve([])
      : ch.query<{ id: number; h: string }>(`SELECT ${q('id')}, toString(${q('_hash')}) AS ${q('h')} FROM ${t.open} WHERE ${q('_run')} = ${snapshot} AND ${q('id')} IN (${ids})`),
  ]);
  const c = BigInt(committed);
  const gone = new Set(superseded.map((r) => `${r.id}:${r.v}`));
  const goneBefore = new Set(superseded.filter((r) => BigInt(r.run) <= c).map((r) => `${r.id}:${r.v}`));
  for (const v of settled) {
    const id = Number(v.id);
    const key = `${id}:${v.run}`;
    if (!gone.has(key)) {
      const list = known.live.get(id) ?? [];
      list.push({ run: String(v.run), hash: String(v.h) });
      known.live.set(id, list);
    }
    if (!goneBefore.has(key) && BigInt(v.run) <= c) known.visible.set(id, String(v.h));
  }
  for (const o of open) {
    known.openHash.set(Number(o.id), String(o.h));
    known.visible.set(Number(o.id), String(o.h));
  }
  return known;
}

/** What readers of an archive see: the last finished run and the run of the current open snapshot ('0': none). */
export interface ArchiveState {
  committed: string;
  snapshot: string;
  /** where the next run starts reading (µs), null before the first run */
  watermark: number | null;
}

export async function archiveState(ch: Db, t: ArchiveNames): Promise<ArchiveState> {
  const q = (c: string) => ch.dialect.quote(c);
  const [last] = await ch.query<{ r: string; w: number; s: string }>(
    `SELECT toString(${q('run')}) AS ${q('r')}, ${q('watermark')} AS ${q('w')}, toString(${q('snapshot')}) AS ${q('s')} FROM ${t.runs} ORDER BY ${q('run')} DESC LIMIT 1`,
  );
  return last ? { committed: String(last.r), snapshot: String(last.s), watermark: Number(last.w) } : { committed: '0', snapshot: '0', watermark: null };
}

/** cleanup --archived's question: which of these source rows does the archive hold in their current version? */
export async function archiveCheck(ch: Db, layout: ArchiveLayout): Promise<ArchiveCheck> {
  return {
    async archived(rows: TaskLogRow[]): Promise<Set<number>> {
      const state = await archiveState(ch, layout.sql);
      const keyed = rows.map((r) => ({ id: r.id, created_at: isoMicros(r.created_at!), hash: rowHash(r) }));
      const known = await lookupArchive(ch, layout.sql, state, keyed);
      return new Set(keyed.filter((k) => known.visible.get(k.id) === k.hash).map((k) => k.id));
    },
  };
}

export class Archiver {
  private readonly d: ClickhouseDialect;
  private readonly counts: ArchiveCounts = { archived: 0, updated: 0, unchanged: 0, open: 0, kept_deleted: 0 };
  private read = 0;
  /** the last finished run (0: none) */
  private committed = '0';
  /** the run of the current open snapshot (0: none); this run's own once it writes one */
  private snapshot = '0';
  /** whether this run writes a snapshot of its own (open rows changed since the current one) */
  private newSnapshot = false;
  /** ids above this have never been archived (no lookup needed) */
  private maxArchivedId = 0;
  /** in the settled pass (which meets each id once, and may read ranges of ids at once), the ids it writes raise maxArchivedId at its end */
  private deferLimit = false;
  private deferredLimit = 0;
  private run = '0';
  private exists: boolean;

  constructor(
    private readonly source: Db,
    private readonly ch: Db | null,
    private readonly layout: ArchiveLayout,
    private readonly options: ArchiveOptions,
    /** false in a dry run against an archive without tables: everything is new */
    tablesExist = true,
  ) {
    this.exists = tablesExist && ch !== null;
    if (!ch && !options.dryRun) throw new Error('an archive run needs the archive');
    this.d = (ch?.dialect ?? new ClickhouseDialect()) as ClickhouseDialect;
  }

  /** the archive (absent only in a dry run against a database not there yet, which never reaches it) */
  private get store(): Db {
    if (!this.ch) throw new Error('no archive to reach');
    return this.ch;
  }

  private get t() {
    return this.layout.sql;
  }

  private q(c: string): string {
    return this.d.quote(c);
  }

  async archive(): Promise<ArchiveResult> {
    const started = this.options.now();
    let watermark: number | null = null;
    if (this.exists) {
      const state = await archiveState(this.store, this.t);
      this.committed = state.committed;
      this.snapshot = state.snapshot;
      watermark = state.watermark;
      const [m] = await this.store.query<{ run: string; id: number }>(
        // greatest() of 18.16 takes two arguments
        `SELECT toString(greatest(greatest((SELECT max(${this.q('_run')}) FROM ${this.t.settled}), (SELECT max(${this.q('_run')}) FROM ${this.t.open})), ` +
          `greatest((SELECT max(${this.q('_run')}) FROM ${this.t.superseded}), (SELECT max(${this.q('run')}) FROM ${this.t.runs})))) AS ${this.q('run')}, ` +
          `greatest((SELECT max(${this.q('id')}) FROM ${this.t.settled}), (SELECT max(${this.q('id')}) FROM ${this.t.open})) AS ${this.q('id')}`,
      );
      this.maxArchivedId = Number(m.id);
      const startedUs = BigInt(started.getTime() * 1000);
      const above = BigInt(m.run) + 1n;
      this.run = (startedUs > above ? startedUs : above).toString();
    } else {
      this.run = String(started.getTime() * 1000);
    }
    const nextWatermark = started.getTime() * 1000 - ARCHIVE_OVERLAP_MS * 1000;
    let stopped: boolean;
    try {
      stopped = await this.passes(watermark);
    } catch (err) {
      // the inserts in progress end (what reached the server stays invisible: this run never finishes)
      await this.flush().catch(() => undefined);
      throw err;
    }
    if (stopped) return this.result(watermark, true);
    if (!this.options.dryRun) {
      const finished = this.options.now().getTime() * 1000;
      const c = this.counts;
      const line =
        `{"run":${this.run},"started":${started.getTime() * 1000},"finished":${finished},"watermark":${nextWatermark},` +
        `"source":${JSON.stringify(this.source.target.display)},"source_table":${JSON.stringify(this.source.table)},` +
        `"archived":${c.archived},"updated":${c.updated},"unchanged":${c.unchanged},"open":${c.open},"snapshot":${this.newSnapshot ? this.run : this.snapshot}}`;
      // the commit: from here readers see this run's rows, and no longer the snapshot before
      await this.store.insert(`INSERT INTO ${this.t.runs} (${RUNS_COLUMNS.map(([c]) => this.q(c)).join(', ')}) FORMAT JSONEachRow`, line + '\n');
      await this.dropOldSnapshots();
    }
    return this.result(nextWatermark, false);
  }

  private result(watermarkUs: number | null, interrupted: boolean): ArchiveResult {
    return { ...this.counts, run: this.run, watermark: watermarkUs === null ? null : new Date(Math.floor(watermarkUs / 1000)).toISOString(), interrupted };
  }

  /** The three passes; true when stopped (Ctrl-C) before the end. */
  private async passes(watermark: number | null): Promise<boolean> {
    const s = this.source;
    const q = (c: string) => s.dialect.quote(c);
    const t = (c: string) => `${q('t')}.${q(c)}`;
    const sinceCond = this.options.since ? [`${t('created_at')} >= ?`] : [];
    const sinceBind = this.options.since ? [s.dialect.encodeTime(this.options.since)] : [];
    // 1. settled rows changed since the last run (and rows with ids above every archived one, whatever
    // their updated_at: an import of old rows), read in id order; the open ones among them wait for
    // pass 2. No status condition: an index on status would take the planner off the id order.
    const changed = [...sinceCond, ...(watermark === null ? [] : [`(${t('updated_at')} >= ? OR ${t('id')} > ?)`])];
    const changedBind: unknown[] = [
      ...sinceBind,
      ...(watermark === null ? [] : [s.dialect.encodeTime({ ms: Math.floor(watermark / 1000), micros: watermark % 1_000_000 }), this.maxArchivedId]),
    ];
    // each id is met once in this pass: what it writes raises the lookup limit only after it
    this.deferLimit = true;
    let last: number | null = null;
    let batches = 0;
    let more = false;
    for await (const batch of this.batches(changed.join(' AND '), changedBind, 'settled')) {
      await this.settledBatch(batch);
      if (await this.paused()) return true;
      last = batch.rows[batch.rows.length - 1].id;
      // a long read: the rest (ids above the last read, in id order) by reader threads
      if (++batches >= PARALLEL_AFTER_BATCHES && this.options.reopen && readerThreads() > 0) {
        more = true;
        break;
      }
    }
    if (more) {
      const spec = this.spec(changed.join(' AND '), changedBind, 'settled');
      for await (const batch of parallelBatches(s, this.options.reopen!, spec, last, readerThreads())) {
        await this.settledBatch(batch);
        if (await this.paused()) return true;
      }
    }
    this.deferLimit = false;
    if (this.deferredLimit > this.maxArchivedId) this.maxArchivedId = this.deferredLimit;
    await this.flush();
    // 2. every open row: this run's snapshot, through the status index (the statuses the table has, open ones)
    const statuses = (await s.query<{ status: unknown }>(`SELECT DISTINCT ${q('status')} AS ${q('status')} FROM ${q(s.table)}`)).map((r) => String(r.status));
    const openStatuses = statuses.filter((st) => !SETTLED_STATUSES.has(st));
    const openWhere = [`${t('status')} IN (${openStatuses.map(() => '?').join(', ')})`, ...sinceCond].join(' AND ');
    const openBind = [...openStatuses, ...sinceBind];
    // 2a. compared with the current snapshot: when no open row changed, none came or went, it stays current
    // (with no snapshot yet, any open row makes one: they are read once, written and counted in 2b)
    const firstSnapshot = this.snapshot === '0' && !this.options.dryRun;
    let changedOpen = firstSnapshot;
    if (openStatuses.length && !firstSnapshot) {
      for await (const batch of this.batches(openWhere, openBind, 'none')) {
        if (await this.compareOpen(batch.rows)) changedOpen = true;
        if (await this.paused()) return true;
      }
    }
    if (!changedOpen && this.snapshot !== '0') {
      const [n] = await this.store.query<{ n: number }>(`SELECT count() AS ${this.q('n')} FROM ${this.t.open} WHERE ${this.q('_run')} = ${this.snapshot}`);
      changedOpen = Number(n.n) !== this.counts.open;
    } else if (this.snapshot === '0' && this.counts.open > 0) changedOpen = true;
    // 2b. a new snapshot: every open row again, written
    this.newSnapshot = changedOpen && !this.options.dryRun;
    if (this.newSnapshot && openStatuses.length) {
      for await (const batch of this.batches(openWhere, openBind, 'all')) {
        await this.openBatch(batch, !firstSnapshot);
        if (firstSnapshot) {
          this.read += batch.rows.length;
          this.options.onProgress(this.read);
        }
        if (await this.paused()) return true;
      }
    }
    // a first snapshot of no row is none
    if (firstSnapshot && this.counts.open === 0) this.newSnapshot = false;
    // the snapshot is whole before pass 3 compares it
    await this.flush();
    // 3. rows of the last snapshot that are in neither (only when there is a new one to compare with)
    if (this.exists && this.snapshot !== '0' && this.newSnapshot) {
      let after = -1;
      for (;;) {
        const gone = await this.store.query<{ id: number }>(
          `SELECT ${this.q('id')} FROM ${this.t.open} WHERE ${this.q('_run')} = ${this.snapshot} AND ${this.q('id')} > ? ` +
            `AND ${this.q('id')} GLOBAL NOT IN (SELECT ${this.q('id')} FROM ${this.t.open} WHERE ${this.q('_run')} = ${this.run}) ORDER BY ${this.q('id')} LIMIT ${Math.trunc(this.options.batchSize)}`,
          [after],
        );
        if (gone.length === 0) break;
        await this.goneBatch(gone.map((r) => Number(r.id)));
        after = Number(gone[gone.length - 1].id);
        if (await this.paused()) return true;
        if (gone.length < this.options.batchSize) break;
      }
    }
    await this.flush();
    return false;
  }

  private async paused(): Promise<boolean> {
    // a synchronous driver (better-sqlite3) would never let a Ctrl-C handler run otherwise
    await new Promise((r) => setImmediate(r));
    if (!this.options.stop()) return false;
    // stopping: the insert in flight ends first (the run stays invisible either way)
    await this.flush().catch(() => undefined);
    return true;
  }

  /** What the passes read: rows of `where`, their lines made for every row, for settled ones, or none. */
  private spec(where: string, bindings: unknown[], lines: 'all' | 'settled' | 'none'): ReadSpec {
    return { where, bindings, run: this.run, format: lines === 'none' || this.options.dryRun ? null : LINE_FORMAT, settledOnly: lines === 'settled', batchSize: this.options.batchSize };
  }

  /** The source's rows of `where`, encoded, --batch-size rows at a time, read on this thread. */
  private batches(where: string, bindings: unknown[], lines: 'all' | 'settled' | 'none'): AsyncGenerator<EncodedBatch> {
    return readBatches(this.source, this.spec(where, bindings, lines));
  }

  /** What the archive holds of these ids (only ids that may be there are looked up). */
  private async known(rows: { id: number; created_at: number }[]): Promise<Known> {
    const look = rows.filter((r) => r.id <= this.maxArchivedId);
    if (!this.exists || look.length === 0) return { live: new Map(), openHash: new Map(), visible: new Map() };
    return lookupArchive(this.store, this.t, { committed: this.committed, snapshot: this.snapshot, watermark: null }, look);
  }

  private count(id: number, hash: string, known: Known): void {
    // met again after this run wrote it (a row of the last snapshot that settled meanwhile): counted once
    if ((known.live.get(id) ?? []).some((v) => v.run === this.run)) return;
    const before = known.visible.get(id);
    if (before === undefined) this.counts.archived++;
    else if (before === hash) this.counts.unchanged++;
    else this.counts.updated++;
  }

  /** A batch's settled rows (the open ones among them are left to the open pass); `read`: count the batch's rows as read. */
  private async settledBatch(batch: EncodedBatch, read = true): Promise<void> {
    if (read) this.read += batch.rows.length;
    const rows = batch.rows.filter((r) => r.settled);
    const known = await this.known(rows);
    const write = new Set<EncodedRow>();
    const supersede: { id: number; created_at: number; version: string }[] = [];
    for (const k of rows) {
      this.count(k.id, k.hash, known);
      const live = known.live.get(k.id);
      const same = live?.find((v) => v.hash === k.hash);
      if (!same) {
        write.add(k);
        this.wrote(k.id);
      }
      if (live) for (const v of live) if (v !== same) supersede.push({ id: k.id, created_at: k.created_at, version: v.run });
    }
    if (write.size) await this.write(this.t.settled, linesOf(batch, write.size === rows.length ? (r) => r.settled : (r) => write.has(r)));
    await this.writeSuperseded(supersede);
    this.options.onProgress(this.read);
  }

  /** Open rows against the current snapshot, counted; true when one is new or changed (or was settled before). */
  private async compareOpen(rows: EncodedRow[]): Promise<boolean> {
    this.read += rows.length;
    const known = await this.known(rows);
    let changed = false;
    for (const k of rows) {
      this.count(k.id, k.hash, known);
      if (known.openHash.get(k.id) !== k.hash || (known.live.get(k.id) ?? []).length > 0) changed = true;
    }
    this.counts.open += rows.length;
    this.options.onProgress(this.read);
    return changed;
  }

  /** A batch's open rows written to this run's snapshot (counted by compareOpen; `counted` false for rows met only now). */
  private async openBatch(batch: EncodedBatch, counted = true): Promise<void> {
    const rows = batch.rows.filter((r) => !r.settled);
    const known = await this.known(rows);
    const supersede: { id: number; created_at: number; version: string }[] = [];
    for (const k of rows) {
      if (!counted) this.count(k.id, k.hash, known);
      for (const v of known.live.get(k.id) ?? []) supersede.push({ id: k.id, created_at: k.created_at, version: v.run });
      this.wrote(k.id);
    }
    if (!counted) this.counts.open += rows.length;
    if (rows.length) await this.write(this.t.open, linesOf(batch, (r) => !r.settled));
    await this.writeSuperseded(supersede);
  }

  /** Ids of the last snapshot that this run's passes did not meet. */
  private async goneBatch(ids: number[]): Promise<void> {
    const encoder = new RowEncoder(this.run, this.options.dryRun ? null : LINE_FORMAT);
    for (const values of await sourceRowsById(this.source, ids)) encoder.add(values);
    const found = encoder.take();
    // a row that settled (or opened again) without its updated_at moving past the watermark:
    // counted by the settled pass's rules (as rows read), or by the open pass's
    const settled = found.rows.filter((r) => r.settled).length;
    if (settled) {
      this.read += settled;
      await this.settledBatch(found, false);
    }
    if (settled < found.rows.length) await this.openBatch(found, false);
    const present = new Set(found.rows.map((r) => r.id));
    const left = ids.filter((id) => !present.has(id));
    if (left.length === 0) return;
    // left the source while open: its last archived version stays, as settled — unless a settled version is there already
    const rows = await this.store.query<{ id: number; created_at: number }>(
      `SELECT ${this.q('id')}, ${this.q('created_at')} FROM ${this.t.open} WHERE ${this.q('_run')} = ${this.snapshot} AND ${this.q('id')} IN (${left.join(', ')})`,
    );
    await this.flush();
    const known = await this.known(rows.map((r) => ({ id: Number(r.id), created_at: Number(r.created_at) })));
    const move = left.filter((id) => (known.live.get(id) ?? []).length === 0);
    this.counts.kept_deleted += move.length;
    if (move.length === 0 || this.options.dryRun) return;
    const cols = ARCHIVE_COLUMNS.map(([c]) => c);
    // columns go by position; an alias named _run would shadow the column in WHERE (ClickHouse resolves aliases there)
    const select = cols.map((c) => (c === '_run' ? `toUInt64(${this.run}) AS ${this.q('moved_run')}` : this.q(c))).join(', ');
    await this.store.exec(
      `INSERT INTO ${this.t.settled} (${cols.map((c) => this.q(c)).join(', ')}) SELECT ${select} FROM ${this.t.open} WHERE ${this.q('_run')} = ${this.snapshot} AND ${this.q('id')} IN (${move.join(', ')})`,
    );
  }

  /** an id this run writes may meet a lookup later in the run (a row that opened again meanwhile) */
  private wrote(id: number): void {
    if (this.options.dryRun) return;
    if (this.deferLimit) {
      if (id > this.deferredLimit) this.deferredLimit = id;
    } else if (id > this.maxArchivedId) this.maxArchivedId = id;
  }

  /**
   * A batch's lines (TabSeparated: ClickHouse parses it with less work than
   * JSONEachRow, and it is half the bytes), appended to the INSERT that
   * streams into `table`: one statement for up to 20 batches, so ClickHouse
   * makes one part of them where an INSERT per batch would make twenty
   * (and, past a hundred parts in a partition, slow every insert down).
   * flush() ends them.
   */
  private async write(table: string, lines: { bytes: Buffer; rows: number }): Promise<void> {
    if (lines.rows === 0 || this.options.dryRun) return;
    const cols = ARCHIVE_COLUMNS.map(([c]) => this.q(c)).join(', ');
    await this.send(table, `INSERT INTO ${table} (${cols}) FORMAT ${LINE_FORMAT}`, lines.bytes, lines.rows);
  }

  private async writeSuperseded(list: { id: number; created_at: number; version: string }[]): Promise<void> {
    if (list.length === 0 || this.options.dryRun) return;
    const body = list.map((s) => `{"id":${s.id},"created_at":${s.created_at},"version":${s.version},"_run":${this.run}}\n`).join('');
    await this.send(this.t.superseded, `INSERT INTO ${this.t.superseded} (${['id', 'created_at', 'version', '_run'].map((c) => this.q(c)).join(', ')}) FORMAT JSONEachRow`, body, list.length);
  }

  private readonly streams = new Map<string, RowStream>();
  /** per table, the last INSERT whose rows are all sent, ending while the next batches are read */
  private readonly ending = new Map<string, Promise<void>>();

  private async send(table: string, statement: string, body: string | Buffer, rows: number): Promise<void> {
    let stream = this.streams.get(table);
    if (!stream) {
      stream = new RowStream(this.store, statement);
      this.streams.set(table, stream);
    }
    await stream.push(body, rows);
    if (stream.rows >= this.options.batchSize * 20) {
      this.streams.delete(table);
      // the server writes the statement's last part while this run reads on (the next statement starts at
      // once); the one before it has ended first, so at most two statements per table are in flight. A
      // failure reaches the next send or flush.
      const before = this.ending.get(table);
      const ended = stream.end();
      ended.catch(() => undefined);
      this.ending.set(table, ended);
      if (before) await before;
    }
  }

  /** Ends every INSERT in progress and waits until the server has taken its rows. */
  private async flush(): Promise<void> {
    const open = [...this.streams.values()].map((s) => s.end());
    this.streams.clear();
    open.push(...this.ending.values());
    this.ending.clear();
    await Promise.all(open);
  }

  /** Snapshots of open rows other than this run's: of earlier runs, or of runs killed before they finished. */
  private async dropOldSnapshots(): Promise<void> {
    const local = this.layout.cluster ? `${this.layout.names.open}${LOCAL_SUFFIX}` : this.layout.names.open;
    const on = this.layout.cluster ? ` ON CLUSTER ${this.q(this.layout.cluster)}` : '';
    const db = this.layout.cluster ? `${this.q(this.store.target.server!.database)}.` : '';
    // the table is partitioned by _run: each snapshot is one partition, dropped whole
    const current = this.newSnapshot ? this.run : this.snapshot;
    const runs = await this.store.query<{ r: string }>(`SELECT DISTINCT toString(${this.q('_run')}) AS ${this.q('r')} FROM ${this.t.open} WHERE ${this.q('_run')} != ${current}`);
    for (const { r } of runs) {
      if (!/^\d+$/.test(String(r))) continue;
      await this.store.exec(`ALTER TABLE ${db}${this.q(local)}${on} DROP PARTITION ${r}`);
    }
  }
}

/**
 * One INSERT whose rows are pushed while it runs: the request's body is fed
 * from a short queue (push waits while two chunks are queued: memory holds a
 * few batches), and end() closes it and waits for the server's answer. A
 * failure of the statement reaches the next push or end().
 */
class RowStream {
  rows = 0;
  private queue: (string | Buffer)[] = [];
  private closed = false;
  private failed: unknown = null;
  private wakeReader: (() => void) | null = null;
  private wakeWriters: (() => void)[] = [];
  private readonly finished: Promise<void>;

  constructor(db: Db, statement: string) {
    this.finished = db.insert(statement, this.body());
    this.finished.catch((err: unknown) => {
      this.failed = err;
      for (const w of this.wakeWriters.splice(0)) w();
    });
  }

  private async *body(): AsyncGenerator<string | Buffer> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        for (const w of this.wakeWriters.splice(0)) w();
        yield next;
      } else if (this.closed) return;
      else await new Promise<void>((r) => (this.wakeReader = r));
    }
  }

  private wake(): void {
    const r = this.wakeReader;
    this.wakeReader = null;
    r?.();
  }

  async push(text: string | Buffer, rows: number): Promise<void> {
    if (this.failed) throw this.failed;
    this.queue.push(text);
    this.rows += rows;
    this.wake();
    while (this.queue.length > 2 && !this.failed) await new Promise<void>((r) => this.wakeWriters.push(r));
    if (this.failed) throw this.failed;
  }

  async end(): Promise<void> {
    this.closed = true;
    this.wake();
    await this.finished;
  }
}
