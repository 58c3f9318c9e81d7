import * as Y from 'yjs';
import { validateUpdate, type UpdateProblem } from '../../src/lib/protocol/validate-update';

/**
 * Turns what a room holds of its document (a state and the updates applied after it, in order)
 * into the one state compaction stores, and checks that state loads. For a large document that
 * is the heaviest work the relay does; the relay runs it off its event loop
 * (`WorkerCompactor`), so other rooms' fan-out never waits for it.
 */
export interface StateCompactor {
	/** The merged state, or why it must not replace the stored one. */
	merge(updates: readonly Uint8Array[]): Promise<CompactionResult>;
	/** Stops the worker, if any; pending merges reject. */
	close(): Promise<void>;
}

export type CompactionResult = { state: Uint8Array } | { problem: CompactionProblem };

/** Why a merged state is not stored: it fails validation or does not load. */
export type CompactionProblem = UpdateProblem | 'does not load';

/**
 * The merge itself: the updates applied to a fresh document in order (so deleted content is
 * collected, as in the room's own document), its state encoded, validated and loaded once more
 * into another fresh document. Throws when an update does not apply.
 */
export function mergeState(updates: readonly Uint8Array[]): CompactionResult {
	const merged = new Y.Doc();
	let state: Uint8Array;
	try {
		merged.transact(() => {
			for (const update of updates) Y.applyUpdate(merged, update);
		});
		state = Y.encodeStateAsUpdate(merged);
	} finally {
		merged.destroy();
	}
	const problem = stateProblem(state);
	return problem === null ? { state } : { problem };
}

/** Why a state must not replace the stored one, or null when it may. */
export function stateProblem(state: Uint8Array): CompactionProblem | null {
	const problem = validateUpdate(state);
	if (problem !== null) return problem;
	const fresh = new Y.Doc();
	try {
		Y.applyUpdate(fresh, state);
		return null;
	} catch {
		return 'does not load';
	} finally {
		fresh.destroy();
	}
}

/** Merges on the calling thread: for tests of rooms alone, and tools without workers. */
export const inlineCompactor: StateCompactor = {
	merge: (updates) => Promise.resolve().then(() => mergeState(updates)),
	close: () => Promise.resolve()
};
