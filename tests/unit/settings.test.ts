/**
 * The config file is checked whole when it is read: a bad value of any key
 * is one line naming the key and what it accepts, exit 2 (health: 3 with
 * `TASKLOG UNKNOWN - …` on stdout); an unknown key is a warning. The
 * thresholds table drives the flags of health, alerts check and metrics.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/toolkit/settings.js';
import { COMMANDS } from '../../src/commands/index.js';
import { manPage } from '../../src/cli/manpage.js';
import { version } from '../../src/cli/main.js';
import { THRESHOLDS } from '../../src/query/thresholds.js';
import { run } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder holding tasklog.config.json with these values. */
function withConfig(values: unknown): string {
  const cwd = mkdtempSync(join(tmpdir(), 'tasklog-settings-'));
  dirs.push(cwd);
  writeFileSync(join(cwd, 'tasklog.config.json'), JSON.stringify(values));
  return cwd;
}

/** {"alerts.cooldown": v} → {"alerts": {"cooldown": v}} */
function nested(key: string, value: unknown): Record<string, unknown> {
  const [first, ...rest] = key.split('.');
  return rest.length ? { [first]: { [rest.join('.')]: value } } : { [first]: value };
}

/**
 * One bad value for every key of the file, and words of what the message must
 * say the key accepts — written here by hand, not taken from the table.
 */
