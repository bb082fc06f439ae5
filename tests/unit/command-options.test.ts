/**
 * A command's options are typed: `CommandSpec<O>` types `run(opts: O)`, and
 * every flag a command declares is read under its attribute name (commander's
 * camelCase of the long flag), so each must be a property O declares — a flag
 * renamed in the spec but not in O (or the reverse) fails here, not at a user's
 * prompt. Read with TypeScript's own checker over the command modules.
 *
 * The flags of the two shared tables — the filters (query/filters.ts, with
 * --view) and the thresholds (query/thresholds.ts) — are read by those tables'
 * own functions (filterValues, the threshold readers) under the name commander
 * gives each of their flags (attributeName), so O holds them under an index
 * signature and they are not required as properties.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/cli/registry-table.js';
import { COMMANDS } from '../../src/commands/index.js';
import { THRESHOLDS } from '../../src/query/thresholds.js';
import { filterOptions } from '../../src/toolkit/logs.js';
import { attributeName, type CommandSpec } from '../../src/toolkit/spec.js';
import { thresholdOption } from '../../src/query/thresholds.js';
import { REPO_ROOT } from '../helpers/shared.js';

const TABLE_FLAGS = new Set([...filterOptions(), ...THRESHOLDS.map(thresholdOption)].map((o) => o.flags));

/** The properties O declares (inherited ones too; an index signature declares none), per command module. */
function declaredOptionTypes(modules: readonly string[], source?: { file: string; text: string }): Map<string, Set<string> | string> {
  const files = modules.map((m) => join(REPO_ROOT, 'src', 'commands', `${m}.ts`));
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true, types: ['node'] };
  const host = ts.createCompilerHost(options);
  if (source) {
    const read = host.readFile.bind(host);
    host.readFile = (f) => (f === source.file ? source.text : read(f));
    const get = host.getSourceFile.bind(host);
    host.getSourceFile = (f, v, ...rest) => (f === source.file ? ts.createSourceFile(f, source.text, v) : get(f, v, ...rest));
  }
  const program = ts.createProgram(files, options, host);
  const checker = program.getTypeChecker();
  const out = new Map<string, Set<string> | string>();
  modules.forEach((m, i) => {
    const sf = program.getSourceFile(files[i])!;
    let found: Set<string> | string = 'no `export const spec: CommandSpec<O>`';
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== 'spec' || !d.type || !ts.isTypeReferenceNode(d.type)) continue;
        if (d.type.typeName.getText(sf) !== 'CommandSpec') continue;
        const arg = d.type.typeArguments?.[0];
        if (!arg) {
          found = 'CommandSpec without its options type O';
          continue;
        }
        found = new Set(checker.getPropertiesOfType(checker.getTypeFromTypeNode(arg)).map((p) => p.getName()));
      }
    }
    out.set(m, found);
  });
  return out;
}

/** Each option of `spec` whose attribute name O does not declare, as "flags → attribute". */
function undeclared(spec: CommandSpec, declared: Set<string>): string[] {
  return spec.options.filter((o) => !TABLE_FLAGS.has(o.flags) && !declared.has(attributeName(o))).map((o) => `${o.flags} → ${attributeName(o)}`);
}

describe('typed command options', () => {
  const modules = REGISTRY.map((e) => e.module);
  const declared = declaredOptionTypes(modules);

  it.each(REGISTRY.map((e) => [e.path.join(' '), e.module] as const))('tasklog %s: every flag is a property of its options type', (_path, module) => {
    const spec = COMMANDS.find((c) => REGISTRY.find((e) => e.module === module)!.path.join(' ') === c.path.join(' '))!;
    const types = declared.get(module)!;
    expect(typeof types === 'string' ? types : undefined).toBeUndefined();
    expect(undeclared(spec, types as Set<string>)).toEqual([]);
  });

  it('the check finds a flag its type does not declare, and a spec without O', () => {
    const module = 'overview';
    const file = join(REPO_ROOT, 'src', 'commands', `${module}.ts`);
    const text = ts.sys.readFile(file)!;
    // the same module with O narrowed to the connection flags: its own flags are then undeclared
    const narrowed = declaredOptionTypes([module], { file, text: text.replace(/CommandSpec<Opts>/, "CommandSpec<import('../toolkit/config.js').ConnectionFlags>") }).get(module) as Set<string>;
    const spec = COMMANDS.find((c) => c.path.join(' ') === 'overview')!;
    const own = spec.options.filter((o) => !TABLE_FLAGS.has(o.flags));
    expect(own.length).toBeGreaterThan(0);
    expect(undeclared(spec, narrowed)).toEqual(own.map((o) => `${o.flags} → ${attributeName(o)}`));
    expect(declaredOptionTypes([module], { file, text: text.replace(/CommandSpec<Opts>/, 'CommandSpec') }).get(module)).toBe('CommandSpec without its options type O');
  });
});
