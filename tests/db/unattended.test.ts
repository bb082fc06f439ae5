/**
 * The unattended commands on every backend: health (Nagios), cleanup,
 * metrics and alerts check — with a local HTTP server as the webhook and a
 * local SMTP server as the mail relay.
 */
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db } from '../../src/db/connect.js';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { micros, openDb } from '../helpers/db.js';
import { backendsUnderTest, createDatabase, REQUIRE_ALL, type TestDatabase } from '../helpers/databases.js';
import { run, runJson } from '../helpers/run.js';
import { REPO_ROOT } from '../helpers/shared.js';

const NOW = '2026-07-01T12:00:00Z';
const backends = await backendsUnderTest();
const us = micros;
const NOW_US = us(NOW);
const H = 3_600_000_000;
const D = 24 * H;

function row(job_id: string, over: Partial<WritableRow>): WritableRow {
  return {
    job_id, task_name: 'ops.task', queue_name: 'default', args: [], kwargs: {}, status: 'success', duration_ms: 500,
    job_retry: 3, job_retries: 0, job_retry_after: 60, success: true, result: null, error_message: null, worker_id: 'w1',
    enqueue_time: NOW_US - 10 * 60_000_000, expire_time: null, start_time: NOW_US - 9 * 60_000_000, finish_time: NOW_US - 8 * 60_000_000,
    created_at: NOW_US - 10 * 60_000_000, updated_at: NOW_US, user_id: null, ...over,
  };
}

async function open(url: string): Promise<Db> {
  return openDb(url);
}

async function fresh(tdb: TestDatabase, rows: WritableRow[]): Promise<void> {
  const db = await open(tdb.url);
  try {
    await db.exec(`DELETE FROM ${db.dialect.quote(db.table)}`);
    await insertRows(db, rows);
  } finally {
    await db.close();
  }
}

async function jobIds(url: string): Promise<string[]> {
  const db = await open(url);
  try {
    return (await db.query<{ job_id: string }>(`SELECT job_id FROM ${db.table} ORDER BY job_id`)).map((r) => r.job_id);
  } finally {
    await db.close();
  }
}

/** n rows created in the last hour, `failed` of them failed; `stuck` in progress for 3 h; `queued` waiting */
function scenario(n: number, failed: number, stuck: number, queued: number): WritableRow[] {
  const out: WritableRow[] = [];
  for (let i = 0; i < n; i++) out.push(row(`recent-${i}`, i < failed ? { status: 'failed', success: false, error_message: `TimeoutError: after ${i}s` } : {}));
  for (let i = 0; i < stuck; i++) out.push(row(`stuck-${i}`, { status: 'in_progress', success: null, start_time: NOW_US - 3 * H, finish_time: null, duration_ms: null, created_at: NOW_US - 3 * H, enqueue_time: NOW_US - 3 * H }));
  for (let i = 0; i < queued; i++) out.push(row(`queued-${i}`, { status: 'queued', success: null, start_time: null, finish_time: null, duration_ms: null, enqueue_time: NOW_US - (i + 1) * 60_000_000, created_at: NOW_US - 2 * H }));
  return out;
}

