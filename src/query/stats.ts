/**
 * django-cfg's statistics and more, computed in the database: one aggregate
 * query, one GROUP BY status, and the exact percentiles (linear
 * interpolation between the two nearest ranks, as PostgreSQL's
 * percentile_cont) read by rank with ROW_NUMBER() — the same numbers on
 * every backend, without pulling rows into Node.
 */
import { type Db } from '../db/connect.js';
import { byCountThenName, compareText, countsLargestFirst } from './sort.js';
import { groupSql, STATUSES } from './status.js';
import { pyInt, pyRound } from './round.js';
import type { Window } from './window.js';
import { chooseWindowPlan, windowSource, windowTerm, type WindowPlan } from './plan.js';
import type { Condition } from './conditions.js';
import { countWhen } from '../db/dialect/types.js';

/**
 * duration_ms as the reports aggregate it: a value that is not a number (SQLite
 * stores any type in any column) counts as no duration, as the row's own
 * duration reads (decodeInt) — never a failed report.
 */
export function durationSql(db: Db): string {
  const col = db.dialect.quote('duration_ms');
  return db.dialect.numericSql?.(col) ?? col;
}

/** Says once (Db.note) how many rows' duration_ms was no number, from rows holding n_duration_raw and n_duration. */
export function noteSkippedDurations(db: Db, rows: readonly Record<string, unknown>[]): void {
  const skipped = rows.reduce((sum, r) => sum + (r.n_duration_raw === undefined ? 0 : Number(r.n_duration_raw) - Number(r.n_duration ?? 0)), 0);
  if (skipped > 0) db.note(`${skipped} ${skipped === 1 ? 'row holds' : 'rows hold'} a duration_ms that is not a number (SQLite keeps any type in any column): counted as no duration`);
}

export interface Scope {
  window: Window;
  /** the rows of the window that count: the filters' condition (filterCondition) */
  condition?: Condition | null;
  /** how the window's rows are read (default: chosen by the window's share of the table) */
  plan?: WindowPlan;
}

/** Percentiles in per-mille, so positions are exact integer arithmetic everywhere. */
export const PERCENTILES = { p50: 500, p95: 950, p99: 990 } as const;
const DURATION_PERCENTILES = [PERCENTILES.p50, PERCENTILES.p95, PERCENTILES.p99];
const WAIT_PERCENTILES = [PERCENTILES.p50, PERCENTILES.p95];

export interface Stats {
  total: number;
  successful: number;
  failed: number;
  in_progress: number;
  success_rate: number;
  avg_duration_ms: number;
  avg_duration_seconds: number;
  period_hours: number;
  duration_ms: { min: number | null; max: number | null; p50: number | null; p95: number | null; p99: number | null };
  queue_wait_ms: { avg: number | null; p50: number | null; p95: number | null };
  retries: { avg: number; max: number; retried: number };
  by_status: Record<string, number>;
  throughput_per_hour: number;
}

export type SeedStatsKey = 'total' | 'successful' | 'failed' | 'in_progress' | 'success_rate' | 'avg_duration_ms' | 'avg_duration_seconds' | 'period_hours';

export interface GroupStats {
  name: string;
  total: number;
  successful: number;
  failed: number;
  success_rate: number;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
  max_duration_ms: number | null;
  avg_retries: number;
}

export class StatsQuery {
  private where = '';
  private bindings: unknown[] = [];
  /** the table as the window's plan reads it (windowSource) */
  private source = '';
  private prepared: Promise<void> | null = null;
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  /** the window's condition, once the plan is known (chosen once per query object) */
  private ready(): Promise<void> {
    this.prepared ??= (async () => {
      const { db, scope } = this;
      const plan = scope.plan ?? (await chooseWindowPlan(db, scope.window.since)).plan;
      const parts = [windowTerm(db, plan)];
      const bindings: unknown[] = [db.dialect.encodeTime(scope.window.since)];
      if (scope.condition) {
        parts.push(`(${scope.condition.sql})`);
        bindings.push(...scope.condition.bindings);
      }
      this.where = parts.join(' AND ');
      this.bindings = bindings;
      this.source = windowSource(db, plan);
    })();
    return this.prepared;
  }

  private q(c: string): string {
    return this.db.dialect.quote(c);
  }

