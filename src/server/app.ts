/**
 * tasklog serve's HTTP server on node:http: routing, the bearer token, the
 * Host header (loopback names only without a token: no DNS rebinding), GET
 * and HEAD only, at most 64 requests answered at once (more wait their turn;
 * a request keeps its slot until its answer is flushed), answers written as
 * the client reads them, a deadline per request, timeouts for slow senders, a
 * cap on connections, security headers, one log line per request (secrets in
 * the query redacted), a database that may come and go (503 while it is away,
 * reconnected on the next request), and a clean stop that lets requests in
 * flight finish.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../db/connect.js';
import { DatabaseError } from '../core/errors.js';
import type { Sql } from '../db/dialect/types.js';
import { apiRoute, requestError, type ApiRequest, type Reply } from './api.js';
import { drfJson } from './drf.js';
import { hostAllowed } from './hosts.js';
import { redactQuery } from './redact.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** when set, every request needs exactly `Authorization: Bearer <token>` */
  token?: string;
  /**
   * host names the Host header may name besides loopback ones (localhost,
   * 127.0.0.0/8, [::1]). The Host header is checked when there is no token,
   * or when this names any.
   */
  allowedHosts?: readonly string[];
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
  /**
   * answers computed at once (the rest of the 64 wait for their turn, under
   * their deadline): as many as the database answers at once; 1 for SQLite,
   * whose statements run one at a time on this thread anyway
   */
  maxComputing?: number;
  /** a request's answer must be ready within this: then 503, and its statements not yet started are refused */
  deadlineMs?: number;
}

export const MAX_IN_FLIGHT = 64;
const MAX_QUEUED = 1024;
const MAX_COMPUTING = 8;
/** a request's answer must be ready within this unless the caller says otherwise */
export const DEFAULT_DEADLINE_MS = 30_000;
/** open connections at most; more are closed as they arrive */
export const MAX_CONNECTIONS = 256;
/** the request's head must arrive within this, the whole request within REQUEST_TIMEOUT_MS */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** an answer is handed to the socket this much at a time, the next piece only once the client has read the last */
export const WRITE_CHUNK = 64 * 1024;
/** a client that reads nothing of its answer for this long is cut off (its slot freed) */
export const STALLED_READER_MS = 10_000;
/**
 * bytes of answers not yet taken by their clients, all connections together:
 * a large answer that would go past it is dropped for a short 503, so that
 * clients which ask for big pages and never read them cannot make the
 * server hold more than this
 */
export const MAX_UNSENT_BYTES = 32 * 1024 * 1024;

