/**
 * Branded identifiers. Every id is a string on the wire and in Yjs, but the type system keeps a
 * member id from being passed where a proposal id is expected.
 */
type Brand<Name extends string> = string & { readonly __brand: Name };

/** A workspace (Yjs document) id: 22 characters of base64url, i.e. 128 random bits. */
export type DocumentId = Brand<'DocumentId'>;
/** A person, stable across all the triads they sit in. */
export type MemberId = Brand<'MemberId'>;
export type ProposalId = Brand<'ProposalId'>;
export type BallotId = Brand<'BallotId'>;
export type AbsenceId = Brand<'AbsenceId'>;
export type ActionId = Brand<'ActionId'>;
export type LogEntryId = Brand<'LogEntryId'>;

const RANDOM_ID = /^[A-Za-z0-9_-]{22}$/;

/** True for 22 characters of base64url: the shape of every random id Triad mints. */
export function isRandomId(value: unknown): value is string {
	return typeof value === 'string' && RANDOM_ID.test(value);
}

/** Narrows a string to a document id, or returns null when it has the wrong shape. */
export function parseDocumentId(value: unknown): DocumentId | null {
	return isRandomId(value) ? (value as DocumentId) : null;
}

/** Narrows a string to a member id, or returns null when it has the wrong shape. */
export function parseMemberId(value: unknown): MemberId | null {
	return isRandomId(value) ? (value as MemberId) : null;
}

/**
 * Encodes 16 bytes as 22 characters of unpadded base64url. Callers pass random bytes from
 * `crypto.getRandomValues`; the domain itself never reaches for randomness.
 */
export function idFromBytes<Id extends string>(bytes: Uint8Array): Id {
	if (bytes.length !== 16) throw new RangeError(`an id needs 16 bytes, got ${bytes.length}`);
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') as Id;
}
