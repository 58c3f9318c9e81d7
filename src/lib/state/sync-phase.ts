import type { SyncStatus } from '$lib/sync/open-workspace';

/**
 * What the user needs to know about their data's way to the relay, in one word. `unsaved` means
 * there are local changes the relay has not confirmed and no live connection to send them on;
 * they are safe on this device. `refused` (the relay turned this device's token away) and
 * `unavailable` (this page cannot reach any relay, e.g. no WebCrypto off HTTPS) are not outages:
 * waiting will not end them.
 */
export type SyncPhase =
	'offline' | 'connecting' | 'syncing' | 'synced' | 'unsaved' | 'refused' | 'unavailable';

/** Reduces a workspace's sync status to the phase its pill shows. */
export function phaseOf(status: SyncStatus): SyncPhase {
	const { connection, unsyncedLocalChanges, refusal, setupError } = status;
	if (refusal !== null) return 'refused';
	if (setupError !== null) return 'unavailable';
	if (connection === 'synced') return unsyncedLocalChanges ? 'syncing' : 'synced';
	if (connection === 'syncing') return 'syncing';
	if (unsyncedLocalChanges) return 'unsaved';
	return connection;
}

const WORST_FIRST: SyncPhase[] = [
	'refused',
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
