import { refusalKind, type RefusalKind } from '$lib/protocol/close-codes';
import type { SyncStatus } from '$lib/sync/open-workspace';

/**
 * What the user needs to know about their data's way to the relay, in one word. `unsaved` means
 * there are local changes the relay has not confirmed and no live connection to send them on;
 * they are safe on this device. The relay's refusals are not outages, waiting will not end them,
 * and each needs its own words:
 * - `refused`: the relay does not accept this device's link at all (a damaged or foreign link);
 * - `access-changed`: a member changed the triad's access; the link this device holds is retired;
 * - `read-only`: the relay closed a view-only connection that tried to change the triad;
 * - `change-refused`: the relay refused a change from this device (it failed the update check, or
 *   the triad reached the relay's size limit); the change stays on this device;
 * - `busy`: this network holds too many connections or created too many triads on the relay
 *   lately; the link is fine and a later visit works.
 * `unavailable`: this page cannot reach any relay (e.g. no WebCrypto off HTTPS).
 */
export type SyncPhase =
	| 'offline'
	| 'connecting'
	| 'syncing'
	| 'synced'
	| 'unsaved'
	| 'refused'
	| 'access-changed'
	| 'read-only'
	| 'change-refused'
	| 'busy'
	| 'unavailable';

/** The kind of the relay's refusal in `status`: a code it never sends counts as `no-access`. */
export function refusalOf(status: SyncStatus): RefusalKind | null {
	if (status.refusal === null) return null;
	return refusalKind(status.refusal.code) ?? 'no-access';
}

const REFUSAL_PHASE: Record<RefusalKind, SyncPhase> = {
	'no-access': 'refused',
	'access-changed': 'access-changed',
	'read-only': 'read-only',
	'invalid-update': 'change-refused',
	'document-too-large': 'change-refused',
	'too-many-requests': 'busy'
};

/** Reduces a workspace's sync status to the phase its pill shows. */
export function phaseOf(status: SyncStatus): SyncPhase {
	const { connection, unsyncedLocalChanges, setupError } = status;
	const refusal = refusalOf(status);
	if (refusal !== null) return REFUSAL_PHASE[refusal];
	if (setupError !== null) return 'unavailable';
	if (connection === 'synced') return unsyncedLocalChanges ? 'syncing' : 'synced';
	if (connection === 'syncing') return 'syncing';
	if (unsyncedLocalChanges) return 'unsaved';
	return connection;
}

const WORST_FIRST: SyncPhase[] = [
	'refused',
	'access-changed',
	'read-only',
	'change-refused',
	'busy',
	'unavailable',
	'unsaved',
	'offline',
	'connecting',
	'syncing',
	'synced'
];

/** The phase of several workspaces together: the one that most needs the user's attention. */
export function combinedPhase(phases: SyncPhase[]): SyncPhase | null {
	if (phases.length === 0) return null;
	return WORST_FIRST.find((phase) => phases.includes(phase)) ?? 'synced';
}
