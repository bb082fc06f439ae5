/**
 * The architecture as tests: layers point one way (read off every import of
 * src/), no file cycle, and the words users read never mention our source
 * document.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manPage } from '../../src/cli/manpage.js';
import { version } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/commands/index.js';
import { expectedRegistry } from '../../src/cli/registry.js';
import { REGISTRY } from '../../src/cli/registry-table.js';
import { run } from '../helpers/run.js';
import { REPO_ROOT } from '../helpers/shared.js';

const SRC = join(REPO_ROOT, 'src');

/**
 * What each folder of src/ may import besides itself: the README's layer table
 * (Development → "Layout, one way down"), read from it, so the rule users read
 * and the rule the test holds are one table. A "may use" cell lists folders of
 * src/ and, in backquotes, folders beside it (`fixtures`).
 */
function layerTable(readme: string): Map<string, readonly string[]> {
  const from = readme.indexOf('| folder | holds | may use |');
  if (from < 0) throw new Error('README.md has no layer table (| folder | holds | may use |)');
  const rows = readme.slice(from).split('\n').slice(2);
  const table = new Map<string, readonly string[]>();
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    const folder = /^`src\/([a-z]+)`$/.exec(cells[0]);
    if (!folder || cells.length !== 3) throw new Error(`README layer table: a row that is not | \`src/NAME\` | … | … |: ${row}`);
    const uses = cells[2] === 'nothing' ? [] : cells[2].replace(/\([^)]*\)/g, '').split(/[,;]/).map((w) => w.trim().replace(/`/g, ''));
    table.set(folder[1], uses);
  }
  return table;
}
const MAY_IMPORT = layerTable(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every relative import of a file (static, dynamic and type-only), as a path under src/ without extension. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const found = [...text.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return found.map((spec) => relative(SRC, normalize(join(dirname(file), spec))).replace(/\.js$/, ''));
}

const FILES = sourceFiles(SRC);

/** The imports of `path` (under src/) that its folder's rule does not allow, as "src/a → src/b". */
function upwardImports(path: string, text: string): string[] {
  const from = layerOf(path);
  return importsOf(join(SRC, path), text)
    .filter((target) => layerOf(target) !== from && !(MAY_IMPORT.get(from) ?? []).includes(layerOf(target)))
    .map((target) => `src/${path} → src/${target}`);
}
/** the folder of src/ a path is in, or for a path beside src/ (../fixtures/x) that folder */
const layerOf = (path: string) => (path.startsWith('../') ? path.split('/')[1] : path.split('/')[0]);

describe('layers', () => {
  it('every folder of src/ has a rule', () => {
    const folders = [...new Set(FILES.map((f) => layerOf(relative(SRC, f))))].filter((l) => !l.endsWith('.ts'));
    for (const l of folders) expect(MAY_IMPORT.has(l), `src/${l} has no row in the README's layer table`).toBe(true);
    // and the table names no folder that is not there, and only folders it has a row for (or beside src/)
    for (const [l, uses] of MAY_IMPORT) {
      expect(folders, `the README's layer table has a row for src/${l}, which does not exist`).toContain(l);
      for (const u of uses) expect(MAY_IMPORT.has(u) || u === 'fixtures', `src/${l} may use "${u}", which is no folder`).toBe(true);
    }
  });

  it('the table points one way: no folder may use one that may use it, directly or through others', () => {
    const reaches = (a: string, b: string, seen = new Set<string>()): boolean =>
      (MAY_IMPORT.get(a) ?? []).some((u) => u === b || (!seen.has(u) && (seen.add(u), reaches(u, b, seen))));
    for (const [l] of MAY_IMPORT) expect(reaches(l, l), `src/${l} reaches itself through the table`).toBe(false);
  });

  it('reads the README table as written: a cell of folders, "nothing", and folders beside src/ in backquotes', () => {
    const t = layerTable('x\n| folder | holds | may use |\n| --- | --- | --- |\n| `src/a` | A | b, core; `fixtures` (the demo, shipped) |\n| `src/b` | B | core |\n| `src/core` | C | nothing |\n\nafter\n');
    expect([...t]).toEqual([['a', ['b', 'core', 'fixtures']], ['b', ['core']], ['core', []]]);
  });

  it('no import runs upward', () => {
    expect(FILES.flatMap((file) => upwardImports(relative(SRC, file), readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('the check itself finds upward imports: static, dynamic and type-only, and lets allowed ones pass', () => {
    const text = [
      "import type { ConnectionFlags } from '../cli/config.js';",
      "const { withDb } = await import('../cli/database.js');",
      "import { parseInstant } from '../core/time.js';",
      "import { quoteIdentifier } from './dialect/types.js';",
    ].join('\n');
    expect(upwardImports('db/connect.ts', text)).toEqual(['src/db/connect.ts → src/cli/config', 'src/db/connect.ts → src/cli/database']);
  });

  it('no two files import each other, directly or through others', () => {
    const graph = new Map(FILES.map((f) => [relative(SRC, f).replace(/\.ts$/, ''), importsOf(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) if (graph.has(next)) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});

describe('what users read', () => {
  /** "seed" is our source document's word; only the demo's --seed flag may use it. */
  const mentions = (text: string) => (text.match(/[^\n]*seed[^\n]*/gi) ?? []).filter((line) => line.replace(/\\?-\\?-seed\b/gi, '').match(/seed/i));

  it('tasklog --help and every command\'s --help never say "seed" (but --seed)', async () => {
    const pages = [(await run(['--help'])).stdout, ...(await Promise.all(COMMANDS.map(async (c) => (await run([...c.path, '--help'])).stdout)))];
    expect(pages.flatMap(mentions)).toEqual([]);
  });

  it('the man page and the README never say "seed" (but --seed)', () => {
    expect(mentions(manPage(version()))).toEqual([]);
    expect(mentions(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))).toEqual([]);
  });
});

describe('the command registry', () => {
  it('is what the command specs generate (run `npm run registry` after adding a command or changing a summary, arguments or flags)', async () => {
    expect(JSON.parse(JSON.stringify(REGISTRY))).toEqual(await expectedRegistry());
    for (const e of REGISTRY) expect(e.module, e.path.join(' ')).not.toBe('');
  });

  it('the program imports no command module before it knows which command runs (start-up pays for one command)', () => {
    // the program module graph: what main.ts imports statically never reaches a command module
    const graph = new Map(FILES.map((f) => [relative(SRC, f).replace(/\.ts$/, ''), staticImportsOf(f)]));
    const reached = new Set<string>();
    const walk = (node: string) => {
      if (reached.has(node)) return;
      reached.add(node);
      for (const next of graph.get(node) ?? []) walk(next);
    };
    walk('cli/main');
    const commandModules = [...reached].filter((m) => m.startsWith('commands/') && !['commands/groups'].includes(m));
    expect(commandModules).toEqual([]);
    // and the check sees command modules where they are imported statically
    expect(staticImportsOf(join(SRC, 'commands', 'index.ts'))).toContain('commands/overview');
  });
});

/** The static (not type-only, not dynamic) relative imports of a file. */
function staticImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/^import\s+(?!type\b)[^'"]*from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return found.map((spec) => relative(SRC, normalize(join(dirname(file), spec))).replace(/\.js$/, ''));
}
