/**
 * What tasklog's own indexes save on this table, measured now with a sample
 * query of each kind (doctor): a search for the newest row's job id, and
 * django-cfg's stats over 168 hours. Each query runs twice and the second
 * (warm) run is timed.
 */
import type { Db } from '../db/connect.js';
import { ownIndexName, OWN_INDEX_KINDS, type OwnIndexKind } from '../db/schema.js';
import { instantFromDate, addMs } from '../core/time.js';
import { filterNamed } from './filters.js';
import { LogReader, parseOrdering } from './logs.js';
import { StatsQuery } from './stats.js';

export const SAMPLE_PERIOD_HOURS = 168;

export interface OwnIndexReport {
  kind: OwnIndexKind;
  name: string;
  present: boolean;
  /** why the database does not offer it (then nothing was measured) */
  not_offered: string | null;
  bytes: number | null;
  /** what was timed */
  sample: string | null;
  /** the sample as tasklog runs it now (with the index where it exists), ms */
  ms: number | null;
  /** the sample without the index (search: its scan; report: as now, where absent; null where present: the planner reads it whatever is asked) */
  ms_without: number | null;
  /** ms_without − ms where the index is there; where absent, what it would save: the scan (search), or the window report less an index-only count of the window (report) */
  saves_ms: number | null;
}

async function warm<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  await fn();
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** The same connection with tasklog's own indexes ignored by the queries (the tables are untouched). */
function without(db: Db, kind: OwnIndexKind): Db {
  const rest = new Set(db.ownIndexes);
  rest.delete(kind);
  return { ...db, ownIndexes: rest };
}

export async function measureOwnIndexes(db: Db, now: Date): Promise<OwnIndexReport[]> {
  const own = db.dialect.ownIndexes;
  const out: OwnIndexReport[] = [];
  for (const kind of OWN_INDEX_KINDS) {
    const name = ownIndexName(db.table, kind, db.dialect.maxNameLength);
    const refusal = own.notOffered(kind);
    const present = db.ownIndexes.has(kind);
    const base: OwnIndexReport = { kind, name, present, not_offered: refusal, bytes: null, sample: null, ms: null, ms_without: null, saves_ms: null };
    if (refusal) {
      out.push(base);
      continue;
    }
    const bytes = present ? await own.size(db, db.table, kind) : null;
    out.push({ ...base, bytes, ...(kind === 'search' ? await searchSample(db, now) : await reportSample(db, now)) });
  }
  return out;
}

async function searchSample(db: Db, now: Date): Promise<Pick<OwnIndexReport, 'sample' | 'ms' | 'ms_without' | 'saves_ms'>> {
  const q = (c: string) => db.dialect.quote(c);
  const [last] = await db.query<{ job_id: unknown }>(`SELECT ${q('job_id')} AS job_id FROM ${q(db.table)} ORDER BY ${q('id')} DESC LIMIT 1`);
  if (!last) return { sample: null, ms: null, ms_without: null, saves_ms: null };
  const word = String(last.job_id).split(/[\s,]+/).find(Boolean) ?? '';
  const query = { filters: [{ def: filterNamed('search'), value: [word] }], order: parseOrdering('-enqueue_time') };
  const count = (d: Db) => warm(() => new LogReader(d, now).count(query));
  const scan = await count(without(db, 'search'));
  const sample = `logs list --search <newest job id>: ${scan.value} row${scan.value === 1 ? '' : 's'} counted`;
  if (!db.ownIndexes.has('search')) return { sample, ms: scan.ms, ms_without: scan.ms, saves_ms: scan.ms };
  const indexed = await count(db);
  return { sample, ms: indexed.ms, ms_without: scan.ms, saves_ms: scan.ms - indexed.ms };
}

async function reportSample(db: Db, now: Date): Promise<Pick<OwnIndexReport, 'sample' | 'ms' | 'ms_without' | 'saves_ms'>> {
  const until = instantFromDate(now);
  const window = { since: addMs(until, -SAMPLE_PERIOD_HOURS * 3_600_000), until, hours: SAMPLE_PERIOD_HOURS, period_hours: SAMPLE_PERIOD_HOURS };
  const sample = `stats --period-hours ${SAMPLE_PERIOD_HOURS}`;
  const stats = await warm(() => new StatsQuery(db, { window }).basic());
  // with it, the planner reads it whatever plan is asked for: the time with it only
  if (db.ownIndexes.has('report')) return { sample, ms: stats.ms, ms_without: null, saves_ms: null };
  // what reading the window from an index alone costs: the count from Django's created_at index
  const q = (c: string) => db.dialect.quote(c);
  const alone = await warm(() => db.query(`SELECT COUNT(*) AS n FROM ${q(db.table)} WHERE ${q('created_at')} >= ?`, [db.dialect.encodeTime(window.since)]));
  return { sample, ms: stats.ms, ms_without: stats.ms, saves_ms: Math.max(0, stats.ms - alone.ms) };
}
