import type { ConnectionFlags } from '../toolkit/config.js';
import { resolveConnection } from '../toolkit/config.js';
import { withDb } from '../toolkit/database.js';
import { output, type OutputFlags } from '../toolkit/output.js';
import { formatBytes, plural } from '../render/format.js';
import { progress, type Progress } from '../render/progress.js';
import { UsageError } from '../core/errors.js';
import { csvList } from '../core/values.js';
import type { Ctx } from '../core/io.js';
import { OWN_INDEX_KINDS, type OwnIndexKind } from '../db/schema.js';
import { CLUSTER_OPTION, JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';

interface Opts extends ConnectionFlags, OutputFlags {
  sql?: boolean;
  cluster?: string;
  searchIndex?: boolean;
  reportIndex?: boolean;
  dropIndex?: OwnIndexKind[];
}

const WHAT: Record<OwnIndexKind, string> = { search: 'search index', report: 'report index' };

export const spec: CommandSpec<Opts> = {
  path: ['migrate'],
  summary: "create the task log table as Django's migration does (idempotent); tasklog's own indexes on request",
  description:
    "Creates the table with the columns, types, nullability and indexes that Django's migration creates on this " +
    'database, with the index names Django gives them. A table that exists is never altered. On PostgreSQL and ' +
    'MySQL the user_id foreign key is added when the user table exists. --sql prints the statements instead. ' +
    'On a clickhouse:// URL it creates the archive\'s tables instead (what `tasklog archive` writes), ON CLUSTER with --cluster.\n\n' +
    '--search-index and --report-index add tasklog\'s own indexes (named tasklog_<table>_search and _report, which ' +
    "Django's migrations never touch): the search index serves logs list --search and the API's ?search= " +
    '(PostgreSQL: a pg_trgm GIN index, needs the extension from postgresql-contrib; SQLite: an FTS5 trigram table kept ' +
    'in step by triggers; not offered on MySQL/MariaDB), the report index is a covering index the window reports ' +
    '(stats, timeline, groups) read alone. Both make writes dearer: see the README for the figures. PostgreSQL builds ' +
    'them with CREATE INDEX CONCURRENTLY and MySQL online, so writers go on; SQLite fills the search index in short ' +
    'transactions and builds the report index in one statement, during which writers wait. Running it again does ' +
    'nothing; --drop-index removes them. `tasklog doctor` says which exist and what each saves on your table.',
  options: [
    { flags: '--sql', description: 'print the SQL without running it (like Django\'s sqlmigrate)' },
    { flags: '--search-index', description: "add tasklog's search index (PostgreSQL, SQLite)" },
    { flags: '--report-index', description: "add tasklog's covering index for the window reports" },
    { flags: '--drop-index <kinds>', description: `drop tasklog's own indexes: ${OWN_INDEX_KINDS.join(', ')} or both`, parse: (raw) => csvList(raw, OWN_INDEX_KINDS) },
    CLUSTER_OPTION,
    JSON_OPTION,
  ],
  examples: [
    { command: 'tasklog migrate --db postgres://app@db/app', description: 'create the table on PostgreSQL' },
    { command: 'tasklog migrate --sql --db mysql://root@localhost/app', description: 'show the DDL for MySQL' },
    { command: 'tasklog migrate --search-index --report-index --db postgres://app@db/app', description: 'add both of tasklog\'s indexes' },
    { command: 'tasklog migrate --drop-index search --db app.sqlite3', description: 'remove the search index and its triggers' },
    { command: 'tasklog migrate --db clickhouse://ch1:8123/tasklog --cluster logs', description: "create the archive's tables on every shard of a ClickHouse cluster" },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const out = output(opts, ctx);
    const create = OWN_INDEX_KINDS.filter((k) => (k === 'search' ? opts.searchIndex : opts.reportIndex));
    const drop = opts.dropIndex ?? [];
    const both = create.filter((k) => drop.includes(k));
    if (both.length) throw new UsageError(`--drop-index ${both[0]} and --${both[0]}-index contradict each other`);
    const settings = resolveConnection(opts, ctx);
    const { parseDatabaseUrl } = await import('../db/url.js');
    const { loadDialect } = await import('../db/connect.js');
    const target = parseDatabaseUrl(settings.url, ctx.cwd);
    const dialect = await loadDialect(target);
    if (dialect.backend === 'clickhouse' || opts.cluster !== undefined) {
      if (create.length || drop.length) throw new UsageError("the ClickHouse archive takes no --search-index, --report-index or --drop-index: its tables are sorted for the reports already");
      if (opts.sql) {
        if (dialect.backend !== 'clickhouse') throw new UsageError('--cluster is for the ClickHouse archive (--db clickhouse://…)');
        const statements = (dialect as unknown as import("../db/dialect/clickhouse.js").ClickhouseDialect).archiveTablesSql(settings.table, opts.cluster ? { name: opts.cluster, database: target.server!.database } : null);
        await out.print({ backend: target.backend, statements }, () => statements.map((s) => s + ';').join('\n') + '\n');
        return;
      }
      return migrateArchive(opts, ctx);
    }
    for (const kind of create) {
      const refusal = dialect.ownIndexes.notOffered(kind);
      if (refusal) throw new UsageError(refusal);
    }
    if (opts.sql && create.length === 0) {
      const statements = dialect.createTaskTableSql(settings.table, settings.userTable);
      await out.print({ backend: target.backend, statements }, () => statements.map((s) => s + ';').join('\n') + '\n');
      return;
    }
    const { migrateTaskTable, createOwnIndex, dropOwnIndex } = await import('../db/migrate.js');
    if (opts.sql) {
      // the index statements depend on the server (PostgreSQL: whether ICU folds the search)
      const statements = await withDb(opts, ctx, {}, async (db) => [
        ...((await db.dialect.tableExists(db, db.table)) ? [] : db.dialect.createTaskTableSql(db.table, db.userTable)),
        ...create.flatMap((k) => db.dialect.ownIndexes.createSql(db.table, k)),
      ]);
      await out.print({ backend: target.backend, statements }, () => statements.map((s) => s + ';').join('\n') + '\n');
      return;
    }
    const result = await withDb(opts, ctx, { create: true }, async (db) => {
      const table = await migrateTaskTable(db);
      if (table.created) db.ownIndexes = await db.dialect.ownIndexes.present(db, db.table);
      const indexes = [];
      for (const kind of drop) indexes.push(await dropOwnIndex(db, kind));
      for (const kind of create) {
        const shown = buildProgress(ctx, `building the ${WHAT[kind]}`);
        try {
          indexes.push(await createOwnIndex(db, kind, shown.report));
        } finally {
          shown.stop();
        }
      }
      return { ...table, database: db.target.display, backend: db.dialect.backend, own_indexes: indexes };
    });
    const { statements: _omit, ...rest } = result;
    await out.print(rest, () => {
      const lines: string[] = [];
      if (!result.created) {
        if (result.own_indexes.length === 0) lines.push(`Table ${result.table} already exists in ${result.database}; nothing changed.`);
      } else {
        const fk = result.foreign_key ? '' : ' (no user table yet: the user_id foreign key was left out)';
        lines.push(`Created table ${result.table} with ${plural(result.indexes.length, 'index', 'indexes')} in ${result.database}${fk}.`);
      }
      for (const i of result.own_indexes) {
        const size = i.bytes === null ? '' : `, ${formatBytes(i.bytes)}`;
        if (i.action === 'created') lines.push(`Created the ${WHAT[i.kind]} ${i.name} in ${i.seconds.toFixed(1)} s${size}.`);
        else if (i.action === 'exists') lines.push(`The ${WHAT[i.kind]} ${i.name} already exists${size}; nothing changed.`);
        else if (i.action === 'dropped') lines.push(`Dropped the ${WHAT[i.kind]} ${i.name}.`);
        else lines.push(`There is no ${WHAT[i.kind]} ${i.name}; nothing dropped.`);
      }
      return lines.join('\n') + '\n';
    });
  },
};

/** A progress line on a terminal for a build whose unit and total may change as it goes (rows, then a closing step). */
function buildProgress(ctx: Ctx, label: string): { report: (done: number, total: number | null, what: string) => void; stop: () => void } {
  let shown: Progress | null = null;
  let key = '';
  return {
    report(done, total, what) {
      const k = `${what}/${total}`;
      if (k !== key) {
        shown?.stop();
        shown = progress(ctx, `${label} (${what})`, total);
        key = k;
      }
      shown?.update(done);
    },
    stop: () => shown?.stop(),
  };
}

/** The archive's tables in ClickHouse, created when missing. */
async function migrateArchive(opts: Opts, ctx: Ctx): Promise<void> {
  const out = output(opts, ctx);
  const { ensureArchiveTables } = await import('../db/archive.js');
  const result = await withDb(opts, ctx, { create: true }, async (db) => {
    const r = await ensureArchiveTables(db, opts.cluster ?? null);
    return { created: r.created, tables: r.names, cluster: r.cluster, database: db.target.display, backend: db.dialect.backend };
  });
  await out.print(result, () =>
    result.created.length === 0
      ? `The archive's tables already exist in ${result.database}; nothing changed.\n`
      : `Created ${result.created.join(', ')} in ${result.database}${result.cluster ? ` on cluster ${result.cluster}` : ''}.\n`,
  );
}
