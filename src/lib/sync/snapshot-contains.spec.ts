import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { snapshotContains } from './snapshot-contains';

function docWith(clientID: number): Y.Doc {
	const doc = new Y.Doc();
	doc.clientID = clientID;
	return doc;
}

/** The answer of Yjs's own check, which needs the inner state encoded. */
function yjsAnswer(outer: Y.Snapshot, innerDoc: Y.Doc): boolean {
	return Y.snapshotContainsUpdate(outer, Y.encodeStateAsUpdate(innerDoc));
}

describe('snapshotContains', () => {
	it('holds for a snapshot and itself, and for an earlier state of the same document', () => {
		const doc = docWith(1);
		doc.getText('t').insert(0, 'hello');
		const earlier = Y.snapshot(doc);
		doc.getText('t').insert(5, ' world');
		const later = Y.snapshot(doc);
		expect(snapshotContains(later, later)).toBe(true);
		expect(snapshotContains(later, earlier)).toBe(true);
		expect(snapshotContains(earlier, later)).toBe(false);
	});

	it('fails when the inner state deleted what the outer one still has', () => {
		const doc = docWith(1);
		doc.getText('t').insert(0, 'hello world');
		const before = Y.snapshot(doc);
		doc.getText('t').delete(0, 6);
		expect(snapshotContains(before, Y.snapshot(doc))).toBe(false);
	});

	it('fails for a client the outer state has never seen', () => {
		const a = docWith(1);
		const b = docWith(2);
		a.getText('t').insert(0, 'a');
		b.getText('t').insert(0, 'b');
		expect(snapshotContains(Y.snapshot(a), Y.snapshot(b))).toBe(false);
		expect(snapshotContains(Y.snapshot(a), Y.snapshot(new Y.Doc()))).toBe(true);
	});

	it('treats touching and overlapping delete ranges of the outer state as one', () => {
		const outer = Y.createSnapshot(Y.createDeleteSet(), new Map([[1, 10]]));
		outer.ds.clients.set(1, [
			{ clock: 4, len: 3 },
			{ clock: 0, len: 4 },
			{ clock: 5, len: 1 }
		]);
		const inner = Y.createSnapshot(Y.createDeleteSet(), new Map([[1, 10]]));
		inner.ds.clients.set(1, [{ clock: 1, len: 6 }]);
		expect(snapshotContains(outer, inner)).toBe(true);
		inner.ds.clients.set(1, [{ clock: 1, len: 7 }]);
		expect(snapshotContains(outer, inner)).toBe(false);
	});

	it('agrees with Y.snapshotContainsUpdate on random edit histories of two replicas', () => {
		const edit = fc.record({
			replica: fc.integer({ min: 0, max: 1 }),
			insert: fc.boolean(),
			at: fc.nat(20),
			length: fc.integer({ min: 1, max: 4 }),
			sync: fc.boolean(),
			markOuter: fc.boolean()
		});
		fc.assert(
			fc.property(fc.array(edit, { minLength: 1, maxLength: 30 }), (edits) => {
				const replicas = [docWith(1), docWith(2)];
				let outer = Y.snapshot(replicas[0]!);
				for (const step of edits) {
					const doc = replicas[step.replica]!;
					const text = doc.getText('t');
					if (step.insert || text.length === 0) {
						text.insert(Math.min(step.at, text.length), 'x'.repeat(step.length));
					} else {
						const at = Math.min(step.at, text.length - 1);
						text.delete(at, Math.min(step.length, text.length - at));
					}
					if (step.sync) {
						Y.applyUpdate(replicas[0]!, Y.encodeStateAsUpdate(replicas[1]!));
						Y.applyUpdate(replicas[1]!, Y.encodeStateAsUpdate(replicas[0]!));
					}
					if (step.markOuter) outer = Y.snapshot(replicas[0]!);
				}
				for (const inner of replicas) {
					expect(snapshotContains(outer, Y.snapshot(inner))).toBe(yjsAnswer(outer, inner));
				}
			}),
			{ numRuns: 300 }
		);
	});
});
