import { decodeBase64url, encodeBase64url } from './base64url';
import type { DocumentId } from './ids';

/*
 * Access to a document, as both ends derive and check it.
 *
 * Each document has a 32-byte secret that travels only inside invite links. From it:
 * - member token = base64url(HMAC-SHA256(secret, MEMBER_TOKEN_LABEL + docId));
 * - read secret  = HKDF-SHA256(key = secret, salt = empty, info = READ_SECRET_INFO, 32 bytes);
 * - viewer token = base64url(HMAC-SHA256(read secret, VIEWER_TOKEN_LABEL + docId)).
 * A member can hand out the read secret (a viewer link) without handing out the secret; the
 * relay sees only tokens, and from a token learns nothing that derives another. Changing a label
 * invalidates every token registered with it.
 */

/** HMAC label of member tokens. */
export const MEMBER_TOKEN_LABEL = 'triad-relay-access-v1:';
/** HMAC label of viewer tokens. */
export const VIEWER_TOKEN_LABEL = 'triad-relay-read-v1:';
/** HKDF info that derives the read secret from the document secret. */
export const READ_SECRET_INFO = 'triad-read-secret-v1';

/** Bytes in a document secret and in a read secret. */
export const SECRET_BYTES = 32;
/** Characters in a token: 32 bytes of HMAC as unpadded base64url. */
export const TOKEN_LENGTH = 43;

/**
 * A member or viewer token: 43 base64url characters. The relay only ever compares tokens (by
 * their hashes); it never sees a secret.
 */
export type AccessToken = string & { readonly __brand: 'AccessToken' };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Returns the token when `value` is exactly 43 base64url characters, otherwise null. */
export function parseAccessToken(value: unknown): AccessToken | null {
	return typeof value === 'string' && TOKEN_PATTERN.test(value) ? (value as AccessToken) : null;
}

/** Decodes a 32-byte secret given as base64url; null when it is anything else. */
export function secretBytes(secret: string): Uint8Array<ArrayBuffer> | null {
	const bytes = decodeBase64url(secret);
	return bytes !== null && bytes.length === SECRET_BYTES ? new Uint8Array(bytes) : null;
}

async function hmacToken(key: Uint8Array, message: string): Promise<AccessToken> {
	const hmacKey = await crypto.subtle.importKey(
		'raw',
		key as Uint8Array<ArrayBuffer>,
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign']
	);
	const mac = await crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(message));
	return encodeBase64url(new Uint8Array(mac)) as AccessToken;
}

function requireSecret(secret: Uint8Array): void {
	if (secret.length !== SECRET_BYTES) {
		throw new RangeError(`a secret has ${SECRET_BYTES} bytes, got ${secret.length}`);
	}
}

/** The member token of `docId` for its document secret (WebCrypto: browsers and Node alike). */
export async function memberToken(docId: DocumentId, secret: Uint8Array): Promise<AccessToken> {
	requireSecret(secret);
	return hmacToken(secret, MEMBER_TOKEN_LABEL + docId);
}

/** The read secret derived from a document secret (HKDF-SHA256, empty salt). */
export async function deriveReadSecret(secret: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
	requireSecret(secret);
	const key = await crypto.subtle.importKey(
		'raw',
		secret as Uint8Array<ArrayBuffer>,
		'HKDF',
		false,
		['deriveBits']
	);
	const bits = await crypto.subtle.deriveBits(
		{
			name: 'HKDF',
			hash: 'SHA-256',
			salt: new Uint8Array(0),
			info: new TextEncoder().encode(READ_SECRET_INFO)
		},
		key,
		SECRET_BYTES * 8
	);
	return new Uint8Array(bits);
}

/** The viewer token of `docId` for its read secret. */
export async function viewerToken(docId: DocumentId, readSecret: Uint8Array): Promise<AccessToken> {
	requireSecret(readSecret);
	return hmacToken(readSecret, VIEWER_TOKEN_LABEL + docId);
}

/** Both tokens of a document secret: what a member presents, and the viewer token it registers. */
export async function accessTokens(
	docId: DocumentId,
	secret: Uint8Array
): Promise<{ member: AccessToken; viewer: AccessToken }> {
	const [member, viewer] = await Promise.all([
		memberToken(docId, secret),
		deriveReadSecret(secret).then((readSecret) => viewerToken(docId, readSecret))
	]);
	return { member, viewer };
}
