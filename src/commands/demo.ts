import type { ConnectionFlags } from '../toolkit/config.js';
import { withDb } from '../toolkit/database.js';
import { output, type OutputFlags } from '../toolkit/output.js';
import { RuntimeFailure } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';
import { nonNegativeInt, positiveInt } from '../core/values.js';

interface Opts extends ConnectionFlags, OutputFlags {
  rows: number;
  days: number;
  seed: number;
  append?: boolean;
}

export const DEMO_DEFAULT_ROWS = 5000;
export const DEMO_MAX_ROWS = 100_000_000;

export const spec: CommandSpec<Opts> = {
  path: ['demo'],
  summary: 'create the table and fill it with realistic, deterministic demo data, then print the overview',
  description:
    'Migrates the chosen database (creating a minimal auth_user table when there is none) and inserts --rows ' +
    'task log rows spread over the last --days days: named tasks on the critical, high, default, low and ' +
    'background queues, a realistic status mix, log-normal durations and queue waits, retries, repeating and ' +
    'non-ASCII error messages and a few stuck in_progress rows. The same --seed gives the same data relative ' +
    'to now. Refuses a table that already has rows unless --append.',
  options: [
    { flags: '--rows <n>', description: 'rows to insert', default: DEMO_DEFAULT_ROWS, parse: (v) => positiveInt(v, `a whole number from 1 to ${DEMO_MAX_ROWS}`) },
    { flags: '--days <d>', description: 'spread the rows over this many days before now', default: 7, parse: (v) => positiveInt(v, 'a whole number of days greater than 0') },
    { flags: '--seed <n>', description: 'where the random numbers start: the same number gives the same data', default: 1, parse: (v) => nonNegativeInt(v, 'a whole number ≥ 0') },
    { flags: '--append', description: 'add to a table that already has rows' },
    JSON_OPTION,
  ],
  examples: [
    { command: 'tasklog demo', description: 'fill ./tasklog.sqlite with 5,000 rows and show the overview' },
    { command: 'tasklog demo --rows 50000 --days 30 --db postgres://localhost/tasks', description: 'a bigger demo on PostgreSQL' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    if (opts.rows > DEMO_MAX_ROWS) {
      const { UsageError } = await import('../core/errors.js');
      throw new UsageError(`option '--rows <n>' argument '${opts.rows}' is invalid. expects a whole number from 1 to ${DEMO_MAX_ROWS}`);
    }
    const { migrateTaskTable, ensureUserTable } = await import('../db/migrate.js');
    const { insertRows } = await import('../db/insert.js');
    const { generateRows, DEMO_USERS } = await import('../../fixtures/generate.js');
    const { overview } = await import('../query/overview.js');
    const { progress } = await import('../render/progress.js');
    const { formatInt, plural } = await import('../render/format.js');
    const now = ctx.now();

    const result = await withDb(opts, ctx, { create: true, writes: 'demo writes task log rows' }, async (db) => {
      const createdUsers = await ensureUserTable(db);
      const migration = await migrateTaskTable(db);
      const existing = await countRows(db, db.table);
      if (existing > 0 && !opts.append) {
        throw new RuntimeFailure(
          `table ${db.table} in ${db.target.display} already has ${plural(existing, 'row')}; pass --append to add more, or choose another --db`,
          'not_empty',
        );
      }
      const userIds = await demoUsers(db, createdUsers, DEMO_USERS, now);
      const started = Date.now();
      const bar = progress(ctx, `Inserting ${formatInt(opts.rows)} demo rows`, opts.rows);
      let inserted: number;
      try {
        inserted = await insertRows(
          db,
          generateRows({ rows: opts.rows, days: opts.days, seed: opts.seed, now, userIds, salt: existing }),
          (done) => bar.update(done),
        );
      } catch (err) {
        bar.fail();
        throw err;
      }
      // fresh statistics, or the planner guesses from an empty table (PostgreSQL scans instead of using indexes)
      await db.exec(db.dialect.analyzeSql(db.table));
      const seconds = (Date.now() - started) / 1000;
      bar.succeed(`Inserted ${formatInt(inserted)} demo rows into ${db.table} (${db.target.display}) in ${seconds.toFixed(1)} s`);
      return { inserted, created_table: migration.created, database: db.target.display, table: db.table, overview: await overview(db, now) };
    });

    const { renderOverviewPage } = await import('./overview.js');
    await output(opts, ctx).print(result, async (term) => '\n' + (await renderOverviewPage(result.overview, term)));
  },
};

async function demoUsers(
  db: import('../db/connect.js').Db,
  created: boolean,
  users: typeof import('../../fixtures/generate.js').DEMO_USERS,
  now: Date,
): Promise<number[]> {
  if (!db.userTable) return [];
  const { instantFromDate } = await import('../core/time.js');
  const table = db.userTable;
  const { insertRecords } = await import('../db/insert.js');
  const count = await countRows(db, table);
  if (created || count === 0) {
    const joined = db.dialect.encodeTime(instantFromDate(now));
    await insertRecords(
      db,
      db.dialect,
      table,
      users.map((u) => ({
        password: '!',
        last_login: null,
        is_superuser: db.dialect.encodeBool(u.is_superuser),
        username: u.username,
        first_name: u.first_name,
        last_name: u.last_name,
        email: u.email,
        is_staff: db.dialect.encodeBool(u.is_staff),
        is_active: db.dialect.encodeBool(true),
        date_joined: joined,
      })),
    );
  }
  const q = (c: string) => db.dialect.quote(c);
  const rows = await db.query<{ id: unknown }>(`SELECT ${q('id')} AS id FROM ${q(table)} ORDER BY ${q('id')} LIMIT 20`);
  return rows.map((r) => Number(r.id));
}

async function countRows(db: import('../db/connect.js').Db, table: string): Promise<number> {
  const [r] = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${db.dialect.quote(table)}`);
  return Number(r.n);
}
