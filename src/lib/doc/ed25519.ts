import type { MemberId } from '../domain/ids';
import { decodeBase64url, encodeBase64url } from '../protocol/base64url';

/*
 * Ed25519 through WebCrypto (Chromium 137+, Node 20), the one place that touches the keys' bytes.
 * The doc layer signs records with a `RecordSigner` and checks them with a `SignatureVerifier`;
 * both are interfaces so the rules around them (which key is a member's, what a record's status
 * is) never depend on how the bytes are made.
 */

/** A member's key pair as stored on their devices: the JWK `x` and `d` fields (base64url). */
export interface SigningKeyPair {
	/** The public key, 32 bytes: what the triad's key log publishes. */
	publicKey: string;
	/** The private key's seed, 32 bytes: never leaves the person's devices but in a device link. */
	privateKey: string;
}

/** Signs records as one member. */
export interface RecordSigner {
	readonly member: MemberId;
	/** The public key matching the signatures, to publish with the member's first write. */
	readonly publicKey: string;
	/** The signature over the UTF-8 bytes of `message`, 64 bytes in base64url. */
	sign(message: string): Promise<string>;
}

/** Checks signatures; never throws, a malformed key or signature is simply `false`. */
export interface SignatureVerifier {
	verify(publicKey: string, message: string, signature: string): Promise<boolean>;
}

const ED25519 = { name: 'Ed25519' } as const;
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** The DER header of a PKCS #8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
const PKCS8_SEED = [0x04, 0x22, 0x04, 0x20];
const utf8 = new TextEncoder();

/** Whether `value` is 32 bytes of base64url: a public key or a private seed as stored. */
export function isKeyText(value: unknown): value is string {
	return typeof value === 'string' && value.length === 43 && decodeBase64url(value) !== null;
}

/** Whether `value` could be a signature: 64 bytes of base64url. */
export function isSignatureText(value: unknown): value is string {
	return typeof value === 'string' && value.length === 86 && decodeBase64url(value) !== null;
}

/** A new key pair for a new identity. */
export async function generateSigningKey(): Promise<SigningKeyPair> {
	const pair = (await crypto.subtle.generateKey(ED25519, true, [
		'sign',
		'verify'
	])) as CryptoKeyPair;
	const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
	return { publicKey: jwk.x!, privateKey: jwk.d! };
}

/**
 * The key pair of a private seed, as a device link carries it (the public half is derived, so a
 * link needs only the seed). Throws RangeError when the seed is not 32 bytes.
 */
export async function keyPairFromSeed(seed: Uint8Array): Promise<SigningKeyPair> {
	if (seed.length !== KEY_BYTES) throw new RangeError('a private key is 32 bytes');
	const pkcs8 = new Uint8Array([...PKCS8_PREFIX, ...PKCS8_SEED, ...seed]);
	const key = await crypto.subtle.importKey('pkcs8', pkcs8, ED25519, true, ['sign']);
	const jwk = await crypto.subtle.exportKey('jwk', key);
	return { publicKey: jwk.x!, privateKey: jwk.d! };
}

/**
 * A signer for `member` with `pair`. The private key is imported as a non-extractable CryptoKey:
 * once imported, nothing on the page can read its bytes back.
 */
export async function createSigner(member: MemberId, pair: SigningKeyPair): Promise<RecordSigner> {
	const key = await crypto.subtle.importKey(
		'jwk',
		{ kty: 'OKP', crv: 'Ed25519', x: pair.publicKey, d: pair.privateKey },
		ED25519,
		false,
		['sign']
	);
	return {
		member,
		publicKey: pair.publicKey,
		async sign(message) {
			const signature = await crypto.subtle.sign(ED25519, key, utf8.encode(message));
			return encodeBase64url(new Uint8Array(signature));
		}
	};
}

/**
 * Checks signatures with WebCrypto, importing each public key once. A key that does not import
 * (not a point on the curve, say) verifies nothing.
 */
export function createVerifier(): SignatureVerifier {
	const keys = new Map<string, Promise<CryptoKey | null>>();
	const keyOf = (publicKey: string): Promise<CryptoKey | null> => {
		let key = keys.get(publicKey);
		if (key === undefined) {
			const raw = decodeBase64url(publicKey);
			key =
				raw === null || raw.length !== KEY_BYTES
					? Promise.resolve(null)
					: crypto.subtle
							.importKey('raw', new Uint8Array(raw), ED25519, false, ['verify'])
							.catch(() => null);
			keys.set(publicKey, key);
		}
		return key;
	};
	return {
		async verify(publicKey, message, signature) {
			const bytes = decodeBase64url(signature);
			if (bytes === null || bytes.length !== SIGNATURE_BYTES) return false;
			const key = await keyOf(publicKey);
			if (key === null) return false;
			return crypto.subtle
				.verify(ED25519, key, new Uint8Array(bytes), utf8.encode(message))
				.catch(() => false);
		}
	};
}
