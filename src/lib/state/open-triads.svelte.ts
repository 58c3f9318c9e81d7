import { SvelteMap } from 'svelte/reactivity';
import type { DocumentId } from '$lib/domain/ids';
import type { Identity } from '$lib/sync/identity';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { device } from './device.svelte';
import { triadAccess } from './triad-access.svelte';
import { combinedPhase, type SyncPhase } from './sync-phase';
import type { TriadOverview } from './triad-overview';
import type { OverviewKeeping, TriadSession } from './triad-session.svelte';

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

/** Opens the session of a joined triad (see open-triad-session.ts). */
export type SessionOpener = (
	entry: WorkspaceEntry,
	identity: Identity,
	overviews: OverviewKeeping
) => TriadSession;

/** Loads the code that opens sessions, Yjs and the sync stack with it. */
export type SessionOpenerLoader = () => Promise<SessionOpener>;

const loadSessionOpener: SessionOpenerLoader = () =>
	import('./open-triad-session').then((module) => module.openTriadSession);

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
	// Removals under way, so that a second request joins the first.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#removals = new Map<DocumentId, Promise<void>>();
	// Sessions being replaced by `follow`, so that it starts each replacement once.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#replacing = new Set<DocumentId>();
	readonly #loadOpener: SessionOpenerLoader;
	readonly #onOpened: (session: TriadSession) => void;

	/**
	 * `loadOpener` replaces the lazily imported opener (tests open sessions over memory);
	 * `onOpened` is told of every session opened (the app's TriadAccess follows each).
	 */
	constructor(
		overviews: OverviewStore,
		loadOpener: SessionOpenerLoader = loadSessionOpener,
		onOpened: (session: TriadSession) => void = () => undefined
	) {
		this.#overviews = overviews;
		this.#loadOpener = loadOpener;
		this.#onOpened = onOpened;
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
		void this.#loadOpener().catch(() => undefined);
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
			opening = this.#start(entry, identity);
			this.#opening.set(entry.docId, opening);
		}
		return opening;
	}

	#start(entry: WorkspaceEntry, identity: Identity): Promise<TriadSession> {
		const overviews = this.#overviews;
		const opening = Promise.all([
			this.#loadOpener(),
			this.#prefetched.get(entry.docId) ?? overviews.readOverview(entry.docId)
		]).then(([openTriadSession, saved]) => {
			const session = openTriadSession(entry, identity, {
				saved,
				save: (overview) => overviews.saveOverview(overview)
			});
			this.#sessions.set(entry.docId, session);
			this.#onOpened(session);
			return session;
		});
		this.#prefetched.delete(entry.docId);
		return opening;
	}

	/**
	 * Keeps the open session of `entry` in step with the device directory, whoever changed the
	 * entry (this tab, another tab, a rotation): a new secret of the same access reconnects the
	 * session in place; another access level (a viewer upgraded to a member) reopens it, since a
	 * viewer's session was opened without presence or tab channel; and the directory's note that
	 * the relay refused the secret as changed reaches the session. Triads not open are left alone.
	 */
	follow(entry: WorkspaceEntry, identity: Identity): void {
		const docId = entry.docId;
		const session = this.#sessions.get(docId);
		if (!session || this.#removals.has(docId) || this.#replacing.has(docId)) return;
		if (session.access !== entry.access) {
			this.#replacing.add(docId);
			void session
				.close()
				.then(() => {
					const reopening = this.#start(entry, identity);
					this.#opening.set(docId, reopening);
					return reopening;
				})
				.catch(() => undefined)
				.finally(() => {
					this.#opening.delete(docId);
					this.#replacing.delete(docId);
				});
			return;
		}
		session.noteAccess(entry);
		if (session.secret !== entry.secret) session.reconnect(entry.secret);
	}

	/**
	 * Takes a triad off this page for good: closes its session, then runs `removeStored`, which
	 * deletes what the device keeps of it. Meanwhile the closed session stays registered, so the
	 * screens showing it stay as they are and `open` hands out that closed session rather than
	 * opening one that would save into the copy being deleted. Once `removeStored` resolves, the
	 * triad leaves the registry; `removeStored` should have taken it out of the directory by
	 * then, or a screen still showing it opens it again.
	 *
	 * When `removeStored` fails, the triad is opened afresh from what is left of it (in place of
	 * the closed session, so its screens stay) and the failure is rethrown. A second call while
	 * one runs joins it.
	 */
	remove(
		entry: WorkspaceEntry,
		identity: Identity,
		removeStored: () => Promise<void>
	): Promise<void> {
		const docId = entry.docId;
		let removal = this.#removals.get(docId);
		if (!removal) {
			removal = this.#remove(entry, identity, removeStored).finally(() =>
				this.#removals.delete(docId)
			);
			this.#removals.set(docId, removal);
		}
		return removal;
	}

	async #remove(
		entry: WorkspaceEntry,
		identity: Identity,
		removeStored: () => Promise<void>
	): Promise<void> {
		const docId = entry.docId;
		const opening = this.#opening.get(docId);
		const session = this.#sessions.get(docId) ?? (await opening?.catch(() => undefined));
		this.#prefetched.delete(docId);
		await session?.close();
		try {
			await removeStored();
		} catch (error) {
			if (session) {
				const reopening = this.#start(entry, identity);
				this.#opening.set(docId, reopening);
				await reopening.catch(() => undefined);
			}
			throw error;
		}
		this.#opening.delete(docId);
		this.#sessions.delete(docId);
	}

	/** The session of a triad already open on this page, if any. */
	get(docId: DocumentId): TriadSession | undefined {
		return this.#sessions.get(docId);
	}

	/** Every triad open on this page. */
	get sessions(): TriadSession[] {
		return [...this.#sessions.values()];
	}

	/** The sync pill for the whole app: the open triad that most needs attention, or null. */
	get phase(): SyncPhase | null {
		return combinedPhase([...this.#sessions.values()].map((session) => session.phase));
	}
}

/** The page's one registry of open triads. */
export const openTriads = new OpenTriads(device, loadSessionOpener, (session) => {
	triadAccess.watch(session);
});
