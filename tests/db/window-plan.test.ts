/**
 * The window plan (src/query/plan.ts): the choice by the window's share of
 * the table, and — the point — that both plans give every report the same
 * answer. On SQLite, where tasklog makes the choice, each report runs over
 * the same windows with the index walk and with the scan, on a table in time
 * order and on the same rows out of time order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRows } from '../../fixtures/generate.js';
import { type Db } from '../../src/db/connect.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { instantFromMs } from '../../src/core/time.js';
import { chooseWindowPlan, planFor, SCAN_SHARE_IN_TIME_ORDER, SCAN_SHARE_OUT_OF_ORDER, windowShare, windowTerm, type WindowPlan } from '../../src/query/plan.js';
import { StatsQuery } from '../../src/query/stats.js';
import { timeline } from '../../src/query/timeline.js';
import { errorReport } from '../../src/query/errors.js';
import { resolveWindow } from '../../src/query/window.js';
import { filterCondition } from '../../src/query/filters.js';
import { openDb } from '../helpers/db.js';
import { createDatabase, type TestDatabase } from '../helpers/databases.js';
import { run } from '../helpers/run.js';

const NOW = '2026-05-03T17:45:12.345Z';
const DAYS = 20;
const ROWS = 3000;
const now = new Date(NOW);

describe('planFor: the share of the window, and the plan for it', () => {
  const extent = (inTimeOrder: boolean) => ({ rows: 1000, first: '2026-01-01 00:00:00', last: '2026-01-11 00:00:00.500000', inTimeOrder });
  const at = (iso: string) => instantFromMs(Date.parse(iso));

  it('estimates the share from the created_at range', () => {
    expect(windowShare(extent(true), at('2025-12-01T00:00:00Z'))).toBe(1);
    expect(windowShare(extent(true), at('2026-01-12T00:00:00Z'))).toBe(0);
    expect(windowShare(extent(true), at('2026-01-06T00:00:00.250Z'))).toBeCloseTo(0.5, 6);
    expect(windowShare({ ...extent(true), first: null }, at('2026-01-06T00:00:00Z'))).toBeNull();
  });

  it('scans from a third of a table in time order, from a tenth of one out of order', () => {
    const since = (share: number) => instantFromMs(Date.parse('2026-01-11T00:00:00.5Z') - share * (10 * 86_400_000 + 500));
    expect(planFor(extent(true), since(SCAN_SHARE_IN_TIME_ORDER + 0.01)).plan).toBe('scan');
    expect(planFor(extent(true), since(SCAN_SHARE_IN_TIME_ORDER - 0.01)).plan).toBe('index');
    expect(planFor(extent(false), since(SCAN_SHARE_OUT_OF_ORDER + 0.01)).plan).toBe('scan');
    expect(planFor(extent(false), since(SCAN_SHARE_OUT_OF_ORDER - 0.01)).plan).toBe('index');
    expect(planFor(null, since(1)).plan).toBe('index');
  });
});

/** every report over a window, with a plan (undefined: tasklog's choice) */
async function reports(db: Db, hours: number, plan: WindowPlan | undefined): Promise<unknown> {
  const window = resolveWindow({ periodHours: hours }, now);
  const all = new StatsQuery(db, { window, plan });
  const taskOnly = (task: string) => filterCondition(db, now, { filters: { task } });
  const task = new StatsQuery(db, { window, plan, condition: taskOnly('orders.process_payment') });
  const queue = new StatsQuery(db, { window, plan, condition: filterCondition(db, now, { where: "queue_name = 'critical'" }) });
  return {
    summary: await all.summary(),
    byTask: await all.groups('task'),
    byQueue: await all.groups('queue'),
    quantiles: await all.durationQuantilesByTask(),
    oneTask: await task.summary(),
    oneQueue: await queue.summary(),
    hourly: await timeline(db, window, 'hour', 'UTC', undefined, plan),
    daily: await timeline(db, window, 'day', 'Europe/Berlin', taskOnly('webhooks.deliver'), plan),
    errors: await errorReport(db, window, 1000, undefined, plan),
    taskErrors: await errorReport(db, window, 5, taskOnly('orders.process_payment'), plan),
  };
}

