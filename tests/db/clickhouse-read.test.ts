/**
 * Every read command on the ClickHouse archive answers as on the database it
 * was archived from, byte for byte: one fixture (the demo generator's rows,
 * its users, and hostile edge rows) in SQLite, PostgreSQL and MariaDB, each
 * archived into a ClickHouse database of its own by `tasklog archive`, and
 * each command run
 * with --db on the source and on its archive; the same for the SQLite
 * archive through a two-shard cluster's Distributed tables. Commands that
 * write the task log refuse an archive with one line, exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { micros, openDb } from '../helpers/db.js';
import { backendsUnderTest, createDatabase, type BackendName, type TestDatabase } from '../helpers/databases.js';
import { edgeRow } from '../helpers/rows.js';
import { run } from '../helpers/run.js';
import { chDatabaseName, clickhouseMissing, startClickhouse, startCluster, type ClickhouseCluster, type ClickhouseServer } from '../helpers/clickhouse.js';
import { fetchAnswer, startTasklog, type Child } from '../helpers/servers.js';

const NOW = '2026-04-20T10:00:00Z';
const NOW_US = micros(NOW);
const H = 3_600_000_000;
const ROWS = 600;
const SEED = 21;
const backends = (await backendsUnderTest()).filter((b) => !b.skip).map((b) => b.backend);
const missing = clickhouseMissing(true);

const edge = (job_id: string, over: Partial<WritableRow>): WritableRow => edgeRow(NOW_US, job_id, over);

/** Values that break careless SQL, JSON, escaping and folding, and ties that only the id orders. */
const EDGES: WritableRow[] = [
  edge('edge-null-success-failed', { status: 'failed', success: null, error_message: 'Ошибка: ДИСК переполнен', task_name: 'Média.Export_ÜBER' }),
  edge('edge-success-false', { status: 'success', success: false, error_message: '' }),
  edge('edge-percent', { error_message: '100% done_but failed', status: 'failed', success: false, task_name: 'percent%task' }),
  edge('edge-underscore', { error_message: 'x_y', task_name: 'under_score' }),
  edge('edge-quote', { error_message: `it's "quoted"; DROP TABLE x; --`, worker_id: "w;--'" }),
  edge('edge-zero-micro', { created_at: NOW_US - 24 * H, enqueue_time: NOW_US - 24 * H, status: 'expired', success: null, duration_ms: null, start_time: null, finish_time: null }),
  edge('edge-null-duration', { duration_ms: null, status: 'canceled', success: null, start_time: null, finish_time: null, job_retries: 4 }),
  edge('edge-user-email', { user_id: 2, worker_id: 'worker-Ünï' }),
  edge('edge-backslash', { error_message: 'escaped a\\b here \\\\ and \\n not a newline', args: ['a\\b', "it's"] }),
  edge('edge-control', { error_message: 'line one\nline\ttwo\r\n\u0001\u001f \u2028 \u2029 😀 end', status: 'failed', success: false, result: '{"ok": false}' }),
  edge('edge-json', { args: [1, 'two', null, { 'ключ': 'значение', '"q"': '\\' }], kwargs: { zeta: 1, alpha: [true, false], 'emoji😀': '\u2028' } }),
  // the two characters whose lower case is ASCII, and one lowerUTF8 misses that is not
  edge('edge-dotted-i', { error_message: 'TAXİ fare declined', status: 'failed', success: false }),
  edge('edge-kelvin', { worker_id: '\u212AELVIN-7' }),
  edge('edge-georgian', { error_message: 'ᲛᲐᲠᲗᲚᲘ failure', status: 'failed', success: false }),
  // ties on every ordering field: only the id tells them apart
  edge('edge-tie-a', { task_name: 'tie.task', duration_ms: 777 }),
  edge('edge-tie-b', { task_name: 'tie.task', duration_ms: 777 }),
  edge('edge-tie-c', { task_name: 'tie.task', duration_ms: 777, user_id: 4 }),
  // open rows (the archive keeps them apart from settled ones)
  edge('edge-queued', { status: 'queued', success: null, start_time: null, finish_time: null, duration_ms: null, enqueue_time: NOW_US - 3 * H }),
  edge('edge-stuck', { status: 'in_progress', success: null, finish_time: null, duration_ms: null, start_time: NOW_US - 5 * H }),
];

