/**
 * ClickHouse's HTTP interface, spoken with node:http (no client library: see
 * the README's dependency notes for the figures against @clickhouse/client).
 * One keep-alive agent per target; the statement in the body (or, for an
 * INSERT with data, in the URL with the rows as a streamed body); settings as
 * URL parameters; the server's "Code: N, e.displayText() = …" errors as
 * ClickhouseError with code "CH<N>", also when the server writes one at the
 * end of a response it had already started.
 */
import type { Agent, IncomingMessage } from 'node:http';

export interface ClickhouseHttpOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** the database unqualified names resolve in (null: the server's default) */
  database: string | null;
  /** give up when connecting takes longer than this */
  timeoutMs: number;
  /**
   * give up when a statement's answer (or its next chunk) takes longer than
   * this once connected (default: no limit; a report over 10⁸ rows takes
   * seconds before its first byte)
   */
  answerTimeoutMs?: number;
  /** settings sent with every statement */
  settings?: Record<string, string | number>;
}

/** A statement the server refused, with its error number. */
export class ClickhouseError extends Error {
  readonly code: string;
  constructor(
    message: string,
    readonly number: number,
  ) {
    super(message);
    this.name = 'ClickhouseError';
    this.code = `CH${number}`;
  }
}

/** Error numbers tasklog tells apart (ClickHouse's ErrorCodes.cpp). */
export const CH_ERROR = {
  UNKNOWN_TABLE: 60,
  UNKNOWN_DATABASE: 81,
  READONLY: 164,
  UNKNOWN_USER: 192,
  WRONG_PASSWORD: 193,
  REQUIRED_PASSWORD: 194,
  AUTHENTICATION_FAILED: 516,
} as const;

const ERROR_TEXT = /Code: (\d+), e\.displayText\(\) = (?:DB::Exception: )?([^\n]*?)(?:, e\.what\(\) = [^\n]*)?\s*$/;

/** The server's error text as a ClickhouseError, or null when the text holds none. */
export function parseServerError(text: string): ClickhouseError | null {
  const m = ERROR_TEXT.exec(text.slice(-8192));
  if (!m) return null;
  return new ClickhouseError(m[2].replace(/\.$/, ''), Number(m[1]));
}

export interface RequestOptions {
  /** rows sent after the statement (an INSERT … FORMAT …): text or a stream of chunks */
  body?: string | AsyncIterable<string | Uint8Array>;
  settings?: Record<string, string | number>;
  /** database other than the connection's (null: the server's default) */
  database?: string | null;
  signal?: AbortSignal;
  /** a statement that writes (INSERT … SELECT): sent once, on a connection of its own */
  once?: boolean;
}

export class ClickhouseHttp {
  private agent: Promise<Agent>;

  constructor(readonly options: ClickhouseHttpOptions) {
    this.agent = import('node:http').then((http) => new http.Agent({ keepAlive: true, maxSockets: 8, timeout: 2000 }));
  }

  /** The whole answer as text. */
  async text(sql: string, options: RequestOptions = {}): Promise<string> {
    const res = await this.request(sql, options);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    // a failure after the answer started comes at its end, with status 200
    if (/Code: \d+, e\.displayText\(\)/.test(text.slice(-8192))) {
      const err = parseServerError(text);
      if (err) throw err;
    }
    return text;
  }

  /**
   * The answer as it arrives, in chunks; the last 8 KiB are held back until
   * the end, where a failure the server appended is thrown instead.
   */
  async *stream(sql: string, options: RequestOptions = {}): AsyncGenerator<Buffer> {
    const res = await this.request(sql, options);
    const HOLD = 8192;
    let tail: Buffer = Buffer.alloc(0);
    try {
      for await (const c of res) {
        tail = tail.length ? Buffer.concat([tail, c as Buffer]) : (c as Buffer);
        if (tail.length > HOLD * 2) {
          yield tail.subarray(0, tail.length - HOLD);
          tail = tail.subarray(tail.length - HOLD);
        }
      }
    } finally {
      res.destroy();
    }
    const err = /Code: \d+, e\.displayText\(\)/.test(tail.toString('latin1')) ? parseServerError(tail.toString('utf8')) : null;
    if (err) throw err;
    if (tail.length) yield tail;
  }

  close(): Promise<void> {
    return this.agent.then((a) => a.destroy());
  }

