import type { DocumentId } from '../domain/ids';
import { toStorageError } from './storage-error';

/*
 * Kept apart from the IndexedDB local store so that screens offering to remove a triad do not
 * load y-indexeddb with them: both need only the database's name.
 */

/** The IndexedDB database name of a workspace document (one database per document). */
export function workspaceDatabaseName(docId: DocumentId): string {
	return `triad-doc-${docId}`;
}

/** How to delete a local copy; tests inject fake-indexeddb. */
export interface DeleteLocalCopyOptions {
	/**
	 * Called when a connection that ignores the request to close (say, another tab of an app
	 * version that does not close its copy) still holds the database open. The deletion is not
	 * abandoned: the browser completes it, and the promise resolves, once that connection closes.
	 */
	onBlocked?: () => void;
	indexedDB?: IDBFactory;
}

/**
 * Deletes this device's copy of a workspace document, and resolves once the browser has deleted
 * it (at once when there is none). Close every store of the document on this page first: an
 * open store would save the next edit into a new, empty database. Rejects with a StorageError
 * when the browser refuses.
 *
 * Open connections of this app's stores in other tabs close when asked (lib0 closes on
 * `versionchange`, and the store then stops saving), so they do not block the deletion.
 */
export function deleteLocalCopy(
	docId: DocumentId,
	options: DeleteLocalCopyOptions = {}
): Promise<void> {
	const factory = options.indexedDB ?? globalThis.indexedDB;
	// Without IndexedDB no copy was ever saved, so there is nothing to delete.
	if (factory === undefined) return Promise.resolve();
	return new Promise((resolve, reject) => {
		let request: IDBOpenDBRequest;
		try {
			request = factory.deleteDatabase(workspaceDatabaseName(docId));
		} catch (error) {
			reject(toStorageError(error, 'unavailable'));
			return;
		}
		request.onblocked = () => options.onBlocked?.();
		request.onsuccess = () => resolve();
		request.onerror = () => reject(toStorageError(request.error));
	});
}