const BAD: Record<string, [unknown, RegExp]> = {
  database: [42, /a database URL .* or a SQLite file path/],
  passwordEnv: ['not a name', /the name of an environment variable/],
  table: ['x; drop table y', /a table name \(letters, digits, _ and \$/],
  userTable: [7, /a table name/],
  connectTimeout: [0, /a number of seconds > 0/],
  'health.stuckAfter': ['soon', /a span such as "1h"/],
  'health.warnStuck': [2.5, /a whole number ≥ 0/],
  'health.critStuck': [-1, /a whole number ≥ 0/],
  'health.warnFailureRate': [150, /a percentage from 0 to 100/],
  'health.critFailureRate': ['20', /a percentage from 0 to 100/],
  'health.warnQueued': ['many', /a whole number ≥ 0/],
  'health.critQueued': [null, /a whole number ≥ 0/],
  'alerts.window': [3600, /a span such as "1h"/],
  'alerts.failureRate': [-5, /a percentage from 0 to 100/],
  'alerts.minRows': [1.5, /a whole number ≥ 0/],
  'alerts.stuckCount': [true, /a whole number ≥ 0/],
  'alerts.stuckAfter': ['2 hours', /a span such as "1h"/],
  'alerts.queued': [{}, /a whole number ≥ 0/],
  'alerts.avgDuration': ['30s', /a number ≥ 0/],
  'alerts.avgRetries': [-0.5, /a number ≥ 0/],
  'alerts.webhook': ['hooks.slack.com/x', /an http:\/\/ or https:\/\/ URL/],
  'alerts.email': [42, /e-mail addresses/],
  'alerts.smtpUrl': ['mail.example.com:587', /an smtp:\/\/ or smtps:\/\/ URL/],
  'alerts.from': ['tasklog', /an e-mail address/],
  'alerts.cooldown': ['soon', /a span such as "1h"/],
  'alerts.tasks': [{ task: 'x', failureRate: 5 }, /a list of \{"task": NAME and\/or "where": EXPRESSION, "failureRate": PERCENT/],
  views: [['is_failed'], /an object of view name \(letters, digits, _ \. -\) → --where expression/],
  slos: ['payments', /a list of objectives \{"name": NAME, "filter": \{PARAM: VALUE, …\} \(optional\), "objective": "success" or \{"latency_ms": MS\}, "target": PERCENT, "window": SPAN\}/],
  'rearq.database': ['redis://localhost/0', /a database URL/],
  'rearq.redis': ['localhost:6379', /a redis:\/\/ or rediss:\/\/ URL/],
  'rearq.tables': ['', /a non-empty string/],
  'rearq.queues': [{ send_email: 3 }, /an object of task name → queue name/],
  'archive.url': ['postgres://localhost/app', /a ClickHouse URL: clickhouse:\/\//],
  'archive.required': ['yes', /true or false/],
};

const shown = (v: unknown) => JSON.stringify(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('every key of the config file is checked', () => {
  it('the table of bad values covers every key the file has', () => {
    expect(Object.keys(BAD).sort()).toEqual(CONFIG_KEYS.map((k) => k.key).sort());
  });

  it.each(Object.entries(BAD))('%s: a bad value is one line naming it, exit 2', async (key, [value, accepts]) => {
    const cwd = withConfig(nested(key, value));
    const r = await run(['overview'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^tasklog: config file .*tasklog\\.config\\.json: ${key.replace('.', '\\.')} must be `));
    expect(r.stderr).toMatch(accepts);
    expect(r.stderr.trimEnd()).toMatch(new RegExp(`\\(got ${shown(value)}\\)$`));
  });

  it.each(Object.entries(BAD))('%s: health says UNKNOWN on stdout and exits 3', async (key, [value]) => {
    const r = await run(['health'], { cwd: withConfig(nested(key, value)) });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`^TASKLOG UNKNOWN - config file .*: ${key.replace('.', '\\.')} must be .*\\n$`));
  });

  it('alerts check exits 2 naming the key; --json gives kind "config"', async () => {
    const r = await run(['alerts', 'check', '--json'], { cwd: withConfig({ alerts: { cooldown: 'soon' } }) });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { kind: 'config', exit_code: 2 } });
    expect(JSON.parse(r.stderr).error.message).toMatch(/alerts\.cooldown must be a span such as "1h"/);
  });

  it('the issue\'s cases: cooldown "soon", email 42, database 42 (no fallback to ./tasklog.sqlite), a wrong alerts.tasks', async () => {
    const cases: [unknown, string[], RegExp][] = [
      [{ alerts: { cooldown: 'soon' } }, ['alerts', 'check'], /alerts\.cooldown must be a span/],
      [{ alerts: { email: 42 } }, ['alerts', 'check'], /alerts\.email must be e-mail addresses/],
      [{ database: 42 }, ['logs', 'list'], /: database must be a database URL/],
      [{ alerts: { tasks: 'checkout' } }, ['alerts', 'check'], /alerts\.tasks must be a list of/],
      [{ alerts: { tasks: [{ task: 'checkout', failureRate: 'high' }] } }, ['alerts', 'check'], /alerts\.tasks\[0\]\.failureRate must be a percentage from 0 to 100 \(got "high"\)/],
      [{ alerts: { tasks: [{ failureRate: 5 }] } }, ['alerts', 'check'], /alerts\.tasks\[0\] must be a rule with "task" or "where" \(or both\)/],
      [{ alerts: { tasks: [{ task: '', failureRate: 5 }] } }, ['alerts', 'check'], /alerts\.tasks\[0\]\.task must be a task name/],
      [{ alerts: { tasks: [{ where: 'queue_name == ', failureRate: 5 }] } }, ['alerts', 'check'], /alerts\.tasks\[0\]\.where must be a --where expression: expected text, a number, true or false|alerts\.tasks\[0\]\.where must be a --where expression: queue_name takes quoted text/],
      [{ views: { 'payments-failing': "task_name contains 'payment' and is_faild" } }, ['logs', 'list'], /views\.payments-failing must be a --where expression: unknown field 'is_faild'; fields: .* \(at character 34\)/],
      [{ views: { 'a b': 'is_failed' } }, ['views'], /views\.a b must be a view name of letters, digits, _ \. and - \(up to 64\)/],
      [{ health: [] }, ['overview'], /: health must be an object with the keys stuckAfter, warnStuck/],
    ];
    for (const [values, argv, message] of cases) {
      const r = await run(argv, { cwd: withConfig(values) });
      expect(r.code, JSON.stringify(values)).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a bad objective is one line naming its part (slo and alerts check: exit 2, health: 3)', async () => {
    const good = { name: 'payments', filter: { task: 'orders.process_payment' }, objective: 'success', target: 99.5, window: '28d' };
    const cases: [Record<string, unknown>[], RegExp][] = [
      [[{ ...good, target: 100 }], /: slos\[0\]\.target must be a percentage above 0 and below 100 with at most 6 decimals, such as 99\.5 \(got 100\)$/],
      [[{ ...good, target: 99.1234567 }], /: slos\[0\]\.target must be a percentage above 0 and below 100/],
      [[{ ...good, objective: 'fast' }], /: slos\[0\]\.objective must be "success" or \{"latency_ms": MS\} \(a whole number of milliseconds > 0\) \(got "fast"\)$/],
      [[{ ...good, objective: { latency_ms: -5 } }], /: slos\[0\]\.objective must be "success" or/],
      [[{ ...good, window: '28 days' }], /: slos\[0\]\.window must be a span from 1h to 366d, such as "28d" \(got "28 days"\)$/],
      [[{ ...good, window: '30m' }], /: slos\[0\]\.window must be a span from 1h to 366d/],
      [[good, { ...good, name: 'other', filter: { tasks: 'x' } }], /: slos\[1\]\.filter\.tasks must be one of the filters task, task_name, task_name_exact, queue_name/],
      [[{ ...good, filter: { status: 'done' } }], /: slos\[0\]\.filter\.status must be one of deferred, queued, in_progress, success, failed, expired, canceled \(got "done"\)$/],
      [[{ ...good, filter: { user: 'alice' } }], /: slos\[0\]\.filter\.user must be one of the filters/],
      [[{ ...good, filter: 'orders' }], /: slos\[0\]\.filter must be an object of filters by the API's parameter names/],
      [[{ ...good, where: "task_nme = 'x'" }], /: slos\[0\]\.where must be unknown field 'task_nme'; fields: .* \(at character 1\) \(got "task_nme = 'x'"\)$/],
      [[good, good], /: slos\[1\]\.name must be a name no other objective has \(got "payments"\)$/],
      [[{ ...good, name: 'my slo' }], /: slos\[0\]\.name must be a name of letters, digits, _ \. : -/],
      [[42 as unknown as Record<string, unknown>], /: slos\[0\] must be a list of objectives/],
    ];
    for (const [slos, message] of cases) {
      const cwd = withConfig({ slos });
      for (const argv of [['slo'], ['alerts', 'check'], ['overview']]) {
        const r = await run(argv, { cwd });
        expect(r.code, `${argv.join(' ')} ${JSON.stringify(slos)}`).toBe(2);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr.trimEnd()).toMatch(message);
      }
      const h = await run(['health', '--slo', 'payments'], { cwd });
      expect(h.code).toBe(3);
      expect(h.stdout).toMatch(/^TASKLOG UNKNOWN - config file .*: slos\[\d\]/);
    }
  });

  it('slo without objectives says how to add one (exit 2); --prometheus-rules needs none', async () => {
    const cwd = withConfig({});
    const r = await run(['slo'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tasklog: no service-level objectives: add "slos": [{"name": …, "objective": "success", "target": 99.5, "window": "28d"}] to the config file (tasklog slo --help)\n');
    const rules = await run(['slo', '--prometheus-rules'], { cwd });
    expect(rules.code).toBe(0);
    expect(rules.stdout).toContain('alert: TasklogSLOBurnRatePage');
  });

  it('a critical threshold below its warning is a usage error (health: UNKNOWN, 3)', async () => {
    const r = await run(['health'], { cwd: withConfig({ health: { warnStuck: 8, critStuck: 3 } }) });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^TASKLOG UNKNOWN - the critical threshold critStuck \(3\) is below the warning warnStuck \(8\)/);
  });
});

describe('a good config file, and unknown keys', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = withConfig({});
    expect((await run(['demo', '--rows', '60', '--db', join(cwd, 'demo.sqlite')], { now: '2026-03-02T10:00:00Z' })).code).toBe(0);
  }, 60_000);

  const GOOD = (cwd: string) => ({
    database: join(cwd, 'demo.sqlite'),
    passwordEnv: 'TASKLOG_DB_PASSWORD',
    table: 'django_cfg_task_log',
    userTable: 'auth_user',
    connectTimeout: 5,
    health: { stuckAfter: '90m', warnStuck: 5, critStuck: 10, warnFailureRate: 50, critFailureRate: 90, warnQueued: 1000, critQueued: 2000 },
    alerts: {
      window: '2h', failureRate: 100, minRows: 10, stuckCount: 1000, stuckAfter: '2h', queued: 5000, avgDuration: 3600, avgRetries: 99,
      webhook: 'https://hooks.example.com/x', email: ['oncall@example.com'], smtpUrl: 'smtp://mail:587', from: 'tasklog@example.com',
      cooldown: '30m', tasks: [{ task: 'x', failureRate: 5, minRows: 3 }],
    },
    rearq: { database: 'mysql://rearq@db/rearq', redis: 'redis://127.0.0.1:6379/0', tables: 'rearq_', queues: { send_email: 'mail' } },
    slos: [
      { name: 'payments', filter: { task: 'orders.process_payment', queue_name_in: ['critical', 'high'], is_completed: true }, objective: 'success', target: 99.5, window: '28d' },
      { name: 'email.latency', filter: { task_name: 'send_email', duration_max: 600000 }, objective: { latency_ms: 2000 }, target: 95, window: '7d' },
    ],
  });

  it('every key set to a good value: no error, no warning', async () => {
    const dir = withConfig(GOOD(cwd));
    const r = await run(['health'], { cwd: dir, now: '2026-03-02T10:00:00Z', env: { TASKLOG_DB_PASSWORD: 'unused by SQLite' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^TASKLOG OK - /);
  });

  it('an unknown key is a warning on stderr naming it, once; the command runs', async () => {
    const values = GOOD(cwd);
    const dir = withConfig({ ...values, tabel: 'x', alerts: { ...values.alerts, webhok: 'https://x', tasks: [{ task: 'x', failureRate: 5, minrows: 3 }] } });
    const r = await run(['alerts', 'check', '--dry-run'], { cwd: dir, now: '2026-03-02T10:00:00Z', env: { TASKLOG_DB_PASSWORD: 'unused by SQLite' } });
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    // in the file's order, each once though the command reads the file twice (connection, rules)
    expect(lines).toEqual([
      expect.stringMatching(/^tasklog: warning: config file .*tasklog\.config\.json: unknown key "alerts\.tasks\[0\]\.minrows" \(ignored\)$/),
      expect.stringMatching(/^tasklog: warning: config file .*: unknown key "alerts\.webhok" \(ignored\)$/),
      expect.stringMatching(/^tasklog: warning: config file .*: unknown key "tabel" \(ignored\)$/),
    ]);
    expect(r.stdout).toMatch(/^OK - no alert fired/);
  });

  it('metrics counts stuck as health does: --stuck-after, else health.stuckAfter of the file', async () => {
    const now = '2026-03-02T10:00:00Z';
    const stuck = async (dir: string, ...flags: string[]) => {
      const r = await run(['metrics', '--db', join(cwd, 'demo.sqlite'), ...flags], { cwd: dir, now });
      expect(r.code).toBe(0);
      const h = await run(['health', '--json', '--db', join(cwd, 'demo.sqlite'), ...flags], { cwd: dir, now });
      const m = Number(/^tasklog_stuck_tasks (\d+)$/m.exec(r.stdout)![1]);
      expect(m).toBe(JSON.parse(h.stdout).stuck_tasks);
      return /^# HELP tasklog_stuck_tasks .*$/m.exec(r.stdout)![0];
    };
    expect(await stuck(withConfig({}))).toContain('more than 3600 s ago');
    expect(await stuck(withConfig({ health: { stuckAfter: '10m' } }))).toContain('more than 600 s ago');
    expect(await stuck(withConfig({ health: { stuckAfter: '10m' } }), '--stuck-after', '2h')).toContain('more than 7200 s ago');
  });
});

describe('the thresholds table drives the flags', () => {
  const options = (path: string) => COMMANDS.find((c) => c.path.join(' ') === path)!.options;

  it('health and alerts check have one flag per threshold of their section, metrics health\'s --stuck-after', () => {
    const filters = new Set(options('logs list').map((o) => o.flags));
    expect(options('health').map((o) => o.flags).filter((f) => f !== '--json' && !filters.has(f) && f !== '--view <name>' && f !== '--slo <name,…>')).toEqual([
      '--stuck-after <span>', '--warn-stuck <n>', '--crit-stuck <n>', '--warn-failure-rate <pct>', '--crit-failure-rate <pct>', '--warn-queued <n>', '--crit-queued <n>',
    ]);
    const alerts = options('alerts check').map((o) => o.flags);
    for (const f of ['--window <span>', '--failure-rate <pct>', '--min-rows <n>', '--stuck-count <n>', '--stuck-after <span>', '--queued <n>', '--avg-duration <seconds>', '--avg-retries <n>']) {
      expect(alerts).toContain(f);
    }
    expect(options('metrics').map((o) => o.flags)).toContain('--stuck-after <span>');
  });

  it('each key is commander\'s attribute name of its flag', () => {
    for (const t of THRESHOLDS) {
      const camel = t.flag.split(' ')[0].replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      expect(camel).toBe(t.key);
    }
  });

  it('--help shows the defaults (health 1h/5/10/10/20/100/500; alerts check 1h, 10, 2h, 30)', async () => {
    const health = (await run(['health', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const d of ['counts as stuck (a span such as 90s, 30m, 2h, 7d, 2w; default 1h)', 'stuck tasks (default 5)', 'stuck tasks (default 10)', 'hour, % (default 10)', 'hour, % (default 20)', 'queued rows (default 100)', 'queued rows (default 500)']) {
      expect(health).toContain(d);
    }
    const alerts = (await run(['alerts', 'check', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const d of ['retry rules (a span such as 90s, 30m, 2h, 7d, 2w; default 1h)', 'failure rate, % (default 10)', 'is stuck (a span such as 90s, 30m, 2h, 7d, 2w; default 2h)', 'duration, seconds (default 30)']) {
      expect(alerts).toContain(d);
    }
  });

  it('a bad flag value names the flag and what it accepts', async () => {
    const r = await run(['alerts', 'check', '--failure-rate', '120']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tasklog: option '--failure-rate <pct>' argument '120' is invalid\. expects a percentage from 0 to 100/);
    const m = await run(['metrics', '--stuck-after', 'soon']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--stuck-after <span>.*expects a span/);
  });
});

describe('the man page', () => {
  const page = manPage(version()).replace(/\\-/g, '-');
  const section = (name: string) => page.slice(page.indexOf(`.SH ${name}`), page.indexOf('.SH ', page.indexOf(`.SH ${name}`) + 4));

  it('EXIT STATUS: 0, 1, 2 and 130 for every command (not only cleanup), then health\'s Nagios codes and alerts check\'s', () => {
    const exit = section('EXIT STATUS');
    expect(exit).toMatch(/\.B 130\nInterrupted by Ctrl-C/);
    expect(exit).toMatch(/\.B 2\nUsage error: .*config file/);
    expect(exit).toMatch(/health:\n\.TP\n\.B 0\nOK: [^\n]*\n\.TP\n\.B 1\nWARNING: [^\n]*\n\.TP\n\.B 2\nCRITICAL: [^\n]*\n\.TP\n\.B 3\nUNKNOWN: /);
    expect(exit).toMatch(/alerts check:\n\.TP\n\.B 0\nno alert fired\.\n\.TP\n\.B 1\nan alert fired\.\n\.TP\n\.B 2\nusage error[^\n]*\n\.TP\n\.B 3\ncould not check/);
  });

  it('lists -h, --help and -V, --version, and every config key', () => {
    expect(section('GLOBAL OPTIONS')).toContain('.B -h, --help');
    expect(section('GLOBAL OPTIONS')).toContain('.B -V, --version');
    const config = section('CONFIG FILE');
    for (const key of Object.keys(BAD)) expect(config).toContain(`.B ${key}\n`);
  });
});
