/**
 * Hostile rows (issue #18): values other programs wrote, read by every report
 * of the CLI and every page of serve. Names that are also Object's members
 * (a queue "constructor", a status "__proto__", a task "toString") are
 * names like any other; values of the wrong type (SQLite keeps any type in
 * any column: a text in duration_ms or created_at, a number or a blob in
 * error_message) are read as the row's own fields read them and never fail a
 * report; a search of too many words is refused as a bad value; a 5xx answer
 * names no database, SQL or driver text (the server's log has them).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runJson } from '../helpers/run.js';
import { fetchAnswer, startTasklog, type Child } from '../helpers/servers.js';

const NOW = '2026-11-27T20:30:00Z';
const HOSTILE_NAMES = { queue_name: 'constructor', status: '__proto__', task_name: 'toString', worker_id: 'hasOwnProperty' };
/** column → values of the wrong type, each in a row of its own */
const WRONG_TYPES: [string, unknown][] = [
  ['duration_ms', 'abc'],
  ['duration_ms', Buffer.from([1, 2])],
  ['duration_ms', 12.5],
  ['created_at', 'not a date'],
  ['created_at', 1764700000],
  ['error_message', 12345],
  ['error_message', Buffer.from([0xde, 0xad, 0xbe, 0xef])],
  ['error_message', 1.5],
  ['success', 'yes'],
  ['job_retries', 'x'],
  ['enqueue_time', 123],
  ['start_time', 'garbage'],
  ['user_id', 'abc'],
  ['status', 42],
  ['task_name', 7],
];

