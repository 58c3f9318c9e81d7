import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deferredLocalStore } from './deferred-local-store';
import { runLocalStoreContract } from './testing/local-store.contract';
import { createMemoryStorage } from './testing/memory-local-store';
import { addMember, memberNames } from './testing/members';
import { newDocumentId } from './workspace-secret';

function gate(): { promise: Promise<void>; open: () => void } {
	let open = () => undefined as void;
	const promise = new Promise<void>((resolve) => (open = resolve));
	return { promise, open };
}

describe('deferred local store', () => {
	runLocalStoreContract(() => {
		const storage = createMemoryStorage();
		return {
			open: deferredLocalStore(storage.open, Promise.resolve()),
			failWritesWithQuota() {
				storage.failWrites('quota');
				return () => storage.failWrites(null);
			}
		};
	});

	async function savedDoc(storage: ReturnType<typeof createMemoryStorage>, docId: string) {
		const doc = new Y.Doc();
		const store = storage.open(docId as ReturnType<typeof newDocumentId>, doc);
		await store.whenLoaded;
		await store.destroy();
		return doc;
	}

	it('loads nothing until the gate opens, then loads and keeps edits made meanwhile', async () => {
		const storage = createMemoryStorage();
		const docId = newDocumentId();
		const earlier = new Y.Doc();
		const first = storage.open(docId, earlier);
		await first.whenLoaded;
		addMember(earlier, 'Ada');
		await first.destroy();

		const { promise, open } = gate();
		const doc = new Y.Doc();
		const store = deferredLocalStore(storage.open, promise)(docId, doc);
		let loaded = false;
		void store.whenLoaded.then(() => (loaded = true));
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(loaded).toBe(false);
		expect(memberNames(doc)).toEqual([]);
		addMember(doc, 'Waiting');

		open();
		await store.whenLoaded;
		expect(memberNames(doc)).toEqual(['Ada', 'Waiting']);
		await store.destroy();
		expect(memberNames(await savedDoc(storage, docId))).toEqual(['Ada', 'Waiting']);
	});

	it('never attaches when destroyed before the gate opens', async () => {
		const storage = createMemoryStorage();
		const docId = newDocumentId();
		const { promise, open } = gate();
		const doc = new Y.Doc();
		const store = deferredLocalStore(storage.open, promise)(docId, doc);
		const destroying = store.destroy();
		open();
		await destroying;
		await expect(store.whenLoaded).rejects.toMatchObject({ kind: 'closed' });
		addMember(doc, 'Unsaved');
		expect(memberNames(await savedDoc(storage, docId))).toEqual([]);
		expect(await store.readSyncMarker()).toBeNull();
	});

	it('attaches after a gate that fails, since a failed paint must not cost the data', async () => {
		const storage = createMemoryStorage();
		const doc = new Y.Doc();
		const store = deferredLocalStore(storage.open, Promise.reject(new Error('no frame')))(
			newDocumentId(),
			doc
		);
		await expect(store.whenLoaded).resolves.toBeUndefined();
		await store.destroy();
	});
});
