import { encodeBase64url } from './base64url';

/**
 * A document id: 22 characters of base64url (128 random bits). It names a Yjs document and the
 * relay room that syncs it. The brand keeps arbitrary strings (paths, tokens) from being passed
 * where a validated id is expected.
 */
export type DocumentId = string & { readonly __brand: 'DocumentId' };

/** Random bytes behind every id Triad mints (documents, members, records). */
export const ID_BYTES = 16;

const RANDOM_ID = /^[A-Za-z0-9_-]{22}$/;

/** True for 22 characters of base64url: the shape of every random id Triad mints. */
export function isRandomId(value: unknown): value is string {
	return typeof value === 'string' && RANDOM_ID.test(value);
}

/** Narrows a value to a document id, or returns null when it has the wrong shape. */
export function parseDocumentId(value: unknown): DocumentId | null {
	return isRandomId(value) ? (value as DocumentId) : null;
}

/**
 * Encodes 16 bytes as 22 characters of unpadded base64url. Callers pass random bytes from
 * `crypto.getRandomValues`; this module never reaches for randomness itself.
 */
export function idFromBytes<Id extends string>(bytes: Uint8Array): Id {
	if (bytes.length !== ID_BYTES) {
		throw new RangeError(`an id needs ${ID_BYTES} bytes, got ${bytes.length}`);
	}
	return encodeBase64url(bytes) as Id;
}
