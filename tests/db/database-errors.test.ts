/**
 * Telling a database failure from any other: a statement the database
 * refuses is a DatabaseError ("query on … failed: <the driver's words>"),
 * raised where statements run; anything else thrown while a command holds a
 * connection (a bug in drawing the answer) passes through as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDb } from '../../src/toolkit/database.js';
import { DatabaseError, describeError } from '../../src/core/errors.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { run } from '../helpers/run.js';

const backends = await backendsUnderTest();
const sink = { write: () => true };
const ctx = { stdout: sink, stderr: sink, stdin: {}, env: {}, cwd: process.cwd(), now: () => new Date() };

describe.each(backends)('failures on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'fail');
    expect((await run(['migrate', '--db', tdb.url])).code).toBe(0);
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it.skipIf(skip)('a statement the database refuses is a DatabaseError naming the database, in one line', async () => {
    const err = await withDb({ db: tdb.url }, ctx, { requireTable: true }, (db) => db.query('SELECT no_such_column FROM no_such_table')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    const d = describeError(err);
    expect(d.exitCode).toBe(1);
    expect(d.kind).toBe('query');
    expect(d.message).toMatch(/^query on .+ failed: .*no_such/);
    expect(d.message).not.toContain('\n');
  });

  it.skipIf(skip)('an error that is not the database\'s passes through withDb as it is, and the connection is closed', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'width')");
    let closes = 0;
    let closesBeforeThrow = -1;
    const err = await withDb({ db: tdb.url }, ctx, { requireTable: true }, async (db) => {
      // record withDb's own close of this connection, then let it really close
      const close = db.close.bind(db);
      db.close = async () => {
        closes++;
        await close();
      };
      await db.query('SELECT 1');
      closesBeforeThrow = closes;
      throw bug;
    }).catch((e: unknown) => e);
    expect(err).toBe(bug);
    expect(closesBeforeThrow).toBe(0);
    expect(closes).toBe(1);
    expect(describeError(err).message).not.toContain('query on');
  });
});
