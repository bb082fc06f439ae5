/**
 * Writing imported rows: batches upserted by job_id inside the caller's
 * transaction, each batch checked against the database first (which job_ids
 * exist — that is what counts a row as inserted or updated —, whether an id
 * to insert is free, whether a user id is a user here and the same person).
 *
 * Rules:
 *  - a new row keeps the file's id (unless newIds); an existing row keeps its own;
 *  - an existing row gets the fields the file gives, and updated_at (the
 *    file's, else now, as Django's auto_now); its other fields stay;
 *  - a job_id repeated in the file: each line applies in turn, so the last
 *    wins, and the later lines count as updated;
 *  - a line that cannot be written is a BadLine: it stops the import (the
 *    transaction rolls back) or, with skipInvalid, is reported and left out.
 */
import { DatabaseError, RuntimeFailure } from '../core/errors.js';
import type { Db, Sql } from '../db/connect.js';
import { batchSize, encodeRow } from '../db/insert.js';
import { COLUMNS } from '../db/schema.js';
import { displayUser } from '../query/present.js';
import { BadLine, type ImportRow } from './validate.js';

export interface SkippedLine {
  line: number;
  reason: string;
}

export interface ImportCounts {
  inserted: number;
  updated: number;
  skipped: number;
}

export interface ImporterOptions {
  skipInvalid: boolean;
  /** ignore the file's ids: the database numbers new rows */
  newIds: boolean;
  /** a skipped line, reported in line order within each batch */
  onSkip(skip: SkippedLine): void;
  /** after each batch: lines done so far */
  onProgress?(lines: number): void;
}

/** Every column but id, in the table's order: what an INSERT gives. */
const DATA_COLUMNS = COLUMNS.filter((c) => c !== 'id');

export class Importer {
  readonly counts: ImportCounts = { inserted: 0, updated: 0, skipped: 0 };
  /** whether some row was inserted with its own id (PostgreSQL's sequence then needs moving) */
  insertedIds = false;
  private batch: ImportRow[] = [];
  private jobIds = new Set<string>();
  private ids = new Set<number>();
  private skips: SkippedLine[] = [];
  /** the rows of the batch whose job_id exists, with the existing row's id (set by check) */
  private existing = new Map<ImportRow, number>();
  private readonly size: number;

  constructor(
    private readonly db: Db,
    private readonly tx: Sql,
    private readonly opts: ImporterOptions,
  ) {
    this.size = batchSize(db.dialect);
  }

  private get linesDone(): number {
    return this.counts.inserted + this.counts.updated + this.counts.skipped;
  }

  async add(row: ImportRow): Promise<void> {
    // A job_id or id already in this batch: write the batch first, so the lines apply in order. Job ids
    // are compared without case or trailing spaces, as MySQL's usual collations compare them: two such
    // spellings in one statement would merge there; in two batches the second is caught by check().
    const key = foldKey(row.values.job_id);
    if (this.jobIds.has(key) || (row.id !== null && this.ids.has(row.id))) await this.flush();
    this.batch.push(row);
    this.jobIds.add(key);
    if (row.id !== null) this.ids.add(row.id);
    if (this.batch.length >= this.size) await this.flush();
  }

  /** A line that failed to read or validate. */
  async invalid(bad: BadLine): Promise<void> {
    if (!this.opts.skipInvalid) {
      // an earlier line of the pending batch may be refused by the database: the first bad line is the one to name
      await this.flush();
      throw bad;
    }
    this.skips.push({ line: bad.line, reason: bad.reason });
  }

  async finish(): Promise<ImportCounts> {
    await this.flush();
    return this.counts;
  }