  /** every read of a StatsQuery is of its window, once ready() chose the plan */
  private get table(): string {
    return this.source;
  }

  /** queue wait in microseconds (start − enqueue) */
  private get waitSql(): string {
    return this.db.dialect.microsBetweenSql(this.q('enqueue_time'), this.q('start_time'));
  }

  private counters(): string {
    const d = this.db.dialect;
    const q = (c: string) => this.q(c);
    return [
      'COUNT(*) AS total',
      `${countWhen(d, groupSql('successful', d))} AS successful`,
      `${countWhen(d, groupSql('failed', d))} AS failed`,
      `${countWhen(d, groupSql('open', d))} AS in_progress`,
      `COUNT(${durationSql(this.db)}) AS n_duration`,
      // where a duration may be no number (SQLite), how many are there at all: the difference is left out, and said
      ...(d.numericSql ? [`COUNT(${q('duration_ms')}) AS n_duration_raw`] : []),
      `SUM(${durationSql(this.db)}) AS sum_duration`,
      `MIN(${durationSql(this.db)}) AS min_duration`,
      `MAX(${durationSql(this.db)}) AS max_duration`,
      `SUM(${q('job_retries')}) AS sum_retries`,
      `MAX(${q('job_retries')}) AS max_retries`,
      `${countWhen(d, `${q('job_retries')} > 0`)} AS retried`,
    ].join(', ');
  }

  /**
   * The window's rows with the queue wait computed once per row: without the
   * fence SQLite and PostgreSQL paste the subquery into the outer query and
   * compute the wait once for each of the four aggregates that read it
   * (1M rows on SQLite, CPU: 4.7 s → 2.9 s for the whole summary).
   */
  private get windowRows(): string {
    const q = (c: string) => this.q(c);
    return `(SELECT ${q('status')}, ${q('success')}, ${q('duration_ms')}, ${q('job_retries')}, ${this.waitSql} AS wait_us FROM ${this.table} WHERE ${this.where}${this.db.dialect.subqueryFence}) w`;
  }

  /**
   * Only django-cfg's eight numbers (what the API's stats endpoint answers):
   * one aggregate over the window, no percentiles.
   */
  async basic(): Promise<Pick<Stats, SeedStatsKey>> {
    await this.ready();
    const agg = (await this.db.query<Record<string, unknown>>(`SELECT ${this.counters()} FROM ${this.table} WHERE ${this.where}`, this.bindings))[0];
    return this.eight(agg);
  }

  /** django-cfg's eight numbers from the counters' row. */
  private eight(agg: Record<string, unknown>): Pick<Stats, SeedStatsKey> {
    noteSkippedDurations(this.db, [agg]);
    const n = (k: string) => Number(agg[k] ?? 0);
    const successful = n('successful');
    const failed = n('failed');
    const avgDuration = n('n_duration') > 0 ? n('sum_duration') / n('n_duration') : 0;
    return {
      total: n('total'),
      successful,
      failed,
      in_progress: n('in_progress'),
      success_rate: successful + failed > 0 ? pyRound((successful / (successful + failed)) * 100, 2) : 0.0,
      avg_duration_ms: pyInt(avgDuration),
      avg_duration_seconds: pyRound(avgDuration / 1000, 2),
      period_hours: this.scope.window.period_hours,
    };
  }

