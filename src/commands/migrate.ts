import type { ConnectionFlags } from '../cli/config.js';
import { resolveConnection } from '../cli/config.js';
import { withDb } from '../cli/database.js';
import { output, type OutputFlags } from '../cli/output.js';
import { plural } from '../render/format.js';
import type { Ctx } from '../core/io.js';
import { CLUSTER_OPTION, JSON_OPTION, type CommandSpec } from '../cli/spec.js';
import { urlScheme } from '../db/url.js';

interface Opts extends ConnectionFlags, OutputFlags {
  sql?: boolean;
  cluster?: string;
}

export const spec: CommandSpec = {
  path: ['migrate'],
  summary: "create the task log table as Django's migration does (idempotent)",
  description:
    "Creates the table with the columns, types, nullability and indexes that Django's migration creates on this " +
    'database, with the index names Django gives them. A table that exists is never altered. On PostgreSQL and ' +
    'MySQL the user_id foreign key is added when the user table exists. --sql prints the statements instead. ' +
    'On a clickhouse:// URL it creates the archive\'s tables instead (what `tasklog archive` writes), ON CLUSTER with --cluster.',
  options: [{ flags: '--sql', description: 'print the SQL without running it (like Django\'s sqlmigrate)' }, CLUSTER_OPTION, JSON_OPTION],
  examples: [
    { command: 'tasklog migrate --db postgres://app@db/app', description: 'create the table on PostgreSQL' },
    { command: 'tasklog migrate --sql --db mysql://root@localhost/app', description: 'show the DDL for MySQL' },
    { command: 'tasklog migrate --db clickhouse://ch1:8123/tasklog --cluster logs', description: "create the archive's tables on every shard of a ClickHouse cluster" },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const out = output(opts, ctx);
    if (opts.sql) {
      const settings = resolveConnection(opts, ctx);
      const { parseDatabaseUrl } = await import('../db/url.js');
      const { loadDialect } = await import('../db/connect.js');
      const target = parseDatabaseUrl(settings.url, ctx.cwd);
      const dialect = await loadDialect(target);
      const statements =
        dialect.backend === 'clickhouse'
          ? (dialect as import('../db/dialect/clickhouse.js').ClickhouseDialect).archiveTablesSql(settings.table, opts.cluster ? { name: opts.cluster, database: target.server!.database } : null)
          : dialect.createTaskTableSql(settings.table, settings.userTable);
      await out.print({ backend: target.backend, statements }, () => statements.map((s) => s + ';').join('\n') + '\n');
      return;
    }
    if (opts.cluster !== undefined || isClickhouseUrl(resolveConnection(opts, ctx).url)) return migrateArchive(opts, ctx);
    const { migrateTaskTable } = await import('../db/migrate.js');
    const result = await withDb(opts, ctx, { create: true }, async (db) => ({
      ...(await migrateTaskTable(db)),
      database: db.target.display,
      backend: db.dialect.backend,
    }));
    const { statements: _omit, ...rest } = result;
    await out.print(rest, () => {
      if (!result.created) return `Table ${result.table} already exists in ${result.database}; nothing changed.\n`;
      const fk = result.foreign_key ? '' : ' (no user table yet: the user_id foreign key was left out)';
      return `Created table ${result.table} with ${plural(result.indexes.length, 'index', 'indexes')} in ${result.database}${fk}.\n`;
    });
  },
};

function isClickhouseUrl(url: string): boolean {
  return urlScheme(url) === 'clickhouse';
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
