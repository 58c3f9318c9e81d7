import { parseDocumentId, type DocumentId } from '../domain/ids';
import type { DeviceDb } from './device-db';
import { isUsableWorkspaceName } from './invite-link';
import type { AccessLevel } from './relay-token';
import {
	newDocumentId,
	newWorkspaceSecret,
	parseWorkspaceSecret,
	type WorkspaceSecret
} from './workspace-secret';

/**
 * The organizations and the followed feeds this device holds, with the secret that reaches each
 * through the relay. Kept in the device database like the triads' directory, in a store of its
 * own so that no list of triads shows them. A device's own triads' feeds are not listed: their id
 * and secret are derived from the triad's (feed-capability.ts).
 */
export interface OrgDocumentEntry {
	docId: DocumentId;
	kind: 'organization' | 'feed';
	/** member: a steward (or the feed's triad); viewer: reads only. */
	access: AccessLevel;
	secret: WorkspaceSecret;
	name: string;
	/** For a feed: the triad that writes it. */
	triad: DocumentId | null;
	/** For a feed: the organization it was followed from. */
	organization: DocumentId | null;
	joinedAt: number;
	lastOpened: number;
}

function readEntry(value: unknown): OrgDocumentEntry | null {
	if (value === null || typeof value !== 'object') return null;
	const r = value as Record<string, unknown>;
	const docId = parseDocumentId(r.docId);
	const secret = parseWorkspaceSecret(r.secret);
	if (
		docId === null ||
		secret === null ||
		(r.kind !== 'organization' && r.kind !== 'feed') ||
		(r.access !== 'member' && r.access !== 'viewer') ||
		typeof r.name !== 'string' ||
		typeof r.joinedAt !== 'number' ||
		typeof r.lastOpened !== 'number'
	) {
		return null;
	}
	return {
		docId,
		kind: r.kind,
		access: r.access,
		secret,
		name: r.name,
		triad: parseDocumentId(r.triad),
		organization: parseDocumentId(r.organization),
		joinedAt: r.joinedAt,
		lastOpened: r.lastOpened
	};
}

/** The organizations this device holds, most recently opened first; unreadable ones left out. */
export async function listOrganizations(db: DeviceDb): Promise<OrgDocumentEntry[]> {
	return (await listEntries(db)).filter((entry) => entry.kind === 'organization');
}

/** The feeds this device follows (viewer access), most recently opened first. */
export async function listFollowedFeeds(db: DeviceDb): Promise<OrgDocumentEntry[]> {
	return (await listEntries(db)).filter((entry) => entry.kind === 'feed');
}

async function listEntries(db: DeviceDb): Promise<OrgDocumentEntry[]> {
	const all = await db.getAll<unknown>('organizations');
	return all
		.map(readEntry)
		.filter((entry) => entry !== null)
		.sort((a, b) => b.lastOpened - a.lastOpened);
}

/** One entry, or null when this device does not hold that document. */
export async function getOrgDocument(
	db: DeviceDb,
	docId: DocumentId
): Promise<OrgDocumentEntry | null> {
	return readEntry(await db.get<unknown>('organizations', docId));
}

/**
 * Creates an organization entirely offline: a fresh id and secret, this device a steward. The
 * creator then writes its identity through the doc layer, once. RangeError for a name an invite
 * link could not carry.
 */
export async function createOrganization(
	db: DeviceDb,
	name: string,
	now = Date.now()
): Promise<OrgDocumentEntry> {
	const trimmed = name.trim();
	if (!isUsableWorkspaceName(trimmed)) throw new RangeError('unusable organization name');
	const entry: OrgDocumentEntry = {
		docId: newDocumentId(),
		kind: 'organization',
		access: 'member',
		secret: newWorkspaceSecret(),
		name: trimmed,
		triad: null,
		organization: null,
		joinedAt: now,
		lastOpened: now
	};
	await db.put('organizations', entry);
	return entry;
}

/**
 * Follows a triad's feed with its read secret (viewer access). Following it again keeps the
 * first entry: a feed's read secret never changes while its triad's secret does not.
 */
export async function followFeed(
	db: DeviceDb,
	feed: { docId: DocumentId; secret: WorkspaceSecret; name: string; triad: DocumentId },
	organization: DocumentId,
	now = Date.now()
): Promise<OrgDocumentEntry> {
	let result: OrgDocumentEntry | null = null;
	await db.update<unknown>('organizations', feed.docId, (stored) => {
		const existing = readEntry(stored);
		if (existing !== null) {
			result = existing;
			return undefined;
		}
		result = {
			docId: feed.docId,
			kind: 'feed',
			access: 'viewer',
			secret: feed.secret,
			name: feed.name,
			triad: feed.triad,
			organization,
			joinedAt: now,
			lastOpened: now
		};
		return result;
	});
	if (result === null) throw new Error('the device database did not answer');
	return result;
}
