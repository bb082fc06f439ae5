/**
 * tasklog serve against the Django REST framework implementation of the same
 * API (fixtures/django: the viewset, filterset and serializers the django-cfg
 * documentation describes), on databases Django created and filled, on
 * SQLite, PostgreSQL and MariaDB: the same request to both gives the same
 * status and the same JSON body. Both run with TZ=Asia/Kolkata and the same
 * fixed clock; requests carry the same Host header, so DRF's absolute page
 * links match too. The bodies are compared as JSON and, but for the
 * overview's counts (keyed in whatever order the database grouped them),
 * byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { djangoApiPython, djangoFixture, fetchAnswer, startDjango, startTasklog, type Child } from '../helpers/servers.js';

const NOW = '2026-11-27T20:30:00.250000Z';
const HOST = 'tasks.example.com:8000';
const backends = await backendsUnderTest();

/** The requests compared; `ids` and `jobId` come from the database. */
function requests(ids: number[], jobId: string, backend: string): string[] {
  const L = '/cfg/tasks/logs/';
  const list = [
    '',
    '?page=2',
    '?page=last',
    '?page_size=7&page=3',
    '?page_size=1000',
    '?page=999',
    '?page=abc',
    '?page=0',
    '?page=',
    '?task_name=data',
    '?task_name=DATA&page_size=3&page=2',
    '?task_name_exact=send_email',
    '?queue_name=high',
    '?queue_name_in=high,low',
    '?status=failed',
    '?status_in=failed,expired',
    `?job_id=${jobId}`,
    '?is_completed=true',
    '?is_completed=false',
    '?is_successful=true',
    '?is_successful=false',
    '?is_failed=true',
    '?is_failed=false&page=2',
    '?has_error=true',
    '?has_error=false',
    '?created_after=2026-11-26T20:30:00Z&created_before=2026-11-27T08:00:00Z',
    '?created_after=2026-11-26T00:00:00',
    '?created_after=2026-11-26T05:30:00%2B05:30',
    '?duration_min=1000&duration_max=60000',
    '?job_retries_min=1',
    '?job_retries_max=0&status=success',
    '?search=timeout',
    '?search=error%20data',
    '?search=high,worker',
    // MariaDB's icontains is its collation's (utf8mb4_unicode_ci: ü matches u too); tasklog folds case only, everywhere
    ...(backend === 'mysql' ? [] : ['?search=%C3%BC&page_size=3']),
    '?search=err&ordering=-created_at',
    '?ordering=-created_at',
    '?ordering=created_at&page=2',
    '?ordering=id',
    '?ordering=-id&page_size=5&page=4',
    '?duration_min=1&ordering=-duration_ms,id',
    '?ordering=enqueue_time&page=2&page_size=5',
    '?is_failed=true&created_after=2026-11-26T00:00:00Z',
    '?task_name=process_data&page=1&page_size=20',
    '?duration_min=30000&ordering=-duration_ms,id',
    '?z=1&a=%20x&status=success&page=2&page_size=4',
    // the errors DRF gives too
    '?created_after=yesterday',
    '?created_before=2026-13-01T00:00:00',
    '?duration_min=abc',
    '?duration_min=abc&job_retries_max=x&created_after=nope',
  ].map((q) => L + q);
  const rows = ids.flatMap((id) => [`${L}${id}/`, `${L}${id}/related/`]);
  return [
    ...list,
    ...rows,
    `${L}999999/`,
    `${L}999999/related/`,
    `${L}abc/`,
    `${L}stats/`,
    `${L}stats/?period_hours=168`,
    `${L}stats/?period_hours=168&task_name=process_data`,
    `${L}stats/?period_hours=1`,
    `${L}stats/?task_name=`,
    `${L}timeline/`,
    `${L}timeline/?period_hours=168&interval=day`,
    `${L}timeline/?period_hours=48&task_name=send_email`,
    `${L}timeline/?period_hours=240&interval=hour`,
    `${L}overview/`,
  ];
}

