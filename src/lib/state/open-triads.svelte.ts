import { SvelteMap } from 'svelte/reactivity';
import type { DocumentId } from '$lib/domain/ids';
import type { Identity } from '$lib/sync/identity';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { device } from './device.svelte';
import { combinedPhase, type SyncPhase } from './sync-phase';
import type { TriadOverview } from './triad-overview';
import type { TriadSession } from './triad-session.svelte';

/**
 * Where the overviews of triads are kept on this device, and which triads it joined (the device
 * database).
 */
export interface OverviewStore {
	readOverview(docId: DocumentId): Promise<TriadOverview | null>;
	saveOverview(overview: TriadOverview): Promise<void>;
	/** Resolves once the directory of joined triads has been read (or failed to be). */
	load(): Promise<void>;
	/** The triads this device joined, as last read. */
	readonly workspaces: readonly WorkspaceEntry[];
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
	 * nothing is written, no overview exists for it, and what was read ahead is dropped once the
	 * directory shows that this device has not joined it.
	 */
	prefetch(docId: DocumentId): void {
		if (this.#sessions.has(docId) || this.#opening.has(docId) || this.#prefetched.has(docId)) {
			return;
		}
		const overview = this.#overviews.readOverview(docId);
		this.#prefetched.set(docId, overview);
		void this.#dropUnlessJoined(docId, overview);
		void import('./open-triad-session').catch(() => undefined);
	}

	/*
	 * Only a joined triad is ever opened (every screen opens an entry of the directory), so a read
	 * ahead for any other id, say a link to a triad this device never joined, would be kept for as
	 * long as the page lives. Should the triad be joined later, its `open` reads the overview
	 * itself, so dropping never loses one.
	 */
	async #dropUnlessJoined(
		docId: DocumentId,
		overview: Promise<TriadOverview | null>
	): Promise<void> {
		await this.#overviews.load();
		const joined = this.#overviews.workspaces.some((entry) => entry.docId === docId);
		if (!joined && this.#prefetched.get(docId) === overview) this.#prefetched.delete(docId);
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
