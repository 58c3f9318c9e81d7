import type { Awareness } from 'y-protocols/awareness';
import type { MemberId } from '../domain/ids';
import type { Role } from '../domain/model';

/**
 * What each open device announces to the others through Yjs awareness. `user.name` and
 * `user.color` are the fields TipTap's collaboration caret reads.
 */
export interface PresenceState {
	user: {
		memberId: MemberId;
		name: string;
		color: string;
		/** The seat this member holds in this triad, when known. */
		seat: Role | null;
	};
	/** What the member is looking at or editing, e.g. a proposal id; null when idle. */
	editing: string | null;
}

/** A remote device's presence, with the awareness client id that distinguishes its tabs. */
export interface Peer extends PresenceState {
	clientId: number;
}

/*
 * Ten hues spaced around the colour wheel, dark enough for 4.5:1 contrast against white text
 * labels and light backgrounds alike.
 */
const PALETTE = [
	'#b42318',
	'#b54708',
	'#8a6100',
	'#3b7d23',
	'#067647',
	'#0e7090',
	'#175cd3',
	'#5925dc',
	'#9e2a9b',
	'#c11574'
] as const;

/**
 * The colour of a member: the same on every device and in every triad, derived from the
 * member id with FNV-1a so that nobody has to pick or sync one.
 */
export function memberColor(memberId: MemberId): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < memberId.length; i++) {
		hash ^= memberId.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return PALETTE[hash % PALETTE.length] ?? PALETTE[0];
}

function isPresenceState(value: unknown): value is PresenceState {
	if (value === null || typeof value !== 'object') return false;
	const { user, editing } = value as Record<string, unknown>;
	if (user === null || typeof user !== 'object') return false;
	const { memberId, name, color } = user as Record<string, unknown>;
	return (
		typeof memberId === 'string' &&
		typeof name === 'string' &&
		typeof color === 'string' &&
		(editing === null || typeof editing === 'string')
	);
}

/** The well-formed presence states of other devices (other tabs of this one included). */
export function peersOf(awareness: Awareness): Peer[] {
	const peers: Peer[] = [];
	for (const [clientId, state] of awareness.getStates()) {
		if (clientId !== awareness.clientID && isPresenceState(state)) {
			peers.push({ ...state, clientId });
		}
	}
	return peers;
}