/** tasklog's answer with only the keys Django's has (the issue allows extra fields; stats has none now). */
function shapedLike(got: any, want: any): any {
  if (want && got && typeof want === 'object' && !Array.isArray(want) && typeof got === 'object' && !Array.isArray(got) && 'success_rate' in want) {
    for (const k of Object.keys(want)) expect(got).toHaveProperty(k);
    return Object.fromEntries(Object.keys(want).map((k) => [k, got[k]]));
  }
  return got;
}

describe.each(backends)('tasklog serve answers as the Django REST framework API on $backend', ({ backend, skip }) => {
  const python = skip ? null : djangoApiPython(backend);
  let db: TestDatabase;
  let django: Child;
  let tasklog: Child;
  let ids: number[] = [];
  let jobId = '';

  beforeAll(async () => {
    if (!python) return;
    db = await createDatabase(backend, 'serve');
    djangoFixture(python, db, 'create', '--rows', '240', '--seed', '14', '--now', NOW);
    const counts = djangoFixture(python, db, 'counts', '--now', NOW);
    ids = [1, 2, 3, 6, 7, 13, 20, 120].filter((id) => counts.rows.some((r: { id: number }) => r.id === id));
    jobId = counts.rows[4].job_id;
    [django, tasklog] = await Promise.all([startDjango(python, db, NOW), startTasklog(['--db', db.url, '--allowed-host', new URL(`http://${HOST}`).hostname], { TASKLOG_NOW: NOW, TZ: 'Asia/Kolkata' })]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([django?.stop(), tasklog?.stop()]);
    await db?.drop();
  });

  it.skipIf(!python)('every request: the same status and body', async () => {
    const paths = requests(ids, jobId, backend);
    const differences: string[] = [];
    for (const path of paths) {
      const [want, got] = await Promise.all([fetchAnswer(django.url, path, { host: HOST }), fetchAnswer(tasklog.url, path, { host: HOST })]);
      expect(want.json, `Django's answer to ${path} is JSON: ${want.text.slice(0, 200)}`).toBeDefined();
      try {
        expect({ status: got.status, body: shapedLike(got.json, want.json) }).toEqual({ status: want.status, body: want.json });
        // byte for byte too (field order, 100.0 for a float, escapes), but for the overview's counts, whose
        // key order is whatever order the database grouped them in
        if (!path.endsWith('/overview/')) expect(got.text).toBe(want.text);
      } catch (err) {
        differences.push(`${path}\n  django:  ${want.status} ${want.text.slice(0, 400)}\n  tasklog: ${got.status} ${got.text.slice(0, 400)}`);
      }
    }
    expect(differences, differences.join('\n')).toEqual([]);
    // the requests reach real data: lists with rows, pages with links, errors
    const first = await fetchAnswer(tasklog.url, '/cfg/tasks/logs/?page=2', { host: HOST });
    expect(first.json.count).toBe(240);
    expect(first.json.next).toBe(`http://${HOST}/cfg/tasks/logs/?page=3`);
    expect(first.json.previous).toBe(`http://${HOST}/cfg/tasks/logs/`);
  });

  it.skipIf(!python)('any method but GET and HEAD: 405 with the same body', async () => {
    for (const [method, path] of [
      ['POST', '/cfg/tasks/logs/'],
      ['DELETE', `/cfg/tasks/logs/${ids[0]}/`],
      ['PUT', `/cfg/tasks/logs/${ids[0]}/`],
      ['PATCH', '/cfg/tasks/logs/stats/'],
    ]) {
      const [want, got] = await Promise.all([fetchAnswer(django.url, path, { method, host: HOST }), fetchAnswer(tasklog.url, path, { method, host: HOST })]);
      expect(want.status).toBe(405);
      expect({ status: got.status, body: got.json }).toEqual({ status: want.status, body: want.json });
    }
  });
});
