/**
 * Creating the task log table exactly as Django's migration does, never
 * touching one that exists.
 */
import type { Db } from './connect.js';
import { expectedIndexes } from './schema.js';

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