  async flush(): Promise<void> {
    const rows = this.batch;
    this.batch = [];
    this.jobIds = new Set();
    this.ids = new Set();
    const problems = rows.length ? await this.check(rows) : new Map<ImportRow, string>();
    if (problems.size && !this.opts.skipInvalid) {
      const [row, reason] = [...problems].sort((a, b) => a[0].line - b[0].line)[0];
      throw new BadLine(row.line, reason);
    }
    const good = rows.filter((r) => !problems.has(r));
    for (const [row, reason] of problems) this.skips.push({ line: row.line, reason });
    if (good.length) await this.write(good);
    const skips = this.skips.sort((a, b) => a.line - b.line);
    this.skips = [];
    this.counts.skipped += skips.length;
    for (const s of skips) this.opts.onSkip(s);
    this.opts.onProgress?.(this.linesDone);
  }

  /** Which job_ids exist (kept in `existing`), and what the database refuses: row → reason. */
  private async check(rows: ImportRow[]): Promise<Map<ImportRow, string>> {
    const { db, tx } = this;
    const q = (c: string) => db.dialect.quote(c);
    const lock = db.dialect.lockingRead;
    const problems = new Map<ImportRow, string>();
    const marks = (n: number) => new Array(n).fill('?').join(', ');

    const keys = rows.map((r) => r.values.job_id);
    const found = await tx.query<{ id: unknown; job_id: string }>(
      `SELECT ${q('id')}, ${q('job_id')} FROM ${q(db.table)} WHERE ${q('job_id')} IN (${marks(keys.length)})${lock}`,
      keys,
    );
    const present = new Map(found.map((r) => [String(r.job_id), Number(r.id)]));
    this.existing = new Map();
    for (const r of rows) {
      const id = present.get(r.values.job_id);
      if (id !== undefined) this.existing.set(r, id);
    }
    // A database that compares job ids without case or trailing spaces (MySQL's usual collation) matches
    // a different spelling: the unique key would merge the two rows, so refuse the line instead.
    const requested = new Set(keys);
    for (const stored of present.keys()) {
      if (requested.has(stored)) continue;
      for (const r of rows) {
        if (!this.existing.has(r) && foldLoose(r.values.job_id) === foldLoose(stored)) {
          problems.set(r, `job_id '${r.values.job_id}' is the same key as the existing job_id '${stored}' for this database (it compares job ids ignoring case or accents)`);
        }
      }
    }

    const withIds = rows.filter((r) => r.id !== null && !this.opts.newIds && !this.existing.has(r) && !problems.has(r));
    if (withIds.length) {
      const ids = withIds.map((r) => r.id as number);
      const taken = await tx.query<{ id: unknown; job_id: string }>(
        `SELECT ${q('id')}, ${q('job_id')} FROM ${q(db.table)} WHERE ${q('id')} IN (${marks(ids.length)})${lock}`,
        ids,
      );
      const owner = new Map(taken.map((t) => [Number(t.id), String(t.job_id)]));
      for (const r of withIds) {
        const other = owner.get(r.id as number);
        if (other !== undefined) problems.set(r, `id ${r.id} belongs to job_id '${other}' in ${db.table} (import with --new-ids to let the database number new rows)`);
      }
    }

    if (db.userTable) {
      const userIds = [...new Set(rows.filter((r) => r.values.user_id !== null && !problems.has(r)).map((r) => r.values.user_id as number))];
      if (userIds.length) {
        const users = await tx.query<{ id: unknown; username: unknown; email: unknown }>(
          `SELECT ${q('id')}, ${q('username')}, ${q('email')} FROM ${q(db.userTable)} WHERE ${q('id')} IN (${marks(userIds.length)})`,
          userIds,
        );
        const display = new Map(users.map((u) => [Number(u.id), displayUser(String(u.username), u.email ? String(u.email) : null)]));
        for (const r of rows) {
          const uid = r.values.user_id;
          if (uid === null || problems.has(r)) continue;
          const here = display.get(uid);
          if (here === undefined) problems.set(r, `user ${uid} is not in ${db.userTable} of this database (create the user first, or leave the user field out)`);
          else if (r.userDisplay !== null && r.userDisplay !== here) problems.set(r, `user ${uid} is ${here} here but ${r.userDisplay} in the file`);
        }
      }
    }
    return problems;
  }

