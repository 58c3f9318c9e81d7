import type { SyncStatus } from '$lib/sync/open-workspace';

/**
 * What the user needs to know about their data's way to the relay, in one word. `unsaved` means
 * there are local changes the relay has not confirmed and no live connection to send them on;
 * they are safe on this device.
 */
export type SyncPhase = 'offline' | 'connecting' | 'syncing' | 'synced' | 'unsaved';

/** Reduces a workspace's sync status to the phase its pill shows. */
export function phaseOf(status: SyncStatus): SyncPhase {
	const { connection, unsyncedLocalChanges } = status;
	if (connection === 'synced') return unsyncedLocalChanges ? 'syncing' : 'synced';
	if (connection === 'syncing') return 'syncing';
	if (unsyncedLocalChanges) return 'unsaved';
	return connection;
}

const WORST_FIRST: SyncPhase[] = ['unsaved', 'offline', 'connecting', 'syncing', 'synced'];

/** The phase of several workspaces together: the one that most needs the user's attention. */
export function combinedPhase(phases: SyncPhase[]): SyncPhase | null {
	if (phases.length === 0) return null;
	return WORST_FIRST.find((phase) => phases.includes(phase)) ?? 'synced';
}