  async summary(): Promise<Stats> {
    await this.ready();
    const statusSums = STATUSES.map((s, i) => `${countWhen(this.db.dialect, `${this.q('status')} = '${s}'`)} AS s${i}`).join(', ');
    // where the database has percentile_cont, the percentiles come with the sums, in one scan
    const pc = this.db.dialect.percentileContSql?.bind(this.db.dialect);
    const inline = pc
      ? [
          ...DURATION_PERCENTILES.map((p) => `${pc(durationSql(this.db), p / 1000)} AS pd${p}`),
          ...WAIT_PERCENTILES.map((p) => `${pc('wait_us', p / 1000)} AS pw${p}`),
        ].map((e) => `, ${e}`).join('')
      : '';
    const sums = `${this.counters()}, COUNT(wait_us) AS n_wait, SUM(wait_us) AS sum_wait, ${statusSums}`;
    // where the database picks its percentiles in passes of its own, the sums come with its second pass
    const picked = !pc && this.db.dialect.pickedPercentiles
      ? (await this.db.dialect.pickedPercentiles(this.db, { from: this.windowRows, where: '1 = 1', bindings: this.bindings, group: null, aggregates: sums, measures: [
          { expr: durationSql(this.db), perMille: DURATION_PERCENTILES },
          { expr: 'wait_us', perMille: WAIT_PERCENTILES },
        ] })).get('')!
      : null;
    const agg = picked?.row ?? (await this.db.query<Record<string, unknown>>(`SELECT ${sums}${inline} FROM ${this.windowRows}`, this.bindings))[0];
    const n = (k: string) => Number(agg[k] ?? 0);
    const nullable = (k: string) => (agg[k] === null || agg[k] === undefined ? null : Number(agg[k]));
    // the seven statuses were counted above; only a status outside them needs a GROUP BY
    let byStatus = STATUSES.map((status, i) => ({ status: status as string, n: n(`s${i}`) })).filter((s) => s.n > 0);
    const known = byStatus.reduce((a, s) => a + s.n, 0);
    const [other, durationP, waitP] = await Promise.all([
      known === n('total')
        ? Promise.resolve(null)
        : this.db.query<{ status: string; n: number }>(`SELECT ${this.q('status')} AS status, COUNT(*) AS n FROM ${this.table} WHERE ${this.where} GROUP BY ${this.q('status')}`,
            this.bindings,
          ),
      pc ? DURATION_PERCENTILES.map((p) => nullable(`pd${p}`)) : picked ? pickedAt(picked.measures[0], DURATION_PERCENTILES) : this.percentiles(durationSql(this.db), n('n_duration'), DURATION_PERCENTILES),
      pc ? WAIT_PERCENTILES.map((p) => nullable(`pw${p}`)) : picked ? pickedAt(picked.measures[1], WAIT_PERCENTILES) : this.percentiles(this.waitSql, n('n_wait'), WAIT_PERCENTILES),
    ]);
    if (other) byStatus = other.map((s) => ({ status: s.status, n: Number(s.n) }));
    const total = n('total');
    const us = (v: number | null) => (v === null ? null : pyRound(v / 1000, 3));
    const statusCounts = countsLargestFirst(byStatus.map((s) => [s.status, Number(s.n)]));
    return {
      ...this.eight(agg),
      duration_ms: {
        min: nullable('min_duration'),
        max: nullable('max_duration'),
        p50: round2(durationP[0]),
        p95: round2(durationP[1]),
        p99: round2(durationP[2]),
      },
      queue_wait_ms: {
        avg: n('n_wait') > 0 ? us(n('sum_wait') / n('n_wait')) : null,
        p50: us(waitP[0]),
        p95: us(waitP[1]),
      },
      retries: {
        avg: total > 0 ? pyRound(n('sum_retries') / total, 2) : 0,
        max: n('max_retries'),
        retried: n('retried'),
      },
      by_status: statusCounts,
      throughput_per_hour: pyRound(total / this.scope.window.hours, 2),
    };
  }

  /**
   * Exact percentiles of a non-null expression: the ranks each needs are
   * computed here, and one ROW_NUMBER() query reads just those values.
   */
  private async percentiles(expr: string, count: number, perMille: number[]): Promise<(number | null)[]> {
    if (count === 0) return perMille.map(() => null);
    const ranks = new Set<number>();
    for (const p of perMille) {
      const { lo, frac } = position(p, count);
      ranks.add(lo + 1);
      if (frac > 0) ranks.add(lo + 2);
    }
    const list = [...ranks];
    const rows = await this.db.query<{ v: unknown; rn: unknown }>(`SELECT v, rn FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn FROM (SELECT ${expr} AS v FROM ${this.table} WHERE ${this.where}) x WHERE v IS NOT NULL) ranked ` +
        `WHERE rn IN (${list.map(() => '?').join(', ')})`,
      [...this.bindings, ...list],
    );
    const at = new Map(rows.map((r) => [Number(r.rn), Number(r.v)]));
    return perMille.map((p) => interpolate((rank) => at.get(rank), p, count));
  }

