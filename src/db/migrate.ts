/**
 * Creating the task log table exactly as Django's migration does, never
 * touching one that exists.
 */
import type { Db } from './connect.js';
import type { IndexBuild } from './dialect/types.js';
import { expectedIndexes, ownIndexName, type OwnIndexKind } from './schema.js';

export interface MigrateResult {
  created: boolean;
  table: string;
  /** index names Django gives this table */
  indexes: string[];
  /** whether the user_id foreign key was created (needs the user table on PostgreSQL/MySQL) */
  foreign_key: boolean;
  statements: string[];
}

export function taskTableStatements(db: Pick<Db, 'dialect' | 'table' | 'userTable'>): string[] {
  return db.dialect.createTaskTableSql(db.table, db.userTable);
}

export async function migrateTaskTable(db: Db): Promise<MigrateResult> {
  const indexes = expectedIndexes(db.table, db.dialect.maxNameLength, db.dialect.backend).map((i) => i.name);
  const fk = db.dialect.backend === 'sqlite' || db.userTable !== null;
  if (await db.dialect.tableExists(db, db.table)) {
    return { created: false, table: db.table, indexes, foreign_key: fk, statements: [] };
  }
  const statements = taskTableStatements(db);
  // PostgreSQL and SQLite run DDL in a transaction: all or nothing. MySQL commits each statement.
  await db.transaction(async (tx) => {
    for (const sql of statements) await tx.exec(sql);
  });
  return { created: true, table: db.table, indexes, foreign_key: fk, statements };
}

/** Creates a minimal Django auth_user table when the user table is missing. Returns true when it did. */
export async function ensureUserTable(db: Db): Promise<boolean> {
  if (db.userTable) return false;
  const name = db.userTableName;
  await db.transaction(async (tx) => {
    for (const sql of db.dialect.createUserTableSql(name)) await tx.exec(sql);
  });
  db.userTable = name;
  return true;
}

export interface OwnIndexResult {
  kind: OwnIndexKind;
  name: string;
  /** created: built now; exists: was there, nothing done; dropped; absent: nothing to drop */
  action: 'created' | 'exists' | 'dropped' | 'absent';
  seconds: number;
  /** bytes on disk after a build (null: not known, or dropped) */
  bytes: number | null;
}

/** Why this database cannot have a kind (one line), or null. */
export function ownIndexRefusal(db: Pick<Db, 'dialect'>, kind: OwnIndexKind): string | null {
  return db.dialect.ownIndexes.notOffered(kind);
}

/** Builds one of tasklog's own indexes unless it is there (idempotent); db.ownIndexes follows. */
export async function createOwnIndex(db: Db, kind: OwnIndexKind, progress: IndexBuild['progress']): Promise<OwnIndexResult> {
  const own = db.dialect.ownIndexes;
  const name = ownIndexName(db.table, kind, db.dialect.maxNameLength);
  const started = performance.now();
  if ((await own.present(db, db.table)).has(kind)) return { kind, name, action: 'exists', seconds: 0, bytes: await own.size(db, db.table, kind) };
  await own.create({ sql: db, transaction: db.transaction, progress }, db.table, kind);
  db.ownIndexes = await own.present(db, db.table);
  return { kind, name, action: 'created', seconds: (performance.now() - started) / 1000, bytes: await own.size(db, db.table, kind) };
}

/** Drops one of tasklog's own indexes and whatever a broken build of it left (idempotent). */
export async function dropOwnIndex(db: Db, kind: OwnIndexKind): Promise<OwnIndexResult> {
  const own = db.dialect.ownIndexes;
  const name = ownIndexName(db.table, kind, db.dialect.maxNameLength);
  const started = performance.now();
  const had = (await own.present(db, db.table)).has(kind);
  await own.drop(db, db.table, kind);
  db.ownIndexes = await own.present(db, db.table);
  return { kind, name, action: had ? 'dropped' : 'absent', seconds: (performance.now() - started) / 1000, bytes: null };
}