/** What every answer carries: no MIME sniffing, no referrer, nothing cached (the task log changes and may be private). */
const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** The dashboard runs no script and loads nothing: its inline style only; no framing (clickjacking). */
export const DASHBOARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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

  /** false when too many already wait (never when `always`) */
  async enter(always = false): Promise<boolean> {
    if (this.active < this.max) {
      this.active++;
      return true;
    }
    if (!always && this.waiting.length >= this.maxQueued) return false;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return true;
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** The header is exactly `Bearer <token>`: no other scheme spelling, no space trimmed or added. */
function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  // equal-length digests: timingSafeEqual's time does not depend on where they differ, nor on the length
  const a = createHash('sha256').update(header, 'utf8').digest();
  const b = createHash('sha256').update(`Bearer ${token}`, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Resolves when the response is done with: flushed to the client, or its connection gone. */
function closed(res: ServerResponse): Promise<void> {
  if (res.closed || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

/** Resolves when the socket wants more, or false when the client read nothing for STALLED_READER_MS (the connection is then cut). */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => {
      done(false);
      res.destroy();
    }, STALLED_READER_MS);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** An answer ready to write: its body in pieces of at most WRITE_CHUNK bytes, each dropped once written. */
interface Encoded {
  status: number;
  type: string;
  length: number;
  chunks: (Buffer | undefined)[];
}

/** The reply's body as UTF-8 pieces of their own, encoded slice by slice (never one buffer of the whole), so that memory goes as the client reads. */
function encode(reply: Reply): Encoded {
  const text = reply.text ?? (reply.body === undefined ? '' : drfJson(reply.body));
  const chunks: Buffer[] = [];
  let length = 0;
  // a slice of WRITE_CHUNK / 4 UTF-16 units is at most 3/4 of WRITE_CHUNK bytes; a slice never ends between the halves of a surrogate pair
  const step = WRITE_CHUNK / 4;
  for (let at = 0; at < text.length || chunks.length === 0; ) {
    let end = Math.min(at + step, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    const chunk = Buffer.from(text.slice(at, end), 'utf8');
    chunks.push(chunk);
    length += chunk.length;
    at = end;
  }
  return { status: reply.status, type: reply.contentType ?? 'application/json', length, chunks };
}

/**
 * Writes the answer a piece at a time, each only once the client has read
 * the last, so that what waits in memory for a slow reader is the part of
 * the body it has not read and never copies of it; a large answer that would
 * take the bytes waiting for clients past MAX_UNSENT_BYTES becomes a short
 * 503. Resolves with the status sent once the answer is flushed or the
 * connection is gone.
 */
async function send(res: ServerResponse, head: boolean, answer: Encoded, unsent: { bytes: number }): Promise<number> {
  if (!head && answer.length > WRITE_CHUNK && unsent.bytes + answer.length > MAX_UNSENT_BYTES) {
    answer = encode({ status: 503, body: { detail: 'too many large answers are waiting for their clients to read them; try again' } });
  }
  res.statusCode = answer.status;
  for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
  if (answer.type.startsWith('text/html')) {
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
  }
  res.setHeader('Content-Type', answer.type);
  res.setHeader('Content-Length', answer.length);
  if (!head) {
    let left = answer.length;
    unsent.bytes += left;
    try {
      const { chunks } = answer;
      for (let i = 0; i < chunks.length && !res.destroyed; i++) {
        const chunk = chunks[i]!;
        chunks[i] = undefined;
        const more = res.write(chunk);
        left -= chunk.length;
        unsent.bytes -= chunk.length;
        if (!more && !(await drained(res))) break;
      }
    } finally {
      unsent.bytes -= left;
    }
  }
  if (!res.destroyed) res.end();
  await closed(res);
  return answer.status;
}

type Handler = (db: Db, req: ApiRequest) => Promise<Reply>;
type Standalone = (req: ApiRequest, db: () => Promise<Db>) => Promise<Reply>;

/**
 * Before any handler runs: 421 for a Host this server does not answer for,
 * 401 without the token, 404 for an unknown path, 405 for a method but GET
 * or HEAD.
 */
function admit(opts: ServerOptions, req: IncomingMessage, path: string): { reply: Reply; headers?: Record<string, string> } | { handler: Handler } | { standalone: Standalone } {
  if ((opts.token === undefined || opts.allowedHosts?.length) && !hostAllowed(req.headers.host, opts.allowedHosts ?? [])) {
    return { reply: { status: 421, body: { detail: 'This server does not answer for the host named in the Host header (see --allowed-host).' } } };
  }
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

/** Thrown by a request's database once its deadline has passed: no new statement starts. */
class DeadlinePassed extends Error {}

/**
 * The database as one request sees it: every statement checks the request's
 * deadline before it starts. The statement running when the deadline passes
 * is stopped by the database's statement timeout (PostgreSQL, MySQL,
 * MariaDB); better-sqlite3 runs a statement on this thread and has no way to
 * interrupt it, so on SQLite the work is bounded by what one statement may
 * read (pages of at most 1000 rows, windows, the search words) and by this
 * check between statements.
 */
function withDeadline(db: Db, expired: () => boolean): Db {
  const guard = (sql: Sql): Sql => ({
    query: (text, bindings) => (expired() ? Promise.reject(new DeadlinePassed()) : sql.query(text, bindings)),
    exec: (text, bindings) => (expired() ? Promise.reject(new DeadlinePassed()) : sql.exec(text, bindings)),
  });
  return {
    ...db,
    ...guard(db),
    transaction: (fn) => (expired() ? Promise.reject(new DeadlinePassed()) : db.transaction((tx) => fn(guard(tx)))),
    session: (fn) => (expired() ? Promise.reject(new DeadlinePassed()) : db.session((conn) => fn(guard(conn)))),
  };
}

/**
 * A handler's answer: the handler's 4xx as they are; 503 while the database
 * is away (dropping it if it no longer answers), refuses a statement, or once
 * the deadline has passed (the handler still runs to its end, holding the
 * request's slot, but starts no new statement); 500 for any other failure (a
 * page that could not be drawn is not a database error). A 5xx body says only
 * which of these it was: the driver's words, the database URL and the SQL go
 * to the server's log.
 */
function withDatabase(holder: DbHolder, computing: Gate, handler: Handler, req: ApiRequest, deadlineMs: number, log: (line: string) => void): { reply: Promise<Reply>; settled: Promise<unknown> } {
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  let lateReply: (reply: Reply) => void = () => undefined;
  const late = new Promise<Reply>((resolve) => (lateReply = resolve));
  const work = (async (): Promise<Reply> => {
    let db: Db;
    try {
      db = await holder.get();
    } catch (err) {
      log(`database unavailable: ${oneLine(err)}`);
      return { status: 503, body: { detail: 'database unavailable' } };
    }
    // the deadline bounds the work, from when it starts: a request waiting for its turn does no work
    await computing.enter(true);
    timer = setTimeout(() => {
      expired = true;
      lateReply({ status: 503, body: { detail: `the answer took longer than ${deadlineMs / 1000} s; narrow the request (filters, a shorter window, a smaller page)` } });
    }, deadlineMs);
    // a stop (SIGTERM) does not wait for it
    timer.unref();
    try {
      return await handler(withDeadline(db, () => expired), req);
    } catch (err) {
      if (err instanceof DeadlinePassed) return { status: 503, body: { detail: 'deadline passed' } };
      const known = requestError(err);
      if (known) return known;
      log(`${req.path}: ${oneLine(err)}`);
      if (!(err instanceof DatabaseError)) return { status: 500, body: { detail: 'internal error' } };
      await holder.check(db);
      return { status: 503, body: { detail: 'database error' } };
    } finally {
      computing.leave();
      clearTimeout(timer);
    }
  })();
  return { reply: Promise.race([work, late]), settled: work.then(() => undefined) };
}

/**
 * A handler's answer, encoded. Its own frame: once it returns, nothing
 * refers to the reply (its rows, its text) any more, only to the encoded
 * pieces, which go as the client reads them.
 */
async function computeAnswer(holder: DbHolder, computing: Gate, handler: Handler, req: ApiRequest, deadlineMs: number, log: (line: string) => void): Promise<{ encoded: Encoded; settled: Promise<unknown> }> {
  const running = withDatabase(holder, computing, handler, req, deadlineMs, log);
  return { encoded: encode(await running.reply), settled: running.settled };
}

/** scheme://host for DRF's absolute links: the Host header when it is a plain host[:port], else the listening address. */
function origin(opts: ServerOptions, req: IncomingMessage): string {
  const host = req.headers.host;
  return `http://${host && /^[A-Za-z0-9.\-_]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? host : `${opts.host}:${opts.port}`}`;
}

/** Answers one request; resolves with its status once the answer is flushed and the handler has finished. */
async function answer(opts: ServerOptions, holder: DbHolder, computing: Gate, unsent: { bytes: number }, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const head = req.method === 'HEAD';
  const admitted = admit(opts, req, path);
  let encoded: Encoded;
  let settled: Promise<unknown> = Promise.resolve();
  if ('reply' in admitted) {
    for (const [k, v] of Object.entries(admitted.headers ?? {})) res.setHeader(k, v);
    encoded = encode(admitted.reply);
  } else {
    const apiReq: ApiRequest = { path, query: q < 0 ? '' : url.slice(q + 1), origin: origin(opts, req), now: opts.now() };
    if ('handler' in admitted) {
      // only the encoded pieces stay referenced while a slow client reads: not the reply, nor a promise of it
      ({ encoded, settled } = await computeAnswer(holder, computing, admitted.handler, apiReq, opts.deadlineMs ?? DEFAULT_DEADLINE_MS, opts.log));
    } else encoded = encode(await admitted.standalone(apiReq, () => holder.get()));
  }
  const status = await send(res, head, encoded, unsent);
  await settled;
  return status;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const holder = new DbHolder(opts.connect);
  let stopping = false;
  const gate = new Gate(opts.maxInFlight ?? MAX_IN_FLIGHT, opts.maxQueued ?? MAX_QUEUED);
  const unsent = { bytes: 0 };
  // answers computed at once: each holds its rows and its text until written, so this bounds that memory
  const computing = new Gate(opts.maxComputing ?? MAX_COMPUTING, Infinity);

  // the timeouts of slow senders are checked every second (node's default: every 30 s)
  const server: Server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 }, (req, res) => {
    const started = process.hrtime.bigint();
    if (stopping) res.setHeader('Connection', 'close');
    const finish = (status: number) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const gone = res.writableFinished ? '' : ' (connection closed before the answer was read)';
      opts.log(`${new Date().toISOString()} ${req.method} ${redactQuery(req.url ?? '/')} ${status} ${ms.toFixed(1)}ms${gone}`);
    };
    void (async () => {
      if (!(await gate.enter())) {
        await send(res, req.method === 'HEAD', encode({ status: 503, body: { detail: 'too many requests waiting; try again' } }), unsent);
        return finish(503);
      }
      // the slot is held until the answer is flushed (or the client gone), not only until it is computed
      try {
        finish(await answer(opts, holder, computing, unsent, req, res));
      } catch (err) {
        // never a trace nor a driver's words to the client: those go to the log, and the server goes on
        opts.log(`${req.method} ${(req.url ?? '/').split('?')[0]}: ${oneLine(err)}`); // the path only: a query string may hold a secret
        if (!res.headersSent) await send(res, req.method === 'HEAD', encode({ status: 500, body: { detail: 'internal error' } }), unsent).catch(() => undefined);
        finish(500);
      } finally {
        gate.leave();
      }
    })();
  });
  server.keepAliveTimeout = 5000;
  server.maxConnections = MAX_CONNECTIONS;

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
