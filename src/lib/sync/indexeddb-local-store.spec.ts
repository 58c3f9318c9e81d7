import 'fake-indexeddb/auto';
import { forceCloseDatabase } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { putMember } from '../doc/members';
import { encodeRawUpdate } from '../protocol/testing/raw-update';
import { failWritesWithQuota } from './testing/fake-indexeddb-faults';
import { createIndexedDbLocalStore } from './indexeddb-local-store';
import { workspaceDatabaseName } from './local-copy';
import { runLocalStoreContract } from './testing/local-store.contract';
import { addMember, memberNames } from './testing/members';
import type { StorageError } from './storage-error';
import {
	checkStoredUpdates,
	SET_ASIDE_PREFIX,
	type StoredUpdateReport
} from './stored-update-check';
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

	/** Runs `work` on the `updates` and `custom` stores of a workspace's database, then closes it. */
	async function inDatabase(
		name: string,
		work: (updates: IDBObjectStore, custom: IDBObjectStore) => void
	): Promise<void> {
		const db = await openRaw(name);
		const transaction = db.transaction(['updates', 'custom'], 'readwrite');
		work(transaction.objectStore('updates'), transaction.objectStore('custom'));
		await new Promise((resolve, reject) => {
			transaction.oncomplete = resolve;
			transaction.onerror = () => reject(transaction.error);
		});
		db.close();
	}

	it('loads a copy holding updates that fail validation: repairs, sets aside, reports each', async () => {
		const docId = newDocumentId();
		const doc = new Y.Doc();
		const first = createIndexedDbLocalStore(docId, doc);
		await first.whenLoaded;
		addMember(doc, 'Ada');
		await first.destroy();

		// What a device saved before remote updates were validated: a compacted state of the
		// document after the seven-byte update (client 99, a GC struct of length 0), which no
		// longer loads; an update whose value cannot be written again; then a valid edit.
		const poisoned = new Y.Doc();
		Y.applyUpdate(poisoned, Y.encodeStateAsUpdate(doc));
		Y.applyUpdate(poisoned, Uint8Array.of(1, 1, 99, 0, 0, 0, 0));
		const poisonedState = Y.encodeStateAsUpdate(poisoned);
		expect(() => Y.applyUpdate(new Y.Doc(), poisonedState)).toThrow('Unexpected case');
		const proto: Record<string, unknown> = {};
		Object.defineProperty(proto, '__proto__', { value: new Uint8Array([1]), enumerable: true });
		const unwritable = encodeRawUpdate({
			clients: [
				{
					client: 7,
					clock: 0,
					structs: [
						{
							kind: 'item',
							origin: null,
							rightOrigin: null,
							parent: { key: 'stray' },
							parentSub: 'x',
							content: { kind: 'any', values: [proto] }
						}
					]
				}
			],
			deletions: []
		});
		const before = Y.encodeStateVector(doc);
		addMember(doc, 'Bo');
		const edit = Y.encodeStateAsUpdate(doc, before);
		await inDatabase(workspaceDatabaseName(docId), (updates) => {
			for (const update of [poisonedState, unwritable, edit]) updates.add(update);
		});

		const reports: StoredUpdateReport[] = [];
		const reopened = new Y.Doc();
		const store = createIndexedDbLocalStore(docId, reopened, {
			onStoredUpdate: (report) => reports.push(report)
		});
		await store.whenLoaded;
		expect(memberNames(reopened)).toEqual(['Ada', 'Bo']);
		expect(reports).toEqual([
			{ key: expect.any(Number), problem: 'empty', action: 'repaired' },
			{ key: expect.any(Number), problem: 'unsafe-value', action: 'set-aside' }
		]);
		expect(() => Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(reopened))).not.toThrow();
		// What the app tells the member comes from the same reports.
		expect(await store.storedUpdateReports).toEqual(reports);
		await store.destroy();

		// Opened again: nothing left to repair, and the update set aside is kept.
		const again = new Y.Doc();
		const later: StoredUpdateReport[] = [];
		const third = createIndexedDbLocalStore(docId, again, { onStoredUpdate: (r) => later.push(r) });
		await third.whenLoaded;
		expect(memberNames(again)).toEqual(['Ada', 'Bo']);
		expect(later).toEqual([]);
		expect(await third.storedUpdateReports).toEqual([]);
		await third.destroy();
		let kept: IDBValidKey[] = [];
		await inDatabase(workspaceDatabaseName(docId), (_updates, custom) => {
			const keys = custom.getAllKeys();
			keys.onsuccess = () => (kept = keys.result);
		});
		expect(kept).toContain(`${SET_ASIDE_PREFIX}${reports[1]!.key as number}`);
	});

	it('checks nothing, and creates no database, for a document never saved on this device', async () => {
		const name = workspaceDatabaseName(newDocumentId());
		expect(await checkStoredUpdates(name)).toEqual([]);
		const databases = await indexedDB.databases();
		expect(databases.map((database) => database.name)).not.toContain(name);
	});
});