  private async write(rows: ImportRow[]): Promise<void> {
    const { db } = this;
    // one statement per shape: the same columns given, with or without the file's id
    const groups = new Map<string, ImportRow[]>();
    // An existing row is written with its own id: the upsert then updates it without drawing a new id
    // from the sequence (PostgreSQL, MySQL and SQLite's AUTOINCREMENT all would, for nothing).
    const idOf = (r: ImportRow): number | null => this.existing.get(r) ?? (this.opts.newIds ? null : r.id);
    for (const r of rows) {
      const key = (idOf(r) !== null ? 'id,' : '') + r.given.join(',');
      const g = groups.get(key);
      if (g) g.push(r);
      else groups.set(key, [r]);
    }
    for (const [key, group] of groups) {
      const withId = key.startsWith('id,');
      const columns = withId ? ['id', ...DATA_COLUMNS] : [...DATA_COLUMNS];
      const update = group[0].given.filter((c) => c !== 'job_id');
      if (!update.includes('updated_at')) update.push('updated_at');
      const bindings: unknown[] = [];
      for (const r of group) {
        const encoded = encodeRow(db.dialect, r.values);
        if (withId) bindings.push(idOf(r));
        for (const c of DATA_COLUMNS) bindings.push(encoded[c]);
      }
      try {
        await this.tx.exec(db.dialect.upsertSql(db.table, columns, group.length, update), bindings);
      } catch (err) {
        if (!(err instanceof DatabaseError)) throw err;
        const lines = group.map((r) => r.line);
        const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${Math.min(...lines)}–${Math.max(...lines)}`;
        throw new RuntimeFailure(`${where}: ${db.table} refused the rows: ${err.detail}`, 'query');
      }
      if (withId && group.some((r) => !this.existing.has(r))) this.insertedIds = true;
    }
    if (db.dialect.upsertMayMerge) await this.countBack(rows);
    const updated = rows.filter((r) => this.existing.has(r)).length;
    this.counts.updated += updated;
    this.counts.inserted += rows.length - updated;
  }

  /**
   * Every job_id just written must be in the table, as written. It is not
   * when the database merged two rows: job ids it compares as equal that
   * folding did not foresee (MySQL's accent-insensitive collations), or, on
   * MySQL, an id that another writer took between check() and the upsert,
   * whose row the upsert then changed. Either way the import stops, and the
   * rollback undoes it.
   */
  private async countBack(rows: ImportRow[]): Promise<void> {
    const { db } = this;
    const q = (c: string) => db.dialect.quote(c);
    const keys = rows.map((r) => r.values.job_id);
    const found = await this.tx.query<{ job_id: string }>(
      `SELECT ${q('job_id')} FROM ${q(db.table)} WHERE ${q('job_id')} IN (${new Array(keys.length).fill('?').join(', ')})`,
      keys,
    );
    const there = new Set(found.map((f) => String(f.job_id)));
    const lost = rows.find((r) => !there.has(r.values.job_id));
    if (!lost) return;
    const twin = rows.find((r) => r !== lost && there.has(r.values.job_id) && foldLoose(r.values.job_id) === foldLoose(lost.values.job_id));
    throw new RuntimeFailure(
      twin
        ? `line ${lost.line}: job_id '${lost.values.job_id}' is the same key as '${twin.values.job_id}' (line ${twin.line}) for this database, which merged the two rows (nothing imported)`
        : `line ${lost.line}: the row is not in ${db.table} after writing it: the database merged it with another row (a job_id it compares as equal, or an id another writer took meanwhile); nothing imported, run it again`,
      'conflict',
    );
  }
}

/** A job_id as a case-insensitive, PAD SPACE collation compares it. */
function foldKey(jobId: string): string {
  return jobId.toLowerCase().trimEnd();
}

/** …and as an accent-insensitive one roughly does. */
function foldLoose(jobId: string): string {
  return foldKey(jobId).normalize('NFD').replace(/\p{M}/gu, '');
}
