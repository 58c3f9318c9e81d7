import { parseDocumentId, type DocumentId } from '../domain/ids';
import { listNewestFirst, type DeviceDb } from './device-db';
import {
	createInviteLink,
	InviteLinkError,
	isUsableWorkspaceName,
	parseInviteLink,
	type Invite
} from './invite-link';
import { viewerInvite } from './access-rotation';
import { joinChange, type JoinChange } from './workspace-directory';
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

function listEntries(db: DeviceDb): Promise<OrgDocumentEntry[]> {
	return listNewestFirst(db, 'organizations', readEntry);
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

/** What joining an organization from a link did, or why the link is unusable. */
export type OrganizationJoinResult =
	{ ok: true; entry: OrgDocumentEntry; change: JoinChange } | { ok: false; error: InviteLinkError };

/**
 * Joins the organization of a link by the triads' join rule (`joinChange`): a viewer becomes a
 * steward with a steward link, a steward never becomes a viewer from a people link, and a working
 * secret is never swapped silently for another one. A triad's link is refused here.
 */
export async function joinOrganizationFromLink(
	db: DeviceDb,
	link: string,
	now = Date.now()
): Promise<OrganizationJoinResult> {
	const parsed = parseInviteLink(link);
	if (!parsed.ok) return parsed;
	if (parsed.target !== 'organization') {
		return {
			ok: false,
			error: new InviteLinkError('not-an-invite', 'This link invites to a triad.')
		};
	}
	const invite = parsed.invite;
	let result: { entry: OrgDocumentEntry; change: JoinChange } | null = null;
	await db.update<unknown>('organizations', invite.docId, (stored) => {
		const existing = readEntry(stored);
		if (existing !== null && existing.kind !== 'organization') {
			// The id is a followed feed's: a link cannot turn it into an organization.
			result = { entry: existing, change: 'kept' };
			return undefined;
		}
		const change = joinChange(existing && { ...existing, accessChanged: false }, invite);
		if (existing !== null && (change === 'kept' || change === 'same')) {
			result = { entry: existing, change };
			return undefined;
		}
		const entry: OrgDocumentEntry = {
			docId: invite.docId,
			kind: 'organization',
			access: invite.access,
			secret: invite.secret,
			name: existing?.name ?? invite.name,
			triad: null,
			organization: null,
			joinedAt: existing?.joinedAt ?? now,
			lastOpened: now
		};
		result = { entry, change };
		return entry;
	});
	if (result === null) throw new Error('the device database did not answer');
	return { ok: true, ...(result as { entry: OrgDocumentEntry; change: JoinChange }) };
}

/**
 * An organization's steward link (member access) or people link (viewer access, its read secret
 * derived offline), for an entry this device holds as a steward; null otherwise.
 */
export async function organizationLink(
	entry: OrgDocumentEntry,
	access: 'member' | 'viewer',
	name: string,
	origin: string
): Promise<string | null> {
	if (entry.kind !== 'organization' || entry.access !== 'member') return null;
	const usable = isUsableWorkspaceName(name.trim()) ? name : entry.name;
	const member: Invite = {
		docId: entry.docId,
		secret: entry.secret,
		access: 'member',
		name: usable
	};
	const invite = access === 'member' ? member : await viewerInvite(member);
	return createInviteLink(invite, origin, 'organization');
}
