/**
 * Error signatures of hostile messages (issue #18): any string up to 1 MB,
 * and generated adversarial ones (long runs of separators, quotes without
 * their closing mark, dotted words before '://' or '@'), is normalized in a
 * worker that gets a generous deadline — a backtracking rule makes it take
 * minutes to hours, so the test fails instead of hanging. The speed itself is
 * measured in bench/signatures.mjs. And for short messages, where no bound of
 * the rules applies, the signature is the one the unbounded rules give.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorSignature } from '../../src/query/errors.js';
import { deadlineWorker } from '../helpers/deadline.js';
import { params } from '../helpers/property.js';

/** pieces hostile messages are made of */
const PIECES = ['.', '@', '«', '»', "'", '"', '`', '/', '\\', ':', '-', '_', '+', ' ', '\t', '\n', 'a', 'F', '0', '7', '://', 'a.', 'x@', '«a', 'C:\\', '~/', 'acct_', 'é', 'İ', '\u00a0'];
const piece = fc.constantFrom(...PIECES);

/**
 * A message of up to ~1 MB as a recipe (what a failure prints, instead of the
 * megabyte): a head, a chunk repeated to about `bytes` characters, a tail. The
 * chunk is either a few hostile pieces or any string (any UTF-16 unit).
 */
const recipe = fc.record({
  head: fc.string({ maxLength: 40 }),
  chunk: fc.oneof(fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => a.join('')), fc.string({ unit: 'binary', minLength: 1, maxLength: 2000 })),
  bytes: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 1 << 20 })),
  tail: fc.array(piece, { maxLength: 8 }).map((a) => a.join('')),
});
const build = ({ head, chunk, bytes, tail }: { head: string; chunk: string; bytes: number; tail: string }) => head + chunk.repeat(Math.max(1, Math.floor(bytes / chunk.length))) + tail;

let worker: Awaited<ReturnType<typeof deadlineWorker<string, string>>>;
beforeAll(async () => {
  worker = await deadlineWorker<string, string>('query/errors', 'errorSignature');
});
afterAll(() => worker?.close());

/** generous: linear normalization of 1 MB takes milliseconds; the backtracking rules took 85 s on 200 KB */
const DEADLINE_MS = 20_000;

async function finishes(message: string): Promise<void> {
  const { output } = await worker.call(message, DEADLINE_MS, `a message of ${message.length} characters starting ${JSON.stringify(message.slice(0, 40))}`);
  expect(typeof output).toBe('string');
  expect(output.length).toBeLessThanOrEqual(300);
  expect(output).not.toMatch(/\n/);
}

describe('error signatures of hostile messages finish', () => {
  it.each([
    ['dots', 'a.'.repeat(500_000)],
    ['@ runs', 'a@'.repeat(500_000)],
    ['opening guillemets', '«'.repeat(1_000_000)],
    ['dotted word before ://', 'a.'.repeat(499_990) + '://x'],
    ['dotted word before @', 'x.'.repeat(499_990) + '@b.c'],
    ['nested quotes', `'"«\``.repeat(250_000)],
  ])('%s (1 MB)', async (_, message) => {
    await finishes(message);
  });

  it('any string and generated adversarial ones, up to 1 MB', async () => {
    await fc.assert(fc.asyncProperty(recipe, (r) => finishes(build(r))), params(40));
  });
});

/** The rules before issue #18, unbounded: the meaning a signature keeps for normal messages. */
const UNBOUNDED: [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>»]+/gi, '<url>'],
  [/\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b/g, '<email>'],
  [/'[^'\n]*'|"[^"\n]*"|«[^»\n]*»|`[^`\n]*`/g, "'…'"],
  [/(?:[A-Za-z]:\\|~?\/)[^\s:'",;)]*[\\/][^\s:'",;)]*/g, '<path>'],
  [/\b(?=[0-9a-f_]*\d)(?=[0-9a-f_]*[a-f])(?:[a-z]+_)?[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\b(?:[a-z]{2,6}_)[0-9a-z]{8,}\b/gi, '<id>'],
  [/[-+]?\d+(?:[.,]\d+)*/g, '<n>'],
];
function reference(message: string | null): string {
  if (message === null || message.trim() === '') return '(no error message)';
  let s = message.split('\n').find((l) => l.trim() !== '') ?? message;
  const lines = message.trim().split('\n');
  if (/^Traceback \(most recent call last\)/.test(lines[0])) s = lines[lines.length - 1];
  for (const [re, token] of UNBOUNDED) s = s.replace(re, token);
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}

describe('error signatures keep their meaning', () => {
  // 30 characters: shorter than every bound (a scheme of 32, a local part of 64, 16 labels)
  const short = fc.oneof(fc.array(piece, { maxLength: 12 }).map((a) => a.join('').slice(0, 30)), fc.string({ maxLength: 30 }));
  const message = fc.oneof(short, fc.tuple(short, short).map(([a, b]) => `Traceback (most recent call last):\n  File "t.py", line 1\n${a}\n${b}`));

  it('short messages: the signature of the unbounded rules', () => {
    fc.assert(fc.property(message, (m) => errorSignature(m) === reference(m)), params(2000));
  });
});