/** The commands compared; each runs with --db on the source and on the archive. */
const COMMANDS: string[][] = [
  ['stats'],
  ['stats', '--period-hours', '72'],
  ['stats', '--period-hours', '1'],
  ['stats', '--since', '2026-04-19T10:00:00.000001Z'],
  ['stats', '--by', 'task', '--period-hours', '72'],
  ['stats', '--by', 'queue', '--period-hours', '72'],
  ['stats', '--task-name', 'tie.task'],
  ['stats', '--queue-name', 'critical', '--period-hours', '72'],
  ['stats', '--period-hours', '72', '--task-name', 'no.such.task'],
  ['timeline'],
  ['timeline', '--interval', 'day', '--period-hours', '72', '--tz', 'Asia/Kolkata'],
  ['timeline', '--interval', 'minute', '--period-hours', '2'],
  ['errors', '--period-hours', '72'],
  ['errors', '--period-hours', '72', '--limit', '3', '--task-name', 'edge.task'],
  ['overview'],
  ['health'],
  ['health', '--stuck-after', '1h'],
  ['metrics', '--period-hours', '72'],
  ['logs', 'list'],
  ['logs', 'list', '--page', '3', '--page-size', '9', '--ordering', 'duration_ms'],
  ['logs', 'list', '--page', '2', '--page-size', '5', '--ordering', '-task_name,start_time', '--fields', 'all'],
  ['logs', 'list', '--all', '-o', 'jsonl', '--fields', 'all'],
  ['logs', 'list', '--all', '-o', 'csv', '--fields', 'all'],
  ['logs', 'show', '1'],
  ['logs', 'show', 'edge-control'],
  ['logs', 'show', 'edge-json'],
  ['logs', 'show', 'edge-tie-c'],
  ['logs', 'show', 'no-such-job'],
  ['logs', 'related', 'edge-tie-b'],
  ['logs', 'related', '7', '--limit', '3'],
  ['alerts', 'check'],
  ['alerts', 'check', '--failure-rate', '1', '--webhook', 'https://hooks.example.com/x', '--dry-run'],
];

/** Filters and orderings of logs list: every flag, hostile search words, NULLs and ties. */
const LIST_ARGS: string[][] = [
  ['--task', 'webhooks.deliver'],
  ['--task-name', 'NOTIFICATIONS.'],
  ['--task-name', 'média.export_über'],
  ['--task-name-exact', 'média.transcode_vidéo'],
  ['--queue-name', 'critical'],
  ['--queue-name-in', 'low,background'],
  ['--status', 'in_progress'],
  ['--status-in', 'queued,deferred,canceled'],
  ['--job-id', 'edge-percent'],
  ['--worker', 'worker-3-51102'],
  ['--worker-id', 'worker-Ünï'],
  ['--success'],
  ['--success', 'false'],
  ['--success', 'null'],
  ['--is-completed'],
  ['--is-completed', 'false'],
  ['--is-successful', 'true'],
  ['--is-successful', 'false'],
  ['--is-failed'],
  ['--is-failed', 'false'],
  ['--has-error'],
  ['--has-error', 'false'],
  ['--start-time', '2026-04-19T12:00:00+02:00', '--end-time', '2026-04-19T18:00:00Z'],
  ['--enqueue-after', '2026-04-19'],
  ['--enqueue-before', '2026-04-18T06:30:00'],
  ['--start-after', '30h', '--start-before', '20h'],
  ['--finish-after', '90m'],
  ['--finish-before', '2d'],
  ['--created-after', '24h'],
  ['--created-before', '2026-04-19T10:00:00.000001Z'],
  ['--since', '1d', '--until', '3600s'],
  ['--duration-min', '5000'],
  ['--duration-max', '150'],
  ['--job-retries-min', '2', '--job-retries-max', '3'],
  ['--user', 'alice'],
  ['--user', 'bob@example.com'],
  ['--user', '4'],
  ['--search', 'ОШИБКА'],
  ['--search', 'DECLINED,fare'],
  ['--search', 'ZOË'],
  ['--search', '%'],
  ['--search', 'EXPORT_'],
  ['--search', 'taxi'],
  ['--search', 'TAXİ'],
  ['--search', 'kelvin-7'],
  ['--search', 'მარ'],
  ['--search', 'a\\b'],
  ['--search', 'x_y'],
  ['--search', `"quoted";`],
  ['--search', "w;--'"],
  ['--task-name', '%task'],
  ['--queue-name', 'high', '--is-failed', '--since', '2d'],
  ['--ordering', '-duration_ms'],
  ['--ordering', 'duration_ms'],
  ['--ordering', '-finish_time'],
  ['--ordering', 'task_name,-created_at'],
  ['--ordering', '-status,job_retries'],
  ['--ordering', 'queue_name,-start_time'],
  ['--ordering', 'id'],
].map((a) => ['logs', 'list', '--all', '-o', 'jsonl', '--fields', 'id,job_id,user_display,start_time', ...a]);

