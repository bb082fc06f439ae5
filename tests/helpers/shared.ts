/** The read-only reference material that sits beside the repository (../shared). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUIRE_ALL } from './databases.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = process.env.TASKLOG_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');
export const DJANGO_SCHEMA = join(SHARED, 'django-schema');

/** null when ../shared is there, else why tests that need it are skipped (a failure under REQUIRE_ALL). */
export function sharedMissing(): string | null {
  if (existsSync(join(DJANGO_SCHEMA, 'sample.sqlite'))) return null;
  const why = `the reference folder ${DJANGO_SCHEMA} is missing`;
  if (REQUIRE_ALL) throw new Error(`TASKLOG_TEST_REQUIRE_ALL=1 but ${why}`);
  console.warn(`\n*** SKIPPING tests that need ../shared: ${why}\n`);
  return why;
}
