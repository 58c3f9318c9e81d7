/**
 * The outcome of asking the browser to keep this site's data:
 * - `granted`: storage is persistent; the browser will not evict it under pressure
 * - `denied`: the browser may evict it (usually after weeks unused or when the disk is full)
 * - `unsupported`: this browser cannot say (no StorageManager)
 */
export type PersistenceResult = 'granted' | 'denied' | 'unsupported';

/**
 * Asks for persistent storage (`navigator.storage.persist()`), since the device's copy may be
 * the only copy of offline edits. Safe to call repeatedly; never throws.
 */
export async function requestPersistentStorage(
	storage: Pick<StorageManager, 'persist' | 'persisted'> | undefined = globalThis.navigator?.storage
): Promise<PersistenceResult> {
	if (storage === undefined || typeof storage.persist !== 'function') return 'unsupported';
	try {
		if (await storage.persisted()) return 'granted';
		return (await storage.persist()) ? 'granted' : 'denied';
	} catch {
		return 'denied';
	}
}
