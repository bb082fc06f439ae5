import { resolveConnection, resolveSetting, type ConnectionFlags } from '../toolkit/config.js';
import { SERVE_TOKEN, SLOS } from '../toolkit/settings.js';
import { UsageError } from '../core/errors.js';
import type { Ctx } from '../core/io.js';
import type { CommandSpec } from '../toolkit/spec.js';
import { intInRange, positiveNumber } from '../core/values.js';
import { PERIOD_OPTION } from '../query/window.js';
import { resolveThresholds } from './health.js';
import { parseAllowedHosts } from '../server/hosts.js';
import { savedViews } from '../toolkit/logs.js';

interface Opts extends ConnectionFlags {
  host: string;
  port: number;
  token?: string;
  tokenFile?: string;
  allowedHost?: string[];
  statementTimeout: number;
  periodHours: number;
}

/** the variable of the setting serve.token */
export const TOKEN_ENV = SERVE_TOKEN.env![0];
const POOL_SIZE = 8;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export const spec: CommandSpec<Opts> = {
  path: ['serve'],
  summary: "django-cfg's task log API (/cfg/tasks/logs/), /metrics, /healthz and a dashboard over HTTP, read-only",
  description:
    'Answers GET /cfg/tasks/logs/ (every filter, search, ordering, page, page_size, and q: a --where expression, a ' +
    'tasklog extension answering 400 naming q when it does not parse), /cfg/tasks/logs/{id}/, ' +
    '/{id}/related/, /stats/, /timeline/ and /overview/ with the bodies and errors of django-cfg\'s Django REST ' +
    'framework API, so its clients work unchanged; GET /metrics (Prometheus text), GET /healthz (200 when OK or ' +
    'WARNING, 503 otherwise), GET /cfg/tasks/slos/ (the objectives of the config file as `tasklog slo --json` prints ' +
    'them: a tasklog extension) and a dashboard at / (with the objectives; its reports of the rows its list\'s filters ' +
    'select, the saved views linked). Only GET and HEAD; read-only database sessions with a statement ' +
    'timeout and a deadline per request; 64 requests at a time, 256 connections; one line per request on stderr ' +
    '(secrets in the query redacted); SIGTERM or Ctrl-C stops it after the requests ' +
    `in flight. Listens on 127.0.0.1 unless --host says otherwise, which needs --token-file (or $${TOKEN_ENV}, or --token): then every ` +
    'request must send Authorization: Bearer TOKEN. Without a token only requests naming a loopback host (localhost, ' +
    '127.0.0.1, [::1]) or one of --allowed-host are answered (no DNS rebinding).',
  options: [
    { flags: '--host <address>', description: 'address to listen on; anything but loopback needs --token', default: '127.0.0.1' },
    { flags: '--port <n>', description: 'port (0: any free port, printed at start)', default: 8000, parse: (v) => intInRange(v, 0, 65535) },
    { flags: '--token <token>', description: `require Authorization: Bearer TOKEN on every request (default: $${TOKEN_ENV}); visible in ps: prefer --token-file or $${TOKEN_ENV}` },
    { flags: '--token-file <file>', description: 'read the token from FILE (its one line)' },
    {
      flags: '--allowed-host <names>',
      description: 'host names the Host header may name besides localhost, 127.0.0.1 and [::1], comma-separated (checked without a token, or with one when given)',
      parse: parseAllowedHosts,
    },
    {
      flags: '--statement-timeout <seconds>',
      description: 'the database cancels a statement running longer (PostgreSQL, MySQL, MariaDB); also the deadline of a request (503 after it)',
      default: 30,
      parse: (v) => positiveNumber(v, 'a number of seconds greater than 0'),
    },
    { ...PERIOD_OPTION, description: 'window of /metrics\' duration quantiles, in hours' },
  ],
  examples: [
    { command: 'tasklog serve --db postgres://reader@db/app', description: 'the API on http://127.0.0.1:8000/cfg/tasks/logs/' },
    { command: 'TASKLOG_SERVE_TOKEN=s3cret tasklog serve --host 0.0.0.0 --port 8080', description: 'reachable from other hosts, with a token' },
  ],
  async run(opts: Opts, ctx: Ctx) {
    const token = resolveSetting(SERVE_TOKEN, opts, ctx).value;
    if (!LOOPBACK.test(opts.host) && token === undefined) {
      throw new UsageError(`--host ${opts.host} makes the task log readable from other hosts: give --token-file FILE (or $${TOKEN_ENV}) so that requests must authenticate`);
    }
    const thresholds = resolveThresholds({}, ctx);
    const settings = resolveConnection(opts, ctx);
    const [{ connect }, { startServer }, ops, { dashboardRoute }] = await Promise.all([
      import('../db/connect.js'),
      import('../server/app.js'),
      import('../server/ops.js'),
      import('../server/dashboard.js'),
    ]);
    const open = () => connect(settings, ctx.cwd, { note: (message) => void ctx.stderr.write(`tasklog serve: note: ${message}\n`), requireTable: true, poolSize: POOL_SIZE, session: { readOnly: true, statementTimeoutMs: opts.statementTimeout * 1000 } });
    // fail at once, with the usual one line, when the database is not there at start
    const first = await open();
    let initial: typeof first | null = first;
    const slos = resolveSetting(SLOS, opts, ctx).value!;
    const log = (line: string) => void ctx.stderr.write(line + '\n');
    const opsSettings = { thresholds, periodHours: opts.periodHours, slos, log };
    const views = savedViews(ctx);
    const metrics = ops.metricsRoute(opsSettings);
    const objectives = ops.slosRoute(opsSettings);
    const healthz = ops.healthRoute(opsSettings);
    const server = await startServer({
      host: opts.host,
      port: opts.port,
      token,
      allowedHosts: opts.allowedHost,
      deadlineMs: opts.statementTimeout * 1000,
      // better-sqlite3 runs one statement at a time on this thread: computing more answers at once only holds more rows
      maxComputing: first.target.backend === 'sqlite' ? 1 : POOL_SIZE,
      connect: async () => {
        const db = initial ?? (await open());
        initial = null;
        return db;
      },
      now: () => ctx.now(),
      log,
      routes: (path) => (path === '/metrics' ? metrics : path === ops.SLO_PATH ? objectives : dashboardRoute(path, slos, views)),
      withoutDb: (path) => (path === '/healthz' ? healthz : null),
    });
    const hosts = opts.allowedHost?.length ? `, Host: loopback or ${opts.allowedHost.join(', ')}` : token === undefined ? ', Host: loopback names only' : '';
    ctx.stderr.write(`tasklog serve: listening on ${server.url} (${first.target.display}, read-only${token !== undefined ? ', token required' : ''}${hosts})\n`);
    await stopSignal(ctx);
    ctx.stderr.write('tasklog serve: stopping (finishing requests in flight)\n');
    await server.close();
    ctx.stderr.write('tasklog serve: stopped\n');
  },
};

/** Resolves on SIGTERM, SIGINT (Ctrl-C) or the context's abort signal. */
function stopSignal(ctx: Ctx): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve();
    };
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    if (ctx.signal) {
      if (ctx.signal.aborted) done();
      else ctx.signal.addEventListener('abort', done, { once: true });
    }
  });
}
