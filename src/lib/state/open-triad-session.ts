import type { Identity } from '$lib/sync/identity';
import { openWorkspace, relayUrlFor } from '$lib/sync/open-workspace';
import { currentPushDevice } from '$lib/sync/push-subscription';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { afterNextPaint } from './after-next-paint';
import { TriadSession, type OverviewKeeping } from './triad-session.svelte';

/**
 * Opens a joined triad on this page: its local copy, the relay connection and the session over
 * them, and lists this member in it once the local copy is loaded. This module pulls in Yjs and
 * the sync stack, so `OpenTriads` imports it only when a triad is first opened.
 *
 * With a saved overview, the screens first paint that, and the document (one long task for a
 * large triad) starts loading after the paint.
 */
export function openTriadSession(
	entry: WorkspaceEntry,
	identity: Identity,
	overviews: OverviewKeeping
): TriadSession {
	const handle = openWorkspace({
		docId: entry.docId,
		secret: entry.secret,
		access: entry.access,
		identity,
		relayUrl: relayUrlFor(location),
		localLoadAfter: overviews.saved === null ? undefined : afterNextPaint(),
		pushDevice: currentPushDevice
	});
	const session = new TriadSession(handle, identity, overviews);
	// A phone may discard a hidden page without notice; what it showed is saved while it can be.
	document.addEventListener('visibilitychange', () => {
		if (document.visibilityState === 'hidden') void session.saveOverviewNow();
	});
	void session.announceMember();
	return session;
}
