/**
 * A document id: 22 characters of base64url (128 random bits). It names both the Yjs
 * document and the relay room. The brand keeps arbitrary strings (paths, tokens) from being
 * passed where a validated id is expected.
 */
export type DocId = string & { readonly __docId: true };

/**
 * A capability token: base64url(HMAC-SHA256(secret, "triad-relay-access-v1:" + docId)) without
 * padding, so always 43 characters. The relay only ever compares tokens; it never sees secrets.
 */
export type AccessToken = string & { readonly __accessToken: true };

const DOC_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Returns the id when `value` is exactly 22 base64url characters, otherwise null. */
export function parseDocId(value: string): DocId | null {
	return DOC_ID_PATTERN.test(value) ? (value as DocId) : null;
}

/** Returns the token when `value` is exactly 43 base64url characters, otherwise null. */
export function parseAccessToken(value: string): AccessToken | null {
	return TOKEN_PATTERN.test(value) ? (value as AccessToken) : null;
}
