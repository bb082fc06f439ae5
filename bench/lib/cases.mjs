// What is measured: each tasklog command, and for the same answer the SQL a DBA
// would write by hand, per database. `cli` runs through psql / sqlite3 (the
// SQLite CLI here is 3.40: no percentile functions, so percentiles are read by
// rank with ROW_NUMBER()); `raw` runs through the driver tasklog itself uses
// (bench/raw.mjs; better-sqlite3 bundles SQLite 3.5x with percentile_cont).
// `check` compares tasklog's --json answer with the raw driver's rows, so a
// baseline that computed something else would fail the run.
import { NOW, TABLE } from './env.mjs';

const T = `"${TABLE}"`;
const U = 'auth_user';
const HOUR = 3_600_000;

/** an instant `hours` before NOW as a literal the column compares correctly against */
function at(backend, hoursBefore) {
  const iso = new Date(Date.parse(NOW) - hoursBefore * HOUR).toISOString().replace('.000Z', 'Z');
  // Django's SQLite text: naive UTC, no fraction when it is 0
  return backend === 'sqlite' ? `'${iso.slice(0, 10)} ${iso.slice(11, 19)}'` : `'${iso}'`;
}

const STATUSES = ['deferred', 'queued', 'in_progress', 'success', 'failed', 'expired', 'canceled'];

/** the status groups as a DBA writes them on each database (NULL success never counts) */
function groups(backend) {
  return backend === 'sqlite'
    ? { ok: `status = 'success' AND success = 1`, failed: `status IN ('failed', 'expired') OR success = 0` }
    : { ok: `status = 'success' AND success`, failed: `status IN ('failed', 'expired') OR success IS FALSE` };
}

/** COUNT(*) of the rows matching a condition: FILTER on PostgreSQL, a sum of booleans on SQLite */
function countIf(backend, cond) {
  return backend === 'sqlite' ? `COALESCE(SUM(${cond}), 0)` : `COUNT(*) FILTER (WHERE ${cond})`;
}

/** queue wait in ms (start − enqueue), exact */
function waitMs(backend) {
  if (backend === 'postgres') return `date_part('epoch', start_time - enqueue_time) * 1000`;
  // Django's text keeps microseconds after the 19th character
  const frac = (c) => `(CASE WHEN length(${c}) > 19 THEN CAST(substr(${c} || '000000', 21, 6) AS INTEGER) ELSE 0 END)`;
  return `(((unixepoch(start_time) - unixepoch(enqueue_time)) * 1000000 + ${frac('start_time')} - ${frac('enqueue_time')}) / 1000.0)`;
}

/** SQLite 3.40 (the CLI): exact percentiles by rank, interpolated as percentile_cont, permille integer arithmetic */
function rankPercentiles(expr, where, permilles) {
  const ranks = permilles.flatMap((p) => [`(${p} * (c - 1)) / 1000 + 1`, `(${p} * (c - 1)) / 1000 + 2`]);
  const values = permilles.map((p) => `(${p})`).join(', ');
  return (
    `WITH r AS MATERIALIZED (SELECT v, rn, c FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS c ` +
    `FROM (SELECT ${expr} AS v FROM ${T} WHERE ${where}) WHERE v IS NOT NULL) WHERE rn IN (${ranks.join(', ')})), p(q) AS (VALUES ${values}) ` +
    `SELECT q, lo.v + (COALESCE(hi.v, lo.v) - lo.v) * ((q * (lo.c - 1)) % 1000) / 1000.0 AS v ` +
    `FROM p JOIN r AS lo ON lo.rn = (q * (lo.c - 1)) / 1000 + 1 LEFT JOIN r AS hi ON hi.rn = lo.rn + 1 ORDER BY q`
  );
}

/**
 * The table as a DBA reads a window of it: a window holding most of the table
 * is read by scanning it (SQLite: NOT INDEXED; PostgreSQL's planner chooses
 * by itself), a small one through the created_at index.
 */
function from(backend, hours) {
  return backend === 'sqlite' && hours >= FULL ? `${T} NOT INDEXED` : T;
}

/** a window holding every row of the bench tables (90 days) */
export const FULL = 2400;

