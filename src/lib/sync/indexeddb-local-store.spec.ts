import 'fake-indexeddb/auto';
import { forceCloseDatabase } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { putMember } from '../doc/members';
import { failWritesWithQuota } from './testing/fake-indexeddb-faults';
import { createIndexedDbLocalStore } from './indexeddb-local-store';
import { workspaceDatabaseName } from './local-copy';
import { runLocalStoreContract } from './testing/local-store.contract';
import type { StorageError } from './storage-error';
import { newDocumentId, newMemberId } from './workspace-secret';

describe('IndexedDB local store (y-indexeddb on fake-indexeddb)', () => {
	runLocalStoreContract(() => ({ open: createIndexedDbLocalStore, failWritesWithQuota }));

	/** Opens the same database the store uses, to act as another tab or the browser. */
	function openRaw(name: string, version?: number): Promise<IDBDatabase> {
		return new Promise((resolve, reject) => {
			const request = indexedDB.open(name, version);
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
	}

	it('reports "closed" when the browser closes the database, and edits do not throw', async () => {
		const docId = newDocumentId();
		const doc = new Y.Doc();
		const store = createIndexedDbLocalStore(docId, doc);
		await store.whenLoaded;
		const reported = new Promise<StorageError>((resolve) => store.onError(resolve));
		// Reach the store's own connection: y-indexeddb keeps it on the persistence (the origin).
		const persistence = store.origin as { db: IDBDatabase | null };
		expect(persistence.db).not.toBeNull();
		// fake-indexeddb's declaration asks for the class, its implementation takes the connection.
		forceCloseDatabase(persistence.db as unknown as Parameters<typeof forceCloseDatabase>[0]);
		expect((await reported).kind).toBe('closed');
		expect(() => putMember(doc, { id: newMemberId(), name: 'Ada', joinedAt: 1 })).not.toThrow();
		await store.destroy();
	});

	it('reports "closed" when another tab deletes or upgrades the database', async () => {
		const docId = newDocumentId();
		const doc = new Y.Doc();
		const store = createIndexedDbLocalStore(docId, doc);
		await store.whenLoaded;
		const reported = new Promise<StorageError>((resolve) => store.onError(resolve));
		const upgraded = await openRaw(workspaceDatabaseName(docId), 2);
		expect((await reported).kind).toBe('closed');
		expect(() => putMember(doc, { id: newMemberId(), name: 'Ada', joinedAt: 1 })).not.toThrow();
		upgraded.close();
		await store.destroy();
	});
});
