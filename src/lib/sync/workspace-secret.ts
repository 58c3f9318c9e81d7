import { idFromBytes, type DocumentId, type MemberId } from '../domain/ids';
import { decodeBase64url, encodeBase64url } from '../protocol/base64url';

/**
 * The 32-byte capability of one workspace, as 43 characters of base64url. Whoever holds it can
 * read and write the workspace through the relay, so it travels only inside invite links (in the
 * URL fragment, which browsers never send) and the device's own directory.
 */
export type WorkspaceSecret = string & { readonly __brand: 'WorkspaceSecret' };

/** Bytes of entropy in a workspace secret. */
export const SECRET_BYTES = 32;

function randomBytes(count: number): Uint8Array {
	return crypto.getRandomValues(new Uint8Array(count));
}

/** Mints a fresh document id: 16 random bytes from `crypto.getRandomValues`, base64url. */
export function newDocumentId(): DocumentId {
	return idFromBytes<DocumentId>(randomBytes(16));
}

/** Mints a fresh member id, the same shape as a document id. */
export function newMemberId(): MemberId {
	return idFromBytes<MemberId>(randomBytes(16));
}

/** Mints a fresh 32-byte workspace secret. */
export function newWorkspaceSecret(): WorkspaceSecret {
	return encodeBase64url(randomBytes(SECRET_BYTES)) as WorkspaceSecret;
}

/** Narrows a string to a secret when it is the canonical base64url of exactly 32 bytes. */
export function parseWorkspaceSecret(value: unknown): WorkspaceSecret | null {
	if (typeof value !== 'string') return null;
	const bytes = decodeBase64url(value);
	return bytes !== null && bytes.length === SECRET_BYTES ? (value as WorkspaceSecret) : null;
}