/** The API's requests (serve), on both. */
const API: string[] = [
  '',
  '?page=2&page_size=7',
  '?task_name=DATA&page_size=3&page=2',
  '?task_name=EXPORT&page_size=3&page=2',
  '?is_failed=false&page=2',
  '?has_error=false',
  '?search=taxi',
  '?search=kelvin',
  '?ordering=-duration_ms,id&page=3',
  '?created_after=2026-04-19T05:30:00%2B05:30',
  '1/',
  '1/related/',
  'stats/',
  'stats/?period_hours=72',
  'timeline/?period_hours=72&interval=day',
  'overview/',
].map((p) => `/cfg/tasks/logs/${p}`);

/** `tasklog archive`: the source's rows into the archive (its tables created on the way); how many it archived. */
async function archive(sourceUrl: string, archiveUrl: string, cluster: string | null): Promise<number> {
  const r = await run(['archive', '--db', sourceUrl, '--to', archiveUrl, ...(cluster ? ['--cluster', cluster] : []), '--json'], { now: NOW });
  if (r.code !== 0) throw new Error(`archive exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout).archived;
}

async function answer(argv: string[], url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const json = argv[0] === 'metrics' || argv.includes('-o') ? [] : ['--json'];
  const r = await run([...argv, ...json, '--db', url], { now: NOW });
  // an error names the database: the rest of the line is what must agree
  return { ...r, stderr: r.stderr.split(url).join('<db>') };
}

/**
 * Search words MySQL/MariaDB's LOWER() folds by its collation's own (older)
 * Unicode tables, not as JavaScript, PostgreSQL's ICU, SQLite (through
 * tasklog) and the archive do: a non-ASCII word holding İ or a letter newer
 * than them finds nothing there.
 */
const MYSQL_OWN_FOLD = new Set(['TAXİ', 'მარ']);

/** Every command and list on the source and on the archive: the differences (none expected). */
async function compareAll(sourceUrl: string, archiveUrl: string, backend: BackendName): Promise<{ compared: number; differences: string[] }> {
  const differences: string[] = [];
  let compared = 0;
  for (const argv of [...COMMANDS, ...LIST_ARGS]) {
    if (backend === 'mysql' && argv.some((a) => MYSQL_OWN_FOLD.has(a))) continue;
    const [want, got] = [await answer(argv, sourceUrl), await answer(argv, archiveUrl)];
    compared++;
    if (got.code !== want.code || got.stdout !== want.stdout || got.stderr !== want.stderr) {
      const at = [...got.stdout].findIndex((c, i) => c !== want.stdout[i]);
      differences.push(`${argv.join(' ')}: exit ${got.code}/${want.code}, stdout ${got.stdout.length}/${want.stdout.length} chars, first difference at ${at}: ` +
        `${JSON.stringify(got.stdout.slice(Math.max(0, at - 40), at + 80))} vs ${JSON.stringify(want.stdout.slice(Math.max(0, at - 40), at + 80))} ${got.stderr.slice(0, 300)}`);
    }
  }
  return { compared, differences };
}

describe.skipIf(missing !== null)('reading the ClickHouse archive', () => {
  let server: ClickhouseServer;
  let cluster: ClickhouseCluster;
  const sources = new Map<BackendName, TestDatabase>();
  const archives = new Map<BackendName, string>();
  let clusterUrl = '';
  let archived = 0;

  beforeAll(async () => {
    [server, cluster] = await Promise.all([startClickhouse(), startCluster('tasklog_read')]);
    for (const backend of backends) {
      const tdb = await createDatabase(backend, 'chread');
      sources.set(backend, tdb);
      const demo = await run(['demo', '--db', tdb.url, '--rows', String(ROWS), '--days', '3', '--seed', String(SEED)], { now: NOW });
      expect(demo.code, demo.stderr).toBe(0);
      const db = await openDb(tdb.url);
      try {
        await insertRows(db, EDGES);
      } finally {
        await db.close();
      }
      const url = server.url(chDatabaseName(backend));
      archived = await archive(tdb.url, url, null);
      archives.set(backend, url);
    }
    clusterUrl = cluster.shards[0].url(chDatabaseName('cluster'));
    await archive(sources.get('sqlite')!.url, clusterUrl, cluster.name);
  }, 300_000);

  afterAll(async () => {
    for (const tdb of sources.values()) await tdb.drop();
    await Promise.all([server?.stop(), cluster?.stop()]);
  });

  it('the archive holds every row of the fixture, settled and open apart', async () => {
    expect(archived).toBe(ROWS + EDGES.length);
    const db = archives.get('sqlite')!.split('/').pop()!;
    const [counts] = await server.rows<{ settled: string; open: string; view: string }>(
      `SELECT (SELECT count() FROM ${db}.django_cfg_task_log_settled) AS settled, (SELECT count() FROM ${db}.django_cfg_task_log_open) AS open, (SELECT count() FROM ${db}.django_cfg_task_log) AS view`,
    );
    expect(Number(counts.view)).toBe(ROWS + EDGES.length);
    expect(Number(counts.open)).toBeGreaterThan(0);
    expect(Number(counts.settled)).toBeGreaterThan(Number(counts.open));
  });

  it.each(backends)('every report, list, export and lookup on the archive of %s is byte for byte its answer', async (backend) => {
    const { compared, differences } = await compareAll(sources.get(backend)!.url, archives.get(backend)!, backend);
    expect(compared).toBe(COMMANDS.length + LIST_ARGS.length - (backend === 'mysql' ? MYSQL_OWN_FOLD.size : 0));
    expect(differences).toEqual([]);
  }, 300_000);

  it('the comparisons are not vacuous: the answers differ from command to command and lists select some rows but not all', async () => {
    const url = archives.get('sqlite')!;
    const lists = await Promise.all(LIST_ARGS.map((a) => answer(a, url)));
    for (const [i, l] of lists.entries()) expect(l.code, `${LIST_ARGS[i].join(' ')}: ${l.stderr}`).toBe(0);
    const sizes = lists.map((l) => l.stdout.split('\n').filter(Boolean).length);
    // all but the orderings (every row) select some rows but not all
    const orderings = LIST_ARGS.filter((a) => a.includes('--ordering')).length;
    expect(sizes.filter((n) => n > 0 && n < ROWS + EDGES.length).length).toBe(LIST_ARGS.length - orderings);
    expect(sizes.filter((n) => n === ROWS + EDGES.length).length).toBe(orderings);
    const found = (argv: string[]) => lists[LIST_ARGS.findIndex((a) => a.join(' ') === ['logs', 'list', '--all', '-o', 'jsonl', '--fields', 'id,job_id,user_display,start_time', ...argv].join(' '))].stdout;
    // İ folds to i + a dot, the Kelvin sign to k, Georgian capitals (which 18.16's lowerUTF8 leaves) to small letters
    expect(found(['--search', 'taxi'])).toContain('"edge-dotted-i"');
    expect(found(['--search', 'kelvin-7'])).toContain('"edge-kelvin"');
    expect(found(['--search', 'მარ'])).toContain('"edge-georgian"');
    const stats = JSON.parse((await answer(['stats', '--period-hours', '72'], url)).stdout);
    expect(stats.duration_ms.p95).not.toBeNull();
    expect(stats.total).toBeGreaterThan(100);
  }, 120_000);

  it('through the cluster: the Distributed tables on two shards answer as the source', async () => {
    const names = clusterUrl.split('/').pop()!;
    const perShard = await Promise.all(cluster.shards.map(async (s) => Number((await s.query(`SELECT count() FROM ${names}.django_cfg_task_log_settled_local`)).trim())));
    expect(perShard.every((n) => n > 0)).toBe(true);
    const { compared, differences } = await compareAll(sources.get('sqlite')!.url, clusterUrl, 'sqlite');
    expect(compared).toBeGreaterThan(50);
    expect(differences).toEqual([]);
  }, 300_000);

  it.each(backends)('objectives (slo --json, metrics) on the archive of %s are its answers, byte for byte', async (backend) => {
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-ch-slo-'));
    try {
      writeFileSync(
        join(dir, 'tasklog.config.json'),
        JSON.stringify({
          slos: [
            { name: 'hooks', filter: { task: 'webhooks.deliver' }, objective: 'success', target: 99.5, window: '28d' },
            { name: 'fast', where: "queue_name in ('default', 'critical') and not has_error", objective: { latency_ms: 2000 }, target: 95, window: '7d' },
            { name: 'all', objective: 'success', target: 90, window: '72h' },
          ],
        }),
      );
      const answers = async (url: string) =>
        Promise.all([run(['slo', '--json', '--db', url], { now: NOW, cwd: dir }), run(['metrics', '--db', url], { now: NOW, cwd: dir })]);
      const [want, got] = await Promise.all([answers(sources.get(backend)!.url), answers(archives.get(backend)!)]);
      for (const [i, w] of want.entries()) {
        expect(w.code).toBe(0);
        expect({ code: got[i].code, stdout: got[i].stdout, stderr: got[i].stderr }).toEqual({ code: w.code, stdout: w.stdout, stderr: w.stderr });
      }
      // not vacuous: every objective has rows, and they differ
      const slos = JSON.parse(want[0].stdout).slos as { total: number }[];
      expect(slos.every((o) => o.total > 0)).toBe(true);
      expect(new Set(slos.map((o) => o.total)).size).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("serve: the API's answers on the archive are the source's, byte for byte", async () => {
    const source = sources.get('postgres') ?? sources.get('sqlite')!;
    const backend = source.backend;
    let a: Child | null = null;
    let b: Child | null = null;
    try {
      [a, b] = await Promise.all([startTasklog(['--db', source.url, '--allowed-host', 'h.example'], { TASKLOG_NOW: NOW }), startTasklog(['--db', archives.get(backend)!, '--allowed-host', 'h.example'], { TASKLOG_NOW: NOW })]);
      let found = 0;
      for (const path of API) {
        const [want, got] = await Promise.all([fetchAnswer(a.url, path, { host: 'h.example' }), fetchAnswer(b.url, path, { host: 'h.example' })]);
        if (want.status === 200) found++;
        expect({ path, status: got.status, text: got.text }).toEqual({ path, status: want.status, text: want.text });
      }
      expect(found).toBeGreaterThanOrEqual(API.length - 1);
      const [want, got] = await Promise.all([fetchAnswer(a.url, '/'), fetchAnswer(b.url, '/')]);
      expect(got.status).toBe(200);
      // the dashboard names its database; the rest of the page is the same
      expect(got.text.split(archives.get(backend)!).join('<db>')).toBe(want.text.split(source.url).join('<db>'));
    } finally {
      await Promise.all([a?.stop(), b?.stop()]);
    }
  }, 120_000);

  it.each([
    ['cleanup', '--days', '1', '--yes'],
    ['import', '-'],
    ['demo', '--rows', '5'],
    ['alerts', 'check', '--failure-rate', '1', '--webhook', 'https://hooks.example.com/x'],
  ])('%s refuses the archive: one line, exit 2, nothing written', async (...argv) => {
    const url = archives.get('sqlite')!;
    const before = await answer(['overview'], url);
    const r = await run([...argv, '--db', url], { now: NOW, stdin: '' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('archive that only `tasklog archive` writes');
    expect((await answer(['overview'], url)).stdout).toBe(before.stdout);
  });
});
