import type { DocumentId } from '$lib/domain/ids';
import { viewerInvite } from '$lib/sync/access-rotation';
import { createDeviceDb, type DeviceDb } from '$lib/sync/device-db';
import { openDirectoryChannel, type DirectoryChannel } from '$lib/sync/directory-channel';
import { loadIdentity, saveIdentity, type Identity } from '$lib/sync/identity';
import { createInviteLink, isUsableWorkspaceName } from '$lib/sync/invite-link';
import { runPendingRotation, type RotationRun } from '$lib/sync/pending-rotation';
import { toStorageError, type StorageError } from '$lib/sync/storage-error';
import {
	createWorkspace,
	getWorkspace,
	joinFromInviteLink,
	listWorkspaces,
	markAccessChanged,
	removeWorkspace,
	requestRotation,
	touchWorkspace,
	type JoinResult,
	type PendingRotation,
	type WorkspaceEntry
} from '$lib/sync/workspace-directory';
import type { WorkspaceSecret } from '$lib/sync/workspace-secret';
import { parseOverview, type TriadOverview } from './triad-overview';

/**
 * This device's person and the triads it joined, read from the device database. Everything is
 * local, so `loaded` turns true within a few milliseconds of start; screens render nothing
 * rather than a spinner until then.
 */
export class DeviceState {
	#db: DeviceDb;
	#identity = $state.raw<Identity | null>(null);
	#workspaces = $state.raw<WorkspaceEntry[]>([]);
	#loaded = $state(false);
	#error = $state.raw<StorageError | null>(null);
	#loading: Promise<void> | null = null;
	#openChannel: typeof openDirectoryChannel;
	#channel: DirectoryChannel | null = null;

	#relayOrigin: () => string;

	/**
	 * `openChannel` links this state to the other tabs' (opened on the first load); `relayOrigin`
	 * is where rotations are asked for (the app's own origin, where the relay answers).
	 */
	constructor(
		db: DeviceDb,
		openChannel: typeof openDirectoryChannel = openDirectoryChannel,
		relayOrigin: () => string = () => location.origin
	) {
		this.#db = db;
		this.#openChannel = openChannel;
		this.#relayOrigin = relayOrigin;
	}

	/** The person on this device, or null before they chose a display name. */
	get identity(): Identity | null {
		return this.#identity;
	}

	/** The triads this device joined, most recently opened first. */
	get workspaces(): WorkspaceEntry[] {
		return this.#workspaces;
	}

	/** True once the device database has been read (or failed to be). */
	get loaded(): boolean {
		return this.#loaded;
	}

	/** Why the device database could not be read or written, if it could not. */
	get error(): StorageError | null {
		return this.#error;
	}

	/**
	 * Reads identity and directory once; later calls share the first read. From then on, what
	 * other tabs change in the device database is read again here.
	 */
	load(): Promise<void> {
		if (this.#loading === null) {
			this.#loading = this.#read();
			this.#channel = this.#openChannel(() => void this.#read());
		}
		return this.#loading;
	}

	/** Stops hearing other tabs' changes (tests; the app's instance lives as long as the page). */
	close(): void {
		this.#channel?.close();
		this.#channel = null;
	}

