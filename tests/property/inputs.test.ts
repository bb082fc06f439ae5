/**
 * Property tests of what users type and feed (issue #18): time arguments and
 * spans, config files and import files. Each input is either accepted or
 * refused with one line and exit 2 — never another exit, a stack trace or
 * (for imports) part of a file.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/toolkit/settings.js';
import { InvalidValue } from '../../src/core/errors.js';
import { toIso } from '../../src/core/time.js';
import { MAX_SPAN_MS, parseSpan, parseTimeArg, resolveTimeArg } from '../../src/query/timearg.js';
import { params } from '../helpers/property.js';
import { run } from '../helpers/run.js';

const NOW = '2026-11-27T20:30:00Z';
let dir: string;
let demo: string;
let empty: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tasklog-prop-'));
  demo = join(dir, 'demo.sqlite');
  empty = join(dir, 'empty.sqlite');
  for (const [args, what] of [
    [['demo', '--db', demo, '--rows', '200', '--json'], 'demo'],
    [['migrate', '--db', empty, '--json'], 'migrate'],
  ] as const) {
    const r = await run([...args], { now: NOW });
    if (r.code !== 0) throw new Error(`${what}: ${r.stderr}`);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** one refusal: exit 2 and exactly one line on stderr, no stack */
function refusedInOneLine(r: { code: number; stderr: string }): void {
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const digits = fc.oneof(fc.nat({ max: 100 }).map(String), fc.stringMatching(/^\d{1,400}(\.\d{0,20})?$/));
const timeText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(digits, fc.constantFrom('', ' ', '  '), fc.constantFrom('s', 'm', 'h', 'd', 'w', 'W', 'D', 'x', 'ms', '')).map(([n, sp, u]) => `${n}${sp}${u}`),
  fc
    .tuple(fc.integer({ min: 0, max: 300000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
      fc.constantFrom('', '.5', '.123456', '.1234567890'), fc.constantFrom('', 'Z', '+00:00', '+05:30', '-12:00', '+99:99', '+2400'), fc.constantFrom('T', ' ', 't'))
    .map(([y, mo, d, h, mi, s, f, off, t]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}${t}${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}${f}${off}`),
);

describe('time arguments and spans', () => {
  it('a time argument is a time every report can print, or InvalidValue', () => {
    fc.assert(
      fc.property(timeText, (text) => {
        let arg;
        try {
          arg = parseTimeArg(text);
        } catch (err) {
          return err instanceof InvalidValue;
        }
        const t = resolveTimeArg(arg, new Date(NOW));
        return Number.isFinite(t.ms) && /^\d{4}-\d{2}-\d{2}T/.test(toIso(t));
      }),
      params(3000),
    );
  });

  it('a span is a positive number of milliseconds up to 1,000 years, or InvalidValue', () => {
    fc.assert(
      fc.property(timeText, (text) => {
        try {
          const ms = parseSpan(text);
          return ms > 0 && ms <= MAX_SPAN_MS;
        } catch (err) {
          return err instanceof InvalidValue;
        }
      }),
      params(3000),
    );
  });

  it('logs list --since and --until: exit 0, or 2 with one line', async () => {
    await fc.assert(
      fc.asyncProperty(timeText, fc.constantFrom('--since', '--until', '--created-after'), async (text, flag) => {
        const r = await run(['logs', 'list', '--db', demo, flag, text, '--json'], { now: NOW });
        if (r.code !== 0) refusedInOneLine(r);
      }),
      params(60),
    );
  });
});

describe('config files', () => {
  const keyName = fc.oneof(fc.constantFrom(...CONFIG_KEYS.map((k) => k.key)), fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString'));
  /** a JSON object of config keys (sections nested) with any JSON values */
  const config = fc.oneof(
    fc.array(fc.tuple(keyName, fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 }).map((entries) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        const [section, key] = k.includes('.') ? k.split('.', 2) : [null, k];
        if (section === null) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else {
          const inner = (Object.hasOwn(out, section) && typeof out[section] === 'object' && out[section] !== null && !Array.isArray(out[section]) ? out[section] : {}) as Record<string, unknown>;
          Object.defineProperty(inner, key, { value: v, enumerable: true, writable: true, configurable: true });
          Object.defineProperty(out, section, { value: inner, enumerable: true, writable: true, configurable: true });
        }
      }
      return JSON.stringify(out);
    }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 30 }),
  );

  it('any config file: accepted (exit 0), or exit 2 with one line naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(config, async (text) => {
        const cwd = mkdtempSync(join(dir, 'cfg-'));
        writeFileSync(join(cwd, 'tasklog.config.json'), text);
        const r = await run(['overview', '--db', demo, '--json'], { now: NOW, cwd });
        if (r.code === 0) return;
        let json = true;
        try {
          JSON.parse(text);
        } catch {
          json = false;
        }
        // a file that is not JSON cannot be read (exit 1, as a missing database); any JSON is checked: exit 2
        if (!json) {
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(/tasklog\.config\.json is not valid JSON/);
          expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
          return;
        }
        // one error line naming the file and the key, after a warning line per unknown key
        const lines = r.stderr.trimEnd().split('\n');
        expect(r.code).toBe(2);
        expect(lines.slice(0, -1).every((l) => /^tasklog: warning: config file .*: unknown key /.test(l))).toBe(true);
        const { error } = JSON.parse(lines[lines.length - 1]);
        expect(error.message).toMatch(/^config file .*tasklog\.config\.json(: \S+ must be | must hold a JSON object)/);
      }),
      params(80),
    );
  });
});

describe('import files', () => {
  let rows: Record<string, unknown>[];
  beforeAll(async () => {
    rows = [];
    for (const id of [1, 2, 3, 4, 5]) {
      const r = await run(['logs', 'show', String(id), '--db', demo, '--json'], { now: NOW });
      rows.push(JSON.parse(r.stdout));
    }
  });

  const field = fc.constantFrom('job_id', 'task_name', 'queue_name', 'status', 'success', 'duration_ms', 'args', 'kwargs', 'created_at', 'enqueue_time', 'error_message', 'job_retries', 'user_id', 'id', 'worker_id');
  const mutation = fc.tuple(field, fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.string({ maxLength: 20 }), fc.constant(undefined)));
  const file = fc.record({
    picks: fc.array(fc.tuple(fc.nat(4), fc.array(mutation, { maxLength: 2 })), { minLength: 1, maxLength: 8 }),
    garbage: fc.option(fc.tuple(fc.nat(8), fc.string({ maxLength: 30 })), { freq: 4 }),
    csv: fc.boolean(),
  });

  it('any file: every row imported (exit 0), or one line naming a line of the file and nothing imported', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ picks, garbage, csv }) => {
        const records = picks.map(([i, changes], n) => {
          const rec: Record<string, unknown> = { ...rows[i], job_id: `prop-${n}` };
          for (const [k, v] of changes) {
            if (v === undefined) delete rec[k];
            else rec[k] = v;
          }
          return rec;
        });
        let lines: string[];
        if (csv) {
          const cols = [...new Set(records.flatMap((r) => Object.keys(r)))];
          const cell = (v: unknown) => (v === undefined || v === null ? '' : `"${(typeof v === 'string' ? v : JSON.stringify(v)).replace(/"/g, '""')}"`);
          lines = [cols.join(','), ...records.map((r) => cols.map((c) => cell(r[c])).join(','))];
        } else lines = records.map((r) => JSON.stringify(r));
        if (garbage) lines.splice(Math.min(garbage[0] + (csv ? 1 : 0), lines.length), 0, garbage[1]);
        const target = join(dir, `import-${Date.now()}-${Math.random()}.sqlite`);
        copyFileSync(empty, target);
        const path = join(dir, csv ? 'in.csv' : 'in.jsonl');
        writeFileSync(path, lines.join('\n') + '\n');
        const r = await run(['import', path, '--db', target, '--json'], { now: NOW });
        const db = new Database(target, { readonly: true });
        const n = (db.prepare('SELECT COUNT(*) AS n FROM django_cfg_task_log').get() as { n: number }).n;
        const jobs = new Set((db.prepare('SELECT job_id FROM django_cfg_task_log').all() as { job_id: string }[]).map((x) => x.job_id));
        db.close();
        rmSync(target, { force: true });
        if (r.code === 0) {
          // every job id the file names is there (a repeated one: the last line wins)
          const named = new Set(records.map((x) => x.job_id).filter((j) => typeof j === 'string' || typeof j === 'number').map(String));
          for (const j of named) if (j.trim() !== '') expect(jobs.has(j) || jobs.has(j.trim())).toBe(true);
          expect(n).toBeGreaterThan(0);
        } else {
          // a line that cannot be imported is 2; rows the database refuses (an id a new row took) 1: one line either way
          expect([1, 2]).toContain(r.code);
          expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
          expect(r.stderr).toMatch(/lines? \d+/);
          expect(n).toBe(0);
        }
      }),
      params(60),
    );
  });
});
