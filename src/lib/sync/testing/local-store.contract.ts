import { expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId } from '../../domain/ids';
import type { LocalStoreFactory } from '../local-store';
import type { StorageError } from '../storage-error';
import { newDocumentId } from '../workspace-secret';
import { addMember, memberNames } from './members';

/** What the shared suite needs from an implementation of LocalStore. */
export interface LocalStoreHarness {
	/** Attaches a store; stores opened on the same harness share their saved data. */
	open: LocalStoreFactory;
	/** Makes later writes fail as on a full disk; returns the function that heals it. */
	failWritesWithQuota(): () => void;
}

/**
 * The contract every LocalStore keeps. Each test uses a fresh document id, so a harness may
 * share one backing storage between tests.
 */
export function runLocalStoreContract(harness: () => LocalStoreHarness): void {
	async function reopen(h: LocalStoreHarness, docId: DocumentId): Promise<Y.Doc> {
		const doc = new Y.Doc();
		const store = h.open(docId, doc);
		await store.whenLoaded;
		await store.destroy();
		return doc;
	}

	it('loads nothing for a new document', async () => {
		const doc = new Y.Doc();
		const store = harness().open(newDocumentId(), doc);
		await store.whenLoaded;
		expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(new Y.Doc()));
		expect(store.error).toBeNull();
		await store.destroy();
	});

	it('saves every edit and loads it into the next session', async () => {
		const h = harness();
		const docId = newDocumentId();
		const doc = new Y.Doc();
		const store = h.open(docId, doc);
		await store.whenLoaded;
		addMember(doc, 'Ada');
		addMember(doc, 'Bo');
		await store.destroy();
		expect(memberNames(await reopen(h, docId))).toEqual(['Ada', 'Bo']);
	});

	it('keeps edits made while loading, and applies loaded data with its own origin', async () => {
		const h = harness();
		const docId = newDocumentId();
		const first = new Y.Doc();
		const firstStore = h.open(docId, first);
		await firstStore.whenLoaded;
		addMember(first, 'Ada');
		await firstStore.destroy();

		const doc = new Y.Doc();
		const origins: unknown[] = [];
		doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
		const store = h.open(docId, doc);
		addMember(doc, 'Early');
		await store.whenLoaded;
		expect(memberNames(doc)).toEqual(['Ada', 'Early']);
		expect(origins.slice(1).every((origin) => origin === store.origin)).toBe(true);
		await store.destroy();
		expect(memberNames(await reopen(h, docId))).toEqual(['Ada', 'Early']);
	});

	it('keeps a sync marker per document', async () => {
		const h = harness();
		const docId = newDocumentId();
		const store = h.open(docId, new Y.Doc());
		await store.whenLoaded;
		expect(await store.readSyncMarker()).toBeNull();
		await store.writeSyncMarker(new Uint8Array([1, 2, 3]));
		await store.destroy();
		const again = h.open(docId, new Y.Doc());
		await again.whenLoaded;
		expect(await again.readSyncMarker()).toEqual(new Uint8Array([1, 2, 3]));
		const other = h.open(newDocumentId(), new Y.Doc());
		await other.whenLoaded;
		expect(await other.readSyncMarker()).toBeNull();
		await Promise.all([again.destroy(), other.destroy()]);
	});

	it('stops saving once destroyed', async () => {
		const h = harness();
		const docId = newDocumentId();
		const doc = new Y.Doc();
		const store = h.open(docId, doc);
		await store.whenLoaded;
		addMember(doc, 'Kept');
		await store.destroy();
		addMember(doc, 'Lost');
		expect(memberNames(await reopen(h, docId))).toEqual(['Kept']);
	});

	it('reports a full disk as StorageError kind "quota" instead of dropping edits silently', async () => {
		const h = harness();
		const doc = new Y.Doc();
		const store = h.open(newDocumentId(), doc);
		await store.whenLoaded;
		const reported = new Promise<StorageError>((resolve) => store.onError(resolve));
		const heal = h.failWritesWithQuota();
		try {
			addMember(doc, 'Ada');
			const error = await reported;
			expect(error.kind).toBe('quota');
			expect(store.error?.kind).toBe('quota');
		} finally {
			heal();
			await store.destroy();
		}
	});
}
