/**
 * Runs a function of a built module (dist/) on inputs in a worker thread and
 * gives up after a deadline: a hang in synchronous code (a regular expression
 * that backtracks) cannot be stopped by a test timeout in the same thread, but
 * a worker can be terminated, so the test fails instead of hanging the run.
 */
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { REPO_ROOT } from './shared.js';

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then((m) => {
  const f = m[workerData.name];
  parentPort.on('message', (input) => {
    const t = performance.now();
    const output = f(input);
    parentPort.postMessage({ output, ms: performance.now() - t });
  });
  parentPort.postMessage('ready');
});`;

export interface Timed<O> {
  output: O;
  ms: number;
}

function spawnWorker(module: string, name: string): Promise<Worker> {
  const worker = new Worker(SOURCE, { eval: true, workerData: { module, name } });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

/**
 * A worker running `name` of dist/src/`path`.js; call() answers each input,
 * or rejects after `ms` (the worker is then stopped, and the next call starts
 * another, so each input gets its own deadline).
 */
export async function deadlineWorker<I, O>(path: string, name: string) {
  const module = pathToFileURL(join(REPO_ROOT, 'dist', 'src', `${path}.js`)).href;
  let worker: Worker | null = await spawnWorker(module, name);
  return {
    async call(input: I, ms: number, what: string): Promise<Timed<O>> {
      const w = worker ?? (worker = await spawnWorker(module, name));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          worker = null;
          void w.terminate();
          reject(new Error(`${name} did not finish within ${ms / 1000} s on ${what}`));
        }, ms);
        w.once('message', (m: Timed<O>) => {
          clearTimeout(timer);
          resolve(m);
        });
        w.postMessage(input);
      });
    },
    close: () => worker?.terminate(),
  };
}
