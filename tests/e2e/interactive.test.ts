/**
 * `tasklog init` and `tasklog logs browse` as a user drives them: the built
 * bin in a real pseudo-terminal (tmux), keys in, screen out, on a demo
 * database (and, for init, a PostgreSQL one). What the screens show is
 * compared with what `logs list`, `logs show` and `logs related` print.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THRESHOLDS } from '../../src/query/thresholds.js';
import { createDatabase, REQUIRE_ALL, unavailable, type TestDatabase } from '../helpers/databases.js';
import { Pty, tmuxMissing } from '../helpers/pty.js';
import { run, runJson } from '../helpers/run.js';

const NOW = '2026-03-02T10:00:00Z';
const noTmux = tmuxMissing();
const pgMissing = noTmux ? null : await unavailable('postgres');
if (pgMissing && REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${pgMissing}`);
if (pgMissing) console.warn(`\n*** SKIPPING init on PostgreSQL: ${pgMissing}\n*** (set TASKLOG_TEST_REQUIRE_ALL=1 to make this a failure)\n`);
const dirs: string[] = [];
const ptys: Pty[] = [];

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tasklog-pty-'));
  dirs.push(d);
  return d;
}

function start(args: string[], cwd: string, env: Record<string, string> = {}): Pty {
  const pty = Pty.start(args, { cwd, env: { TASKLOG_NOW: NOW, NO_COLOR: '', HOME: cwd, XDG_CONFIG_HOME: join(cwd, 'xdg'), ...env } });
  ptys.push(pty);
  return pty;
}

/** The defaults init shows for the thresholds (the built-in values: health's and alerts check's). */
const THRESHOLD_DEFAULTS: Record<string, string> = {
  'health.stuckAfter': '1h', 'health.warnStuck': '5', 'health.critStuck': '10', 'health.warnFailureRate': '10', 'health.critFailureRate': '20',
  'health.warnQueued': '100', 'health.critQueued': '500', 'alerts.window': '1h', 'alerts.failureRate': '10', 'alerts.minRows': '10',
  'alerts.stuckCount': '5', 'alerts.stuckAfter': '2h', 'alerts.queued': '100', 'alerts.avgDuration': '30', 'alerts.avgRetries': '5',
};

/** Goes through init's threshold questions: each shows its default (or `current`), `answers` are typed, the rest kept. */
async function answerThresholds(pty: Pty, answers: Record<string, string>, current: Record<string, string> = {}): Promise<void> {
  for (const t of THRESHOLDS) {
    const name = `${t.section}.${t.key}`;
    await pty.waitFor(`? ${name}: ${t.description} (${current[name] ?? THRESHOLD_DEFAULTS[name]})`);
    if (answers[name]) pty.type(answers[name]);
    pty.keys('Enter');
    await pty.waitFor(`✔ ${name}: ${t.description} ${answers[name] ?? current[name] ?? THRESHOLD_DEFAULTS[name]}`);
  }
}

/** The row ids of the list on the screen, in order, and the one under the cursor. */
function screenRows(screen: string): { ids: number[]; active: number | null } {
  const ids: number[] = [];
  let active: number | null = null;
  for (const line of screen.split('\n')) {
    const m = /^(❯| ) +(\d+)  /.exec(line);
    if (!m) continue;
    ids.push(Number(m[2]));
    if (m[1] === '❯') active = Number(m[2]);
  }
  return { ids, active };
}