  /** Per task: count, sum and exact p50/p95/p99 of duration_ms (for metrics). */
  async durationQuantilesByTask(): Promise<{ name: string; count: number; sum: number; p50: number; p95: number; p99: number }[]> {
    await this.ready();
    const col = this.q('task_name');
    const dur = durationSql(this.db);
    const d = this.db.dialect;
    const wanted = DURATION_PERCENTILES;
    const pc = d.percentileContSql?.bind(d);
    if (pc) {
      // one scan, as summary() and groups() do where the database has percentile_cont
      const rows = await this.db.query<Record<string, unknown>>(`SELECT ${col} AS name, COUNT(${dur}) AS n, SUM(${dur}) AS s, ${wanted.map((p) => `${pc(dur, p / 1000)} AS p${p}`).join(', ')} ` +
          `FROM ${this.table} WHERE ${this.where} AND ${dur} IS NOT NULL GROUP BY ${col}`,
        this.bindings,
      );
      return rows
        .map((r) => {
          const [p50, p95, p99] = wanted.map((p) => Number(r[`p${p}`]));
          return { name: String(r.name), count: Number(r.n), sum: Number(r.s), p50, p95, p99 };
        })
        .sort((a, b) => compareText(a.name, b.name));
    }
    if (d.pickedPercentiles) {
      const picked = await d.pickedPercentiles(this.db, { from: this.table, where: `${this.where} AND ${dur} IS NOT NULL`, bindings: this.bindings, group: col, aggregates: `COUNT(${dur}) AS n, SUM(${dur}) AS s`, measures: [{ expr: dur, perMille: wanted }] });
      return [...picked]
        .map(([name, { row, measures }]) => {
          const [p50, p95, p99] = wanted.map((p) => interpolate(measures[0].at, p, measures[0].count));
          return { name, count: Number(row.n), sum: Number(row.s), p50, p95, p99 };
        })
        .sort((a, b) => compareText(a.name, b.name));
    }
    // ranks around the exact position; the one below it too, where the double position falls just short
    const rankConds = wanted.flatMap((p) => [0, 1, 2].map((k) => `rn = ${d.intDivSql(`${p} * (cnt - 1)`, '1000')} + ${k}`));
    const [sums, ranked] = await Promise.all([
      this.db.query<{ name: string; n: unknown; s: unknown }>(`SELECT ${col} AS name, COUNT(${dur}) AS n, SUM(${dur}) AS s FROM ${this.table} WHERE ${this.where} AND ${dur} IS NOT NULL GROUP BY ${col}`,
        this.bindings,
      ),
      this.db.query<{ name: string; v: unknown; rn: unknown }>(`SELECT name, v, rn FROM (SELECT ${col} AS name, ${dur} AS v, ROW_NUMBER() OVER (PARTITION BY ${col} ORDER BY ${dur}) AS rn, ` +
          `COUNT(*) OVER (PARTITION BY ${col}) AS cnt FROM ${this.table} WHERE ${this.where} AND ${dur} IS NOT NULL) ranked WHERE ${rankConds.join(' OR ')}`,
        this.bindings,
      ),
    ]);
    const at = new Map<string, Map<number, number>>();
    for (const r of ranked) {
      if (!at.has(r.name)) at.set(r.name, new Map());
      at.get(r.name)!.set(Number(r.rn), Number(r.v));
    }
    return sums
      .map((r) => {
        const count = Number(r.n);
        const values = at.get(r.name)!;
        const [p50, p95, p99] = wanted.map((p) => interpolate((rank) => values.get(rank), p, count));
        return { name: r.name, count, sum: Number(r.s), p50, p95, p99 };
      })
      .sort((a, b) => compareText(a.name, b.name));
  }

