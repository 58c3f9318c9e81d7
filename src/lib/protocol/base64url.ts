/**
 * Unpadded base64url (RFC 4648 §5), strict on input: only the canonical encoding of some byte
 * string is accepted, so two different strings never name the same bytes. Invite links and
 * tokens are compared as strings elsewhere; a lenient decoder would let `…A` and `…B` both
 * decode to one secret and then disagree on the token.
 */

const SHAPE = /^[A-Za-z0-9_-]*$/;

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes unpadded base64url, or returns null when `text` is not the canonical encoding of any
 * byte string (foreign characters, padding, an impossible length, or non-zero trailing bits).
 */
export function decodeBase64url(text: string): Uint8Array | null {
	if (!SHAPE.test(text) || text.length % 4 === 1) return null;
	const padded =
		text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
	let binary: string;
	try {
		binary = atob(padded);
	} catch {
		return null;
	}
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return encodeBase64url(bytes) === text ? bytes : null;
}
