#!/usr/bin/env node
// A ClickHouse cluster for the benches (issue #19: the two-shard cluster against one server): Debian's
// ZooKeeper and two clickhouse-server processes, each one shard of the cluster NAME, on free ports with
// their own config and data folders — started by the very functions the tests use
// (tests/helpers/clickhouse.ts startCluster, turned into JavaScript here with TypeScript's transpiler
// so no second copy of them exists). Prints one JSON line {name, shards: [{http, tcp}]} and runs until
// SIGINT or SIGTERM, then stops the servers and removes their folders.
//
//   node bench/cluster-start.mjs [--name tasklog_bench | --single] &
//   node bench/clickhouse-read.mjs --url clickhouse://127.0.0.1:HTTP/bench10m --cluster tasklog_bench --rows 10m
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ROOT } from './lib/env.mjs';

const args = process.argv.slice(2);
const name = args.includes('--name') ? args[args.indexOf('--name') + 1] : 'tasklog_bench';

// the test helpers as ES modules in a folder of their own (their imports already name .js files)
const out = mkdtempSync(join(tmpdir(), 'tasklog-bench-helpers-'));
const helpers = join(ROOT, 'tests', 'helpers');
mkdirSync(join(out, 'helpers'));
writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
for (const f of readdirSync(helpers).filter((f) => f.endsWith('.ts'))) {
  const js = ts.transpileModule(readFileSync(join(helpers, f), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(join(out, 'helpers', f.replace(/\.ts$/, '.js')), js);
}
const { startCluster, startClickhouse } = await import(pathToFileURL(join(out, 'helpers', 'clickhouse.js')).href);

// --single: one server alone, no ZooKeeper (the benches' single-server figures)
const single = args.includes('--single');
const cluster = single ? await startClickhouse().then((s) => ({ shards: [s], stop: () => s.stop() })) : await startCluster(name);
process.stdout.write(JSON.stringify({ name: single ? null : name, shards: cluster.shards.map((s) => ({ http: s.httpPort, tcp: s.tcpPort })) }) + '\n');
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cluster.stop();
  rmSync(out, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
