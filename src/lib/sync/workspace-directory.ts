import { parseDocumentId, type DocumentId } from '../domain/ids';
import { listNewestFirst, type DeviceDb } from './device-db';
import {
	isUsableWorkspaceName,
	parseInviteLink,
	InviteLinkError,
	type Invite
} from './invite-link';
import {
	newDocumentId,
	newWorkspaceSecret,
	parseWorkspaceSecret,
	type WorkspaceSecret
} from './workspace-secret';

/**
 * A change of the workspace's access that this device asked for and the relay has not confirmed
 * yet (see pending-rotation.ts). It is kept in the directory so that it survives a reload and is
 * run once the relay can be reached.
 */
export interface PendingRotation {
	/** The secret the request proves to the relay: the entry's own, or an earlier `next`. */
	from: WorkspaceSecret;
	/**
	 * The secret the rotation installs. Minted once and kept, so that a retried request asks the
	 * relay for the same change, and a request whose answer was lost can be recognised later.
	 */
	next: WorkspaceSecret;
	/** Whether a request for it may have reached the relay (its answer may have been lost). */
	sent: boolean;
	/** When a member asked for it (epoch ms). */
	requestedAt: number;
}

/** A workspace this device has joined, with the capability to reach it through the relay. */
export interface WorkspaceEntry extends Invite {
	joinedAt: number;
	lastOpened: number;
	/**
	 * True once the relay refused `secret` because a member changed the triad's access (close code
	 * 4410): the local copy stays, and a new link of the triad may replace the secret (joinChange).
	 */
	accessChanged: boolean;
	/** A change of access this device asked for that the relay has not confirmed yet. */
	pendingRotation: PendingRotation | null;
}

function isPendingRotation(value: unknown): value is PendingRotation {
	if (value === null || typeof value !== 'object') return false;
	const record = value as Record<string, unknown>;
	return (
		parseWorkspaceSecret(record.from) !== null &&
		parseWorkspaceSecret(record.next) !== null &&
		typeof record.sent === 'boolean' &&
		typeof record.requestedAt === 'number'
	);
}

/** The stored entry, with the fields entries written before them lacked; null when unreadable. */
function readEntry(value: unknown): WorkspaceEntry | null {
	if (value === null || typeof value !== 'object') return null;
	const record = value as Record<string, unknown>;
	const readable =
		parseDocumentId(record.docId) !== null &&
		parseWorkspaceSecret(record.secret) !== null &&
		(record.access === 'member' || record.access === 'viewer') &&
		typeof record.name === 'string' &&
		typeof record.joinedAt === 'number' &&
		typeof record.lastOpened === 'number';
	if (!readable) return null;
	return {
		...(record as unknown as WorkspaceEntry),
		accessChanged: record.accessChanged === true,
		pendingRotation: isPendingRotation(record.pendingRotation) ? record.pendingRotation : null
	};
}

/** The joined workspaces, most recently opened first. Unreadable records are left out. */
export function listWorkspaces(db: DeviceDb): Promise<WorkspaceEntry[]> {
	return listNewestFirst(db, 'workspaces', readEntry);
}

/** The entry of one joined workspace, or null when this device has not joined it. */
export async function getWorkspace(
	db: DeviceDb,
	docId: DocumentId
): Promise<WorkspaceEntry | null> {
	return readEntry(await db.get<unknown>('workspaces', docId));
}

/**
 * What joining from a link does to this device's entry of the same workspace:
 * - `added`: none yet; the link's access is recorded as it is.
 * - `upgraded`: the device holds viewer access and the link is a member link: it becomes a member.
 * - `replaced`: the link gives the same access with another secret, and the relay refused the
 *   stored secret because a member changed the access: the new secret replaces it.
 * - `same`: the device already holds exactly what the link gives.
 * - `kept`: anything else; the entry stays as it is. A member never becomes a viewer from a
 *   view-only link, and a working secret is never swapped for another one: a second link for the
 *   same id cannot change the capability silently. The join screen says so.
 */
