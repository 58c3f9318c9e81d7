import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { expectLoadable, runSteps, step, type FuzzCounts } from './testing/update-fuzz';
import { applyValidUpdate } from './validate-update';

/**
 * The structure-aware fuzzer: two peers edit and sync with a document while mutated and forged
 * updates are offered to it through `applyValidUpdate`. No sequence of accepted updates may
 * leave a document that does not encode, load and load again; no real update may be refused.
 * `FUZZ_RUNS=20000` (and `FUZZ_SEED`) for a longer run.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
/** A guard against a hung run, not a performance check: a run takes a few milliseconds. */
const RUN_BUDGET_MS = Math.max(60_000, RUNS * 100);

describe('validated updates, fuzzed', () => {
	it(
		`never leave a document that does not encode and load again (${RUNS} runs)`,
		() => {
			const counts: FuzzCounts = { real: 0, accepted: 0, refused: 0 };
			fc.assert(
				fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
					const doc = new Y.Doc();
					const sink = {
						doc,
						offer: (update: Uint8Array) => applyValidUpdate(doc, update) === null
					};
					runSteps(sink, steps, () => expectLoadable(doc), counts);
				}),
				{ numRuns: RUNS, seed: SEED }
			);
			// The fuzzer exercises both sides of the check, not only refusals.
			expect(counts.accepted).toBeGreaterThan(RUNS / 10);
			expect(counts.refused).toBeGreaterThan(RUNS / 10);
		},
		RUN_BUDGET_MS
	);
});