afterAll(() => {
  for (const p of ptys) p.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(noTmux)('logs browse in a pseudo-terminal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tmp();
    const demo = await run(['demo', '--rows', '300', '--db', 'demo.sqlite'], { cwd: dir, now: NOW });
    expect(demo.code).toBe(0);
  });
  const list = (...args: string[]) => runJson(['logs', 'list', '--db', 'demo.sqlite', '--page-size', '8', ...args], { cwd: dir, now: NOW });

  it('pages, filters, searches, opens a row, its related rows, goes back and quits with q, leaving the terminal clean', async () => {
    const pty = start(['logs', 'browse', '--db', 'demo.sqlite', '--page-size', '8'], dir);
    let screen = await pty.waitFor('showing 1–8 of 300 · page 1 of 38');
    expect(screen).toContain('filters: none');
    expect(screenRows(screen).ids).toEqual((await list()).results.map((r: { id: number }) => r.id));
    expect(screen).toMatch(/✔ Success/); // badges, as on `logs list` on a terminal

    pty.keys('n');
    screen = await pty.waitFor('showing 9–16 of 300');
    expect(screenRows(screen).ids).toEqual((await list('--page', '2')).results.map((r: { id: number }) => r.id));
    pty.keys('p');
    await pty.waitFor('showing 1–8 of 300');

    // f → Status → failed: the --is-failed group
    pty.keys('f');
    await pty.waitFor('Filter by');
    pty.keys('Enter');
    await pty.waitFor('any status');
    pty.keys('Down', 'Enter');
    const failed = await list('--is-failed');
    screen = await pty.waitFor(`of ${failed.count} · page 1`);
    expect(screen).toContain('filters: --is-failed');
    expect(screenRows(screen).ids).toEqual(failed.results.map((r: { id: number }) => r.id));

    // / types a search
    pty.keys('/');
    await pty.waitFor('Search:');
    pty.type('notifications');
    pty.keys('Enter');
    const searched = await list('--is-failed', '--search', 'notifications');
    expect(searched.count).toBeGreaterThan(2);
    screen = await pty.waitFor('filters: --is-failed --search notifications');
    screen = await pty.waitFor(`of ${searched.count} · page 1`);
    const ids = searched.results.map((r: { id: number }) => r.id);
    expect(screenRows(screen)).toEqual({ ids, active: ids[0] });

    // the second row, opened: the page `logs show` prints
    pty.keys('Down', 'Enter');
    const id = ids[1];
    screen = await pty.waitFor(`Task log ${id} ·`);
    const show = await run(['logs', 'show', String(id), '--db', 'demo.sqlite'], { cwd: dir, now: NOW, tty: true, columns: 120 });
    const shown = stripVTControlCharacters(show.stdout).trimEnd().split('\n');
    expect(shown.length).toBeGreaterThan(20);
    const lines = screen.split('\n');
    const at = lines.indexOf(shown[0]);
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at, at + 25)).toEqual(shown.slice(0, 25));

    // r: the rows `logs related` lists
    pty.keys('r');
    screen = await pty.waitFor(`Related to ${id}`);
    const related = await runJson(['logs', 'related', String(id), '--db', 'demo.sqlite', '--limit', '8'], { cwd: dir, now: NOW });
    expect(screenRows(screen).ids).toEqual(related.map((r: { id: number }) => r.id));

    // back to the detail, back to the list: filters, page and cursor kept
    pty.keys('b');
    await pty.waitFor(`Task log ${id} ·`);
    pty.keys('Escape');
    screen = await pty.waitFor('filters: --is-failed --search notifications');
    expect(screenRows(screen).active).toBe(id);

    pty.keys('q');
    expect(await pty.exitCode()).toBe(0);
    expect(pty.terminalState()).toEqual({ alternateScreen: false, cursorVisible: true });
    expect(pty.screen()).not.toContain('Task logs');
  });

  it('Ctrl-C quits from the list and from a filter menu: exit 130, screen and cursor restored', async () => {
    const a = start(['logs', 'browse', '--db', 'demo.sqlite', '--is-failed'], dir);
    await a.waitFor(/showing 1–\d+ of/);
    a.keys('C-c');
    expect(await a.exitCode()).toBe(130);
    expect(a.terminalState()).toEqual({ alternateScreen: false, cursorVisible: true });

    const b = start(['logs', 'browse', '--db', 'demo.sqlite'], dir);
    await b.waitFor(/showing 1–\d+ of 300/);
    b.keys('f');
    await b.waitFor('Filter by');
    b.keys('C-c');
    expect(await b.exitCode()).toBe(130);
    expect(b.terminalState()).toEqual({ alternateScreen: false, cursorVisible: true });
    expect(b.screen()).toBe('[exited 130]');
  });
});

describe.skipIf(noTmux)('cleanup asks on a terminal', () => {
  const dir = tmp();
  beforeAll(async () => {
    expect((await run(['demo', '--rows', '200', '--days', '9', '--db', 'demo.sqlite'], { cwd: dir, now: NOW })).code).toBe(0);
  });
  const total = async () => (await runJson(['overview', '--db', 'demo.sqlite'], { cwd: dir, now: NOW })).total_tasks as number;

  it('Ctrl-C at the question: exit 130, nothing deleted, cursor shown', async () => {
    const before = await total();
    const dry = await runJson(['cleanup', '--days', '1', '--dry-run', '--db', 'demo.sqlite'], { cwd: dir, now: NOW });
    expect(dry.deleted).toBeGreaterThan(1);
    const pty = start(['cleanup', '--days', '1', '--db', 'demo.sqlite'], dir);
    await pty.waitFor(`Delete ${dry.deleted.toLocaleString('en-US')} logs older than 1 day (created before`);
    pty.keys('C-c');
    expect(await pty.exitCode()).toBe(130);
    expect(pty.screen()).toContain('tasklog: interrupted: nothing deleted');
    expect(pty.terminalState().cursorVisible).toBe(true);
    expect(await total()).toBe(before);
  });

  it('answering no: exit 0, nothing deleted', async () => {
    const before = await total();
    const pty = start(['cleanup', '--days', '1', '--db', 'demo.sqlite'], dir);
    await pty.waitFor('older than 1 day');
    pty.type('n');
    pty.keys('Enter');
    expect(await pty.exitCode()).toBe(0);
    expect(pty.screen()).toContain('Nothing deleted.');
    expect(await total()).toBe(before);
  });
});

