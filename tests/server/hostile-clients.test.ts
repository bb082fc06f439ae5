/**
 * tasklog serve against hostile clients (issue #18): a blank token is
 * refused and the Authorization header compared exactly; without a token
 * only loopback Host names are answered (DNS rebinding); security headers on
 * every answer; secrets in the query never reach the log, and the token can
 * come from a file; clients that never read their answer, send their
 * request slowly or open connection after connection cannot grow the
 * server's memory or keep its slots.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/run.js';
import { BIN, fetchAnswer, startTasklog, type Child } from '../helpers/servers.js';

const NOW = '2026-11-27T20:30:00Z';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request written byte for byte on a socket (headers exactly as given), the whole answer read. */
function rawRequest(url: string, head: string): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port) });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      resolve({ status: Number(lines[0].split(' ')[1]), headers, body: Buffer.from(text.slice(split + 4), 'latin1').toString('utf8') });
    });
    socket.write(Buffer.from(`${head}\r\nConnection: close\r\n\r\n`, 'latin1'));
  });
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `tasklog serve` that must refuse to start: its exit code and stderr (a server that starts anyway is killed after 10 s). */
function refused(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(BIN, ['serve', '--port', '0', ...args], { encoding: 'utf8', env: { ...process.env, TASKLOG_SERVE_TOKEN: '', ...env }, timeout: 10_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('tasklog serve against hostile clients', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tasklog-guard-'));
    file = join(dir, 'logs.sqlite');
    const r = await run(['demo', '--db', file, '--rows', '300', '--json'], { now: NOW });
    if (r.code !== 0) throw new Error(r.stderr);
  });

  it('a blank token is refused with one line and exit 2, whether given by flag, file or variable', () => {
    const empty = join(dir, 'empty.token');
    writeFileSync(empty, '\n');
    for (const [args, env] of [
      [['--token', ''], {}],
      [['--host', '0.0.0.0', '--token', ''], {}],
      [['--token', '   '], {}],
      [['--token', '\u00a0'], {}],
      [['--token', 'two words'], {}],
      [['--token-file', empty], {}],
      [[], { TASKLOG_SERVE_TOKEN: ' \t' }],
    ] as [string[], Record<string, string>][]) {
      const r = refused(['--db', file, ...args], env);
      expect(r.code, JSON.stringify(args)).toBe(2);
      expect(r.stderr.trim().split('\n'), JSON.stringify(args)).toHaveLength(1);
      expect(r.stderr).not.toMatch(/listening|at .*\.js/);
    }
    const missing = refused(['--db', file, '--token-file', join(dir, 'nope.token')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^tasklog: cannot read --token-file .*nope\.token: ENOENT\n$/);
    expect(refused(['--db', file, '--token', 'a', '--token-file', empty]).code).toBe(2);
  });

  it('the Authorization header must be exactly "Bearer <token>": no space trimmed, added or replaced', async () => {
    const s = await startTasklog(['--db', file, '--token', 's3cret-token']);
    try {
      const with_ = (auth: string) => rawRequest(s.url, `GET /cfg/tasks/logs/overview/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth}`);
      expect((await with_('Bearer s3cret-token')).status).toBe(200);
      for (const auth of ['Bearer  s3cret-token', 'Bearer\ts3cret-token', 'bearer s3cret-token', 'Bearer s3cret-token\u00a0', 'Bearer \u00a0s3cret-token', 'Token s3cret-token', 's3cret-token']) {
        const r = await with_(auth);
        expect(r.status, JSON.stringify(auth)).toBe(401);
        expect(r.body).not.toMatch(/total_tasks/);
      }
      expect(s.stderr()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(.*, read-only, token required\)/);
    } finally {
      await s.stop();
    }
  });

  it('a blank token cannot be matched by a header of spaces (the token given as a space refuses to start)', async () => {
    // the attack of the review: --token "$UNSET" then "Authorization: Bearer \xa0"
    const r = refused(['--db', file, '--token', '\u00a0']);
    expect(r.code).toBe(2);
  });

  it('without a token only loopback Host names are answered; --allowed-host adds names; page links never name another host', async () => {
    const s = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
    try {
      const port = new URL(s.url).port;
      for (const host of ['attacker.example', `attacker.example:${port}`, 'localhost.attacker.example', '127.0.0.1.nip.io', '[::2]', 'localhost:99999', '127.0.0.256', 'user@localhost']) {
        for (const path of ['/cfg/tasks/logs/', '/', '/metrics', '/healthz', '/cfg/tasks/logs/1/']) {
          const r = await rawRequest(s.url, `GET ${path} HTTP/1.1\r\nHost: ${host}`);
          expect([400, 421], `${host} ${path}`).toContain(r.status);
          expect(r.body, `${host} ${path}`).not.toMatch(/count|task_name|tasklog_|status/);
        }
      }
      for (const host of ['localhost', `localhost:${port}`, 'LOCALHOST', '127.0.0.1', `127.0.0.1:${port}`, '127.1.2.3:8000', '[::1]', `[::1]:${port}`]) {
        const r = await fetchAnswer(s.url, '/cfg/tasks/logs/', { host });
        expect(r.status, host).toBe(200);
        expect(new URL(r.json.next).host.toLowerCase(), host).toBe(host.toLowerCase());
      }
      expect(s.stderr()).toMatch(/Host: loopback names only/);
    } finally {
      await s.stop();
    }
    const allowed = await startTasklog(['--db', file, '--allowed-host', 'tasks.internal,10.0.0.5'], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(allowed.url, '/cfg/tasks/logs/', { host: 'attacker.example' })).status).toBe(421);
      const r = await fetchAnswer(allowed.url, '/cfg/tasks/logs/', { host: 'Tasks.Internal:8000' });
      expect(r.status).toBe(200);
      expect(r.json.next).toMatch(/^http:\/\/Tasks\.Internal:8000\/cfg\/tasks\/logs\/\?page=2$/);
      expect((await fetchAnswer(allowed.url, '/', { host: '10.0.0.5' })).status).toBe(200);
    } finally {
      await allowed.stop();
    }
    // with a token, any Host may be used (the token is the guard) unless --allowed-host names some
    const tokened = await startTasklog(['--db', file, '--token', 'tok'], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(tokened.url, '/cfg/tasks/logs/', { host: 'tasks.example.com', headers: { Authorization: 'Bearer tok' } })).status).toBe(200);
    } finally {
      await tokened.stop();
    }
    expect(refused(['--db', file, '--allowed-host', '*']).code).toBe(2);
    expect(refused(['--db', file, '--allowed-host', 'http://x.example/']).code).toBe(2);
  });

  it('security headers: nosniff, no referrer, no-store on every answer; the dashboard a CSP that allows no script and no framing', async () => {
    const s = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
    try {
      for (const [path, status] of [
        ['/cfg/tasks/logs/', 200],
        ['/cfg/tasks/logs/1/', 200],
        ['/cfg/tasks/logs/stats/', 200],
        ['/metrics', 200],
        ['/healthz', null],
        ['/cfg/tasks/logs/?page_size=abc', 400],
        ['/nope', 404],
        ['/', 200],
        ['/logs/1', 200],
      ] as const) {
        const r = await rawRequest(s.url, `GET ${path} HTTP/1.1\r\nHost: localhost`);
        if (status !== null) expect(r.status, path).toBe(status);
        expect(r.headers['x-content-type-options'], path).toBe('nosniff');
        expect(r.headers['referrer-policy'], path).toBe('no-referrer');
        expect(r.headers['cache-control'], path).toBe('no-store');
        if (path === '/' || path.startsWith('/logs/')) {
          const csp = r.headers['content-security-policy'];
          expect(csp, path).toMatch(/(^|; )default-src 'none'(;|$)/);
          expect(csp, path).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
          expect(csp, path).not.toMatch(/script-src|'unsafe-eval'/);
        }
      }
    } finally {
      await s.stop();
    }
  });

  it('the request log redacts query values of token-like names', async () => {
    const s = await startTasklog(['--db', file, '--token', 'in-the-header'], { TASKLOG_NOW: NOW });
    try {
      const auth = { Authorization: 'Bearer in-the-header' };
      await fetchAnswer(s.url, '/cfg/tasks/logs/?page_size=2&token=leaked-1&api_key=leaked-2&Password=leaked-3&access%5Ftoken=leaked-4&status=failed', { headers: auth });
      await fetchAnswer(s.url, '/?auth=leaked-5&session_id=leaked-6&search=visible-word', { headers: auth });
    } finally {
      await s.stop();
    }
    const log = s.stderr();
    expect(log).not.toMatch(/leaked-\d/);
    expect(log).toMatch(/GET \/cfg\/tasks\/logs\/\?page_size=2&token=\[redacted\]&api_key=\[redacted\]&Password=\[redacted\]&access%5Ftoken=\[redacted\]&status=failed 200 /);
    expect(log).toMatch(/GET \/\?auth=\[redacted\]&session_id=\[redacted\]&search=visible-word 200 /);
  });

  it('--token-file reads the token (its line break dropped), which then is not on the command line', async () => {
    const tokenFile = join(dir, 'serve.token');
    writeFileSync(tokenFile, 'from-a-file\n', { mode: 0o600 });
    const s = await startTasklog(['--db', file, '--token-file', tokenFile], { TASKLOG_NOW: NOW });
    try {
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/', { headers: { Authorization: 'Bearer from-a-file' } })).status).toBe(200);
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/', { headers: { Authorization: 'Bearer from-a-fil' } })).status).toBe(401);
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/')).status).toBe(401);
      expect(readFileSync(`/proc/${s.proc.pid}/cmdline`, 'utf8')).not.toContain('from-a-file');
    } finally {
      await s.stop();
    }
  });

  it('a request head sent slowly is cut off (headersTimeout), and connections beyond the cap are closed', async () => {
    const s = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
    const sockets: Socket[] = [];
    try {
      const port = Number(new URL(s.url).port);
      // slowloris: one header byte every 500 ms, never the blank line that ends the head
      const slow = createConnection({ host: '127.0.0.1', port });
      const slowClosed = new Promise<number>((resolve) => slow.on('close', () => resolve(Date.now())));
      slow.on('error', () => undefined);
      slow.on('data', () => undefined);
      const started = Date.now();
      slow.write('GET /cfg/tasks/logs/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      const drip = setInterval(() => slow.writable && slow.write('a'), 500);
      const closedAt = await Promise.race([slowClosed, sleep(20_000).then(() => null)]);
      clearInterval(drip);
      slow.destroy();
      expect(closedAt, 'the slow head was never cut off').not.toBeNull();
      expect(closedAt! - started).toBeLessThan(14_000);

      // 300 idle connections: the server keeps at most its cap and closes the rest at once
      let closed = 0;
      for (let i = 0; i < 300; i++) {
        const c = createConnection({ host: '127.0.0.1', port });
        c.on('error', () => undefined);
        c.on('data', () => undefined);
        c.on('close', () => closed++);
        sockets.push(c);
      }
      await sleep(1500);
      expect(closed).toBeGreaterThanOrEqual(300 - 256);
      expect(closed).toBeLessThan(300);
      for (const c of sockets) c.destroy();
      await sleep(200);
      // and it still answers
      expect((await fetchAnswer(s.url, '/healthz')).status).toBeLessThan(600);
      expect((await fetchAnswer(s.url, '/cfg/tasks/logs/overview/')).status).toBe(200);
    } finally {
      for (const c of sockets) c.destroy();
      await s.stop();
    }
  }, 60_000);
});