describe('SQLite: the index walk and the scan give every report the same answer', () => {
  const tables: { name: string; tdb?: TestDatabase }[] = [{ name: 'in time order' }, { name: 'out of time order' }];
  const generated: WritableRow[] = [...generateRows({ rows: ROWS, days: DAYS, seed: 13, now, userIds: [1, 2], salt: 0 })];
  // the same rows, appended in a fixed pseudo-random order (an import, several workers)
  const shuffled = generated.map((r, i) => ({ r, k: (i * 2654435761) % 4294967291 })).sort((a, b) => a.k - b.k).map((x) => x.r);

  beforeAll(async () => {
    for (const [i, t] of tables.entries()) {
      t.tdb = await createDatabase('sqlite', `plan${i}`);
      expect((await run(['migrate', '--db', t.tdb.url], { now: NOW })).code).toBe(0);
      const db = await openDb(t.tdb.url);
      try {
        await insertRows(db, i === 0 ? generated : shuffled);
      } finally {
        await db.close();
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const t of tables) await t.tdb?.drop();
  });

  it('each plan reaches the rows its own way (EXPLAIN QUERY PLAN)', async () => {
    const db = await openDb(tables[0].tdb!.url);
    try {
      const plan = async (p: WindowPlan) =>
        (await db.query<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT COUNT(*), SUM(duration_ms) FROM ${db.dialect.quote(db.table)} WHERE ${windowTerm(db, p)}`, ['2026-05-01 00:00:00']))
          .map((r) => r.detail)
          .join('; ');
      expect(await plan('index')).toMatch(/USING INDEX .*created/);
      expect(await plan('scan')).toMatch(/^SCAN /);
    } finally {
      await db.close();
    }
  });

  it('tells a table in time order from one out of order, and chooses by the window', async () => {
    for (const [i, t] of tables.entries()) {
      const db = await openDb(t.tdb!.url);
      try {
        const extent = await db.dialect.tableExtent!(db, db.table);
        expect(extent?.inTimeOrder).toBe(i === 0);
        expect(extent?.rows).toBe(ROWS);
        expect((await chooseWindowPlan(db, resolveWindow({ periodHours: 24 * DAYS + 24 }, now).since)).plan).toBe('scan');
        expect((await chooseWindowPlan(db, resolveWindow({ periodHours: 24 }, now).since)).plan).toBe('index');
      } finally {
        await db.close();
      }
    }
  });

  it.each([
    [0, 24],
    [0, 24 * 7],
    [0, 24 * DAYS + 24],
    [1, 24],
    [1, 24 * 7],
    [1, 24 * DAYS + 24],
  ])('table %i, %i hours: stats, groups, quantiles, timeline and errors are equal either way', async (i, hours) => {
    const db = await openDb(tables[i].tdb!.url);
    try {
      const viaIndex = await reports(db, hours, 'index');
      const viaScan = await reports(db, hours, 'scan');
      expect(viaScan).toEqual(viaIndex);
      expect(await reports(db, hours, undefined)).toEqual(viaIndex);
      expect((viaIndex as { summary: { total: number } }).summary.total).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it('a view as the table: no rowid to sample, SQLite keeps its own plan and the answer is the table\'s', async () => {
    const db = await openDb(tables[1].tdb!.url);
    try {
      await db.exec(`CREATE VIEW task_view AS SELECT * FROM ${db.dialect.quote(db.table)}`);
      expect(await db.dialect.tableExtent!(db, 'task_view')).toBeNull();
    } finally {
      await db.close();
    }
    const args = ['stats', '--period-hours', String(24 * DAYS + 24), '--json', '--db', tables[1].tdb!.url];
    const viaView = await run([...args, '--table', 'task_view'], { now: NOW });
    expect(viaView.stderr).toBe('');
    expect(viaView.stdout).toBe((await run(args, { now: NOW })).stdout);
  });

  it("timeline's epoch seconds (unixepoch) equal strftime('%s') for every created_at and for odd texts", async () => {
    const db = await openDb(tables[1].tdb!.url);
    try {
      const odd = ['1969-12-31 23:59:59.5', '1970-01-01 00:00:00', '2024-02-29 23:59:59.999999', '2026-05-03T17:45:12.345', '2026-05-03 17:45', 'not a time', ''];
      const values = `SELECT created_at AS v FROM ${db.dialect.quote(db.table)} UNION ALL ${odd.map(() => 'SELECT ?').join(' UNION ALL ')}`;
      const [r] = await db.query<{ n: number; differ: number }>(`SELECT COUNT(*) AS n, SUM(${db.dialect.epochSecondsSql('v')} IS NOT CAST(strftime('%s', v) AS INTEGER)) AS differ FROM (${values})`,
        odd,
      );
      expect(r.n).toBe(ROWS + odd.length);
      expect(r.differ).toBe(0);
    } finally {
      await db.close();
    }
  });
});