	/** Saves the display name (minting the member id the first time). Rejects on a bad name. */
	async introduce(name: string): Promise<Identity> {
		const identity = await saveIdentity(this.#db, name);
		this.#identity = identity;
		this.#channel?.announce();
		return identity;
	}

	/** Creates a new triad entirely on this device and adds it to the directory. */
	async createTriad(name: string): Promise<WorkspaceEntry> {
		const entry = await createWorkspace(this.#db, name);
		await this.#refresh();
		return entry;
	}

	/**
	 * Joins the triad of an invite link by the directory's join rule (`joinChange`): the result
	 * says what changed, or why the link is unusable.
	 */
	async join(link: string): Promise<JoinResult> {
		const result = await joinFromInviteLink(this.#db, link);
		if (result.ok) await this.#refresh();
		return result;
	}

	/**
	 * Runs `write` on the device database, then reads identity and directory again, here and in
	 * the other tabs: for changes made by sync-layer code that a screen loads itself (adopting a
	 * device link, in device-transfer.ts), so that it stays out of the app's first load.
	 */
	async change<T>(write: (db: DeviceDb) => Promise<T>): Promise<T> {
		try {
			return await write(this.#db);
		} finally {
			await this.#read();
			this.#channel?.announce();
		}
	}

	/**
	 * Takes a triad out of the directory, with its saved overview, so that screens stop listing
	 * it. Its document's local copy is not touched: see remove-triad.ts for the whole removal.
	 * `beforeUnlisting` runs once the entry is deleted and before screens stop listing it.
	 */
	async forget(docId: DocumentId, beforeUnlisting?: () => Promise<void>): Promise<void> {
		await removeWorkspace(this.#db, docId);
		try {
			await beforeUnlisting?.();
		} finally {
			// Not read back: once the entry is gone a failed read must not leave it listed.
			this.#workspaces = this.#workspaces.filter((entry) => entry.docId !== docId);
			this.#channel?.announce();
		}
	}

	/** The directory entry of a triad, or null when this device never joined it. */
	entry(docId: DocumentId): Promise<WorkspaceEntry | null> {
		return getWorkspace(this.#db, docId);
	}

	/**
	 * The invite link of a joined triad on this app's origin, carrying its capability in the
	 * fragment, or null when this device has not joined it. `name` is the triad's current name.
	 */
	inviteLink(docId: DocumentId, name: string): string | null {
		const entry = this.#workspaces.find((workspace) => workspace.docId === docId);
		if (!entry) return null;
		const usable = isUsableWorkspaceName(name.trim()) ? name : entry.name;
		return createInviteLink({ ...entry, name: usable }, location.origin);
	}

	/**
	 * The view-only link of a triad this device holds as a member, derived offline from its secret,
	 * or null for a triad it holds as a viewer or has not joined.
	 */
	async viewerLink(docId: DocumentId, name: string): Promise<string | null> {
		const entry = this.#workspaces.find((workspace) => workspace.docId === docId);
		if (!entry || entry.access !== 'member') return null;
		const usable = isUsableWorkspaceName(name.trim()) ? name : entry.name;
		return createInviteLink(await viewerInvite({ ...entry, name: usable }), location.origin);
	}

	/** Notes that the relay refused `secret` of a triad because its access was changed. */
	async markAccessChanged(docId: DocumentId, secret: WorkspaceSecret): Promise<void> {
		await markAccessChanged(this.#db, docId, secret);
		await this.#refresh();
	}

	/** Asks for a change of a triad's access (see workspace-directory.ts, requestRotation). */
	async requestRotation(docId: DocumentId): Promise<PendingRotation | null> {
		const pending = await requestRotation(this.#db, docId);
		await this.#refresh();
		return pending;
	}

	/** Runs a triad's pending rotation with the relay, if any (see pending-rotation.ts). */
	async runRotation(docId: DocumentId): Promise<RotationRun> {
		const run = await runPendingRotation(this.#db, docId, { relayOrigin: this.#relayOrigin() });
		if (run !== 'none') await this.#refresh();
		return run;
	}

	/** Notes that a triad was opened (for ordering) and keeps its name current in the directory. */
	async opened(docId: DocumentId, name?: string): Promise<void> {
		await touchWorkspace(this.#db, docId, { lastOpened: Date.now(), name });
		await this.#refresh();
	}

	/** The overview of a triad saved at its last opening, or null (none, unreadable, outdated). */
	async readOverview(docId: DocumentId): Promise<TriadOverview | null> {
		const stored = await this.#db.get('overviews', docId).catch(() => undefined);
		return parseOverview(stored, docId);
	}

	/** Keeps the overview of a triad for its next opening. */
	saveOverview(overview: TriadOverview): Promise<void> {
		return this.#db.put('overviews', overview, overview.docId);
	}

	async #read(): Promise<void> {
		try {
			this.#identity = await loadIdentity(this.#db);
			this.#workspaces = await listWorkspaces(this.#db);
			this.#error = null;
		} catch (error) {
			this.#error = toStorageError(error);
		} finally {
			this.#loaded = true;
		}
	}

	async #refresh(): Promise<void> {
		this.#workspaces = await listWorkspaces(this.#db);
		this.#channel?.announce();
	}
}

/** The device's one instance, opened lazily on first use. */
export const device = new DeviceState(createDeviceDb());
