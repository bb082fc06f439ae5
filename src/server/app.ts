/**
 * tasklog serve's HTTP server on node:http: routing, the bearer token, GET
 * and HEAD only, at most 64 requests answered at once (more wait their
 * turn), one log line per request, a database that may come and go (503
 * while it is away, reconnected on the next request), and a clean stop that
 * lets requests in flight finish.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../db/connect.js';
import { DatabaseError } from '../core/errors.js';
import { apiRoute, requestError, type ApiRequest, type Reply } from './api.js';
import { drfJson } from './drf.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** when set, every request needs `Authorization: Bearer <token>` */
  token?: string;
  /** opens the database (read-only sessions); called again after it went away */
  connect(): Promise<Db>;
  now(): Date;
  /** one line per request (and start/stop notes) */
  log(line: string): void;
  /** extra routes (metrics, health, dashboard): a handler for a path, or null */
  routes?: (path: string) => ((db: Db, req: ApiRequest) => Promise<Reply>) | null;
  /** routes answered without the database (health answers UNKNOWN itself when it is away) */
  withoutDb?: (path: string) => ((req: ApiRequest, db: () => Promise<Db>) => Promise<Reply>) | null;
  maxInFlight?: number;
  /** requests waiting beyond maxInFlight before new ones get 503 */
  maxQueued?: number;
}

export const MAX_IN_FLIGHT = 64;
const MAX_QUEUED = 1024;

export interface RunningServer {
  url: string;
  port: number;
  /** stops accepting, lets requests in flight finish, closes the database */
  close(): Promise<void>;
}

/** The database of the server: opened on first use, dropped when a query shows it has gone away. */
class DbHolder {
  private db: Promise<Db> | null = null;
  constructor(private readonly open: () => Promise<Db>) {}

  get(): Promise<Db> {
    if (!this.db) {
      const opening = this.open();
      this.db = opening;
      opening.catch(() => {
        if (this.db === opening) this.db = null;
      });
    }
    return this.db;
  }

  /** after a failed query: if the database no longer answers, close it so the next request reconnects */
  async check(db: Db): Promise<void> {
    try {
      await db.query('SELECT 1');
    } catch {
      if (this.db && (await this.db.catch(() => null)) === db) this.db = null;
      await db.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const db = await this.db?.catch(() => null);
    this.db = null;
    await db?.close().catch(() => undefined);
  }
}

/** A counting semaphore: at most `max` holders, the rest wait in order. */
class Gate {
  private active = 0;
  private waiting: (() => void)[] = [];
  constructor(
    private readonly max: number,
    private readonly maxQueued: number,
  ) {}

