import { SvelteMap } from 'svelte/reactivity';
import type { DocumentId } from '$lib/domain/ids';
import type { Identity } from '$lib/sync/identity';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { combinedPhase, type SyncPhase } from './sync-phase';
import type { TriadSession } from './triad-session.svelte';

/**
 * The triads open on this page. A triad opens once and stays open while the app runs, so moving
 * between its screens never reloads it and its edits keep syncing in the background.
 *
 * Yjs and the sync stack are loaded on the first `open`, not with the app: the welcome, first-run
 * and empty home screens need none of it, and home shows the device directory before any triad
 * is open.
 */
export class OpenTriads {
	#sessions = new SvelteMap<DocumentId, TriadSession>();
	// Pending opens only; what screens read is `#sessions`.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#opening = new Map<DocumentId, Promise<TriadSession>>();

	/**
	 * The session of a joined triad, opening it (local copy, then relay) on first use. Every call
	 * for one triad resolves to the same session; `get` returns it once this resolved.
	 */
	open(entry: WorkspaceEntry, identity: Identity): Promise<TriadSession> {
		const existing = this.#sessions.get(entry.docId);
		if (existing) return Promise.resolve(existing);
		let opening = this.#opening.get(entry.docId);
		if (!opening) {
			opening = import('./open-triad-session').then(({ openTriadSession }) => {
				const session = openTriadSession(entry, identity);
				this.#sessions.set(entry.docId, session);
				return session;
			});
			this.#opening.set(entry.docId, opening);
		}
		return opening;
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
