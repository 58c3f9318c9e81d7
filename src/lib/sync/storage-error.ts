/**
 * What went wrong with on-device storage, in terms the UI can explain:
 * - `quota`: the browser refused to store more (disk full or site quota reached)
 * - `closed`: the database went away under us (data cleared, another tab deleting it, browser
 *   shutting down); edits since then live only in memory
 * - `blocked`: the database could not be opened because another tab holds an old version open
 * - `unavailable`: there is no usable IndexedDB (private mode in some browsers, disabled storage)
 * - `failed`: any other storage error
 */
export type StorageErrorKind = 'quota' | 'closed' | 'blocked' | 'unavailable' | 'failed';

/**
 * A storage failure the UI must show, because edits made after it may not survive a reload.
 * `cause` keeps the original DOMException for diagnostics.
 */
export class StorageError extends Error {
	override readonly name = 'StorageError';
	constructor(
		readonly kind: StorageErrorKind,
		message: string,
		options?: { cause?: unknown }
	) {
		super(message, options);
	}
}

const MESSAGES: Record<StorageErrorKind, string> = {
	quota: 'This device is out of storage space for Triad; recent changes are not saved locally.',
	closed: 'Local storage was closed; recent changes are kept only until this page is closed.',
	blocked: 'Local storage is blocked by another open Triad tab; close other tabs and reload.',
	unavailable: 'This browser does not let Triad store data on the device.',
	failed: 'Saving on this device failed.'
};

function errorName(error: unknown): string {
	if (error !== null && typeof error === 'object' && 'name' in error) {
		return String((error as { name: unknown }).name);
	}
	return '';
}

/**
 * Turns whatever IndexedDB threw or reported (DOMException, Error, event) into a StorageError.
 * `fallback` is the kind to use for errors that carry no recognisable name.
 */
export function toStorageError(
	error: unknown,
	fallback: StorageErrorKind = 'failed'
): StorageError {
	if (error instanceof StorageError) return error;
	const name = errorName(error);
	const kind: StorageErrorKind =
		name === 'QuotaExceededError'
			? 'quota'
			: name === 'InvalidStateError'
				? 'closed'
				: name === 'SecurityError' || name === 'ReferenceError'
					? 'unavailable'
					: fallback;
	return new StorageError(kind, MESSAGES[kind], { cause: error });
}

/** A StorageError of a known kind with the standard message. */
export function storageError(kind: StorageErrorKind, cause?: unknown): StorageError {
	return new StorageError(kind, MESSAGES[kind], { cause });
}
