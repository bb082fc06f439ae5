import { resolveConnection, type ConnectionFlags } from '../toolkit/config.js';
import { EXIT } from '../core/errors.js';
import { output, type OutputFlags } from '../toolkit/output.js';
import type { Ctx } from '../core/io.js';
import { JSON_OPTION, type CommandSpec } from '../toolkit/spec.js';

interface Opts extends ConnectionFlags, OutputFlags {
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export const spec: CommandSpec<Opts> = {
  path: ['doctor'],
  summary: 'check the connection, the table, its columns and the indexes a fast tasklog relies on',
  description:
    'Connects, checks that the task log table has every column of the Django model and every index Django\'s ' +
    'migration creates (printing the CREATE INDEX for each one missing), and reports the row count estimate, the ' +
    'database version and whether the user table is there. Exit 1 when something is wrong.\n\n' +
    "It also says whether tasklog's own indexes exist (migrate --search-index, --report-index) and what each saves " +
    'on this table, measured now with a sample query of each (a search for the newest job id; stats over 168 hours), ' +
    'run twice with the second run timed. Without an index: the time its sample takes now, and what the index would ' +
    'save (search: the whole scan; report: the report less a count of the same window from an index alone).',
  options: [JSON_OPTION],
  exitCodes: { 1: 'something is wrong: no connection, no table, a missing column or index' },
  examples: [{ command: 'tasklog doctor --db postgres://app@db/app', description: 'is this database ready for tasklog?' }],
  async run(opts: Opts, ctx: Ctx) {
    const { connect } = await import('../db/connect.js');
    const { COLUMNS, expectedIndexes } = await import('../db/schema.js');
    const { describeError } = await import('../core/errors.js');
    const { formatInt } = await import('../render/format.js');
    const settings = resolveConnection(opts, ctx);
    const checks: Check[] = [];
    const missing: { name: string; sql: string }[] = [];
    let version: string | null = null;
    let rows: { rows: number; estimate: boolean } | null = null;
    let own: import('../query/ownindex.js').OwnIndexReport[] = [];
    let db: Awaited<ReturnType<typeof connect>> | null = null;
    try {
      db = await connect(settings, ctx.cwd);
      version = await db.dialect.serverVersion(db);
      checks.push({ name: 'connection', ok: true, detail: `${version} at ${db.target.display}` });
      if (!(await db.dialect.tableExists(db, db.table))) {
        checks.push({ name: 'table', ok: false, detail: `${db.table} not found (run \`tasklog migrate\`, or point --db/--table at the database that has it)` });
      } else {
        const columns = new Set(await db.dialect.listColumns(db, db.table));
        const absent = COLUMNS.filter((c) => !columns.has(c));
        checks.push({ name: 'table', ok: absent.length === 0, detail: absent.length ? `${db.table} lacks ${absent.join(', ')}` : `${db.table}, all ${COLUMNS.length} columns` });
        const have = new Set(await db.dialect.listIndexes(db, db.table));
        const expected = expectedIndexes(db.table, db.dialect.maxNameLength, db.dialect.backend);
        const statements = db.dialect.createTaskTableSql(db.table, db.userTable);
        for (const idx of expected) {
          if (have.has(idx.name)) continue;
          missing.push({ name: idx.name, sql: statements.find((s) => s.includes(idx.name)) ?? '' });
        }
        checks.push({
          name: 'indexes',
          ok: missing.length === 0,
          detail: missing.length ? `${missing.length} of ${expected.length} Django indexes missing: ${missing.map((m) => m.name).join(', ')}` : `all ${expected.length} Django indexes`,
        });
        rows = await db.dialect.estimateRows(db, db.table);
        checks.push({ name: 'rows', ok: true, detail: `${rows.estimate ? '~' : ''}${formatInt(rows.rows)}${rows.estimate ? ' (planner estimate)' : ''}` });
        const { measureOwnIndexes } = await import('../query/ownindex.js');
        own = await measureOwnIndexes(db, ctx.now());
        for (const o of own) checks.push({ name: `${o.kind} index`, ok: true, detail: ownIndexLine(o) });
      }
      checks.push({ name: 'user table', ok: true, detail: db.userTable ? db.userTable : `${db.userTableName} not found: user columns stay empty (optional)` });
    } catch (err) {
      checks.push({ name: 'connection', ok: false, detail: describeError(err).message });
    } finally {
      await db?.close();
    }
    const ok = checks.every((c) => c.ok);
    await output(opts, ctx).print({ ok, checks, missing_indexes: missing, own_indexes: own, version, rows: rows?.rows ?? null, rows_estimated: rows?.estimate ?? null }, ({ style: { c } }) => {
      const lines = checks.map((ch) => `${ch.ok ? c.green('✔') : c.red('✖')} ${ch.name.padEnd(12)} ${ch.detail}`);
      if (missing.length) lines.push('', 'Create the missing indexes with:', ...missing.map((m) => `  ${m.sql};`));
      return lines.join('\n') + '\n';
    });
    return ok ? EXIT.OK : EXIT.FAILURE;
  },
};

const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

/** What one of tasklog's indexes does here, in one line. */
function ownIndexLine(o: import('../query/ownindex.js').OwnIndexReport): string {
  if (o.not_offered) return `not offered: ${o.not_offered.replace(/^the \w+ index is not offered on [^:]+: /, '')}`;
  const size = o.bytes === null ? '' : ` (${(o.bytes / 1e6).toFixed(1)} MB)`;
  if (o.ms === null) return o.present ? `${o.name}${size}; the table is empty` : `absent; the table is empty`;
  if (o.present) {
    if (o.ms_without === null) return `${o.name}${size}: ${o.sample} in ${ms(o.ms)}, read from the index alone`;
    return `${o.name}${size}: ${o.sample} in ${ms(o.ms)}, ${ms(o.ms_without)} without it (saves ${ms(Math.max(0, o.saves_ms ?? 0))})`;
  }
  return `absent (tasklog migrate --${o.kind}-index): ${o.sample} takes ${ms(o.ms)}, of which it would save about ${ms(o.saves_ms ?? 0)}; writes cost more with it (README)`;
}
