import { parseMemberId, type MemberId } from '../domain/ids';
import {
	createSigner,
	generateSigningKey,
	isKeyText,
	keyPairFromSeed,
	type RecordSigner,
	type SigningKeyPair
} from '../doc/ed25519';
import { decodeBase64url } from '../protocol/base64url';
import type { DeviceDb } from './device-db';
import { newMemberId } from './workspace-secret';
import { hasControlCharacters } from './printable-text';

/**
 * The person using this device. One identity sits in every triad the device joined, so the same
 * member id appears in each of those workspaces.
 */
export interface Identity {
	memberId: MemberId;
	/** How other members see this person. */
	name: string;
	createdAt: number;
	/**
	 * The person's Ed25519 key pair: it signs their ballots and seat entries, and its public half
	 * is published in each triad with their first signed write. Made with the identity (or on the
	 * first start of an identity made before), kept in the device database as the JWK `x` and `d`
	 * fields, and imported as a non-extractable CryptoKey to sign. Stored as bytes rather than as a
	 * non-extractable key because "Use Triad on another device" must carry it: every device of one
	 * person signs as the same member, with the one key their triads know. Null on a page without
	 * WebCrypto (not served over HTTPS), which cannot make one: its writes go unsigned, and a later
	 * start on a secure page makes the key.
	 */
	signingKey: SigningKeyPair | null;
}

/** An identity as a device link carries it: the private key's seed instead of the pair. */
export interface LinkedIdentity extends Omit<Identity, 'signingKey'> {
	/** The private key's 32-byte seed, base64url; the public half is derived from it. */
	privateKey: string;
}

/** The longest display name, in characters. */
export const MAX_DISPLAY_NAME_LENGTH = 60;
const IDENTITY_KEY = 'identity';

/** Trims a display name and checks it: 1–60 printable characters. Throws RangeError otherwise. */
export function normalizeDisplayName(name: string): string {
	const trimmed = name.trim();
	if (
		trimmed.length === 0 ||
		trimmed.length > MAX_DISPLAY_NAME_LENGTH ||
		hasControlCharacters(trimmed)
	) {
		throw new RangeError(`a display name needs 1–${MAX_DISPLAY_NAME_LENGTH} printable characters`);
	}
	return trimmed;
}

function isIdentity(value: unknown): value is Omit<Identity, 'signingKey'> {
	if (value === null || typeof value !== 'object') return false;
	const record = value as Record<string, unknown>;
	return (
		parseMemberId(record.memberId) !== null &&
		typeof record.name === 'string' &&
		typeof record.createdAt === 'number'
	);
}

function isKeyPair(value: unknown): value is SigningKeyPair {
	if (value === null || typeof value !== 'object') return false;
	const record = value as Record<string, unknown>;
	return isKeyText(record.publicKey) && isKeyText(record.privateKey);
}

/**
 * The identity stored on this device, or null before the person has introduced themselves. An
 * identity stored without a signing key (made before members signed) gets one now, stored with it.
 */
export async function loadIdentity(db: DeviceDb): Promise<Identity | null> {
	const stored = await db.get<unknown>('settings', IDENTITY_KEY);
	if (!isIdentity(stored)) return null;
	const { signingKey } = stored as { signingKey?: unknown };
	if (isKeyPair(signingKey)) return { ...stored, signingKey };
	const identity: Identity = {
		memberId: stored.memberId,
		name: stored.name,
		createdAt: stored.createdAt,
		signingKey: await signingKeyIfPossible()
	};
	if (identity.signingKey !== null) await db.put('settings', identity, IDENTITY_KEY);
	return identity;
}

/**
 * Stores the person's display name. The first call mints their member id; later calls keep it
 * and only change the name, so renaming never turns someone into a new member.
 */
export async function saveIdentity(
	db: DeviceDb,
	name: string,
	now = Date.now()
): Promise<Identity> {
	const displayName = normalizeDisplayName(name);
	const existing = await loadIdentity(db);
	const identity: Identity = existing
		? { ...existing, name: displayName }
		: {
				memberId: newMemberId(),
				name: displayName,
				createdAt: now,
				signingKey: await signingKeyIfPossible()
			};
	await db.put('settings', identity, IDENTITY_KEY);
	return identity;
}

/** Changes the display name of the existing identity. Throws when there is none yet. */
export async function renameIdentity(db: DeviceDb, name: string): Promise<Identity> {
	const existing = await loadIdentity(db);
	if (existing === null) throw new Error('there is no identity to rename yet');
	return saveIdentity(db, name);
}

/**
 * Stores an identity made on another device of the same person (see device-adoption.ts), member
 * id, creation time and signing key unchanged, in place of whatever this device had. Throws
 * RangeError for a name this app would not accept or a key that is not 32 bytes.
 */
export async function adoptIdentity(db: DeviceDb, identity: LinkedIdentity): Promise<Identity> {
	if (parseMemberId(identity.memberId) === null) throw new RangeError('malformed member id');
	const seed = decodeBase64url(identity.privateKey);
	if (seed === null) throw new RangeError('malformed private key');
	const adopted: Identity = {
		memberId: identity.memberId,
		name: normalizeDisplayName(identity.name),
		createdAt: identity.createdAt,
		signingKey: await keyPairFromSeed(seed)
	};
	await db.put('settings', adopted, IDENTITY_KEY);
	return adopted;
}

/** A new key pair, or null where the page has no WebCrypto (see `Identity.signingKey`). */
async function signingKeyIfPossible(): Promise<SigningKeyPair | null> {
	if (typeof globalThis.crypto?.subtle === 'undefined') return null;
	return generateSigningKey();
}

const signers = new Map<string, Promise<RecordSigner>>();

/**
 * The signer of `identity`'s records: its private key imported once, non-extractable; null for
 * an identity without a key (a page without WebCrypto).
 */
export function signerOf(identity: Identity): Promise<RecordSigner> | null {
	const key = identity.signingKey;
	if (key === null) return null;
	const cacheKey = `${identity.memberId}.${key.privateKey}`;
	let signer = signers.get(cacheKey);
	if (signer === undefined) {
		signer = createSigner(identity.memberId, key);
		signers.set(cacheKey, signer);
	}
	return signer;
}