  /** One row per task or queue: django-cfg's success-rate-by-task, tasks-by-queue and retry analysis. */
  async groups(by: 'task' | 'queue'): Promise<GroupStats[]> {
    await this.ready();
    const col = this.q(by === 'task' ? 'task_name' : 'queue_name');
    const d = this.db.dialect;
    const pc = d.percentileContSql?.bind(d);
    // where the database picks its percentiles in passes of its own, the counters come with its second pass
    const own = d.pickedPercentiles && !pc
      ? await d.pickedPercentiles(this.db, { from: this.table, where: this.where, bindings: this.bindings, group: col, aggregates: this.counters(), measures: [{ expr: this.q('duration_ms'), perMille: [PERCENTILES.p95] }] })
      : null;
    const [rows, p95] = await Promise.all([
      own
        ? [...own].map(([name, { row }]): Record<string, unknown> => ({ ...row, name }))
        : this.db.query<Record<string, unknown>>(`SELECT ${col} AS name, ${this.counters()}${pc ? `, ${pc(durationSql(this.db), PERCENTILES.p95 / 1000)} AS p95` : ''} FROM ${this.table} WHERE ${this.where} GROUP BY ${col}`,
            this.bindings,
          ),
      pc || own
        ? Promise.resolve([])
        : this.db.query<{ name: string; v: unknown; rn: unknown; cnt: unknown }>(`SELECT name, v, rn, cnt FROM (SELECT ${col} AS name, ${durationSql(this.db)} AS v, ` +
              `ROW_NUMBER() OVER (PARTITION BY ${col} ORDER BY ${durationSql(this.db)}) AS rn, ` +
              `COUNT(*) OVER (PARTITION BY ${col}) AS cnt FROM ${this.table} WHERE ${this.where} AND ${durationSql(this.db)} IS NOT NULL) ranked ` +
              `WHERE rn = ${d.intDivSql(`${PERCENTILES.p95} * (cnt - 1)`, '1000')} + 1 OR rn = ${d.intDivSql(`${PERCENTILES.p95} * (cnt - 1)`, '1000')} + 2`,
            this.bindings,
          ),
    ]);
    const p95By = new Map<string, number>();
    if (pc) for (const r of rows) if (r.p95 !== null && r.p95 !== undefined) p95By.set(String(r.name), Number(r.p95));
    const ranked = new Map<string, Map<number, number>>();
    const counts = new Map<string, number>();
    for (const r of p95) {
      if (!ranked.has(r.name)) ranked.set(r.name, new Map());
      ranked.get(r.name)!.set(Number(r.rn), Number(r.v));
      counts.set(r.name, Number(r.cnt));
    }
    for (const [name, at] of ranked) p95By.set(name, interpolate((rank) => at.get(rank), PERCENTILES.p95, counts.get(name)!));
    if (own) for (const [name, { measures }] of own) if (measures[0].count > 0) p95By.set(name, interpolate(measures[0].at, PERCENTILES.p95, measures[0].count));
    noteSkippedDurations(this.db, rows);
    return rows
      .map((r) => {
        const n = (k: string) => Number(r[k] ?? 0);
        const name = String(r.name);
        const successful = n('successful');
        const failed = n('failed');
        return {
          name,
          total: n('total'),
          successful,
          failed,
          success_rate: successful + failed > 0 ? pyRound((successful / (successful + failed)) * 100, 2) : 0.0,
          avg_duration_ms: n('n_duration') > 0 ? pyInt(n('sum_duration') / n('n_duration')) : null,
          p95_duration_ms: round2(p95By.get(name) ?? null),
          max_duration_ms: r.max_duration === null || r.max_duration === undefined ? null : n('max_duration'),
          avg_retries: n('total') > 0 ? pyRound(n('sum_retries') / n('total'), 2) : 0,
        };
      })
      .sort(byCountThenName((g) => g.total, (g) => g.name));
  }
}

/**
 * Where percentile_cont reads: the position fraction × (count − 1) in
 * doubles, as PostgreSQL and SQLite compute it (the same double, so the same
 * last digit of an unrounded percentile, as metrics prints), its whole part
 * (0-based) and the rest.
 */
function position(perMille: number, count: number): { lo: number; frac: number } {
  const at = (perMille / 1000) * (count - 1);
  const lo = Math.floor(at);
  return { lo, frac: at - lo };
}

/** a measure's percentiles at these per-mille positions from the dialect's picks (null where it has no value) */
function pickedAt(m: { count: number; at(rank: number): number | undefined }, perMille: readonly number[]): (number | null)[] {
  return perMille.map((p) => (m.count > 0 ? interpolate(m.at, p, m.count) : null));
}

/** percentile_cont from the values at ranks lo+1 and lo+2 (1-based) of `count` sorted values */
function interpolate(at: (rank: number) => number | undefined, perMille: number, count: number): number {
  const { lo, frac } = position(perMille, count);
  const a = at(lo + 1)!;
  return frac === 0 ? a : a + (at(lo + 2)! - a) * frac;
}

function round2(v: number | null): number | null {
  return v === null ? null : pyRound(v, 2);
}