describe.each(backends)('unattended commands on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'ops');
    expect((await run(['migrate', '--db', tdb.url])).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it.skipIf(skip).each([
    ['OK', 0, scenario(40, 2, 1, 3), /^TASKLOG OK - 1 stuck task, failure rate 5%, 3 queued \(oldest 180 s\) \| stuck=1;5;10;0 failure_rate=5%;10;20;0;100 queued=3;100;500;0$/],
    ['WARNING', 1, scenario(40, 5, 0, 0), /^TASKLOG WARNING - failure rate 12\.5% \| stuck=0;5;10;0 failure_rate=12\.5%;10;20;0;100 queued=0;100;500;0$/],
    ['CRITICAL', 2, scenario(20, 1, 12, 0), /^TASKLOG CRITICAL - 12 stuck tasks \| stuck=12;5;10;0 failure_rate=5%;10;20;0;100 queued=0;100;500;0$/],
  ] as const)('health %s → exit %i with the plugin status line', async (_s, code, rows, line) => {
    await fresh(tdb, rows);
    const r = await run(['health', '--db', tdb.url], { now: NOW });
    expect(r.code).toBe(code);
    expect(r.stdout.split('\n')[0]).toMatch(line);
  });

  it.skipIf(skip)('health --json: the seed\'s keys, status and checks; thresholds from flags', async () => {
    await fresh(tdb, scenario(40, 5, 0, 0));
    const r = await run(['health', '--db', tdb.url, '--json', '--warn-failure-rate', '15', '--crit-failure-rate', '30'], { now: NOW });
    expect(r.code).toBe(0);
    const h = JSON.parse(r.stdout);
    expect(h).toMatchObject({ healthy: true, stuck_tasks: 0, failure_rate: 12.5, queued_tasks: 0, total_last_hour: 40, failed_last_hour: 5, timestamp: NOW, status: 'OK' });
    expect(h.checks.map((c: { name: string }) => c.name)).toEqual(['stuck', 'failure_rate', 'queued']);
  });

  it.skipIf(skip)('cleanup --dry-run counts by status; cleanup deletes exactly the old rows; --keep-failed-days and --status narrow it', async () => {
    const rows = [
      ...[100, 95, 91].map((d, i) => row(`old-ok-${i}`, { created_at: NOW_US - d * D })),
      ...[120, 92].map((d, i) => row(`old-failed-${i}`, { created_at: NOW_US - d * D, status: 'failed', success: false })),
      row('old-expired', { created_at: NOW_US - 200 * D, status: 'expired', success: null }),
      row('edge-exactly-90d', { created_at: NOW_US - 90 * D }),
      row('new', { created_at: NOW_US - 89 * D }),
    ];
    await fresh(tdb, rows);
    const dry = await runJson(['cleanup', '--db', tdb.url, '--dry-run'], { now: NOW });
    expect(dry).toEqual({ deleted: 6, cutoff: '2026-04-02T12:00:00Z', dry_run: true, by_status: { success: 3, failed: 2, expired: 1 } });
    expect(await jobIds(tdb.url)).toHaveLength(8);
    const keep = await runJson(['cleanup', '--db', tdb.url, '--yes', '--keep-failed-days', '150', '--status-in', 'success,failed,expired'], { now: NOW });
    expect(keep.deleted).toBe(4);
    expect(await jobIds(tdb.url)).toEqual(['edge-exactly-90d', 'new', 'old-failed-0', 'old-failed-1'].sort());
    const r = await run(['cleanup', '--db', tdb.url, '--yes', '--batch-size', '1'], { now: NOW });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Deleted 2 logs older than 90 days\n');
    expect(await jobIds(tdb.url)).toEqual(['edge-exactly-90d', 'new']);
  });

  it.skipIf(skip)('cleanup racing concurrent inserts deletes nothing newer than the cutoff', async () => {
    const old = Array.from({ length: 3000 }, (_, i) => row(`old-${i}`, { created_at: NOW_US - 100 * D - i * 1_000_000 }));
    await fresh(tdb, old);
    const writer = await open(tdb.url);
    let inserted = 0;
    let done = false;
    const inserting = (async () => {
      while (!done) {
        await insertRows(writer, [row(`live-${inserted}`, { created_at: NOW_US + inserted }), row(`live-old-looking-${inserted}`, { created_at: NOW_US - 89 * D })]);
        inserted++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      // cleanup in its own process, as cron runs it, while this process keeps inserting
      const res = await execa(join(REPO_ROOT, 'bin', 'tasklog'), ['cleanup', '--db', tdb.url, '--yes', '--batch-size', '100', '--json'], { env: { TASKLOG_NOW: NOW } });
      expect(JSON.parse(res.stdout).deleted).toBe(3000);
    } finally {
      done = true;
      await inserting;
      await writer.close();
    }
    const ids = await jobIds(tdb.url);
    expect(inserted).toBeGreaterThan(0);
    expect(ids).toHaveLength(inserted * 2);
    expect(ids.some((id) => id.startsWith('old-'))).toBe(false);
  });

  it.skipIf(skip)('an interrupted cleanup (Ctrl-C) stops after a batch with exit 130, and a rerun finishes', async () => {
    const TOTAL = 3000;
    await fresh(tdb, Array.from({ length: TOTAL }, (_, i) => row(`old-${i}`, { created_at: NOW_US - 100 * D })));
    const child = execa(join(REPO_ROOT, 'bin', 'tasklog'), ['cleanup', '--db', tdb.url, '--yes', '--batch-size', '1'], { reject: false, env: { TASKLOG_NOW: NOW } });
    // interrupt as soon as the first batches are gone
    const probe = await open(tdb.url);
    try {
      for (let i = 0; i < 3000; i++) {
        // SQLite: a writer deleting one row per statement can keep a reader waiting past its busy timeout on a loaded machine; look again
        const counted = await probe.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${probe.table}`).catch((err: { code?: string }) => {
          if (err.code === 'SQLITE_BUSY') return null;
          throw err;
        });
        if (counted && Number(counted[0].n) < TOTAL) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await probe.close();
    }
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    const m = /Deleted ([\d,]+) logs? older than 90 days \(interrupted\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    const first = Number(m![1].replace(/,/g, ''));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(TOTAL);
    expect(await jobIds(tdb.url)).toHaveLength(TOTAL - first);
    const rest = await runJson(['cleanup', '--db', tdb.url, '--yes'], { now: NOW });
    expect(rest.deleted).toBe(TOTAL - first);
    expect(await jobIds(tdb.url)).toHaveLength(0);
  }, 120_000);

  it.skipIf(skip)('metrics: the numbers of health and the counts, in a valid exposition; --textfile writes atomically', async () => {
    await fresh(tdb, scenario(40, 5, 2, 3));
    const r = await run(['metrics', '--db', tdb.url], { now: NOW });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tasklog_tasks{task="ops.task",queue="default",status="failed"} 5\n');
    expect(r.stdout).toContain('tasklog_queued_tasks 3\n');
    expect(r.stdout).toContain('tasklog_stuck_tasks 2\n');
    expect(r.stdout).toContain('tasklog_last_hour_failure_ratio 0.125\n');
    expect(r.stdout).toContain('tasklog_task_duration_seconds{task="ops.task",quantile="0.95"} 0.5\n');
    expect(r.stdout).toContain('tasklog_task_duration_seconds_count{task="ops.task"} 40\n');
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-prom-'));
    const w = await run(['metrics', '--db', tdb.url, '--textfile', join(dir, 'tasklog.prom')], { now: NOW });
    expect(w.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['tasklog.prom']);
    expect(readFileSync(join(dir, 'tasklog.prom'), 'utf8')).toBe(r.stdout);
  });

  describe('alerts check', () => {
    let http: Server;
    let url: string;
    const received: { status: number; body: any }[] = [];
    let failuresLeft = 0;
    let smtp: SMTPServer;
    let smtpPort: number;
    const mails: string[] = [];

    beforeAll(async () => {
      if (skip) return;
      http = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const status = failuresLeft > 0 ? 503 : 200;
          if (failuresLeft > 0) failuresLeft--;
          received.push({ status, body: JSON.parse(body) });
          res.writeHead(status).end();
        });
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(http.address() as { port: number }).port}/hooks/secret-token`;
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        onData(stream, _session, cb) {
          let text = '';
          stream.on('data', (c) => (text += c));
          stream.on('end', () => {
            mails.push(text);
            cb();
          });
        },
      });
      await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
      smtpPort = (smtp.server.address() as { port: number }).port;
    });
    afterAll(async () => {
      http?.close();
      await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    });

    it.skipIf(skip)('nothing fired: exit 0', async () => {
      await fresh(tdb, scenario(40, 1, 0, 0));
      const r = await run(['alerts', 'check', '--db', tdb.url, '--webhook', url], { now: NOW });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('OK - no alert fired\n');
    });

    it.skipIf(skip)('a webhook that fails twice then accepts gets the alert on the third attempt; a second run within the cooldown sends nothing', async () => {
      await fresh(tdb, scenario(40, 6, 7, 0));
      received.length = 0;
      failuresLeft = 2;
      const r = await run(['alerts', 'check', '--db', tdb.url, '--webhook', url, '--retry-delay', '0.05'], { now: NOW });
      expect(r.code).toBe(1);
      expect(received.map((x) => x.status)).toEqual([503, 503, 200]);
      const body = received[2].body;
      expect(body.alerts.map((a: { id: string }) => a.id)).toEqual(['high_failure_rate', 'stuck_tasks']);
      expect(body.text).toContain('[ALERT] High Task Failure Rate: 15.0%');
      expect(body.alerts[1].evidence.join('\n')).toMatch(/job_id=stuck-0, started=2026-07-01T09:00:00Z/);
      expect(r.stdout).toMatch(/delivered: webhook http:\/\/127\.0\.0\.1:\d+\/… after 3 attempts/);
      expect(r.stdout).not.toContain('secret-token');
      const again = await run(['alerts', 'check', '--db', tdb.url, '--webhook', url], { now: new Date(Date.parse(NOW) + 20 * 60_000) });
      expect(again.code).toBe(1);
      expect(received).toHaveLength(3);
      expect(again.stdout).toMatch(/suppressed \(sent 20 min ago, cooldown 60 min\)/);
      const later = await run(['alerts', 'check', '--db', tdb.url, '--webhook', url, '--cooldown', '15m'], { now: new Date(Date.parse(NOW) + 20 * 60_000) });
      expect(later.code).toBe(1);
      expect(received).toHaveLength(4);
    });

    it.skipIf(skip)('a delivery that keeps failing exits 3 and is not recorded as sent', async () => {
      await fresh(tdb, scenario(40, 0, 0, 150));
      received.length = 0;
      failuresLeft = 99;
      const r = await run(['alerts', 'check', '--db', tdb.url, '--webhook', url, '--retries', '2', '--retry-delay', '0.05'], { now: NOW });
      expect(r.code).toBe(3);
      expect(received).toHaveLength(2);
      expect(r.stderr).toMatch(/^tasklog: 1 delivery failed: webhook .* \(HTTP 503\)\n$/);
      failuresLeft = 0;
      const retry = await run(['alerts', 'check', '--db', tdb.url, '--webhook', url], { now: NOW });
      expect(retry.code).toBe(1);
      expect(received).toHaveLength(3);
      expect(received[2].body.alerts[0]).toMatchObject({ id: 'queue_backlog', value: 150, threshold: 100 });
    });

    it.skipIf(skip)('e-mail: one message per alert with the seed\'s subject; --dry-run sends nothing', async () => {
      await fresh(tdb, scenario(30, 9, 0, 0));
      mails.length = 0;
      const dry = await run(['alerts', 'check', '--db', tdb.url, '--email', 'oncall@example.com', '--smtp-url', `smtp://127.0.0.1:${smtpPort}`, '--dry-run', '--cooldown', '1s'], { now: NOW });
      expect(dry.code).toBe(1);
      expect(dry.stdout).toContain('would mail oncall@example.com: [ALERT] High Task Failure Rate: 30.0%');
      expect(mails).toHaveLength(0);
      const r = await run(['alerts', 'check', '--db', tdb.url, '--email', 'oncall@example.com,sre@example.com', '--from', 'tasklog@example.com', '--cooldown', '1s'], {
        now: new Date(Date.parse(NOW) + 3600_000 * 5),
        env: { TASKLOG_SMTP_URL: `smtp://127.0.0.1:${smtpPort}` },
      });
      // five hours later the failures are out of the window: nothing fires
      expect(r.code).toBe(0);
      // (two minutes on: an earlier test recorded high_failure_rate as sent at NOW)
      const fired = await run(['alerts', 'check', '--db', tdb.url, '--email', 'oncall@example.com,sre@example.com', '--from', 'tasklog@example.com', '--cooldown', '1s'], {
        now: new Date(Date.parse(NOW) + 120_000),
        env: { TASKLOG_SMTP_URL: `smtp://127.0.0.1:${smtpPort}` },
      });
      expect(fired.code).toBe(1);
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatch(/^Subject: \[ALERT\] High Task Failure Rate: 30\.0%$/m);
      expect(mails[0]).toMatch(/^To: oncall@example\.com, sre@example\.com$/m);
      expect(mails[0]).toContain('Failed tasks: 9');
    });
  });
});

