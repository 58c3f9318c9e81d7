import * as Y from 'yjs';
import type { DocumentId } from '../../domain/ids';
import { Listeners } from '../listeners';
import type { LocalStore, LocalStoreFactory } from '../local-store';
import { storageError, type StorageError, type StorageErrorKind } from '../storage-error';

/**
 * An in-memory stand-in for the device's storage: survives "reloads" (new docs opened on the same
 * storage) within one process, and can be told to fail like a full or closed IndexedDB.
 */
export interface MemoryStorage {
	/** Attaches a store to a doc, like `createIndexedDbLocalStore`. */
	readonly open: LocalStoreFactory;
	/** Makes every later write fail with `kind` (null heals it). Already saved data stays. */
	failWrites(kind: StorageErrorKind | null): void;
	/** The saved updates of one document, for assertions. */
	savedUpdates(docId: DocumentId): readonly Uint8Array[];
}

interface SavedDocument {
	updates: Uint8Array[];
	marker: Uint8Array | null;
}

/** Creates an empty in-memory storage. */
export function createMemoryStorage(): MemoryStorage {
	const documents = new Map<DocumentId, SavedDocument>();
	let failure: StorageErrorKind | null = null;

	function saved(docId: DocumentId): SavedDocument {
		let entry = documents.get(docId);
		if (entry === undefined) {
			entry = { updates: [], marker: null };
			documents.set(docId, entry);
		}
		return entry;
	}

	function open(docId: DocumentId, doc: Y.Doc): LocalStore {
		const errors = new Listeners<[StorageError]>();
		let firstError: StorageError | null = null;
		let destroyed = false;
		const origin = Symbol('memory-local-store');

		const report = (error: StorageError) => {
			firstError ??= error;
			errors.emit(error);
		};
		const save = (update: Uint8Array, updateOrigin: unknown) => {
			if (destroyed || updateOrigin === origin) return;
			if (failure !== null) report(storageError(failure));
			else saved(docId).updates.push(update);
		};
		doc.on('update', save);

		// Loading is asynchronous in the real store; keeping it so here catches callers that read
		// the doc before `whenLoaded`.
		const whenLoaded = Promise.resolve().then(() => {
			const { updates } = saved(docId);
			if (updates.length > 0 && !destroyed) Y.applyUpdate(doc, Y.mergeUpdates(updates), origin);
			// What the doc held before loading (edits made while the store opened) is saved too.
			if (!destroyed && failure === null) saved(docId).updates.push(Y.encodeStateAsUpdate(doc));
		});

		return {
			origin,
			whenLoaded,
			get error() {
				return firstError;
			},
			onError: (listener) => errors.add(listener),
			readSyncMarker: async () => saved(docId).marker,
			async writeSyncMarker(marker) {
				if (failure !== null) throw storageError(failure);
				saved(docId).marker = marker;
			},
			async destroy() {
				destroyed = true;
				doc.off('update', save);
				errors.clear();
			}
		};
	}

	return {
		open,
		failWrites(kind) {
			failure = kind;
		},
		savedUpdates: (docId) => saved(docId).updates
	};
}