export type JoinChange = 'added' | 'upgraded' | 'replaced' | 'same' | 'kept';

/** The rule above, for an existing entry (or none) and the invite of a link. */
export function joinChange(
	existing: Pick<WorkspaceEntry, 'access' | 'secret' | 'accessChanged'> | null,
	invite: Invite
): JoinChange {
	if (existing === null) return 'added';
	if (existing.access === 'viewer' && invite.access === 'member') return 'upgraded';
	if (existing.access !== invite.access) return 'kept';
	if (existing.secret === invite.secret) return 'same';
	return existing.accessChanged ? 'replaced' : 'kept';
}

/** Records an invite in the directory by the join rule (`joinChange`), in one transaction. */
async function recordInvite(
	db: DeviceDb,
	invite: Invite,
	now: number
): Promise<{ entry: WorkspaceEntry; change: JoinChange }> {
	let result: { entry: WorkspaceEntry; change: JoinChange } | null = null;
	await db.update<unknown>('workspaces', invite.docId, (stored) => {
		const existing = readEntry(stored);
		const change = joinChange(existing, invite);
		if (existing !== null && (change === 'kept' || change === 'same')) {
			result = { entry: existing, change };
			return undefined;
		}
		const entry: WorkspaceEntry =
			existing === null
				? {
						docId: invite.docId,
						secret: invite.secret,
						access: invite.access,
						name: invite.name,
						joinedAt: now,
						lastOpened: now,
						accessChanged: false,
						pendingRotation: null
					}
				: {
						...existing,
						secret: invite.secret,
						access: invite.access,
						accessChanged: false,
						pendingRotation: null
					};
		result = { entry, change };
		return entry;
	});
	if (result === null) throw new Error('the device database did not answer');
	return result;
}

/**
 * Records an invite in the directory. Joining a workspace twice keeps the first join time, and
 * the stored secret unless the join rule says otherwise (`joinChange`: a viewer upgraded by a
 * member link, or a secret the relay refused as changed).
 */
export async function addWorkspace(
	db: DeviceDb,
	invite: Invite,
	now = Date.now()
): Promise<WorkspaceEntry> {
	return (await recordInvite(db, invite, now)).entry;
}

/**
 * Forgets a workspace on this device, with the overview of it kept for a fast start. Its local
 * document copy is deleted separately.
 */
export async function removeWorkspace(db: DeviceDb, docId: DocumentId): Promise<void> {
	await db.delete('workspaces', docId);
	await db.delete('overviews', docId);
}

/** Updates the open time (for ordering) and, when given, the name shown in the directory. */
export async function touchWorkspace(
	db: DeviceDb,
	docId: DocumentId,
	changes: { lastOpened?: number; name?: string }
): Promise<WorkspaceEntry | null> {
	return updateWorkspace(db, docId, (existing) => ({
		...existing,
		lastOpened: changes.lastOpened ?? existing.lastOpened,
		name: changes.name ?? existing.name
	}));
}

/**
 * Creates a workspace entirely offline: a fresh 128-bit id and 32-byte secret, recorded in the
 * directory. The creator then initialises the document through the doc layer, once. Throws
 * RangeError for a name an invite could not carry.
 */
export async function createWorkspace(
	db: DeviceDb,
	name: string,
	now = Date.now()
): Promise<WorkspaceEntry> {
	const trimmed = name.trim();
	if (!isUsableWorkspaceName(trimmed)) throw new RangeError('unusable workspace name');
	const invite: Invite = {
		docId: newDocumentId(),
		secret: newWorkspaceSecret(),
		name: trimmed,
		access: 'member'
	};
	return addWorkspace(db, invite, now);
}

