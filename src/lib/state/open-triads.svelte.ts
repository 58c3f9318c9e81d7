import { SvelteMap } from 'svelte/reactivity';
import type { DocumentId } from '$lib/domain/ids';
import type { Identity } from '$lib/sync/identity';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { device } from './device.svelte';
import { combinedPhase, type SyncPhase } from './sync-phase';
import type { TriadOverview } from './triad-overview';
import type { TriadSession } from './triad-session.svelte';

/** Where the overviews of triads are kept on this device (the device database). */
export interface OverviewStore {
	readOverview(docId: DocumentId): Promise<TriadOverview | null>;
	saveOverview(overview: TriadOverview): Promise<void>;
}

/**
 * The triads open on this page. A triad opens once and stays open while the app runs, so moving
 * between its screens never reloads it and its edits keep syncing in the background.
 *
 * Yjs and the sync stack are loaded on the first `open` (or `prefetch`), not with the app: the welcome, first-run
 * and empty home screens need none of it, and home shows the device directory before any triad
 * is open.
 */
export class OpenTriads {
	readonly #overviews: OverviewStore;
	#sessions = new SvelteMap<DocumentId, TriadSession>();
	// Pending opens only; what screens read is `#sessions`.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#opening = new Map<DocumentId, Promise<TriadSession>>();
	// Overviews read ahead by `prefetch`, taken by the next `open` of the same triad.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#prefetched = new Map<DocumentId, Promise<TriadOverview | null>>();

	constructor(overviews: OverviewStore) {
		this.#overviews = overviews;
	}

	/**
	 * Starts what opening `docId` will need (its saved overview and the sync stack's code) before
	 * the device directory is read, so that the two overlap. Harmless for a triad never joined:
	 * nothing is written, and no overview exists for it.
	 */
	prefetch(docId: DocumentId): void {
		if (this.#sessions.has(docId) || this.#opening.has(docId) || this.#prefetched.has(docId)) {
			return;
		}
		this.#prefetched.set(docId, this.#overviews.readOverview(docId));
		void import('./open-triad-session').catch(() => undefined);
	}

	/**
	 * The session of a joined triad, opening it (local copy, then relay) on first use. Every call
	 * for one triad resolves to the same session; `get` returns it once this resolved. The saved
	 * overview is read while the sync stack loads, so a triad opened before shows at once.
	 */
	open(entry: WorkspaceEntry, identity: Identity): Promise<TriadSession> {
		const existing = this.#sessions.get(entry.docId);
		if (existing) return Promise.resolve(existing);
		let opening = this.#opening.get(entry.docId);
		if (!opening) {
			const overviews = this.#overviews;
			opening = Promise.all([
				import('./open-triad-session'),
				this.#prefetched.get(entry.docId) ?? overviews.readOverview(entry.docId)
			]).then(([{ openTriadSession }, saved]) => {
				const session = openTriadSession(entry, identity, {
					saved,
					save: (overview) => overviews.saveOverview(overview)
				});
				this.#sessions.set(entry.docId, session);
				return session;
			});
			this.#prefetched.delete(entry.docId);
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
export const openTriads = new OpenTriads(device);
