/**
 * Once per `vitest run`, in the main process: a name for this run, which the
 * servers the tests start (ClickHouse, ZooKeeper) carry in their folders'
 * names; and, after the last test, every such process of this run that is
 * still alive is killed and its folder removed. A test file whose worker dies or whose setup times
 * out cannot stop what it started; this does, and touches no other run's.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const RUN_ENV = 'TASKLOG_TEST_RUN';

export default function setup(): () => void {
  const run = process.env[RUN_ENV] ?? randomBytes(4).toString('hex');
  process.env[RUN_ENV] = run;
  return () => {
    const mark = `tasklog-${run}-`;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (!cmdline.includes(mark)) continue;
      try {
        process.kill(Number(pid), 'SIGKILL');
        console.warn(`tests: killed a server left running by this run (pid ${pid}: ${cmdline.split('\0').slice(0, 2).join(' ')})`);
      } catch {
        // gone already
      }
    }
    for (const name of readdirSync(tmpdir())) if (name.startsWith(mark)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  };
}
