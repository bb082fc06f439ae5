/**
 * Servers under test as child processes: `tasklog serve` (the built
 * bin/tasklog, as a user runs it) and the Django REST framework TaskLog API
 * of fixtures/django (Django's own WSGI server), each on a free port, with
 * their output kept for assertions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REQUIRE_ALL, type BackendName, type TestDatabase } from './databases.js';
import { REPO_ROOT } from './shared.js';

export const BIN = join(REPO_ROOT, 'bin', 'tasklog');
export const DJANGO_SCRIPT = join(REPO_ROOT, 'fixtures', 'django', 'django_fixture.py');
const DRIVER_MODULE: Record<BackendName, string> = { sqlite: 'sqlite3', postgres: 'psycopg2', mysql: 'MySQLdb' };
const ENGINE: Record<BackendName, string> = { sqlite: 'sqlite', postgres: 'postgresql', mysql: 'mysql' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  url: string;
  proc: ChildProcess;
  /** everything written to stderr so far */
  stderr(): string;
  /** the exit code once it has exited */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function watch(proc: ChildProcess, ready: RegExp, what: string, url: (m: RegExpExecArray) => string, timeoutMs = 30_000): Promise<Child> {
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms: ${err}`)), timeoutMs);
    const check = () => {
      const m = ready.exec(out + err);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: url(m),
        proc,
        stderr: () => err,
        exited,
        stop: async (signal = 'SIGTERM') => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
          return exited;
        },
      });
    };
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      check();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code} before it was ready: ${err}`));
    });
  });
}

/** tasklog serve with these arguments (the port is chosen by the system unless given). */
export function startTasklog(args: string[], env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(BIN, ['serve', ...(args.includes('--port') ? [] : ['--port', '0']), ...args], {
    env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent-home', XDG_CONFIG_HOME: '/nonexistent-xdg', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watch(proc, /listening on (http:\/\/\S+)/, 'tasklog serve', (m) => m[1]);
}

/** A Python with Django, the backend's driver, DRF and django-filter (Debian's packages), or null (a skip; an error under REQUIRE_ALL). */
export function djangoApiPython(backend: BackendName): string | null {
  const candidates = [process.env.TASKLOG_TEST_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import django, rest_framework, django_filters, ${DRIVER_MODULE[backend]}`], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  const why = `no python3 with Django, ${DRIVER_MODULE[backend]}, rest_framework and django_filters (apt-get install python3-django python3-djangorestframework python3-django-filters python3-psycopg2 python3-mysqldb)`;
  if (REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
  console.warn(`\n*** SKIPPING the Django REST framework comparison on ${backend}: ${why}\n`);
  return null;
}

export function djangoConnectionArgs(db: TestDatabase): string[] {
  if (db.backend === 'sqlite') return ['--engine', 'sqlite', '--name', db.url];
  const u = new URL(db.url);
  return ['--engine', ENGINE[db.backend], '--name', db.name, '--host', u.hostname, '--port', u.port || (db.backend === 'postgres' ? '5432' : '3306'), '--user', decodeURIComponent(u.username)];
}

/** The fixture script's JSON answer to a subcommand (create, counts). */
export function djangoFixture(python: string, db: TestDatabase, ...args: string[]): any {
  const r = spawnSync(python, [DJANGO_SCRIPT, ...djangoConnectionArgs(db), ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Kolkata' } });
  if (r.status !== 0) throw new Error(`django_fixture.py ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The Django REST framework API of fixtures/django on a free port, its clock fixed at `now`. */
export async function startDjango(python: string, db: TestDatabase, now: string): Promise<Child> {
  const port = await freePort();
  const proc = spawn(python, [DJANGO_SCRIPT, ...djangoConnectionArgs(db), 'serve', '--listen', `127.0.0.1:${port}`, '--now', now], {
    env: { ...process.env, TZ: 'Asia/Kolkata' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watch(proc, /"listening": "([^"]+)"/, 'the Django API', (m) => `http://${m[1]}`);
}

export interface Answer {
  status: number;
  type: string | null;
  text: string;
  json: any;
}

/** One request (Host header as given), the body parsed when it is JSON. */
export async function fetchAnswer(base: string, path: string, init: { method?: string; host?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const { request } = await import('node:http');
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: init.method ?? 'GET', headers: { ...(init.host ? { Host: init.host } : {}), ...(init.headers ?? {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const type = res.headers['content-type'] ?? null;
          let json: any;
          try {
            json = type?.includes('json') ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, type, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
