import { parseMemberId, type MemberId } from '../domain/ids';
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

function isIdentity(value: unknown): value is Identity {
	if (value === null || typeof value !== 'object') return false;
	const record = value as Record<string, unknown>;
	return (
		parseMemberId(record.memberId) !== null &&
		typeof record.name === 'string' &&
		typeof record.createdAt === 'number'
	);
}

/** The identity stored on this device, or null before the person has introduced themselves. */
export async function loadIdentity(db: DeviceDb): Promise<Identity | null> {
	const stored = await db.get<unknown>('settings', IDENTITY_KEY);
	return isIdentity(stored) ? stored : null;
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
		: { memberId: newMemberId(), name: displayName, createdAt: now };
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
 * id and creation time unchanged, in place of whatever this device had. Throws RangeError for a
 * name this app would not accept.
 */
export async function adoptIdentity(db: DeviceDb, identity: Identity): Promise<Identity> {
	if (parseMemberId(identity.memberId) === null) throw new RangeError('malformed member id');
	const adopted: Identity = {
		memberId: identity.memberId,
		name: normalizeDisplayName(identity.name),
		createdAt: identity.createdAt
	};
	await db.put('settings', adopted, IDENTITY_KEY);
	return adopted;
}
