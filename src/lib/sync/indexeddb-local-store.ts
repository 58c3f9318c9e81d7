import { IndexeddbPersistence, PREFERRED_TRIM_SIZE, storeState } from 'y-indexeddb';
import type * as Y from 'yjs';
import type { DocumentId } from '../domain/ids';
import { deferredLocalStore } from './deferred-local-store';
import { Listeners } from './listeners';
import { workspaceDatabaseName } from './local-copy';
import type { LocalStore } from './local-store';
import { storageError, toStorageError, type StorageError } from './storage-error';
import { checkStoredUpdates, type StoredUpdateReport } from './stored-update-check';

const SYNC_MARKER_KEY = 'triad-sync-marker';
const COMPACTION_DELAY_MS = 1000;

/*
 * y-indexeddb does the loading, the on-disk layout and compaction; this wrapper closes the gaps
 * where it loses edits silently (y-indexeddb 9.0.12, src/y-indexeddb.js):
 *
 * - Its update handler writes each update in a fire-and-forget transaction. A quota failure
 *   aborts that transaction and the rejection goes nowhere; the edit exists only in memory. We
 *   listen on the database itself, where request `error` and transaction `abort` events bubble
 *   to, and report them.
 * - lib0 closes the connection on `versionchange` (another tab deleting or upgrading the
 *   database), and browsers close it on their own when site data is cleared (`close` event).
 *   Afterwards its handler would throw InvalidStateError from inside the application's Yjs
 *   transaction. We report `closed` and detach the handler instead.
 * - Its handler promise (`idb.addAutoKey`) is never awaited, so a failure is an unhandled
 *   rejection. Our replacement handler issues the same write through the raw IDB API, keeping
 *   the layout (`updates` store, auto-increment keys) and the same compaction trigger.
 */

/** Options of {@link createIndexedDbLocalStore}. */
export interface IndexedDbLocalStoreOptions {
	/**
	 * Told about each saved update that failed validation before loading, and was repaired or set
	 * aside (see `checkStoredUpdates`); by default they are logged with `console.warn`.
	 */
	onStoredUpdate?: (report: StoredUpdateReport) => void;
}

/**
 * Attaches y-indexeddb persistence to `doc` and reports every storage failure as a
 * StorageError instead of dropping edits silently. The saved updates are checked first, so that
 * one that fails validation cannot keep the copy from loading: it is repaired or set aside, and
 * the rest loads.
 */
export function createIndexedDbLocalStore(
	docId: DocumentId,
	doc: Y.Doc,
	options: IndexedDbLocalStoreOptions = {}
): LocalStore {
	if (globalThis.indexedDB === undefined) return attachIndexedDbStore(docId, doc);
	const report =
		options.onStoredUpdate ??
		((stored: StoredUpdateReport) =>
			console.warn('Triad: a saved update could not be loaded', stored));
	const reports = checkStoredUpdates(workspaceDatabaseName(docId)).then((found) => {
		found.forEach(report);
		return found;
	});
	const store = deferredLocalStore(attachIndexedDbStore, reports)(docId, doc);
	// A check that fails leaves the copy to load as it is (the gate lets it), having found nothing.
	const storedUpdateReports = reports.catch((): StoredUpdateReport[] => []);
	return Object.assign(store, { storedUpdateReports });
}

function attachIndexedDbStore(docId: DocumentId, doc: Y.Doc): LocalStore {
	const errors = new Listeners<[StorageError]>();
	let firstError: StorageError | null = null;
	let destroyed = false;
	let rejectLoad: (error: StorageError) => void = () => undefined;

	const report = (error: StorageError) => {
		if (destroyed) return;
		firstError ??= error;
		errors.emit(error);
		rejectLoad(error);
	};

	if (globalThis.indexedDB === undefined) {
		const unavailable = storageError('unavailable');
		firstError = unavailable;
		return {
			origin: Symbol('no-indexeddb'),
			whenLoaded: Promise.reject(unavailable),
			error: unavailable,
			onError: (listener) => errors.add(listener),
			readSyncMarker: () => Promise.reject(unavailable),
			writeSyncMarker: () => Promise.reject(unavailable),
			destroy: async () => undefined
		};
	}

	const persistence = new IndexeddbPersistence(workspaceDatabaseName(docId), doc);

	const detachWrites = () => {
		persistence.db = null;
		if (persistence._storeTimeoutId !== null) clearTimeout(persistence._storeTimeoutId);
		persistence._storeTimeoutId = null;
	};

	doc.off('update', persistence._storeUpdate);
	persistence._storeUpdate = (update: Uint8Array, origin: unknown) => {
		const db = persistence.db;
		if (db === null || origin === persistence) return;
		try {
			db.transaction(['updates'], 'readwrite').objectStore('updates').add(update);
		} catch (error) {
			detachWrites();
			report(toStorageError(error));
			return;
		}
		if (++persistence._dbsize >= PREFERRED_TRIM_SIZE && persistence._storeTimeoutId === null) {
			persistence._storeTimeoutId = setTimeout(() => {
				persistence._storeTimeoutId = null;
				if (persistence.db !== null) storeState(persistence, false).catch(report);
			}, COMPACTION_DELAY_MS);
		}
	};
	/*
	 * Saving starts once the saved copy is loaded. Until then y-indexeddb's load saves whatever
	 * the document already holds (its `beforeApplyUpdatesCallback`), so nothing is lost; and with
	 * no `update` listener on the document, Yjs does not encode the transaction that loads the
	 * saved copy (for a large triad that encoding took 350 ms of its opening).
	 */
	persistence.on('synced', () => doc.on('update', persistence._storeUpdate));

	const opened = persistence._db.then(
		(db) => {
			db.addEventListener('error', (event) => {
				const target = event.target as IDBRequest | null;
				report(toStorageError(target?.error ?? event));
			});
			db.addEventListener('abort', (event) => {
				const target = event.target as IDBTransaction | null;
				report(toStorageError(target?.error ?? 'AbortError'));
			});
			db.addEventListener('close', () => {
				detachWrites();
				report(storageError('closed'));
			});
			db.addEventListener('versionchange', () => {
				detachWrites();
				report(storageError('closed'));
			});
		},
		(error: unknown) => {
			report(toStorageError(error, 'unavailable'));
		}
	);

	const whenLoaded = new Promise<void>((resolve, reject) => {
		rejectLoad = (error) => {
			if (!persistence.synced) reject(error);
		};
		void persistence.whenSynced.then(() => resolve());
	});
	// Callers may attach to whenLoaded late; an early rejection must not count as unhandled.
	whenLoaded.catch(() => undefined);

	return {
		origin: persistence,
		whenLoaded,
		get error() {
			return firstError;
		},
		onError: (listener) => errors.add(listener),
		async readSyncMarker() {
			const value: unknown = await persistence.get(SYNC_MARKER_KEY).catch((error: unknown) => {
				throw toStorageError(error);
			});
			return value instanceof Uint8Array ? value : null;
		},
		async writeSyncMarker(marker) {
			if (persistence.db === null) throw firstError ?? storageError('closed');
			await persistence
				.set(SYNC_MARKER_KEY, marker as unknown as ArrayBuffer)
				.catch((error: unknown) => {
					throw toStorageError(error);
				});
		},
		async destroy() {
			destroyed = true;
			errors.clear();
			await opened;
			await persistence.destroy().catch(() => undefined);
		}
	};
}