describe('unattended commands: exit codes before any database work', () => {
  it('health: bad arguments and an unreachable database are UNKNOWN (3) on the status line', async () => {
    const bad = await run(['health', '--warn-stuck', 'many']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/^TASKLOG UNKNOWN - option '--warn-stuck <n>' argument 'many' is invalid/);
    const down = await run(['health', '--db', 'postgres://u:pw@127.0.0.1:1/x']);
    expect(down.code).toBe(3);
    expect(down.stdout).toBe('TASKLOG UNKNOWN - cannot connect to postgres://u:***@127.0.0.1:1/x: connection refused (is the server running?)\n');
  });

  it('alerts check: usage 2, unreachable database 3', async () => {
    expect((await run(['alerts', 'check', '--failure-rate', 'lots'])).code).toBe(2);
    expect((await run(['alerts', 'check', '--email', 'a@b.c'])).stderr).toMatch(/--email needs an SMTP server/);
    expect((await run(['alerts', 'check', '--db', 'mysql://u@127.0.0.1:1/x'])).code).toBe(3);
  });

  it('cleanup off a terminal refuses without --yes (exit 2)', async () => {
    const r = await run(['cleanup', '--db', ':memory:']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tasklog: refusing to delete without --yes when not on a terminal (add --yes, or --dry-run to count)\n');
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool) {
  if (REQUIRE_ALL) throw new Error('TASKLOG_TEST_REQUIRE_ALL=1 but promtool is missing (apt-get install prometheus)');
  console.warn('\n*** SKIPPING the Prometheus format check: promtool is missing (apt-get install prometheus)\n');
}

describe.skipIf(!promtool)('metrics pass promtool check metrics', () => {
  it('on the demo data, with non-ASCII and quoted label values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasklog-promtool-'));
    const db = join(dir, 't.sqlite');
    expect((await run(['demo', '--db', db, '--rows', '2000'], { now: NOW })).code).toBe(0);
    const c = await open(db);
    try {
      await insertRows(c, [row('weird', { task_name: 'quote"back\\slash\nnewline ünï' })]);
    } finally {
      await c.close();
    }
    const r = await run(['metrics', '--db', db], { now: NOW });
    expect(r.code).toBe(0);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: r.stdout, encoding: 'utf8' });
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
    expect(r.stdout).toContain('task="quote\\"back\\\\slash\\nnewline ünï"');
  });
});
