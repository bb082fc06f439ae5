/**
 * Private ClickHouse servers for the tests: Debian's clickhouse-server with a
 * config copied from the package's own (/etc/clickhouse-server/config.xml),
 * its ports, data and logs moved to a temporary folder, and users of our own
 * (default without a password, one with a password, one read-only). For the
 * cluster tests: ZooKeeper standalone and two servers as two shards of one
 * cluster (remote_servers, macros). Started by a test file's beforeAll and
 * stopped by its afterAll; a process that dies takes its servers with it.
 *
 * Missing binaries skip the suite with a visible message, or fail it under
 * TASKLOG_TEST_REQUIRE_ALL=1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUIRE_ALL } from './databases.js';
import { freePort } from './servers.js';

const SERVER_BIN = process.env.TASKLOG_TEST_CLICKHOUSE_SERVER ?? '/usr/sbin/clickhouse-server';
const PACKAGE_CONFIG = '/etc/clickhouse-server/config.xml';
const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const JAVA = '/usr/bin/java';

/** Users of every test server: name → password ('' none); `reader` may only read. */
export const CH_USERS = { default: '', writer: 'p@ss:w/rd', reader: '' } as const;

/** null when ClickHouse (and, for a cluster, ZooKeeper and Java) can run here; else why the suite is skipped. */
export function clickhouseMissing(cluster = false): string | null {
  const need = [SERVER_BIN, PACKAGE_CONFIG, ...(cluster ? [ZOOKEEPER_JAR, JAVA] : [])];
  const missing = need.filter((p) => !existsSync(p));
  if (missing.length === 0) return null;
  const why = `missing ${missing.join(', ')} (apt-get install clickhouse-server clickhouse-client${cluster ? ' zookeeper' : ''})`;
  if (REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
  console.warn(`\n*** SKIPPING ClickHouse tests: ${why}\n`);
  return why;
}

/** a server's folder name starts with this run's name (tests/helpers/global-setup.ts kills what a run leaves behind) */
const serverPrefix = () => `tasklog-${process.env.TASKLOG_TEST_RUN ?? 'norun'}-`;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

function track(proc: ChildProcess): ChildProcess {
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  return proc;
}

export interface ClickhouseServer {
  httpPort: number;
  tcpPort: number;
  dir: string;
  /** clickhouse://user[:password]@127.0.0.1:port/database for tasklog */
  url(database: string, user?: keyof typeof CH_USERS, password?: string): string;
  /** runs one statement as default over HTTP; the body as text (throws on an error status) */
  query(sql: string, database?: string): Promise<string>;
  /** rows of a SELECT as objects (JSONEachRow) */
  rows<T = Record<string, unknown>>(sql: string, database?: string): Promise<T[]>;
  /** kills the server (SIGKILL, as a crash) */
  kill(): Promise<void>;
  /** starts it again on the same ports and data */
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface ServerOptions {
  /** <remote_servers> body, <zookeeper> and <macros> for a cluster member */
  cluster?: { remoteServers: string; zookeeperPort: number; shard: number; replica: string };
  ports?: { http: number; tcp: number; interserver: number };
}

function usersXml(): string {
  const user = (name: string, password: string, profile: string) =>
    `<${name}><password>${password}</password><networks><ip>::/0</ip></networks><profile>${profile}</profile><quota>default</quota></${name}>`;
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default><readonly><readonly>1</readonly></readonly></profiles>
  <users>${user('default', CH_USERS.default, 'default')}${user('writer', CH_USERS.writer, 'default')}${user('reader', CH_USERS.reader, 'readonly')}</users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;
}

/** The package's config with every path, port and listen address our own. */
function serverConfig(dir: string, ports: { http: number; tcp: number; interserver: number }, cluster?: ServerOptions['cluster']): string {
  let xml = readFileSync(PACKAGE_CONFIG, 'utf8');
  const set = (tag: string, value: string) => {
    const re = new RegExp(`<${tag}>[^<]*</${tag}>`);
    if (!re.test(xml)) throw new Error(`${PACKAGE_CONFIG} has no <${tag}>`);
    xml = xml.replace(re, `<${tag}>${value}</${tag}>`);
  };
  set('log', join(dir, 'log', 'server.log'));
  set('errorlog', join(dir, 'log', 'server.err.log'));
  set('level', 'warning');
  set('path', join(dir, 'data') + '/');
  set('tmp_path', join(dir, 'tmp') + '/');
  set('user_files_path', join(dir, 'user_files') + '/');
  set('format_schema_path', join(dir, 'format_schemas') + '/');
  set('http_port', String(ports.http));
  set('tcp_port', String(ports.tcp));
  set('interserver_http_port', String(ports.interserver));
  set('users_config', join(dir, 'users.xml'));
  // IPv4 loopback only: a machine without IPv6 refuses ::1
  xml = xml.replace(/<listen_host>::1<\/listen_host>/g, '');
  // no secure ports, no metrika.xml includes
  xml = xml.replace(/<https_port>[^<]*<\/https_port>|<tcp_port_secure>[^<]*<\/tcp_port_secure>/g, '');
  xml = xml.replace(/<remote_servers incl="clickhouse_remote_servers"\s*>[\s\S]*?<\/remote_servers>/, `<remote_servers>${cluster?.remoteServers ?? ''}</remote_servers>`);
  xml = xml.replace(/<zookeeper incl="zookeeper-servers" optional="true"\s*\/>/, cluster ? `<zookeeper><node><host>127.0.0.1</host><port>${cluster.zookeeperPort}</port></node></zookeeper>` : '');
  xml = xml.replace(/<macros incl="macros" optional="true"\s*\/>/, cluster ? `<macros><shard>${cluster.shard}</shard><replica>${cluster.replica}</replica></macros>` : '');
  return xml;
}

/** One statement over HTTP on a connection of its own (no keep-alive: the server closes idle ones after 3 s). */
async function httpQuery(port: number, sql: string, database?: string, timeoutMs = 120_000): Promise<string> {
  const { request } = await import('node:http');
  const path = `/${database ? `?database=${encodeURIComponent(database)}` : ''}`;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(sql);
  });
  if (status !== 200) throw new Error(`ClickHouse ${status}: ${text.trim()} (in: ${sql.slice(0, 200)})`);
  return text;
}