  /** false when too many already wait */
  async enter(): Promise<boolean> {
    if (this.active < this.max) {
      this.active++;
      return true;
    }
    if (this.waiting.length >= this.maxQueued) return false;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return true;
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  // equal-length digests: timingSafeEqual's time does not depend on where they differ, nor on the length
  const a = createHash('sha256').update(m[1].trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function send(res: ServerResponse, head: boolean, reply: Reply): void {
  const body = reply.text ?? (reply.body === undefined ? '' : drfJson(reply.body));
  const type = reply.contentType ?? 'application/json';
  res.statusCode = reply.status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(head ? undefined : body);
}

type Handler = (db: Db, req: ApiRequest) => Promise<Reply>;
type Standalone = (req: ApiRequest, db: () => Promise<Db>) => Promise<Reply>;

/** Before any handler runs: 401 without the token, 404 for an unknown path, 405 for a method but GET or HEAD. */
function admit(opts: ServerOptions, req: IncomingMessage, path: string): { reply: Reply; headers?: Record<string, string> } | { handler: Handler } | { standalone: Standalone } {
  if (opts.token !== undefined && !tokenMatches(req.headers.authorization, opts.token)) {
    return { reply: { status: 401, body: { detail: 'Authentication credentials were not provided.' } }, headers: { 'WWW-Authenticate': 'Bearer realm="tasklog"' } };
  }
  const handler = apiRoute(path) ?? opts.routes?.(path) ?? null;
  const standalone = handler ? null : (opts.withoutDb?.(path) ?? null);
  if (!handler && !standalone) return { reply: { status: 404, body: { detail: 'Not found.' } } };
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return { reply: { status: 405, body: { detail: `Method "${method}" not allowed.` } }, headers: { Allow: 'GET, HEAD' } };
  return handler ? { handler } : { standalone: standalone! };
}

/**
 * A handler's answer: the handler's 4xx as they are; 503 while the database
 * is away (dropping it if it no longer answers) or refuses a statement; 500
 * for any other failure (a page that could not be drawn is not a database
 * error). A 5xx body says only which of these it was: the driver's words,
 * the database URL and the SQL go to the server's log.
 */
async function withDatabase(holder: DbHolder, handler: Handler, req: ApiRequest, log: (line: string) => void): Promise<Reply> {
  let db: Db;
  try {
    db = await holder.get();
  } catch (err) {
    log(`database unavailable: ${oneLine(err)}`);
    return { status: 503, body: { detail: 'database unavailable' } };
  }
  try {
    return await handler(db, req);
  } catch (err) {
    const known = requestError(err);
    if (known) return known;
    log(`${req.path}: ${oneLine(err)}`);
    if (!(err instanceof DatabaseError)) return { status: 500, body: { detail: 'internal error' } };
    await holder.check(db);
    return { status: 503, body: { detail: 'database error' } };
  }
}

/** scheme://host for DRF's absolute links: the Host header when it is a plain host[:port], else the listening address. */
function origin(opts: ServerOptions, req: IncomingMessage): string {
  const host = req.headers.host;
  return `http://${host && /^[A-Za-z0-9.\-_]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? host : `${opts.host}:${opts.port}`}`;
}

async function answer(opts: ServerOptions, holder: DbHolder, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const head = req.method === 'HEAD';
  const admitted = admit(opts, req, path);
  let reply: Reply;
  if ('reply' in admitted) {
    for (const [k, v] of Object.entries(admitted.headers ?? {})) res.setHeader(k, v);
    reply = admitted.reply;
  } else {
    const apiReq: ApiRequest = { path, query: q < 0 ? '' : url.slice(q + 1), origin: origin(opts, req), now: opts.now() };
    reply = 'handler' in admitted ? await withDatabase(holder, admitted.handler, apiReq, opts.log) : await admitted.standalone(apiReq, () => holder.get());
  }
  send(res, head, reply);
  return reply.status;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const holder = new DbHolder(opts.connect);
  let stopping = false;
  const gate = new Gate(opts.maxInFlight ?? MAX_IN_FLIGHT, opts.maxQueued ?? MAX_QUEUED);

  const server: Server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    if (stopping) res.setHeader('Connection', 'close');
    const finish = (status: number) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      opts.log(`${new Date().toISOString()} ${req.method} ${req.url} ${status} ${ms.toFixed(1)}ms`);
    };
    void (async () => {
      if (!(await gate.enter())) {
        send(res, req.method === 'HEAD', { status: 503, body: { detail: 'too many requests waiting; try again' } });
        return finish(503);
      }
      try {
        finish(await answer(opts, holder, req, res));
      } catch (err) {
        // never a trace nor a driver's words to the client: those go to the log, and the server goes on
        opts.log(`${req.method} ${(req.url ?? '/').split('?')[0]}: ${oneLine(err)}`); // the path only: a query string may hold a secret
        if (!res.headersSent) send(res, req.method === 'HEAD', { status: 500, body: { detail: 'internal error' } });
        finish(500);
      } finally {
        gate.leave();
      }
    })();
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    async close() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // keep-alive connections become idle once their request is answered: close them as they do
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      await holder.close();
    },
  };
}

export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim() || 'internal error';
}