/** the stats summary of a window: counters, by status, duration and queue-wait percentiles */
function statsSql(backend, variant, since, hours = 168) {
  const g = groups(backend);
  const where = `created_at >= ${since}`;
  const counters = [
    'COUNT(*) AS total',
    `${countIf(backend, g.ok)} AS successful`,
    `${countIf(backend, g.failed)} AS failed`,
    `${countIf(backend, `status IN ('in_progress', 'queued')`)} AS in_progress`,
    'AVG(duration_ms) AS avg_duration_ms',
    'MIN(duration_ms) AS min_duration',
    'MAX(duration_ms) AS max_duration',
    'AVG(wait_ms) AS avg_wait_ms',
    'AVG(job_retries) AS avg_retries',
    'MAX(job_retries) AS max_retries',
    `${countIf(backend, 'job_retries > 0')} AS retried`,
    ...STATUSES.map((s) => `${countIf(backend, `status = '${s}'`)} AS "s_${s}"`),
  ];
  if (backend === 'postgres') {
    counters.push(
      'percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS duration_p',
      'percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY wait_ms) AS wait_p',
    );
  } else if (variant === 'raw') {
    counters.push(
      ...[0.5, 0.95, 0.99].map((p) => `percentile_cont(duration_ms, ${p}) AS duration_p${p * 100}`),
      ...[0.5, 0.95].map((p) => `percentile_cont(wait_ms, ${p}) AS wait_p${p * 100}`),
    );
  }
  const stmts = [`SELECT ${counters.join(', ')} FROM (SELECT status, success, duration_ms, job_retries, ${waitMs(backend)} AS wait_ms FROM ${from(backend, hours)} WHERE ${where}) w`];
  if (backend === 'sqlite' && variant === 'cli') {
    stmts.push(rankPercentiles('duration_ms', where, [500, 950, 990]), rankPercentiles(waitMs(backend), where, [500, 950]));
  }
  return stmts;
}

function groupsSql(backend, variant, since, hours = 24) {
  const g = groups(backend);
  const cols = [
    'task_name',
    'COUNT(*) AS total',
    `${countIf(backend, g.ok)} AS successful`,
    `${countIf(backend, g.failed)} AS failed`,
    'AVG(duration_ms) AS avg_duration_ms',
    'MAX(duration_ms) AS max_duration_ms',
    'AVG(job_retries) AS avg_retries',
  ];
  const where = `created_at >= ${since}`;
  if (backend === 'postgres') cols.push('percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95');
  else if (variant === 'raw') cols.push('percentile_cont(duration_ms, 0.95) AS p95');
  else {
    // the CLI: p95 by rank within each task, joined in
    const ranked =
      `SELECT task_name AS name, v, rn, c FROM (SELECT task_name, duration_ms AS v, ROW_NUMBER() OVER (PARTITION BY task_name ORDER BY duration_ms) AS rn, ` +
      `COUNT(*) OVER (PARTITION BY task_name) AS c FROM ${T} WHERE ${where} AND duration_ms IS NOT NULL) WHERE rn IN ((950 * (c - 1)) / 1000 + 1, (950 * (c - 1)) / 1000 + 2)`;
    return [
      `WITH r AS MATERIALIZED (${ranked}), p95 AS (SELECT lo.name, lo.v + (COALESCE(hi.v, lo.v) - lo.v) * ((950 * (lo.c - 1)) % 1000) / 1000.0 AS p95 ` +
        `FROM r AS lo LEFT JOIN r AS hi ON hi.name = lo.name AND hi.rn = lo.rn + 1 WHERE lo.rn = (950 * (lo.c - 1)) / 1000 + 1), ` +
        `g AS (SELECT ${cols.join(', ')} FROM ${T} WHERE ${where} GROUP BY task_name) ` +
        `SELECT g.*, p95.p95 FROM g LEFT JOIN p95 ON p95.name = g.task_name ORDER BY total DESC, task_name`,
    ];
  }
  return [`SELECT ${cols.join(', ')} FROM ${from(backend, hours)} WHERE ${where} GROUP BY task_name ORDER BY total DESC, task_name`];
}