describe('clients that ask for a big page and never read it', () => {
  let file: string;
  let server: Child;
  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'tasklog-guard-big-')), 'big.sqlite');
    const r = await run(['demo', '--db', file, '--rows', '1000', '--json'], { now: NOW });
    if (r.code !== 0) throw new Error(r.stderr);
    // 8 KB task names (SQLite keeps any length in a varchar): a page of 1000 rows is 8 MB of JSON
    const db = new Database(file);
    db.prepare("UPDATE django_cfg_task_log SET task_name = task_name || '.' || substr(hex(randomblob(4000)), 1, 8000)").run();
    db.close();
    server = await startTasklog(['--db', file], { TASKLOG_NOW: NOW });
  }, 120_000);

  it('the memory of the server stays flat and their connections are cut off; others are answered meanwhile', async () => {
    const path = '/cfg/tasks/logs/?page_size=1000';
    try {
      for (let i = 0; i < 3; i++) {
        const r = await fetchAnswer(server.url, path);
        expect(r.status).toBe(200);
        expect(r.text.length).toBeGreaterThan(8_000_000);
      }
      const before = rssMb(server.proc.pid!);
      const port = Number(new URL(server.url).port);
      const stalled: Socket[] = [];
      for (let i = 0; i < 10; i++) {
        const c = createConnection({ host: '127.0.0.1', port });
        c.on('error', () => undefined);
        c.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        c.pause();
        stalled.push(c);
      }
      let peak = before;
      for (let i = 0; i < 16; i++) {
        await sleep(500);
        peak = Math.max(peak, rssMb(server.proc.pid!));
      }
      // others are answered while they stall
      expect((await fetchAnswer(server.url, '/cfg/tasks/logs/overview/')).status).toBe(200);
      console.log(`slow readers: RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at most while 10 clients did not read an 8 MB answer`);
      // what waits for them is capped at 32 MiB; the rest is the garbage of building their answers, collected as it comes (before: +170 MB and more)
      expect(peak - before).toBeLessThan(100);
      // each is cut off once it has read nothing for a while, and logged as such
      const logged = () => server.stderr().split('\n').filter((l) => l.includes(path));
      const cut = () => logged().filter((l) => / \(connection closed before the answer was read\)$/.test(l));
      const refusedBig = () => logged().filter((l) => / 503 /.test(l));
      for (let i = 0; i < 60 && cut().length + refusedBig().length < 10; i++) await sleep(500);
      expect(cut().length + refusedBig().length).toBe(10);
      expect(cut().length).toBeGreaterThan(0);
      for (const c of stalled) c.destroy();
      expect((await fetchAnswer(server.url, path)).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 90_000);
});
