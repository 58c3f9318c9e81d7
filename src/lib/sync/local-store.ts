import type * as Y from 'yjs';
import type { DocumentId } from '../domain/ids';
import type { StorageError } from './storage-error';
import type { StoredUpdateReport } from './stored-update-check';

/**
 * The device's persistent copy of one workspace document. Attaching a store to a doc loads what
 * was saved before and from then on saves every update of the doc, whatever its origin.
 */
export interface LocalStore {
	/** Transaction origin of the updates the store applies while loading. */
	readonly origin: unknown;
	/**
	 * Resolves once everything saved earlier has been applied to the doc; show data only after
	 * this. Rejects with a StorageError when the saved copy cannot be read.
	 */
	readonly whenLoaded: Promise<void>;
	/** The first storage failure since attaching, or null while all writes succeed. */
	readonly error: StorageError | null;
	/** Calls `listener` on each storage failure; returns the unsubscribe function. */
	onError(listener: (error: StorageError) => void): () => void;
	/** Reads the small marker the sync layer keeps next to the document (see unsynced-changes). */
	readSyncMarker(): Promise<Uint8Array | null>;
	/** Replaces that marker. */
	writeSyncMarker(marker: Uint8Array): Promise<void>;
	/**
	 * What the check of the saved copy before loading found and did (saved updates that could not
	 * be read, repaired or set aside): resolves by the time `whenLoaded` does. Absent for a store
	 * that runs no such check (its copy is never read back from bytes an older app wrote).
	 */
	readonly storedUpdateReports?: Promise<readonly StoredUpdateReport[]>;
	/** Stops saving and releases the database. The saved copy stays. */
	destroy(): Promise<void>;
}

/** Attaches a store to `doc` for the workspace `docId`. */
export type LocalStoreFactory = (docId: DocumentId, doc: Y.Doc) => LocalStore;
