/** Writes a file so that readers see the old or the new content, never half of it. */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RuntimeFailure } from '../core/errors.js';

export async function writeFileAtomic(path: string, text: string, cwd: string): Promise<void> {
  const target = resolve(cwd, path);
  // the temporary file sits beside the target (same file system, so rename is atomic);
  // a leading dot keeps node_exporter from reading it (it reads *.prom)
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, text, { mode: 0o644 });
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new RuntimeFailure(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'io');
  }
}
