/**
 * tasklog serve is safe to leave running: loopback by default, a token for
 * anything else (401 without it), GET and HEAD only, 400 naming the bad
 * parameter where DRF would silently ignore it, read-only sessions (a
 * read-only SQLite file works; PostgreSQL and MariaDB refuse writes and stop
 * long statements), 64 requests at once, 503 while the database is away and
 * answers again when it is back, one log line per request, and SIGTERM lets
 * the request in flight finish.
 */
import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { run } from '../helpers/run.js';
import { BIN, fetchAnswer, freePort, startTasklog } from '../helpers/servers.js';
import { spawnSync } from 'node:child_process';

const NOW = '2026-11-27T20:30:00Z';
const backends = await backendsUnderTest();

async function demo(url: string, rows = 300): Promise<void> {
  const r = await run(['demo', '--db', url, '--rows', String(rows), '--json'], { now: NOW });
  if (r.code !== 0) throw new Error(r.stderr);
}

describe('tasklog serve on a SQLite file', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tasklog-serve-'));
    file = join(dir, 'logs.sqlite');
    await demo(file);
  });

  it('listens on 127.0.0.1 by default; --host 0.0.0.0 without a token exits 2 with one line', async () => {
    const s = await startTasklog(['--db', file]);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await s.stop();
    }
    const r = spawnSync(BIN, ['serve', '--db', file, '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', env: { ...process.env, TASKLOG_SERVE_TOKEN: '' }, timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--host 0\.0\.0\.0 .*--token/);
  });

  it('with a token (flag or $TASKLOG_SERVE_TOKEN) every request needs Authorization: Bearer', async () => {
    for (const [args, env] of [
      [['--token', 's3cret-token'], {}],
      [[], { TASKLOG_SERVE_TOKEN: 's3cret-token' }],
    ] as const) {
      const s = await startTasklog(['--db', file, '--host', '0.0.0.0', ...args], env);
      try {
        const port = new URL(s.url).port;
        const base = `http://127.0.0.1:${port}`;
        const none = await fetchAnswer(base, '/cfg/tasks/logs/overview/');
        expect(none.status).toBe(401);
        expect(none.json).toEqual({ detail: 'Authentication credentials were not provided.' });
        expect((await fetchAnswer(base, '/metrics', { headers: { Authorization: 'Bearer s3cret-tokem' } })).status).toBe(401);
        expect((await fetchAnswer(base, '/healthz', { headers: { Authorization: 'Bearer s3cret' } })).status).toBe(401);
        const ok = await fetchAnswer(base, '/cfg/tasks/logs/overview/', { headers: { Authorization: 'Bearer s3cret-token' } });
        expect(ok.status).toBe(200);
        expect(ok.json.total_tasks).toBe(300);
      } finally {
        await s.stop();
      }
    }
  });

  it('400 naming the parameter where DRF would ignore the value; 404 and 405 in DRF\'s shape; HEAD has no body', async () => {
    const s = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
    try {
      for (const [query, param] of [
        ['page_size=abc', 'page_size'],
        ['page_size=1001', 'page_size'],
        ['ordering=password', 'ordering'],
        ['is_failed=maybe', 'is_failed'],
        ['status=bogus', 'status'],
        ['status_in=failed,nope', 'status_in'],
      ]) {
        const r = await fetchAnswer(s.url, `/cfg/tasks/logs/?${query}`);
        expect(r.status, query).toBe(400);
        expect(Object.keys(r.json)).toEqual([param]);
        expect(r.json[param]).toEqual([expect.any(String)]);
      }
      const stats = await fetchAnswer(s.url, '/cfg/tasks/logs/stats/?period_hours=abc');
      expect(stats.status).toBe(400);
      expect(Object.keys(stats.json)).toEqual(['period_hours']);
      const timeline = await fetchAnswer(s.url, '/cfg/tasks/logs/timeline/?interval=week');
      expect(timeline.status).toBe(400);
      expect(Object.keys(timeline.json)).toEqual(['interval']);
      expect(await fetchAnswer(s.url, '/nope')).toMatchObject({ status: 404, json: { detail: 'Not found.' } });
      const post = await fetchAnswer(s.url, '/metrics', { method: 'POST' });
      expect(post).toMatchObject({ status: 405, json: { detail: 'Method "POST" not allowed.' } });
      const head = await fetchAnswer(s.url, '/cfg/tasks/logs/', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
    } finally {
      await s.stop();
    }
  });

  it('a read-only file and folder work, and the file is never written', async () => {
    const ro = mkdtempSync(join(tmpdir(), 'tasklog-serve-ro-'));
    const copy = join(ro, 'ro.sqlite');
    spawnSync('cp', [file, copy]);
    const before = readFileSync(copy);
    chmodSync(copy, 0o444);
    chmodSync(ro, 0o555);
    const s = await startTasklog(['--db', copy], { TASKLOG_NOW: NOW });
    try {
      for (const path of ['/cfg/tasks/logs/', '/cfg/tasks/logs/stats/', '/cfg/tasks/logs/overview/', '/cfg/tasks/logs/1/', '/metrics', '/healthz']) {
        const r = await fetchAnswer(s.url, path);
        expect([200, 503], path).toContain(r.status);
        if (path !== '/healthz') expect(r.status, path).toBe(200);
      }
    } finally {
      await s.stop();
    }
    expect(readFileSync(copy).equals(before)).toBe(true);
    expect(readdirSync(ro)).toEqual(['ro.sqlite']);
    expect(statSync(copy).mode & 0o777).toBe(0o444);
    chmodSync(ro, 0o755);
  });

  it('/metrics is the Prometheus text of `tasklog metrics`; /healthz the health JSON with 200 or 503 as its status says', async () => {
    const s = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
    try {
      const m = await fetchAnswer(s.url, '/metrics');
      expect(m.status).toBe(200);
      expect(m.type).toBe('text/plain; version=0.0.4; charset=utf-8');
      const cli = await run(['metrics', '--db', file], { now: NOW });
      expect(m.text).toBe(cli.stdout);
      const h = await fetchAnswer(s.url, '/healthz');
      const cliHealth = JSON.parse((await run(['health', '--db', file, '--json'], { now: NOW })).stdout);
      expect(h.json).toEqual(cliHealth);
      expect(h.status).toBe(cliHealth.status === 'OK' || cliHealth.status === 'WARNING' ? 200 : 503);
    } finally {
      await s.stop();
    }
  });
});

