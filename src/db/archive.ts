/**
 * The archive's tables in ClickHouse (their design: src/db/dialect/clickhouse.ts
 * and the README): created when missing, on one server or ON CLUSTER, and
 * checked when present — a table of another shape is refused, never altered.
 */
import { RuntimeFailure, UsageError } from '../core/errors.js';
import type { Db } from './connect.js';
import { archiveNames, ARCHIVE_SHAPES, type ArchiveNames, type ClickhouseDialect } from './dialect/clickhouse.js';

export interface ArchiveLayout {
  /** unquoted names, as --table gives them */
  names: ArchiveNames;
  /** the names quoted for SQL */
  sql: ArchiveNames;
  /** the cluster the tables are Distributed over (null: one server) */
  cluster: string | null;
}

export interface EnsureResult extends ArchiveLayout {
  /** tables (and the view) that were missing and are now created */
  created: string[];
  /** tables that are missing and were left so (create false) */
  missing: string[];
}

/** The ClickHouse dialect of an archive connection; any other database is a usage error. */
export function archiveDialect(db: Db): ClickhouseDialect {
  if (db.dialect.backend !== 'clickhouse') throw new UsageError(`${db.target.display} is ${db.dialect.productName}: the archive is a ClickHouse database (clickhouse://host:8123/database)`);
  return db.dialect as ClickhouseDialect;
}

/**
 * The archive's tables, created when missing (`cluster`: ON CLUSTER, as
 * ReplicatedMergeTree under Distributed). Tables that exist must have the
 * columns and types the archive writes; on a cluster they must be
 * Distributed, on one server they must not be.
 */
export async function ensureArchiveTables(db: Db, cluster: string | null, create = true): Promise<EnsureResult> {
  const d = archiveDialect(db);
  const names = archiveNames(db.table);
  const roles = Object.keys(ARCHIVE_SHAPES) as (keyof typeof ARCHIVE_SHAPES)[];
  const missing: string[] = [];
  let distributed: boolean | null = null;
  for (const role of roles) {
    const name = names[role];
    const engine = await d.tableEngine(db, name);
    if (engine === null) {
      missing.push(name);
      continue;
    }
    const types = await d.columnTypes(db, name);
    const expected = ARCHIVE_SHAPES[role];
    for (const [c, t] of expected) {
      const got = types.get(c);
      if (got !== t) throw shapeError(db, name, got === undefined ? `it has no column ${c} (${t})` : `column ${c} is ${got}, not ${t}`);
    }
    const extra = [...types.keys()].filter((c) => !expected.some(([e]) => e === c));
    if (extra.length) throw shapeError(db, name, `it has columns the archive does not write (${extra.join(', ')})`);
    distributed = engine === 'Distributed';
  }
  if (distributed !== null && cluster !== null && !distributed) {
    throw new RuntimeFailure(`${db.target.display}: the archive's tables exist on this server alone, not ON CLUSTER ${cluster} (archive into another database, or leave out --cluster)`, 'archive_shape');
  }
  const viewEngine = await d.tableEngine(db, names.view);
  if (viewEngine !== null && viewEngine !== 'View') throw shapeError(db, names.view, `it is a ${viewEngine} table where the archive keeps its view of the current rows`);
  if (viewEngine === null) missing.push(names.view);
  const onCluster = cluster !== null && (distributed ?? true) ? cluster : distributed ? await clusterOf(db, names.settled) : null;
  if (missing.length > 0 && create) {
    const database = db.target.server!.database;
    if (onCluster !== null) {
      await db.exec(`CREATE DATABASE IF NOT EXISTS ${d.quote(database)} ON CLUSTER ${d.quote(onCluster)}`);
    }
    for (const sql of d.archiveTablesSql(db.table, onCluster === null ? null : { name: onCluster, database })) await db.exec(sql);
  }
  const q = (n: string) => d.quote(n);
  return {
    names,
    sql: { view: q(names.view), settled: q(names.settled), open: q(names.open), superseded: q(names.superseded), runs: q(names.runs) },
    cluster: onCluster,
    created: create ? missing : [],
    missing: create ? [] : missing,
  };
}

function shapeError(db: Db, table: string, problem: string): RuntimeFailure {
  return new RuntimeFailure(`${db.target.display}: table ${table} has another shape than the archive's: ${problem} (archive into another database or --table)`, 'archive_shape');
}

/** The cluster a Distributed table spreads over (its engine's first argument). */
async function clusterOf(db: Db, table: string): Promise<string> {
  const rows = await db.query<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = ?`, [table]);
  const m = /^Distributed\(\s*['`"]?([A-Za-z0-9_]+)/.exec(String(rows[0]?.engine_full ?? ''));
  if (!m) throw new RuntimeFailure(`${db.target.display}: cannot tell which cluster ${table} is Distributed over`, 'archive_shape');
  return m[1].trim();
}

/** The layout of an archive whose database is not there yet (a dry run): every table missing. */
export function absentArchive(table: string): EnsureResult {
  const names = archiveNames(table);
  const q = (n: string) => '`' + n + '`';
  return {
    names,
    sql: { view: q(names.view), settled: q(names.settled), open: q(names.open), superseded: q(names.superseded), runs: q(names.runs) },
    cluster: null,
    created: [],
    missing: Object.values(names),
  };
}