async function waitUntil(what: string, ok: () => Promise<boolean>, timeoutMs: number, dead?: () => string | null): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    const why = dead?.();
    if (why) throw new Error(`${what} exited before it was ready: ${why}`);
    if (Date.now() > until) throw new Error(`${what} was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startClickhouse(options: ServerOptions = {}): Promise<ClickhouseServer> {
  const dir = mkdtempSync(join(tmpdir(), `${serverPrefix()}ch-`));
  for (const sub of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub));
  const ports = options.ports ?? { http: await freePort(), tcp: await freePort(), interserver: await freePort() };
  writeFileSync(join(dir, 'users.xml'), usersXml());
  writeFileSync(join(dir, 'config.xml'), serverConfig(dir, ports, options.cluster));
  let proc: ChildProcess | null = null;
  const start = async () => {
    let err = '';
    const p = track(spawn(SERVER_BIN, [`--config-file=${join(dir, 'config.xml')}`], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir }));
    p.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    proc = p;
    await waitUntil(`clickhouse-server on port ${ports.http}`, async () => (await httpQuery(ports.http, 'SELECT 1', undefined, 3000)).trim() === '1', 30_000, () =>
      p.exitCode !== null || p.signalCode !== null ? `exit ${p.exitCode ?? p.signalCode}: ${err}` : null,
    );
  };
  const halt = async (signal: NodeJS.Signals) => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    httpPort: ports.http,
    tcpPort: ports.tcp,
    dir,
    url(database, user = 'default', password) {
      const pw = password ?? CH_USERS[user];
      const auth = user === 'default' && !pw ? '' : `${encodeURIComponent(user)}${pw ? ':' + encodeURIComponent(pw) : ''}@`;
      return `clickhouse://${auth}127.0.0.1:${ports.http}/${database}`;
    },
    query: (sql, database) => httpQuery(ports.http, sql, database),
    async rows<T>(sql: string, database?: string) {
      const text = await httpQuery(ports.http, `${sql} FORMAT JSONEachRow`, database);
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as T);
    },
    kill: () => halt('SIGKILL'),
    start,
    async stop() {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Zookeeper {
  port: number;
  stop(): Promise<void>;
}

/** Debian's ZooKeeper standalone on a free port, its data in a temporary folder. */
export async function startZookeeper(): Promise<Zookeeper> {
  const dir = mkdtempSync(join(tmpdir(), `${serverPrefix()}zk-`));
  const port = await freePort();
  writeFileSync(
    join(dir, 'zoo.cfg'),
    [`tickTime=2000`, `dataDir=${join(dir, 'data')}`, `clientPort=${port}`, `clientPortAddress=127.0.0.1`, `admin.enableServer=false`, `4lw.commands.whitelist=ruok`].join('\n') + '\n',
  );
  let err = '';
  const proc = track(
    spawn(
      JAVA,
      ['-Xmx256m', '-Dzookeeper.log.dir=' + dir, '-cp', `/etc/zookeeper/conf:${ZOOKEEPER_JAR}:/usr/share/java/*`, 'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')],
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
    ),
  );
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  await waitUntil(`ZooKeeper on port ${port}`, () => zkOk(port), 60_000, () => (proc.exitCode !== null ? `exit ${proc.exitCode}: ${err}` : null));
  return {
    port,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** ZooKeeper's four-letter `ruok` answered with `imok`. */
async function zkOk(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    // a server still starting may take the connection and never answer: give up on this try after 2 s
    s.setTimeout(2000, () => s.destroy());
    s.on('data', (d) => (got += d.toString()));
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(got.includes('imok')));
    s.on('connect', () => s.end('ruok'));
  });
}

