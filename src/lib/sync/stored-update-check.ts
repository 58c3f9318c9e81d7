import { repairUpdate, validateUpdate, type UpdateProblem } from '../protocol/validate-update';

/** A saved update that could not be loaded as it was (see {@link checkStoredUpdates}). */
export interface StoredUpdateReport {
	/** Its key in y-indexeddb's `updates` store. */
	key: IDBValidKey;
	problem: UpdateProblem;
	/**
	 * `repaired`: rewritten in place without its empty shapes, losing nothing. `set-aside`: moved
	 * to the `custom` store under `SET_ASIDE_PREFIX + key`, kept but no longer loaded.
	 */
	action: 'repaired' | 'set-aside';
}

/** Prefix of the `custom` keys that keep updates taken out of the `updates` store. */
export const SET_ASIDE_PREFIX = 'triad-set-aside-update-';
/** The key of the last update checked, in the `custom` store: later ones are checked next. */
const CHECKED_UP_TO = 'triad-updates-checked-up-to';

/*
 * y-indexeddb loads a document by applying every saved update in one transaction: one that throws
 * ends the load, and the triad never opens on this device again. An app that took in an invalid
 * update before remote updates were validated saved it, and a compaction later wrote it into the
 * saved state. So before y-indexeddb opens a database, its saved updates are checked with the
 * relay's check, and each that fails is repaired or set aside. Only those saved since the last
 * check are read: updates arriving now are validated before they are applied, and a compaction
 * writes its state under a new key, which the next check reads once.
 */

/**
 * Checks the updates y-indexeddb saved in database `name` and not checked before, repairing or
 * setting aside those that fail validation; resolves what it did to each. Does nothing for a
 * database that does not exist (and does not create it).
 */
export async function checkStoredUpdates(
	name: string,
	factory: IDBFactory = globalThis.indexedDB
): Promise<StoredUpdateReport[]> {
	const db = await openExisting(factory, name);
	if (db === null) return [];
	try {
		if (!db.objectStoreNames.contains('updates') || !db.objectStoreNames.contains('custom')) {
			return [];
		}
		return await checkUpdates(db.transaction(['updates', 'custom'], 'readwrite'));
	} finally {
		db.close();
	}
}

function openExisting(factory: IDBFactory, name: string): Promise<IDBDatabase | null> {
	return new Promise((resolve, reject) => {
		const request = factory.open(name);
		let created = false;
		// A new database: leave creating it, and its stores, to y-indexeddb.
		request.onupgradeneeded = () => {
			created = true;
			request.transaction?.abort();
		};
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => (created ? resolve(null) : reject(request.error));
	});
}

function checkUpdates(transaction: IDBTransaction): Promise<StoredUpdateReport[]> {
	const reports: StoredUpdateReport[] = [];
	const updates = transaction.objectStore('updates');
	const custom = transaction.objectStore('custom');
	return new Promise((resolve, reject) => {
		transaction.oncomplete = () => resolve(reports);
		transaction.onerror = () => reject(transaction.error);
		transaction.onabort = () => reject(transaction.error);
		const marker = custom.get(CHECKED_UP_TO);
		marker.onsuccess = () => {
			const checked: unknown = marker.result;
			const range = typeof checked === 'number' ? IDBKeyRange.lowerBound(checked, true) : null;
			let last: IDBValidKey | null = null;
			const cursorRequest = updates.openCursor(range);
			cursorRequest.onsuccess = () => {
				const cursor = cursorRequest.result;
				if (cursor === null) {
					if (last !== null) custom.put(last, CHECKED_UP_TO);
					return;
				}
				last = cursor.key;
				const update: unknown = cursor.value;
				const problem = update instanceof Uint8Array ? validateUpdate(update) : 'malformed';
				if (problem !== null) {
					const repaired = update instanceof Uint8Array ? repairUpdate(update) : null;
					if (repaired !== null && validateUpdate(repaired) === null) {
						cursor.update(repaired);
						reports.push({ key: cursor.key, problem, action: 'repaired' });
					} else {
						custom.put(update, SET_ASIDE_PREFIX + String(cursor.key));
						cursor.delete();
						reports.push({ key: cursor.key, problem, action: 'set-aside' });
					}
				}
				cursor.continue();
			};
		};
	});
}
