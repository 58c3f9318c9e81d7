import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId } from '../domain/ids';
import { putMember, readMembers } from '../doc/members';
import { createIndexedDbLocalStore } from './indexeddb-local-store';
import { deleteLocalCopy, workspaceDatabaseName } from './local-copy';
import { StorageError } from './storage-error';
import { newDocumentId, newMemberId } from './workspace-secret';

async function databaseExists(docId: DocumentId): Promise<boolean> {
	const databases = await indexedDB.databases();
	return databases.some((database) => database.name === workspaceDatabaseName(docId));
}

/** A document saved on the device under `docId`, with one member in it. */
async function savedCopy(docId: DocumentId): Promise<void> {
	const doc = new Y.Doc();
	const store = createIndexedDbLocalStore(docId, doc);
	await store.whenLoaded;
	putMember(doc, { id: newMemberId(), name: 'Ada', joinedAt: 1 });
	await store.destroy();
}

/** What a fresh store finds on the device for `docId`. */
async function membersOnDevice(docId: DocumentId): Promise<string[]> {
	const doc = new Y.Doc();
	const store = createIndexedDbLocalStore(docId, doc);
	await store.whenLoaded;
	const names = readMembers(doc).map((member) => member.name);
	await store.destroy();
	return names;
}

/** A connection that, unlike the app's stores, does not close when asked to. */
function openStubbornly(docId: DocumentId): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = indexedDB.open(workspaceDatabaseName(docId));
		request.onsuccess = () => {
			request.result.onversionchange = () => undefined;
			resolve(request.result);
		};
		request.onerror = () => reject(request.error);
	});
}

/** Lets queued IndexedDB tasks and promise callbacks run. */
function settle(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, 20));
}

describe('deleteLocalCopy', () => {
	it('deletes the saved copy of a document, and only that one', async () => {
		const removed = newDocumentId();
		const kept = newDocumentId();
		await savedCopy(removed);
		await savedCopy(kept);
		expect(await databaseExists(removed)).toBe(true);

		await deleteLocalCopy(removed);

		expect(await databaseExists(removed)).toBe(false);
		expect(await databaseExists(kept)).toBe(true);
		expect(await membersOnDevice(kept)).toEqual(['Ada']);
	});

	it('resolves when the document was never saved on this device', async () => {
		const docId = newDocumentId();
		await expect(deleteLocalCopy(docId)).resolves.toBeUndefined();
		expect(await databaseExists(docId)).toBe(false);
	});

	it('is not blocked by a store still open in another tab, which stops saving', async () => {
		const docId = newDocumentId();
		await savedCopy(docId);
		const otherTab = new Y.Doc();
		const store = createIndexedDbLocalStore(docId, otherTab);
		await store.whenLoaded;
		const reported = new Promise<StorageError>((resolve) => store.onError(resolve));
		let blocked = false;

		await deleteLocalCopy(docId, { onBlocked: () => (blocked = true) });

		expect(blocked).toBe(false);
		expect((await reported).kind).toBe('closed');
		// An edit in that tab afterwards must not bring an empty database back.
		putMember(otherTab, { id: newMemberId(), name: 'Kai', joinedAt: 2 });
		await settle();
		expect(await databaseExists(docId)).toBe(false);
		await store.destroy();
		expect(await databaseExists(docId)).toBe(false);
	});

	it('reports a connection that does not close, and finishes once it closes', async () => {
		const docId = newDocumentId();
		await savedCopy(docId);
		const stubborn = await openStubbornly(docId);
		let blocked = 0;
		let deleted = false;

		const deletion = deleteLocalCopy(docId, { onBlocked: () => blocked++ }).then(
			() => (deleted = true)
		);
		await settle();
		expect(blocked).toBe(1);
		expect(deleted).toBe(false);

		stubborn.close();
		await deletion;
		expect(await databaseExists(docId)).toBe(false);
	});

	it('rejects with a StorageError when the browser refuses', async () => {
		const refusing = {
			deleteDatabase() {
				throw new DOMException('storage is disabled', 'SecurityError');
			}
		} as unknown as IDBFactory;

		const failure = deleteLocalCopy(newDocumentId(), { indexedDB: refusing });

		await expect(failure).rejects.toBeInstanceOf(StorageError);
		await expect(failure).rejects.toMatchObject({ kind: 'unavailable' });
	});

	it('rejects with a StorageError when the deletion request fails', async () => {
		const failing = {
			deleteDatabase() {
				const request = {
					error: new DOMException('disk trouble', 'UnknownError')
				} as { error: DOMException; onerror?: () => void };
				setTimeout(() => request.onerror?.(), 0);
				return request;
			}
		} as unknown as IDBFactory;

		await expect(deleteLocalCopy(newDocumentId(), { indexedDB: failing })).rejects.toMatchObject({
			name: 'StorageError',
			kind: 'failed'
		});
	});
});
