import { SvelteMap } from 'svelte/reactivity';
import type { DocumentId } from '$lib/domain/ids';
import type { Identity } from '$lib/sync/identity';
import { openWorkspace, relayUrlFor } from '$lib/sync/open-workspace';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { combinedPhase, type SyncPhase } from './sync-phase';
import { TriadSession } from './triad-session.svelte';

/**
 * The triads open on this page. A triad opens once and stays open while the app runs, so moving
 * between its screens never reloads it and its edits keep syncing in the background.
 */
export class OpenTriads {
	#sessions = new SvelteMap<DocumentId, TriadSession>();

	/** The session of a joined triad, opening it (local copy, then relay) on first use. */
	open(entry: WorkspaceEntry, identity: Identity): TriadSession {
		const existing = this.#sessions.get(entry.docId);
		if (existing) return existing;
		const handle = openWorkspace({
			docId: entry.docId,
			secret: entry.secret,
			identity,
			relayUrl: relayUrlFor(location)
		});
		const session = new TriadSession(handle, identity);
		this.#sessions.set(entry.docId, session);
		void session.announceMember();
		return session;
	}

	/** The session of a triad already open on this page, if any. */
	get(docId: DocumentId): TriadSession | undefined {
		return this.#sessions.get(docId);
	}

	/** The sync pill for the whole app: the open triad that most needs attention, or null. */
	get phase(): SyncPhase | null {
		return combinedPhase([...this.#sessions.values()].map((session) => session.phase));
	}
}

/** The page's one registry of open triads. */
export const openTriads = new OpenTriads();
