import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { version } from '../../src/cli/main.js';
import { manPage } from '../../src/cli/manpage.js';
import { GLOBAL_OPTIONS } from '../../src/toolkit/spec.js';
import { COMMANDS } from '../../src/commands/index.js';
import { REQUIRE_ALL } from '../helpers/databases.js';
import { REPO_ROOT } from '../helpers/shared.js';

const PAGE = join(REPO_ROOT, 'man', 'tasklog.1');
const rendered = () => {
  const r = spawnSync('groff', ['-ww', '-man', '-Tutf8'], { input: readFileSync(PAGE), encoding: 'utf8' });
  return r;
};

describe('man/tasklog.1', () => {
  it('is what the command specs generate (run `npm run man` after changing a command)', () => {
    expect(readFileSync(PAGE, 'utf8')).toBe(manPage(version()));
  });

  it('names every command and every flag', () => {
    const text = manPage(version()).replace(/\\-/g, '-');
    for (const spec of COMMANDS) {
      expect(text).toContain(`.SS "${spec.path.join(' ')}"`);
      for (const o of spec.options) for (const flag of o.flags.split(/[ ,]+/).filter((f) => f.startsWith('-'))) expect(text).toContain(flag);
    }
    for (const o of GLOBAL_OPTIONS) expect(text).toContain(o.flags.split(' ')[0]);
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'ENVIRONMENT', 'FILES', 'EXIT STATUS', 'EXAMPLES']) expect(text).toContain(`.SH ${section}`);
  });

  const groff = spawnSync('groff', ['--version']).status === 0;
  if (!groff) {
    if (REQUIRE_ALL) throw new Error('TASKLOG_TEST_REQUIRE_ALL=1 but groff is missing (apt-get install groff-base)');
    console.warn('\n*** SKIPPING the groff -ww check: groff is missing\n');
  }
  it.skipIf(!groff)('renders with groff -ww without a warning', () => {
    const r = rendered();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/TASKLOG\(1\)/);
    expect(r.stdout).toContain('tasklog logs list');
  });
});