describe.skipIf(noTmux)('init in a pseudo-terminal', () => {
  it('SQLite: a wrong file is a clear verdict, then the demo database, its table, thresholds; the file is what health reads; a second run offers the current values', async () => {
    const dir = tmp();
    expect((await run(['demo', '--rows', '100', '--db', 'demo.sqlite'], { cwd: dir, now: NOW })).code).toBe(0);
    const pty = start(['init'], dir);
    await pty.waitFor('tasklog init · writes ./tasklog.config.json');
    await pty.waitFor('SQLite (a file)');
    pty.keys('Enter');
    await pty.waitFor('SQLite file (tasklog.sqlite)');
    pty.type('missing.sqlite');
    pty.keys('Enter');
    await pty.waitFor('✖ no database at missing.sqlite');
    await pty.waitFor('Change the connection details');
    pty.keys('Enter'); // change them
    await pty.waitFor(/✔ What now\? Change the connection details[\s\S]*\? Database/);
    pty.keys('Enter');
    await pty.waitFor('SQLite file (missing.sqlite)');
    pty.type('demo.sqlite');
    pty.keys('Enter');
    await pty.waitFor(/✔ Connected: SQLite \d/);
    await pty.waitFor('Tables that look like a task log: django_cfg_task_log');
    await pty.waitFor('? Task log table');
    pty.keys('Enter'); // the table offered
    await pty.waitFor('User table (joined for user names and e-mails) (auth_user)');
    pty.keys('Enter');
    await pty.waitFor('✔ auth_user exists');
    await pty.waitFor('Review the health and alert thresholds?');
    pty.type('y');
    pty.keys('Enter');
    await answerThresholds(pty, { 'health.warnStuck': '7', 'alerts.failureRate': '15' });
    await pty.waitFor('Write ./tasklog.config.json? (Y/n)');
    pty.keys('Enter');
    await pty.waitFor('✔ Wrote ./tasklog.config.json');
    expect(await pty.exitCode()).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'tasklog.config.json'), 'utf8'));
    expect(written).toEqual({
      database: 'demo.sqlite',
      table: 'django_cfg_task_log',
      userTable: 'auth_user',
      health: { warnStuck: 7 },
      alerts: { failureRate: 15 },
    });
    // the keys init writes are the keys health reads
    const health = await run(['health', '--json'], { cwd: dir, now: NOW });
    expect(JSON.parse(health.stdout).checks.find((c: { name: string }) => c.name === 'stuck').warning).toBe(7);

    // again: every question offers the current value, the file comes out the same
    const again = start(['init'], dir);
    await again.waitFor('tasklog init · updates ./tasklog.config.json');
    await again.waitFor('The current values are the defaults');
    again.keys('Enter');
    await again.waitFor('SQLite file (demo.sqlite)');
    again.keys('Enter');
    await again.waitFor('Tables that look like a task log');
    await again.waitFor('? Task log table');
    again.keys('Enter');
    await again.waitFor('(auth_user)');
    again.keys('Enter');
    await again.waitFor('Review the health and alert thresholds?');
    again.type('y');
    again.keys('Enter');
    await answerThresholds(again, {}, { 'health.warnStuck': '7', 'alerts.failureRate': '15' });
    await again.waitFor('Write ./tasklog.config.json? (Y/n)');
    again.keys('Enter');
    expect(await again.exitCode()).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'tasklog.config.json'), 'utf8'))).toEqual(written);
  });

  it('Ctrl-C cancels: exit 130, nothing written, cursor shown', async () => {
    const dir = tmp();
    const pty = start(['init'], dir);
    await pty.waitFor('SQLite (a file)');
    pty.keys('Enter');
    await pty.waitFor('SQLite file');
    pty.keys('C-c');
    expect(await pty.exitCode()).toBe(130);
    expect(pty.screen()).toContain('tasklog: init cancelled; nothing written');
    expect(pty.terminalState().cursorVisible).toBe(true);
    expect(existsSync(join(dir, 'tasklog.config.json'))).toBe(false);
  });

  describe('PostgreSQL', () => {
    const why = pgMissing;
    let tdb: TestDatabase;
    beforeAll(async () => {
      if (why) return;
      tdb = await createDatabase('postgres', 'init');
      expect((await run(['demo', '--rows', '50', '--db', tdb.url], { now: NOW })).code).toBe(0);
    });
    afterAll(async () => {
      await tdb?.drop();
    });

    it.skipIf(why)('--global: connects, offers the table, keeps the typed password out of the file and names the variable instead', async () => {
      const dir = tmp();
      const project = join(dir, 'project');
      mkdirSync(project);
      const u = new URL(tdb.url);
      const pty = start(['init', '--global'], project, { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') });
      await pty.waitFor('tasklog init · writes ~/xdg/tasklog/config.json');
      await pty.waitFor('PostgreSQL');
      pty.keys('Down', 'Enter');
      await pty.waitFor('? Host (localhost)');
      pty.type(u.hostname);
      pty.keys('Enter');
      await pty.waitFor('? Port (5432)');
      pty.type(u.port || '5432');
      pty.keys('Enter');
      await pty.waitFor('? Database name');
      pty.type(tdb.name);
      pty.keys('Enter');
      await pty.waitFor('? User (postgres)');
      pty.type(decodeURIComponent(u.username));
      pty.keys('Enter');
      await pty.waitFor('? Password (empty: none)');
      pty.type('hunter2');
      pty.keys('Enter');
      await pty.waitFor('TLS (sslmode)');
      pty.keys('Enter');
      const screen = await pty.waitFor(/✔ Connected: PostgreSQL \d+/);
      expect(screen).toContain(`Connecting to postgres://${decodeURIComponent(u.username)}:***@${u.hostname}:${u.port || 5432}/${tdb.name}`);
      expect(screen).not.toContain('hunter2');
      await pty.waitFor('Tables that look like a task log: django_cfg_task_log');
      await pty.waitFor('? Task log table');
      pty.keys('Enter');
      await pty.waitFor('(auth_user)');
      pty.keys('Enter');
      await pty.waitFor('✔ auth_user exists');
      await pty.waitFor('Review the health and alert thresholds?');
      pty.keys('Enter');
      await pty.waitFor('Store the password in the config file? (No: tasklog reads it from $TASKLOG_DB_PASSWORD) (y/N)');
      pty.keys('Enter');
      await pty.waitFor('Write ~/xdg/tasklog/config.json? (Y/n)');
      pty.keys('Enter');
      await pty.waitFor("export TASKLOG_DB_PASSWORD='…'");
      expect(await pty.exitCode()).toBe(0);
      expect(pty.screen()).not.toContain('hunter2');

      const file = join(dir, 'xdg', 'tasklog', 'config.json');
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain('hunter2');
      expect(JSON.parse(text)).toEqual({
        database: `postgres://${u.username}@${u.hostname}:${u.port || 5432}/${tdb.name}`,
        passwordEnv: 'TASKLOG_DB_PASSWORD',
        table: 'django_cfg_task_log',
        userTable: 'auth_user',
      });
      // every command now reads the per-user file, with the password from the variable
      const elsewhere = tmp();
      const env = { XDG_CONFIG_HOME: join(dir, 'xdg') };
      const ov = await run(['overview', '--json'], { cwd: elsewhere, now: NOW, env: { ...env, TASKLOG_DB_PASSWORD: 'hunter2' } });
      expect(ov.stderr).toBe('');
      expect(JSON.parse(ov.stdout).total_tasks).toBe(50);
      const unset = await run(['overview'], { cwd: elsewhere, now: NOW, env });
      expect(unset.code).toBe(1);
      expect(unset.stderr).toMatch(/^tasklog: config file .*config\.json takes the database password from \$TASKLOG_DB_PASSWORD, which is not set/);
    });
  });
});

describe('off a terminal', () => {
  it.each([
    [['init'], /^tasklog: init is an interactive wizard and needs a terminal .*--db URL .*TASKLOG_DATABASE_URL or DATABASE_URL.*tasklog\.config\.json/],
    [['init', '--global'], /^tasklog: init is an interactive wizard/],
    [['logs', 'browse'], /^tasklog: logs browse needs a terminal .*`tasklog logs list` \(the same filter flags\), `logs show ID` and `logs related ID`/],
    [['logs', 'browse', '--is-failed', '--db', 'nowhere.sqlite'], /^tasklog: logs browse needs a terminal/],
  ])('%j refuses: exit 2, one line, before touching any database', async (argv, message) => {
    const dir = tmp();
    const r = await run(argv, { cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'xdg') } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'tasklog.config.json'))).toBe(false);
  });
});
