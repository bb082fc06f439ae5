/**
 * The tables `init` offers: those with the task log's columns, found by each
 * dialect's catalog query, on every backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_COLUMNS } from '../../src/db/schema.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { withTestDb } from '../helpers/db.js';
import { run } from '../helpers/run.js';

const backends = await backendsUnderTest();

describe.each(backends)('tables that look like a task log on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'tables');
    expect((await run(['demo', '--rows', '20', '--db', tdb.url])).code).toBe(0);
    await withTestDb(tdb.url, async (db) => {
      const q = (s: string) => db.dialect.quote(s);
      const cols = (names: readonly string[]) => names.map((c) => `${q(c)} varchar(40)`).join(', ');
      // a copy with the columns (and more), one that lacks a column, and one whose name needs quoting
      await db.exec(`CREATE TABLE ${q('archive_task_log')} (${cols([...SIGNATURE_COLUMNS, 'extra'])})`);
      await db.exec(`CREATE TABLE ${q('almost_task_log')} (${cols(SIGNATURE_COLUMNS.filter((c) => c !== 'status'))})`);
      await db.exec(`CREATE TABLE ${q('Old Logs')} (${cols(SIGNATURE_COLUMNS)})`);
    });
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it.skipIf(skip)('every table with all the columns, by name; no other', async () => {
    const found = await withTestDb(tdb.url, (db) => db.dialect.tablesWithColumns(db, SIGNATURE_COLUMNS));
    expect(found).toEqual(['Old Logs', 'archive_task_log', 'django_cfg_task_log']);
  });
});