function checkByTask(out, results) {
  checkSummary(out, results[0][0]);
  const groupsRows = results[results.length - 1];
  expect(groupsRows.length === out.groups.length, 'group count');
  for (const r of groupsRows) {
    const g = out.groups.find((x) => x.name === r.task_name);
    expect(g && g.total === Number(r.total) && g.failed === Number(r.failed), `group ${r.task_name}`);
    expect(near(g.p95_duration_ms, Number(r.p95), 1e-3), `group ${r.task_name} p95 ${g.p95_duration_ms} vs ${r.p95}`);
  }
}

/** counts per bucket of created_at: hours (168 h) or UTC days (the full window) */
function timelineSql(b, hours, unit) {
  const g = groups(b);
  const key =
    b === 'sqlite'
      ? unit === 'day' ? 'substr(created_at, 1, 10)' : 'substr(created_at, 1, 13)'
      : `date_trunc('${unit}', created_at AT TIME ZONE 'UTC')`;
  return [
    `SELECT ${key} AS bucket, COUNT(*) AS total, ${countIf(b, g.ok)} AS successful, ${countIf(b, g.failed)} AS failed, AVG(duration_ms) AS avg_duration_ms ` +
      `FROM ${from(b, hours)} WHERE created_at >= ${at(b, hours)} GROUP BY 1 ORDER BY 1`,
  ];
}

function checkTimeline(out, [rows]) {
  const total = (xs, k) => xs.reduce((s, x) => s + Number(x[k]), 0);
  expect(total(rows, 'total') === total(out, 'total') && total(rows, 'failed') === total(out, 'failed'), 'timeline totals');
  const busiest = (xs) => Math.max(...xs.map((x) => Number(x.total)));
  expect(busiest(rows) === busiest(out), 'busiest bucket');
}

/**
 * The error report's read: failures grouped by exact message and task (the by-task counts are its sums).
 * SQLite's own plan is the best here at any width: the failed rows through the status and success indexes (a multi-index OR).
 */
function errorsSql(b, hours) {
  const where = `created_at >= ${at(b, hours)} AND (${groups(b).failed})`;
  return [
    `SELECT error_message, task_name, COUNT(*) AS n, MIN(created_at) AS first_seen, MAX(created_at) AS last_seen, MAX(job_id) AS job_id ` +
      `FROM ${T} WHERE ${where} GROUP BY error_message, task_name`,
  ];
}

function checkErrors(out, [byMessage]) {
  const n = byMessage.reduce((s, r) => s + Number(r.n), 0);
  expect(n === out.total_failures, `failures ${out.total_failures} vs ${n}`);
  const perTask = new Map();
  for (const r of byMessage) perTask.set(r.task_name, (perTask.get(r.task_name) ?? 0) + Number(r.n));
  for (const t of out.by_task) expect(perTask.get(t.task_name) === t.count, `task ${t.task_name}`);
}

const LIST_ORDER = 't.enqueue_time DESC, t.id DESC';
const FROM_LIST = `${T} AS t LEFT JOIN ${U} AS u ON u.id = t.user_id`;

const near = (a, b, tol = 1e-6) => a === b || (a !== null && b !== null && Math.abs(Number(a) - Number(b)) <= tol * Math.max(1, Math.abs(Number(a)), Math.abs(Number(b))));
function expect(cond, what) {
  if (!cond) throw new Error(`answer differs: ${what}`);
}
const num = (v) => (v === null || v === undefined ? null : Number(v));

/** the raw driver's PostgreSQL percentile arrays and SQLite named columns, as one shape */
function pcts(row, name, keys) {
  if (Array.isArray(row[`${name}_p`])) return row[`${name}_p`].map(Number);
  return keys.map((k) => num(row[`${name}_p${k}`]));
}

