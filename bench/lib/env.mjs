// Where things are, and the fixed instant the benchmark data is relative to.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
export const DATA_DIR = join(BENCH_DIR, '.data');
export const TASKLOG = join(ROOT, 'bin', 'tasklog');
export const TABLE = 'django_cfg_task_log';
/** "now" for generation and for every command (TASKLOG_NOW): the 168 h windows always hold the same rows */
export const NOW = '2026-11-27T12:00:00Z';
export const PG = {
  host: process.env.TASKLOG_BENCH_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TASKLOG_BENCH_PG_PORT ?? 5432),
  user: process.env.TASKLOG_BENCH_PG_USER ?? 'postgres',
};
