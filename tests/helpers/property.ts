/**
 * Settings of the property-based tests (fast-check): a fixed seed and a few
 * cases in `npm test`, so a run is repeatable; `npm run fuzz` sets
 * TASKLOG_FUZZ (a factor on every property's case count, default 50) and a
 * fresh seed, printed so that a failure can be replayed with
 * TASKLOG_FUZZ_RUN.
 */
import type { Parameters } from 'fast-check';

const fuzz = process.env.TASKLOG_FUZZ;
export const FUZZ_FACTOR = fuzz ? Math.max(1, Number(fuzz) || 50) : 1;
export const SEED = process.env.TASKLOG_FUZZ_RUN ? Number(process.env.TASKLOG_FUZZ_RUN) : fuzz ? Date.now() % 2 ** 31 : 1818;
if (fuzz) console.log(`property tests: ${FUZZ_FACTOR}× the cases, random start ${SEED} (replay with TASKLOG_FUZZ_RUN=${SEED})`);

/** fast-check's parameters for a property that runs `cases` cases in `npm test`. */
export function params<T>(cases: number, extra: Parameters<T> = {}): Parameters<T> {
  return { seed: SEED, numRuns: cases * FUZZ_FACTOR, endOnFailure: true, ...extra };
}
