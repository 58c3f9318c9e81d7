import type { Identity } from '$lib/sync/identity';
import { openWorkspace, relayUrlFor } from '$lib/sync/open-workspace';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { TriadSession } from './triad-session.svelte';

/**
 * Opens a joined triad on this page: its local copy, the relay connection and the session over
 * them, and lists this member in it once the local copy is loaded. This module pulls in Yjs and
 * the sync stack, so `OpenTriads` imports it only when a triad is first opened.
 */
export function openTriadSession(entry: WorkspaceEntry, identity: Identity): TriadSession {
	const handle = openWorkspace({
		docId: entry.docId,
		secret: entry.secret,
		identity,
		relayUrl: relayUrlFor(location)
	});
	const session = new TriadSession(handle, identity);
	void session.announceMember();
	return session;
}
