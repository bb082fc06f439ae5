/**
 * The archive on a ClickHouse cluster: ZooKeeper and two servers as two
 * shards. migrate/archive --cluster create the tables ON CLUSTER
 * (ReplicatedMergeTree under Distributed, sharded by id); the rows spread
 * over both shards and read through either server exactly as the source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archivedRows, sourceRows, tableCounts } from '../helpers/archive.js';
import { chDatabaseName, clickhouseMissing, startCluster, type ClickhouseCluster } from '../helpers/clickhouse.js';
import { createDatabase, type TestDatabase } from '../helpers/databases.js';
import { openDb } from '../helpers/db.js';
import { run, runJson } from '../helpers/run.js';

const missing = clickhouseMissing(true);

describe.skipIf(Boolean(missing))('archive on a two-shard cluster', () => {
  let cluster: ClickhouseCluster;
  let tdb: TestDatabase;
  beforeAll(async () => {
    [cluster, tdb] = await Promise.all([startCluster('tasklog_test'), createDatabase('sqlite', 'cluster')]);
    expect((await run(['demo', '--db', tdb.url, '--rows', '1500', '--days', '3', '--seed', '21'])).code).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
    await tdb?.drop();
  });

  it('migrate --cluster creates the tables ON CLUSTER: replicated on each shard, Distributed above; once', async () => {
    const database = chDatabaseName('mig');
    const [one, two] = cluster.shards;
    const first = await runJson(['migrate', '--db', one.url(database), '--cluster', 'tasklog_test']);
    expect(first).toMatchObject({ cluster: 'tasklog_test', created: ['django_cfg_task_log_settled', 'django_cfg_task_log_open', 'django_cfg_task_log_superseded', 'django_cfg_task_log_runs', 'django_cfg_task_log'] });
    for (const shard of [one, two]) {
      const engines = await shard.rows<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = '${database}' ORDER BY name`);
      expect(engines).toContainEqual({ name: 'django_cfg_task_log_settled', engine: 'Distributed' });
      expect(engines).toContainEqual({ name: 'django_cfg_task_log_settled_local', engine: 'ReplicatedMergeTree' });
      expect(engines).toContainEqual({ name: 'django_cfg_task_log', engine: 'View' });
    }
    expect((await runJson(['migrate', '--db', two.url(database), '--cluster', 'tasklog_test'])).created).toEqual([]);
  });

  it('archive --cluster spreads the rows over both shards by id; either server reads them as the source; changes and a second run as on one server', async () => {
    const database = chDatabaseName('arc');
    const [one, two] = cluster.shards;
    const source = await sourceRows(tdb.url);
    const first = await runJson(['archive', '--db', tdb.url, '--to', one.url(database), '--cluster', 'tasklog_test']);
    expect(first).toMatchObject({ archived: source.length, updated: 0, cluster: 'tasklog_test' });
    const local = await Promise.all([one, two].map(async (s) => Number((await s.query(`SELECT count() FROM ${database}.django_cfg_task_log_settled_local`)).trim())));
    expect(local[0]).toBeGreaterThan(0);
    expect(local[1]).toBeGreaterThan(0);
    expect(local[0] + local[1]).toBe((await tableCounts(one, database)).settled);
    expect(await archivedRows(one, database)).toEqual(source);
    expect(await archivedRows(two, database)).toEqual(source);
    // open rows change and settle; the archive finds the cluster itself (no --cluster)
    const db = await openDb(tdb.url);
    try {
      const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
      await db.exec(`UPDATE django_cfg_task_log SET status = 'success', success = 1, updated_at = ? WHERE status NOT IN ('success', 'failed', 'expired', 'canceled')`, [now]);
    } finally {
      await db.close();
    }
    const second = await runJson(['archive', '--db', tdb.url, '--to', two.url(database)]);
    expect(second).toMatchObject({ archived: 0, open: 0, cluster: "tasklog_test" });
    expect(second.updated).toBe(first.open);
    const after = await sourceRows(tdb.url);
    expect(await archivedRows(one, database)).toEqual(after);
    expect(await archivedRows(two, database)).toEqual(after);
    expect(await runJson(['archive', '--db', tdb.url, '--to', one.url(database)])).toMatchObject({ archived: 0, updated: 0, open: 0 });
    // the snapshots of earlier runs are gone from every shard
    expect((await tableCounts(one, database)).open).toBe(0);
  });
});
