/**
 * The serve API's query string as an attacker writes it (issue #18): any
 * bytes (percent-encoded, or raw where HTTP allows them), repeated keys,
 * huge values, on every route. The answer is 200, 400 or 404 with a JSON body
 * (the dashboard: HTML) — never a 5xx, never a stack trace.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTERS } from '../../src/query/filters.js';
import { params } from '../helpers/property.js';
import { run } from '../helpers/run.js';
import { fetchAnswer, startTasklog, type Child } from '../helpers/servers.js';

const NOW = '2026-11-27T20:30:00Z';
const ROUTES = ['/cfg/tasks/logs/', '/cfg/tasks/logs/stats/', '/cfg/tasks/logs/timeline/', '/cfg/tasks/logs/overview/', '/cfg/tasks/logs/3/', '/cfg/tasks/logs/3/related/', '/', '/logs/3', '/metrics', '/healthz'];
const NAMES = [...FILTERS.map((f) => f.name), 'search', 'ordering', 'page', 'page_size', 'period_hours', 'interval', 'task_name', 'refresh', '__proto__', 'constructor', 'toString'];

/** bytes as %XX */
const encoded = fc.uint8Array({ maxLength: 60 }).map((b) => [...b].map((x) => '%' + x.toString(16).padStart(2, '0').toUpperCase()).join(''));
/** characters a request line may carry as they are (no space, #, or control) */
const raw = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x23).map((c) => String.fromCharCode(c)), maxLength: 60 });
const word = fc.oneof(fc.constantFrom('', '0', '-1', '1e309', 'NaN', 'last', 'true', 'failed', 'high', 'constructor', '2026-11-27', '24h', '%', '%zz', '+', '__proto__'), raw, encoded);
const value = fc.oneof(
  word,
  fc.tuple(word, fc.integer({ min: 1, max: 3000 })).map(([w, n]) => (w || 'x').repeat(Math.min(n, Math.floor(9000 / Math.max(1, (w || 'x').length))))),
  fc.array(word, { maxLength: 50 }).map((ws) => ws.join('+')),
);
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...NAMES), raw, encoded), value, fc.boolean()), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join('&'))
  // node answers a request line past its 16 KB header limit with 431 before tasklog sees it
  .map((q) => q.slice(0, 8_000));

let dir: string;
let s: Child;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tasklog-api-prop-'));
  const file = join(dir, 'logs.sqlite');
  const r = await run(['demo', '--db', file, '--rows', '500', '--json'], { now: NOW });
  if (r.code !== 0) throw new Error(r.stderr);
  // and rows another program wrote: names that are Object members, values of the wrong type
  const db = new Database(file);
  try {
    db.exec(`INSERT INTO django_cfg_task_log (job_id, task_name, queue_name, args, kwargs, status, duration_ms, job_retry, job_retries, job_retry_after, success, error_message, enqueue_time, created_at, updated_at)
      SELECT 'hostile-' || id, 'toString', 'constructor', args, kwargs, '__proto__', 'abc', job_retry, job_retries, job_retry_after, 0, 42, enqueue_time, created_at, updated_at FROM django_cfg_task_log WHERE id <= 3`);
  } finally {
    db.close();
  }
  s = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
});
afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the serve API under any query string', () => {
  it('200, 400 or 404 with a JSON body (the dashboard: HTML), never a 5xx or a stack', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), query, async (route, qs) => {
        const a = await fetchAnswer(s.url, `${route}?${qs}`);
        if (route === '/healthz') expect([200, 503]).toContain(a.status); // 503 is its answer for CRITICAL
        else if (route === '/metrics') expect(a.status).toBe(200);
        else expect([200, 400, 404]).toContain(a.status);
        if (route === '/' || route.startsWith('/logs/')) expect(a.type).toMatch(/^text\/html/);
        else if (route !== '/metrics') expect(a.json).toBeTypeOf('object');
        expect(a.text).not.toMatch(/\n\s+at |Traceback|SELECT |query on /);
      }),
      params(150),
    );
    expect(s.stderr()).not.toMatch(/ 5\d\d \d/);
  });
});
