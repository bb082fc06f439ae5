/**
 * Search folds case the way JavaScript's toLowerCase does, on every backend
 * (issue #18): texts and search words made of the characters where folds
 * differ — İ and ı, the Kelvin and Ohm and Ångström signs, ß and ẞ, final
 * sigma, ligatures, a combining accent — and the rows a search returns are
 * exactly those a reference fold of the same text selects. MySQL and
 * MariaDB lower() from older Unicode tables (MariaDB 10.11 lacks 793 of
 * JavaScript's mappings, ẞ → ß among them): there the texts leave out the
 * characters its LOWER() folds otherwise, and Σ (JavaScript lowers it to ς
 * at the end of a word), except İ, which tasklog folds as JavaScript does.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows, type WritableRow } from '../../src/db/insert.js';
import { backendsUnderTest, createDatabase, type TestDatabase } from '../helpers/databases.js';
import { micros, openDb } from '../helpers/db.js';
import { params, SEED } from '../helpers/property.js';
import { edgeRow } from '../helpers/rows.js';
import { run } from '../helpers/run.js';

const NOW = '2026-04-20T10:00:00Z';
const backends = await backendsUnderTest();
/** no space or comma (they split words); the letters whose folds differ between Unicode's tables and simple lower() */
const PIECES = ['İ', 'i', 'I', 'ı', '\u212a', 'k', 'K', 'ß', 'ss', 'SS', 'ẞ', 'Σ', 'σ', 'ς', 'é', 'É', 'e\u0301', 'ﬁ', 'fi', 'Ω', '\u2126', '\u212b', 'å', 'Å', 'ǅ', 'ǆ', 'Ǆ', 'a', 'A', '-', '_', '%', 'x'];
const texts = (pieces: string[]) => {
  const piece = fc.constantFrom(...pieces);
  return { text: fc.array(piece, { minLength: 1, maxLength: 8 }).map((a) => a.join('')), term: fc.array(piece, { minLength: 1, maxLength: 3 }).map((a) => a.join('')) };
};

/** the reference: JavaScript's fold of the same text */
const holds = (value: string | null, t: string) => value !== null && value.toLowerCase().includes(t.toLowerCase());

describe.each(backends)('search folding on $backend', ({ backend, skip }) => {
  let tdb: TestDatabase;
  let rows: WritableRow[];
  let term: fc.Arbitrary<string>;
  beforeAll(async () => {
    if (skip) return;
    tdb = await createDatabase(backend, 'fold');
    const m = await run(['migrate', '--db', tdb.url, '--json'], { now: NOW });
    expect(m.code).toBe(0);
    const db = await openDb(tdb.url);
    try {
      let pieces = PIECES;
      if (backend === 'mysql') {
        const lowered = await Promise.all(PIECES.map(async (p) => (await db.query<{ l: string }>('SELECT LOWER(?) AS l', [p]))[0].l));
        // Σ: JavaScript lowers it to ς at the end of a word, MySQL always to σ
        pieces = PIECES.filter((p, i) => p === 'İ' || (p !== 'Σ' && String(lowered[i]) === p.toLowerCase()));
        expect(pieces.length).toBeGreaterThan(PIECES.length - 4);
      }
      const arb = texts(pieces);
      term = arb.term;
      const sample = fc.sample(fc.tuple(arb.text, arb.text, arb.text), { numRuns: 60, seed: SEED });
      rows = sample.map(([task, error, worker], i) => edgeRow(micros(NOW), `fold-${i}`, { task_name: task, error_message: error, worker_id: worker, status: 'failed', success: false }));
      await insertRows(db, rows);
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it.skipIf(skip)('the rows a search word finds are those whose fold holds its fold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(term, fc.constantFrom(...rows.map((r) => r.error_message!.slice(0, 3)))), async (t) => {
        const r = await run(['logs', 'list', '--db', tdb.url, '--all', '-o', 'jsonl', '--fields', 'job_id', '--search', t], { now: NOW });
        expect(r.code).toBe(0);
        const got = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l).job_id as string);
        const expected = rows.filter((x) => [x.task_name, x.job_id, x.queue_name, x.error_message, x.worker_id].some((v) => holds(v, t))).map((x) => x.job_id);
        expect(new Set(got), `--search ${JSON.stringify(t)}`).toEqual(new Set(expected));
      }),
      params(40),
    );
  });
});