let dir: string;
let file: string;
const ids: number[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tasklog-hostile-'));
  file = join(dir, 'logs.sqlite');
  const r = await run(['demo', '--db', file, '--rows', '300', '--json'], { now: NOW });
  if (r.code !== 0) throw new Error(r.stderr);
  const db = new Database(file);
  // another program's writes: no foreign key checked (a user_id that is text)
  db.pragma('foreign_keys = OFF');
  try {
    const base = db.prepare(`SELECT * FROM django_cfg_task_log WHERE status = 'failed' ORDER BY id DESC LIMIT 1`).get() as Record<string, unknown>;
    const insert = (i: number, changes: Record<string, unknown>) => {
      const row: Record<string, unknown> = { ...base, id: null, job_id: `hostile-${i}`, ...changes };
      const cols = Object.keys(row);
      const info = db.prepare(`INSERT INTO django_cfg_task_log (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]));
      ids.push(Number(info.lastInsertRowid));
    };
    insert(0, HOSTILE_NAMES);
    insert(1, { queue_name: '__proto__', status: 'constructor', task_name: 'valueOf' });
    WRONG_TYPES.forEach(([col, value], i) => insert(i + 2, { [col]: value }));
  } finally {
    db.close();
  }
});

describe('the CLI over hostile rows', () => {
  const reports = [['stats'], ['timeline'], ['errors', '--period-hours', '720'], ['metrics'], ['overview'], ['logs', 'list'], ['logs', 'list', '--all', '-o', 'csv'], ['logs', 'list', '--all', '-o', 'jsonl']];

  it.each(reports.map((r) => [r.join(' '), r] as const))('%s exits 0, as text on a terminal and as JSON', async (_, args) => {
    for (const extra of [[], ['--json']]) {
      // metrics prints Prometheus text, -o chooses the format
      if (extra.length && (args.includes('-o') || args[0] === 'metrics')) continue;
      const r = await run([...args, '--db', file, ...extra], { now: NOW, tty: true, env: { FORCE_COLOR: '1' } });
      // nothing on stderr but a note about values left out
      expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('tasklog: note: '))).toEqual([]);
      expect(r.code).toBe(0);
    }
  });

  it('logs show of every hostile row exits 0', async () => {
    for (const id of ids) {
      for (const extra of [[], ['--json']]) {
        const r = await run(['logs', 'show', String(id), '--db', file, ...extra], { now: NOW, tty: true, env: { FORCE_COLOR: '1' } });
        expect(r.stderr, `logs show ${id}`).toBe('');
        expect(r.code).toBe(0);
      }
    }
  });

  it('counts the names that are Object members as own keys', async () => {
    const o = await runJson(['overview', '--db', file], { now: NOW });
    expect(Object.hasOwn(o.tasks_by_status, '__proto__')).toBe(true);
    expect(o.tasks_by_status.__proto__).toBe(1);
    expect(Object.hasOwn(o.tasks_by_status, 'constructor')).toBe(true);
    expect(o.tasks_by_queue.constructor).toBe(1);
    expect(o.tasks_by_queue.__proto__).toBe(1);
    const s = await runJson(['stats', '--db', file, '--period-hours', '87600'], { now: NOW });
    expect(Object.hasOwn(s.by_status, '__proto__')).toBe(true);
    // the wrongly typed durations count as no duration, as the rows read
    expect(Number.isFinite(s.duration_ms.max)).toBe(true);
  });

  it('durations and times that are no number or time are left out and said once on stderr', async () => {
    const s = await run(['stats', '--db', file, '--period-hours', '87600', '--by', 'task', '--json'], { now: NOW });
    expect(s.code).toBe(0);
    expect(s.stderr).toBe('tasklog: note: 2 rows hold a duration_ms that is not a number (SQLite keeps any type in any column): counted as no duration\n');
    const t = await run(['timeline', '--db', file, '--period-hours', '87600', '--interval', 'day', '--json'], { now: NOW });
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/^tasklog: note: 2 rows hold a duration_ms that is not a number .*\ntasklog: note: 1 row holds a created_at that is not a time .*: left out of the timeline\n$/);
  });

  it('errors reads a number or a blob in error_message as text', async () => {
    const e = await runJson(['errors', '--db', file, '--period-hours', '87600', '--limit', '100'], { now: NOW });
    const signatures = e.top_errors.map((g: { signature: string }) => g.signature);
    expect(signatures).toContain('<n>');
    expect(e.by_task.map((t: { task_name: string }) => t.task_name)).toContain('toString');
  });

  it('a search of more than 32 words: exit 2, one line naming --search', async () => {
    const words = Array.from({ length: 33 }, (_, i) => `w${i}`).join(' ');
    const r = await run(['logs', 'list', '--db', file, '--search', words], { now: NOW });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--search.*at most 32 words/);
    const ok = await run(['logs', 'list', '--db', file, '--search', words.split(' ').slice(0, 32).join(' ')], { now: NOW });
    expect(ok.code).toBe(0);
  });
});

describe('serve over hostile rows', () => {
  let s: Child;
  beforeAll(async () => {
    s = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('every page and API answer is 200', async () => {
    const paths = ['/', '/?queue_name=high', '/?queue_name=constructor', '/?task_name=toString', '/?__proto__=1&constructor=2', '/cfg/tasks/logs/?page_size=100', '/cfg/tasks/logs/?queue_name=constructor',
      '/cfg/tasks/logs/stats/', '/cfg/tasks/logs/timeline/', '/cfg/tasks/logs/overview/', '/metrics',
      ...ids.flatMap((id) => [`/logs/${id}`, `/cfg/tasks/logs/${id}/`, `/cfg/tasks/logs/${id}/related/`])];
    for (const p of paths) expect(`${(await fetchAnswer(s.url, p)).status} ${p}`).toBe(`200 ${p}`);
    const page = await fetchAnswer(s.url, '/');
    expect(page.text).toMatch(/>constructor</);
    expect(page.text).toMatch(/data-status="__proto__"/);
    const metrics = await fetchAnswer(s.url, '/metrics');
    expect(metrics.text).toMatch(/queue="constructor",status="__proto__"/);
    const overview = await fetchAnswer(s.url, '/cfg/tasks/logs/overview/');
    expect(overview.json.tasks_by_status.__proto__).toBe(1);
  });

  it('a search of more than 32 words is 400 naming search; 32 words are answered', async () => {
    const words = Array.from({ length: 1500 }, (_, i) => `w${i}`);
    const refused = await fetchAnswer(s.url, `/cfg/tasks/logs/?search=${words.join('+')}`);
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.json)).toEqual(['search']);
    expect((await fetchAnswer(s.url, `/cfg/tasks/logs/?search=${words.slice(0, 32).join('+')}`)).status).toBe(200);
    expect((await fetchAnswer(s.url, `/?search=${words.join('+')}`)).status).toBe(400);
  });
});

describe('a 5xx answer names no database', () => {
  it('a database file that turned into garbage: 503 without its path or the driver text; the log has them', async () => {
    const broken = join(dir, 'broken.sqlite');
    const r = await run(['demo', '--db', broken, '--rows', '50', '--json'], { now: NOW });
    expect(r.code).toBe(0);
    const s = await startTasklog(['--db', broken], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/')).status).toBe(200);
      writeFileSync(broken, Buffer.alloc(64 * 1024, 0x5a));
      for (const p of ['/cfg/tasks/logs/overview/', '/cfg/tasks/logs/stats/', '/', '/metrics', '/healthz']) {
        const a = await fetchAnswer(s.url, p);
        expect(a.status, p).toBeGreaterThanOrEqual(500);
        expect(a.text, p).not.toContain(dir);
        expect(a.text, p).not.toMatch(/sqlite|SELECT|query on|not a database|malformed/i);
      }
      expect(s.stderr()).toMatch(/not a database|malformed/);
    } finally {
      await s.stop();
    }
  });
});