/** The outcome of joining from a link: the directory entry, or why the link was rejected. */
export type JoinResult =
	| { ok: true; entry: WorkspaceEntry; alreadyJoined: boolean; change: JoinChange }
	| { ok: false; error: InviteLinkError };

/** Parses an invite link and adds its workspace to the directory (see `joinChange`). */
export async function joinFromInviteLink(
	db: DeviceDb,
	link: string,
	now = Date.now()
): Promise<JoinResult> {
	const parsed = parseInviteLink(link);
	if (!parsed.ok) return parsed;
	if (parsed.target !== 'triad') {
		return {
			ok: false,
			error: new InviteLinkError('organization-link', 'This link invites to an organization.')
		};
	}
	const { entry, change } = await recordInvite(db, parsed.invite, now);
	return { ok: true, entry, alreadyJoined: change !== 'added', change };
}

/**
 * Rewrites one entry in one transaction (a rotation's steps and a tab noting an opening must not
 * undo each other's writes); `update` returns null to leave it. Resolves with the entry as it is
 * then, or null when this device has not joined the workspace.
 */
async function updateWorkspace(
	db: DeviceDb,
	docId: DocumentId,
	update: (entry: WorkspaceEntry) => WorkspaceEntry | null
): Promise<WorkspaceEntry | null> {
	let current: WorkspaceEntry | null = null;
	await db.update<unknown>('workspaces', docId, (stored) => {
		current = readEntry(stored);
		if (current === null) return undefined;
		const updated = update(current);
		if (updated === null) return undefined;
		current = updated;
		return updated;
	});
	return current;
}

/**
 * Notes that the relay refused `secret` because a member changed the triad's access. Nothing
 * happens when the entry holds another secret by now: the refusal was of one it replaced.
 */
export function markAccessChanged(
	db: DeviceDb,
	docId: DocumentId,
	secret: WorkspaceSecret
): Promise<WorkspaceEntry | null> {
	return updateWorkspace(db, docId, (entry) =>
		entry.secret !== secret || entry.accessChanged ? null : { ...entry, accessChanged: true }
	);
}

/**
 * Asks for a change of the workspace's access (after removing a member): keeps a pending rotation
 * with a freshly minted next secret, to be run by `runPendingRotation`. A rotation already pending
 * covers this one too: its next secret has not been handed to anyone yet. Only a member whose
 * access works can rotate; for anyone else this returns null and changes nothing.
 */
export async function requestRotation(
	db: DeviceDb,
	docId: DocumentId,
	now = Date.now()
): Promise<PendingRotation | null> {
	const entry = await updateWorkspace(db, docId, (existing) =>
		existing.access !== 'member' || existing.accessChanged || existing.pendingRotation !== null
			? null
			: {
					...existing,
					pendingRotation: {
						from: existing.secret,
						next: newWorkspaceSecret(),
						sent: false,
						requestedAt: now
					}
				}
	);
	return entry?.access === 'member' && !entry.accessChanged ? entry.pendingRotation : null;
}

/** Replaces the pending rotation (its `sent` flag, or the next step of a recovery). */
export function updatePendingRotation(
	db: DeviceDb,
	docId: DocumentId,
	pending: PendingRotation
): Promise<WorkspaceEntry | null> {
	return updateWorkspace(db, docId, (entry) => ({ ...entry, pendingRotation: pending }));
}

/**
 * Ends the pending rotation: with the secret the relay now accepts when it `rotated`; otherwise
 * with the stored secret kept, marked as refused when `accessChanged` (another member's rotation
 * won).
 */
export function endRotation(
	db: DeviceDb,
	docId: DocumentId,
	end: { rotated: WorkspaceSecret } | { accessChanged: boolean }
): Promise<WorkspaceEntry | null> {
	return updateWorkspace(db, docId, (entry) =>
		'rotated' in end
			? { ...entry, secret: end.rotated, accessChanged: false, pendingRotation: null }
			: { ...entry, accessChanged: end.accessChanged, pendingRotation: null }
	);
}