  /**
   * ClickHouse closes a keep-alive connection idle for a few seconds; a
   * statement sent on it just then fails before the server read it, and is
   * sent once more on a new connection (Node's advice for reused sockets).
   * Rows (an INSERT with a body) are never sent twice: the server may have
   * taken them before the connection broke. They go on a connection of their
   * own, which no idle timeout can have closed.
   */
  private async request(sql: string, options: RequestOptions): Promise<IncomingMessage> {
    if (options.body !== undefined || options.once) return this.send(sql, options, false);
    try {
      return await this.send(sql, options, true);
    } catch (err) {
      const e = err as { code?: string; reusedSocket?: boolean };
      if (!(e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE'))) throw err;
      return this.send(sql, options, true);
    }
  }

  private async send(sql: string, options: RequestOptions, keepAlive: boolean): Promise<IncomingMessage> {
    const http = await import('node:http');
    const o = this.options;
    const params = new URLSearchParams();
    const database = options.database === undefined ? o.database : options.database;
    if (database) params.set('database', database);
    for (const [k, v] of Object.entries({ ...o.settings, ...options.settings })) params.set(k, String(v));
    const withBody = options.body !== undefined;
    if (withBody) params.set('query', sql);
    const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (o.user !== undefined || o.password !== undefined) {
      headers.Authorization = 'Basic ' + Buffer.from(`${o.user ?? 'default'}:${o.password ?? ''}`).toString('base64');
    }
    const agent = keepAlive ? await this.agent : false;
    return new Promise<IncomingMessage>((resolve, reject) => {
      // rows streamed as they are read may pause between chunks longer than a connect timeout
      const timeout = options.body !== undefined && typeof options.body !== 'string' ? Math.max(o.timeoutMs, 600_000) : o.timeoutMs;
      const req = http.request({ host: o.host, port: o.port, method: 'POST', path: `/?${params}`, headers, agent, signal: options.signal, timeout });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      // a query: the connect timeout covers connecting, then it may take as long as answerTimeoutMs allows
      // (rows sent, an INSERT, keep the timeout between chunks)
      if (!withBody) {
        req.on('socket', (socket) => {
          const connected = () => req.setTimeout(o.answerTimeoutMs ?? 0);
          if (socket.connecting) socket.once('connect', connected);
          else connected();
        });
      }
      // a server that refuses an INSERT answers and closes while the rows are still being sent: the
      // write fails first, so its error waits a moment for the server's answer, which says why
      req.on('error', (err) => setTimeout(() => reject(Object.assign(err, { reusedSocket: req.reusedSocket })), options.body === undefined ? 0 : 200));
      req.on('response', (res) => {
        if (res.statusCode === 200) {
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          reject(parseServerError(text) ?? new ClickhouseError(`HTTP ${res.statusCode}: ${text.trim().split('\n')[0].slice(0, 200)}`, 0));
        });
      });
      if (!withBody) {
        req.end(sql);
        return;
      }
      const body = options.body!;
      if (typeof body === 'string') {
        req.end(body);
        return;
      }
      void (async () => {
        try {
          const { once } = (await import('node:events')).EventEmitter;
          for await (const chunk of body) {
            // once() takes its listeners off again (a listener per chunk would pile up)
            if (!req.write(chunk)) await once(req, 'drain');
          }
          req.end();
        } catch (err) {
          // the rows could not be produced: abort, so the server never commits a partial INSERT
          req.destroy(err as Error);
          reject(err);
        }
      })();
    });
  }
}

/**
 * A value as a ClickHouse literal: strings quoted with backslash escapes
 * (ClickHouse's string literal), numbers as they are, booleans as 1/0.
 */
export function chLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a ClickHouse literal`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  throw new Error(`cannot write a ${typeof value} binding as a ClickHouse literal`);
}

/** The statement with each `?` outside quotes replaced by its binding as a literal (the HTTP interface of 18.16 takes no parameters). */
export function inlineChBindings(sql: string, bindings: readonly unknown[]): string {
  if (bindings.length === 0) return sql;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      out += c;
      if (c === '\\') out += sql[++i] ?? '';
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
      out += c;
    } else if (c === '?') {
      if (n >= bindings.length) throw new Error(`statement has more placeholders than its ${bindings.length} bindings`);
      out += chLiteral(bindings[n++]);
    } else {
      out += c;
    }
  }
  if (n !== bindings.length) throw new Error(`statement has ${n} placeholders for ${bindings.length} bindings`);
  return out;
}