function checkSummary(s, row) {
  expect(Number(row.total) === s.total, `total ${s.total} vs ${row.total}`);
  expect(Number(row.successful) === s.successful && Number(row.failed) === s.failed, 'successful/failed');
  expect(Number(row.in_progress) === s.in_progress, 'in_progress');
  expect(Number(row.retried) === s.retries.retried && Number(row.max_retries) === s.retries.max, 'retries');
  expect(Math.trunc(Number(row.avg_duration_ms)) === s.avg_duration_ms, `avg duration ${s.avg_duration_ms} vs ${row.avg_duration_ms}`);
  for (const st of STATUSES) expect(Number(row[`s_${st}`] ?? 0) === (s.by_status[st] ?? 0), `by_status ${st}`);
  const [p50, p95, p99] = pcts(row, 'duration', [50, 95, 99]);
  expect(near(p50, s.duration_ms.p50, 1e-3) && near(p95, s.duration_ms.p95, 1e-3) && near(p99, s.duration_ms.p99, 1e-3), `duration percentiles ${[p50, p95, p99]} vs ${JSON.stringify(s.duration_ms)}`);
  const [w50, w95] = pcts(row, 'wait', [50, 95]);
  expect(near(w50, s.queue_wait_ms.p50, 1e-3) && near(w95, s.queue_wait_ms.p95, 1e-3), `wait percentiles ${[w50, w95]} vs ${JSON.stringify(s.queue_wait_ms)}`);
}

function checkList(out, [count, rows]) {
  // an unfiltered page of a huge PostgreSQL table prints the planner's estimate, marked: within 1% is the same answer
  const exact = Number(count[0].n);
  if (out.count_estimated) expect(Math.abs(out.count - exact) <= exact * 0.01, `estimated count ${out.count} vs ${exact}`);
  else expect(exact === out.count, `count ${out.count} vs ${exact}`);
  expect(JSON.stringify(rows.map((r) => Number(r.id))) === JSON.stringify(out.results.map((r) => r.id)), 'page ids');
}

/** `logs list` page SQL: the exact count and the page, the user table joined as tasklog shows it */
function listSql(where, offset = 0, deferred = false) {
  const w = where ? ` WHERE ${where}` : '';
  const page = deferred
    ? // a deferred join: walk the index for the ids of the page, then read just those rows
      `SELECT t.*, u.username, u.email FROM (SELECT id FROM ${T}${w} ORDER BY enqueue_time DESC, id DESC LIMIT 20 OFFSET ${offset}) AS p ` +
      `JOIN ${T} AS t ON t.id = p.id LEFT JOIN ${U} AS u ON u.id = t.user_id ORDER BY ${LIST_ORDER}`
    : `SELECT t.*, u.username, u.email FROM ${FROM_LIST}${w} ORDER BY ${LIST_ORDER} LIMIT 20${offset ? ` OFFSET ${offset}` : ''}`;
  const countFrom = where && /username|email/.test(where) ? FROM_LIST : T;
  return [`SELECT COUNT(*) AS n FROM ${countFrom}${w}`, page];
}