export interface ClickhouseCluster {
  name: string;
  zookeeper: Zookeeper;
  shards: ClickhouseServer[];
  stop(): Promise<void>;
}

/** ZooKeeper and two servers, each one shard (one replica) of the cluster `name`. */
export async function startCluster(name = 'tasklog_test'): Promise<ClickhouseCluster> {
  const zookeeper = await startZookeeper();
  const ports = await Promise.all([0, 1].map(async () => ({ http: await freePort(), tcp: await freePort(), interserver: await freePort() })));
  const remoteServers = `<${name}>${ports.map((p) => `<shard><internal_replication>true</internal_replication><replica><host>127.0.0.1</host><port>${p.tcp}</port></replica></shard>`).join('')}</${name}>`;
  const shards: ClickhouseServer[] = [];
  // both shards start side by side (on a loaded machine one start takes many seconds)
  const started = await Promise.allSettled(ports.map((p, i) => startClickhouse({ ports: p, cluster: { remoteServers, zookeeperPort: zookeeper.port, shard: i + 1, replica: `r${i + 1}` } })));
  for (const s of started) if (s.status === 'fulfilled') shards.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(shards.map((s) => s.stop()));
    await zookeeper.stop();
    throw failed.reason;
  }
  return {
    name,
    zookeeper,
    shards,
    async stop() {
      await Promise.all(shards.map((s) => s.stop()));
      await zookeeper.stop();
    },
  };
}

/** A fresh database name on a test server. */
export function chDatabaseName(tag = 'db'): string {
  return `tasklog_t_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Whether clickhouse-client is installed (CI installs it with the server). */
export function clickhouseClientVersion(): string | null {
  const r = spawnSync('clickhouse-client', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