/** A TCP proxy to a database server that the test can cut (every connection dropped, port closed), slow down and restore. */
class Proxy {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  delayMs = 0;
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async up(): Promise<void> {
    if (this.server) return;
    this.server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.on('data', (d: Buffer) => {
        if (this.delayMs > 0) setTimeout(() => client.write(d), this.delayMs);
        else client.write(d);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

describe.each(backends.filter((b) => b.backend !== 'sqlite'))('tasklog serve on $backend', ({ backend, skip }) => {
  let db: TestDatabase;
  let proxy: Proxy;
  let proxied: string;
  beforeAll(async () => {
    if (skip) return;
    db = await createDatabase(backend, 'servesafe');
    await demo(db.url, 500);
    const u = new URL(db.url);
    proxy = new Proxy(await freePort(), { host: u.hostname, port: Number(u.port || (backend === 'postgres' ? 5432 : 3306)) });
    await proxy.up();
    u.port = String(proxy.port);
    proxied = u.toString();
  }, 120_000);
  afterAll(async () => {
    await proxy?.down();
    await db?.drop();
  });

  it.skipIf(skip)('its sessions are read-only and stop a statement past the timeout', async () => {
    const settings = { url: db.url, source: '--db', table: 'django_cfg_task_log', userTable: 'auth_user', connectTimeoutMs: 5000 };
    const ro = await connect(settings, process.cwd(), { requireTable: true, session: { readOnly: true, statementTimeoutMs: 300 } });
    try {
      await expect(ro.exec('DELETE FROM django_cfg_task_log')).rejects.toThrow(/read.only/i);
      const sleep = backend === 'postgres' ? 'SELECT pg_sleep(3)' : 'SELECT SLEEP(3) AS s';
      const started = Date.now();
      const outcome = await ro.query<{ s?: number }>(sleep).then(
        (rows) => rows[0]?.s,
        (err: Error) => err.message,
      );
      expect(Date.now() - started).toBeLessThan(2500);
      expect(String(outcome)).toMatch(/timeout|max_statement_time|interrupted|1/i);
      expect(Number((await ro.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM django_cfg_task_log'))[0].n)).toBe(500);
    } finally {
      await ro.close();
    }
  });

  it.skipIf(skip)('64 requests at once all succeed; one log line each', async () => {
    const s = await startTasklog(['--db', db.url], { TASKLOG_NOW: NOW });
    try {
      const paths = Array.from({ length: 64 }, (_, i) => ['/cfg/tasks/logs/?page=' + ((i % 5) + 1), '/cfg/tasks/logs/stats/', '/cfg/tasks/logs/overview/', `/cfg/tasks/logs/${i + 1}/`][i % 4]);
      const answers = await Promise.all(paths.map((p) => fetchAnswer(s.url, p)));
      expect(answers.map((a) => a.status)).toEqual(paths.map(() => 200));
    } finally {
      await s.stop();
    }
    const lines = s.stderr().split('\n').filter((l) => / (GET|HEAD) \/\S* \d{3} \d+(\.\d+)?ms$/.test(l));
    expect(lines).toHaveLength(64);
    expect(lines.every((l) => / 200 /.test(l))).toBe(true);
  });

  it.skipIf(skip)('the database going away gives 503; when it is back the server answers again', async () => {
    const s = await startTasklog(['--db', proxied, '--connect-timeout', '2'], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/')).status).toBe(200);
      await proxy.down();
      const away = await fetchAnswer(s.url, '/cfg/tasks/logs/overview/');
      expect(away.status).toBe(503);
      expect(away.json.detail).toMatch(/database/);
      const again = await fetchAnswer(s.url, '/cfg/tasks/logs/stats/');
      expect(again.status).toBe(503);
      expect((await fetchAnswer(s.url, '/healthz')).status).toBe(503);
      await proxy.up();
      const back = await fetchAnswer(s.url, '/cfg/tasks/logs/overview/');
      expect(back.status).toBe(200);
      expect(back.json.total_tasks).toBe(500);
    } finally {
      await proxy.up().catch(() => undefined);
      await s.stop();
    }
  });

  it.skipIf(skip)('requests in flight when the database goes away get 503, never 500, also those that need a new connection then', async () => {
    // a restart as the server sees one: its connections drop while requests are queued for the pool, and
    // new connections are refused for a moment; each request's answer is 200 (before) or 503 (after), then 200 again
    const s = await startTasklog(['--db', proxied, '--connect-timeout', '2'], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/')).status).toBe(200);
      const paths = ['/cfg/tasks/logs/?page=2', '/cfg/tasks/logs/stats/', '/cfg/tasks/logs/overview/', '/cfg/tasks/logs/7/', '/cfg/tasks/logs/timeline/', '/', '/logs/3'];
      const inFlight = Array.from({ length: 48 }, (_, i) => fetchAnswer(s.url, paths[i % paths.length]));
      await new Promise((r) => setTimeout(r, 30));
      await proxy.down();
      const statuses = (await Promise.all(inFlight)).map((a) => a.status);
      expect(statuses.filter((st) => st !== 200 && st !== 503)).toEqual([]);
      expect(statuses).toContain(503);
      await proxy.up();
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/')).status).toBe(200);
    } finally {
      await proxy.up().catch(() => undefined);
      await s.stop();
    }
    expect(s.stderr()).not.toMatch(/ 500 /);
  });

  it.skipIf(skip)('a request past its deadline (--statement-timeout) gets 503 at the deadline, and the server answers the next ones', async () => {
    const s = await startTasklog(['--db', proxied, '--statement-timeout', '1'], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(s.url, '/')).status).toBe(200);
      // every answer of the database now comes 1.2 s late: no statement can end before the deadline
      proxy.delayMs = 1200;
      const started = Date.now();
      const late = await fetchAnswer(s.url, '/');
      const took = Date.now() - started;
      expect(late.status).toBe(503);
      expect(late.json.detail).toMatch(/longer than 1 s/);
      expect(took).toBeGreaterThanOrEqual(950);
      expect(took).toBeLessThan(2200);
      proxy.delayMs = 0;
      const next = await fetchAnswer(s.url, '/cfg/tasks/logs/overview/');
      expect(next.status).toBe(200);
      expect(next.json.total_tasks).toBe(500);
    } finally {
      proxy.delayMs = 0;
      await s.stop();
    }
  });

  it.skipIf(skip)('SIGTERM: the request in flight finishes with 200, then the process exits 0', async () => {
    const s = await startTasklog(['--db', proxied], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/')).status).toBe(200);
      proxy.delayMs = 700;
      const inFlight = fetchAnswer(s.url, '/cfg/tasks/logs/?page_size=50');
      await new Promise((r) => setTimeout(r, 200));
      s.proc.kill('SIGTERM');
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.json.results).toHaveLength(50);
      expect(await s.exited).toBe(0);
      expect(s.stderr()).toMatch(/stopped/);
    } finally {
      proxy.delayMs = 0;
      await s.stop();
    }
  });
});