export const CASES = [
  {
    id: 'stats-168h',
    title: 'stats --period-hours 168',
    kind: 'aggregate',
    windowHours: 168,
    args: ['stats', '--period-hours', '168', '--json'],
    sql: (b, v) => statsSql(b, v, at(b, 168)),
    check: (out, [[row]]) => checkSummary(out, row),
  },
  {
    id: 'stats-by-task',
    title: 'stats --by task',
    kind: 'aggregate',
    windowHours: 24,
    args: ['stats', '--by', 'task', '--json'],
    sql: (b, v) => [...statsSql(b, v, at(b, 24)), ...groupsSql(b, v, at(b, 24))],
    check: checkByTask,
  },
  {
    id: 'timeline-168h',
    title: 'timeline --period-hours 168',
    kind: 'aggregate',
    windowHours: 168,
    args: ['timeline', '--period-hours', '168', '--json'],
    sql: (b) => {
      const g = groups(b);
      const hour = b === 'sqlite' ? 'substr(created_at, 1, 13)' : `date_trunc('hour', created_at AT TIME ZONE 'UTC')`;
      return [
        `SELECT ${hour} AS hour, COUNT(*) AS total, ${countIf(b, g.ok)} AS successful, ${countIf(b, g.failed)} AS failed, AVG(duration_ms) AS avg_duration_ms ` +
          `FROM ${T} WHERE created_at >= ${at(b, 168)} GROUP BY 1 ORDER BY 1`,
      ];
    },
    check: (out, [rows]) => {
      const total = (xs, k) => xs.reduce((s, x) => s + Number(x[k]), 0);
      expect(total(rows, 'total') === total(out, 'total') && total(rows, 'failed') === total(out, 'failed'), 'timeline totals');
      const busiest = (xs) => Math.max(...xs.map((x) => Number(x.total)));
      expect(busiest(rows) === busiest(out), 'busiest bucket');
    },
  },
  {
    id: 'errors',
    title: 'errors',
    kind: 'aggregate',
    windowHours: 24,
    args: ['errors', '--json'],
    sql: (b) => {
      const where = `created_at >= ${at(b, 24)} AND (${groups(b).failed})`;
      return [
        `SELECT task_name, COUNT(*) AS n FROM ${T} WHERE ${where} GROUP BY task_name ORDER BY n DESC, task_name`,
        `SELECT error_message, task_name, COUNT(*) AS n, MIN(created_at) AS first_seen, MAX(created_at) AS last_seen, MAX(job_id) AS job_id ` +
          `FROM ${T} WHERE ${where} GROUP BY error_message, task_name`,
      ];
    },
    check: (out, [byTask, byMessage]) => {
      const n = byTask.reduce((s, r) => s + Number(r.n), 0);
      expect(n === out.total_failures && byMessage.reduce((s, r) => s + Number(r.n), 0) === n, `failures ${out.total_failures} vs ${n}`);
    },
  },
  {
    id: 'overview',
    title: 'overview',
    kind: 'aggregate',
    args: ['overview', '--json'],
    sql: (b) => [
      `SELECT queue_name, status, COUNT(*) AS n FROM ${T} GROUP BY queue_name, status`,
      `SELECT COUNT(*) AS n FROM ${T} WHERE created_at >= ${at(b, 24)} AND (${groups(b).failed})`,
    ],
    check: (out, [groupsRows, [recent]]) => {
      expect(groupsRows.reduce((s, r) => s + Number(r.n), 0) === out.total_tasks, 'total_tasks');
      expect(Number(recent.n) === out.recent_failures, 'recent_failures');
    },
  },
  {
    id: 'list-filter',
    title: 'logs list --is-failed --queue-name high',
    kind: 'page',
    args: ['logs', 'list', '--is-failed', '--queue-name', 'high', '--json'],
    sql: (b) => listSql(`queue_name = 'high' AND (${groups(b).failed})`),
    check: checkList,
  },
  {
    id: 'list-search',
    title: 'logs list --search timeout',
    kind: 'page',
    args: ['logs', 'list', '--search', 'timeout', '--json'],
    sql: (b) => {
      // every column tasklog searches; an ASCII word: LIKE (SQLite) / ILIKE (PostgreSQL) fold its case
      const like = b === 'sqlite' ? 'LIKE' : 'ILIKE';
      const cols = ['t.task_name', 't.job_id', 't.queue_name', 't.error_message', 't.worker_id', 'u.username', 'u.email'];
      const where = `(${cols.map((c) => `${c} ${like} '%timeout%'`).join(' OR ')})`;
      return [`SELECT COUNT(*) AS n FROM ${FROM_LIST} WHERE ${where}`, `SELECT t.*, u.username, u.email FROM ${FROM_LIST} WHERE ${where} ORDER BY ${LIST_ORDER} LIMIT 20`];
    },
    check: checkList,
  },
  {
    id: 'list-deep',
    title: 'logs list --page 5000',
    kind: 'page',
    args: ['logs', 'list', '--page', '5000', '--json'],
    sql: () => listSql('', 4999 * 20, true),
    check: checkList,
  },
  {
    id: 'list-all',
    title: 'logs list --all -o jsonl',
    kind: 'stream',
    args: ['logs', 'list', '--all', '-o', 'jsonl'],
    // the issue's yardsticks: COPY … TO STDOUT and sqlite3 -json, same rows, same order
    sql: (b, v) => {
      const select = `SELECT t.*, u.username, u.email FROM ${FROM_LIST} ORDER BY ${LIST_ORDER}`;
      return b === 'postgres' && v === 'cli' ? [`COPY (${select}) TO STDOUT`] : [select];
    },
  },
  {
    id: 'health',
    title: 'health',
    kind: 'aggregate',
    args: ['health', '--json'],
    okCodes: [0, 1, 2],
    sql: (b) => [
      `SELECT (SELECT COUNT(*) FROM ${T} WHERE status = 'in_progress' AND start_time < ${at(b, 1)}) AS stuck, h.total, h.failed, q.queued, q.oldest ` +
        `FROM (SELECT COUNT(*) AS total, ${countIf(b, groups(b).failed)} AS failed FROM ${T} WHERE created_at >= ${at(b, 1)}) AS h, ` +
        `(SELECT COUNT(*) AS queued, MIN(enqueue_time) AS oldest FROM ${T} WHERE status = 'queued') AS q`,
    ],
    check: (out, [[r]]) => {
      expect(Number(r.stuck) === out.stuck_tasks && Number(r.queued) === out.queued_tasks, 'stuck/queued');
      expect(Number(r.total) === out.total_last_hour && Number(r.failed) === out.failed_last_hour, 'last hour');
    },
  },
  {
    id: 'cleanup-dry-run',
    title: 'cleanup --dry-run --days 30',
    kind: 'aggregate',
    args: ['cleanup', '--dry-run', '--days', '30', '--json'],
    sql: (b) => [`SELECT status, COUNT(*) AS n FROM ${T} WHERE created_at < ${at(b, 30 * 24)} GROUP BY status`],
    check: (out, [rows]) => {
      expect(rows.reduce((s, r) => s + Number(r.n), 0) === out.deleted, `would delete ${out.deleted}`);
      for (const r of rows) expect(out.by_status[r.status] === Number(r.n), `by status ${r.status}`);
    },
  },
  // issue #13: reports over wide windows (FULL: every row of the 90-day tables)
  {
    id: 'stats-full',
    title: `stats --period-hours ${FULL}`,
    kind: 'aggregate',
    windowHours: FULL,
    args: ['stats', '--period-hours', String(FULL), '--json'],
    sql: (b, v) => statsSql(b, v, at(b, FULL), FULL),
    check: (out, [[row]]) => checkSummary(out, row),
  },
  {
    id: 'stats-by-task-168h',
    title: 'stats --by task --period-hours 168',
    kind: 'aggregate',
    windowHours: 168,
    args: ['stats', '--by', 'task', '--period-hours', '168', '--json'],
    sql: (b, v) => [...statsSql(b, v, at(b, 168), 168), ...groupsSql(b, v, at(b, 168), 168)],
    check: checkByTask,
  },
  {
    id: 'stats-by-task-full',
    // issue #13's target for this report over the full window (its ratio at 10M: the same)
    target: 1.5,
    title: `stats --by task --period-hours ${FULL}`,
    kind: 'aggregate',
    windowHours: FULL,
    args: ['stats', '--by', 'task', '--period-hours', String(FULL), '--json'],
    sql: (b, v) => [...statsSql(b, v, at(b, FULL), FULL), ...groupsSql(b, v, at(b, FULL), FULL)],
    check: checkByTask,
  },
  {
    id: 'timeline-day-full',
    // issue #13's target for this report over the full window (its ratio at 10M: the same)
    target: 1.5,
    title: `timeline --interval day --period-hours ${FULL}`,
    kind: 'aggregate',
    windowHours: FULL,
    args: ['timeline', '--interval', 'day', '--period-hours', String(FULL), '--json'],
    sql: (b) => timelineSql(b, FULL, 'day'),
    check: checkTimeline,
  },
  {
    id: 'errors-168h',
    title: 'errors --period-hours 168',
    kind: 'aggregate',
    windowHours: 168,
    args: ['errors', '--period-hours', '168', '--json'],
    sql: (b) => errorsSql(b, 168),
    check: checkErrors,
  },
  {
    id: 'errors-full',
    // issue #13's target for this report over the full window (its ratio at 10M: the same)
    target: 2,
    title: `errors --period-hours ${FULL}`,
    kind: 'aggregate',
    windowHours: FULL,
    args: ['errors', '--period-hours', String(FULL), '--json'],
    sql: (b) => errorsSql(b, FULL),
    check: checkErrors,
  },
];
