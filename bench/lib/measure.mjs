// One process, timed whole: wall clock from spawn to exit (process.hrtime), and
// its peak resident memory and CPU time (user + system) from GNU time (`/usr/bin/time -f '%M %U %S'`, Debian package
// `time`) when that is installed. stdout is drained and counted (bytes, lines),
// the first 32 MiB kept for answer checks.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const scratch = mkdtempSync(join(tmpdir(), 'tasklog-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
let seq = 0;

// the full-window error report baseline prints a few MiB (every message group of 90 days)
// the answers checked are kept whole: errors' raw groups over 10M rows are about 34 MB
const KEEP = 256 << 20;

/** @returns {Promise<{ms:number, cpuMs:number|null, rssKb:number|null, bytes:number, lines:number, stdout:string, stderr:string, code:number|null}>} */
export function runProcess(argv, { env = process.env, cwd } = {}) {
  const timeFile = join(scratch, `t${seq++}`);
  const [cmd, ...args] = GNU_TIME ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let lines = 0;
    const kept = [];
    let keptBytes = 0;
    let stderr = '';
    child.stdout.on('data', (b) => {
      bytes += b.length;
      for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
      if (keptBytes < KEEP) {
        kept.push(b);
        keptBytes += b.length;
      }
    });
    child.stderr.on('data', (b) => {
      if (stderr.length < 65536) stderr += b;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let rssKb = null;
      let cpuMs = null;
      if (GNU_TIME) {
        try {
          const text = readFileSync(timeFile, 'utf8').trim().split('\n');
          // GNU time writes "Command exited with non-zero status N" before the format
          const [kb, user, sys] = text[text.length - 1].split(' ').map(Number);
          rssKb = kb;
          cpuMs = (user + sys) * 1000;
          rmSync(timeFile, { force: true });
        } catch {
          rssKb = null;
        }
      }
      resolve({ ms, cpuMs, rssKb, bytes, lines, stdout: Buffer.concat(kept).toString('utf8'), stderr, code });
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
