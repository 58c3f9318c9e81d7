import { parseDocumentId, type DocumentId } from '../domain/ids';
import type { DeviceDb } from './device-db';
import {
	isUsableWorkspaceName,
	parseInviteLink,
	type Invite,
	type InviteLinkError
} from './invite-link';
import { newDocumentId, newWorkspaceSecret, parseWorkspaceSecret } from './workspace-secret';

/** A workspace this device has joined, with the capability to reach it through the relay. */
export interface WorkspaceEntry extends Invite {
	joinedAt: number;
	lastOpened: number;
}

function isWorkspaceEntry(value: unknown): value is WorkspaceEntry {
	if (value === null || typeof value !== 'object') return false;
	const record = value as Record<string, unknown>;
	return (
		parseDocumentId(record.docId) !== null &&
		parseWorkspaceSecret(record.secret) !== null &&
		(record.access === 'member' || record.access === 'viewer') &&
		typeof record.name === 'string' &&
		typeof record.joinedAt === 'number' &&
		typeof record.lastOpened === 'number'
	);
}

/** The joined workspaces, most recently opened first. Unreadable records are left out. */
export async function listWorkspaces(db: DeviceDb): Promise<WorkspaceEntry[]> {
	const all = await db.getAll<unknown>('workspaces');
	return all.filter(isWorkspaceEntry).sort((a, b) => b.lastOpened - a.lastOpened);
}

/** The entry of one joined workspace, or null when this device has not joined it. */
export async function getWorkspace(
	db: DeviceDb,
	docId: DocumentId
): Promise<WorkspaceEntry | null> {
	const stored = await db.get<unknown>('workspaces', docId);
	return isWorkspaceEntry(stored) ? stored : null;
}

/**
 * Records an invite in the directory. Joining a workspace twice keeps the first join time and
 * the stored secret: a second link for the same id cannot swap the capability silently.
 */
export async function addWorkspace(
	db: DeviceDb,
	invite: Invite,
	now = Date.now()
): Promise<WorkspaceEntry> {
	const existing = await getWorkspace(db, invite.docId);
	if (existing !== null) return existing;
	const entry: WorkspaceEntry = {
		docId: invite.docId,
		secret: invite.secret,
		access: invite.access,
		name: invite.name,
		joinedAt: now,
		lastOpened: now
	};
	await db.put('workspaces', entry);
	return entry;
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
	const existing = await getWorkspace(db, docId);
	if (existing === null) return null;
	const updated: WorkspaceEntry = {
		...existing,
		lastOpened: changes.lastOpened ?? existing.lastOpened,
		name: changes.name ?? existing.name
	};
	await db.put('workspaces', updated);
	return updated;
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
	| { ok: true; entry: WorkspaceEntry; alreadyJoined: boolean }
	| { ok: false; error: InviteLinkError };

/** Parses an invite link and adds its workspace to the directory. */
export async function joinFromInviteLink(
	db: DeviceDb,
	link: string,
	now = Date.now()
): Promise<JoinResult> {
	const parsed = parseInviteLink(link);
	if (!parsed.ok) return parsed;
	const alreadyJoined = (await getWorkspace(db, parsed.invite.docId)) !== null;
	const entry = await addWorkspace(db, parsed.invite, now);
	return { ok: true, entry, alreadyJoined };
}
