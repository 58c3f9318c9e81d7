import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { DocumentId } from '../domain/ids';
import type { Role } from '../domain/model';
import { applyValidUpdate } from '../protocol/validate-update';
import type { Identity } from './identity';
import { deferredLocalStore } from './deferred-local-store';
import { createIndexedDbLocalStore } from './indexeddb-local-store';
import { Listeners } from './listeners';
import type { LocalStoreFactory } from './local-store';
import { memberColor, peersOf, type Peer, type PresenceState } from './presence';
import type { ConnectionState, RelayRefusal, RelayTransportFactory } from './relay-transport';
import { relayCredentials, type AccessLevel } from './relay-token';
import { toStorageError, type StorageError } from './storage-error';
import { UnsyncedChangesTracker } from './unsynced-changes';
import { openTabChannel, type TabChannel } from './tab-channel';
import { createWebsocketTransport } from './websocket-transport';
import type { WorkspaceSecret } from './workspace-secret';

/** Everything the UI shows about where a workspace's data stands. Replaced, never mutated. */
export interface SyncStatus {
	connection: ConnectionState;
	/** True while edits made on this device may not be on the relay yet. */
	unsyncedLocalChanges: boolean;
	/** True once the on-device copy has been read (or failed to be read). */
	localLoaded: boolean;
	/** The first on-device storage failure; edits since then may not survive a reload. */
	storageError: StorageError | null;
	/** Set when the relay refused this workspace (e.g. a token it does not accept). */
	refusal: RelayRefusal | null;
	/**
	 * Why this page cannot reach the relay at all, when it cannot: the token needs WebCrypto,
	 * which browsers offer only on secure (HTTPS or localhost) pages. Local work goes on.
	 */
	setupError: string | null;
}

/** How to open a workspace. Either `relayUrl` or `transport` must be given. */
export interface OpenWorkspaceOptions {
	docId: DocumentId;
	secret: WorkspaceSecret;
	identity: Identity;
	/**
	 * What `secret` gives (default member). A viewer holds the read secret: it receives the
	 * document and live changes, and sends nothing: no update, no presence, no tab channel (another
	 * tab's forwarded changes would be sent to the relay as writes, which it refuses).
	 */
	access?: AccessLevel;
	/** The seat this member holds here, announced in presence. */
	seat?: Role | null;
	/** The relay's sync endpoint, e.g. `wss://triad.example/sync` (see `relayUrlFor`). */
	relayUrl?: string;
	/** The WebSocket class for the default transport; Node passes the `ws` package's. */
	WebSocket?: typeof WebSocket;
	/**
	 * Whether to sync with other tabs of this browser over BroadcastChannel (default true), with
	 * or without a relay. Node has BroadcastChannel too: tests of several devices in one process
	 * pass false so that they meet only through the relay.
	 */
	crossTab?: boolean;
	/** Replaces the default y-websocket transport (tests use MemoryRelay). */
	transport?: RelayTransportFactory;
	/** Replaces the default IndexedDB store (tests use createMemoryStorage). */
	localStore?: LocalStoreFactory;
	/** Whether to connect to the relay at all (default true). */
	connect?: boolean;
	/**
	 * Start reading the on-device copy only once this settles (see deferredLocalStore); the app
	 * passes "after the next paint" when it has a saved overview of the triad to show meanwhile.
	 */
	localLoadAfter?: Promise<unknown>;
	/**
	 * This device's push device key when it subscribed to pushes (see `pushDeviceKey`), read at
	 * each connection: the relay then sends this device no push about what it wrote itself.
	 */
	pushDevice?: () => string | null;
}

/** An open workspace: the live document, its presence, and its sync status. */
export interface WorkspaceHandle {
	readonly docId: DocumentId;
	/** What this device may do: a viewer only reads (see `OpenWorkspaceOptions.access`). */
	readonly access: AccessLevel;
	/** The secret the relay connection presents now (see `reconnect`). */
	readonly secret: WorkspaceSecret;
	/** The workspace document; read and write it only through src/lib/doc. */
	readonly doc: Y.Doc;
	/** Yjs awareness, for TipTap's collaboration caret. */
	readonly awareness: Awareness;
	/** Resolves once the on-device copy is loaded; rejects with a StorageError if it cannot be. */
	readonly whenLocalLoaded: Promise<void>;
	readonly status: SyncStatus;
	/** Calls `listener` with every new status; returns the unsubscribe function. */
	onStatus(listener: (status: SyncStatus) => void): () => void;
	/** The other devices currently present, from awareness. */
	peers(): Peer[];
	/** Calls `listener` when peers come, go or change what they edit; returns the unsubscribe. */
	onPeers(listener: (peers: Peer[]) => void): () => void;
	/** Announces what this member is editing (a proposal id, say), or null. */
	setEditing(target: string | null): void;
	/** Announces a changed seat or display name. */
	updatePresence(changes: { seat?: Role | null; name?: string }): void;
	/**
	 * Merges a Yjs update from outside (an imported workspace file) into the document. It counts
	 * as a local change: it is saved on the device and sent to the relay like an edit. Throws,
	 * merging nothing, when the update fails the check the relay runs.
	 */
	mergeUpdate(update: Uint8Array): void;
	/**
	 * Connects to the relay with another secret of the same access level (after a rotation, or a
	 * new link): the old connection is dropped, its refusal forgotten, and the document, its local
	 * copy and presence stay as they are. Local changes the relay lacks are sent on the new
	 * connection like after any reconnection.
	 */
	reconnect(secret: WorkspaceSecret): void;
	/**
	 * How many saved updates of the on-device copy could not be read when it was opened and were
	 * set aside (kept on the device, not loaded): the member is told. Resolves with the local load.
	 */
	readonly whenSavedCopyChecked: Promise<{ setAside: number }>;
	/** Stops syncing and saving, and releases the document. */
	close(): Promise<void>;
}

/*
 * A viewer's awareness emits no `update` events. y-websocket sends every awareness `update` to the
 * relay, the states it received from others included (its handler ignores the origin), and the
 * relay closes a viewer that sends any presence with 4405. Without `update`, nothing of it is
 * sent; `change`, from which the session lists who is here, still fires. Nothing else listens to
 * `update` on a viewer's awareness: viewers open no tab channel and no editor.
 */
class ReceivingAwareness extends Awareness {
	override emit(name: string, args: unknown[]): void {
		if (name !== 'update') super.emit(name, args);
	}
}

/** The transaction origin of merged imports, distinct from the store's, the relay's and edits. */
const IMPORT_ORIGIN = Symbol('workspace import');

/** The relay endpoint on the origin the app was served from (`ws:` or `wss:` + `/sync`). */
export function relayUrlFor(location: { protocol: string; host: string }): string {
	return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/sync`;
}

/**
 * Opens a workspace: loads the on-device copy first, then syncs with other tabs of this browser
 * (see `crossTab`) and connects to the relay, announces presence and keeps `status` current.
 * Never throws for storage or network trouble; those show up in `status` so that the workspace
 * stays usable offline or in memory.
 */
export function openWorkspace(options: OpenWorkspaceOptions): WorkspaceHandle {
	const { docId, identity } = options;
	let secret = options.secret;
	const access = options.access ?? 'member';
	const doc = new Y.Doc();
	const awareness = access === 'viewer' ? new ReceivingAwareness(doc) : new Awareness(doc);
	const storeFactory = options.localStore ?? createIndexedDbLocalStore;
	const store = (
		options.localLoadAfter === undefined
			? storeFactory
			: deferredLocalStore(storeFactory, options.localLoadAfter)
	)(docId, doc);
	const transportFactory =
		options.transport ??
		((transportOptions) => {
			if (options.relayUrl === undefined) throw new TypeError('openWorkspace needs a relayUrl');
			return createWebsocketTransport({
				...transportOptions,
				relayUrl: options.relayUrl,
				WebSocket: options.WebSocket,
				pushDevice: options.pushDevice?.() ?? null
			});
		});

	let presence: PresenceState = {
		user: {
			memberId: identity.memberId,
			name: identity.name,
			color: memberColor(identity.memberId),
			seat: options.seat ?? null
		},
		editing: null
	};
	awareness.setLocalState(access === 'viewer' ? null : presence);

	let closed = false;
	const statusListeners = new Listeners<[SyncStatus]>();
	let status: SyncStatus = {
		connection: 'offline',
		unsyncedLocalChanges: false,
		localLoaded: false,
		storageError: store.error,
		refusal: null,
		setupError: null
	};
	const setStatus = (changes: Partial<SyncStatus>) => {
		const next = { ...status, ...changes };
		if ((Object.keys(changes) as (keyof SyncStatus)[]).every((key) => next[key] === status[key])) {
			return;
		}
		status = next;
		statusListeners.emit(status);
	};

	const stopStoreErrors = store.onError((error) => {
		if (status.storageError === null) setStatus({ storageError: error });
	});

	// The transport is created once the token (WebCrypto, asynchronous) and the local copy are
	// both ready: connecting before loading would make the relay resend the whole document.
	let transport: ReturnType<RelayTransportFactory> | null = null;
	let stopTransportStatus: () => void = () => undefined;
	const tracker = new UnsyncedChangesTracker(doc, store);
	const cleanups: (() => void)[] = [
		stopStoreErrors,
		tracker.onChange((unsyncedLocalChanges) => setStatus({ unsyncedLocalChanges }))
	];

	// A page can be closed without anything closing the workspace: what the relay sent until then
	// is recorded as held by the relay, so that the next start does not report it as this device's.
	// Through globalThis: the service worker, which has no page to hide, compiles this module too.
	const page = globalThis as {
		window?: EventTarget;
		document?: EventTarget & { visibilityState: string };
	};
	if (page.window && page.document) {
		const { window: pageWindow, document: pageDocument } = page;
		const flushMarker = () => {
			if (pageDocument.visibilityState === 'hidden') tracker.flush();
		};
		const flushOnPageHide = () => tracker.flush();
		pageDocument.addEventListener('visibilitychange', flushMarker);
		pageWindow.addEventListener('pagehide', flushOnPageHide);
		cleanups.push(() => {
			pageDocument.removeEventListener('visibilitychange', flushMarker);
			pageWindow.removeEventListener('pagehide', flushOnPageHide);
		});
	}

	const whenLocalLoaded = store.whenLoaded.then(
		() => setStatus({ localLoaded: true }),
		(error: unknown) => {
			const storageFailure = toStorageError(error);
			setStatus({ localLoaded: true, storageError: status.storageError ?? storageFailure });
			throw storageFailure;
		}
	);
	whenLocalLoaded.catch(() => undefined);

	/*
	 * Other tabs need neither the network nor the relay: the channel opens once the local copy is
	 * loaded (or failed to load, leaving the doc in memory), whether a transport can be made or
	 * not. Opened earlier, a tab would ask the others for the whole document it is about to read
	 * from the device.
	 */
	let tabs: TabChannel | null = null;
	if (options.crossTab !== false && access === 'member') {
		void whenLocalLoaded
			.catch(() => undefined)
			.then(() => {
				if (closed) return;
				tabs = openTabChannel(docId, doc, awareness, (origin) => {
					return transport?.isFromRelay(origin) ?? false;
				});
			});
	}

	/*
	 * Each connection of this session is numbered; a connection being set up (its token is
	 * computed asynchronously) that is no longer the latest by the time it is ready is dropped, so
	 * a `reconnect` made meanwhile wins.
	 */
	let connectionNumber = 0;
	let loadedStateCheck: Promise<void> | null = null;
	const dropTransport = () => {
		stopTransportStatus();
		stopTransportStatus = () => undefined;
		transport?.destroy();
		transport = null;
	};
	const startRelay = async (number: number): Promise<void> => {
		// A token that cannot be computed or a transport that cannot be made is not an outage
		// that retrying fixes: say so in the status instead of staying "offline" forever.
		const credentials = await relayCredentials(docId, secret, access);
		await whenLocalLoaded.catch(() => undefined);
		if (closed || number !== connectionNumber) return;
		loadedStateCheck ??= tracker.checkLoadedState();
		await loadedStateCheck;
		if (closed || number !== connectionNumber) return;
		dropTransport();
		const relay = transportFactory({
			docId,
			doc,
			awareness,
			token: credentials.token,
			viewerToken: credentials.viewer,
			access
		});
		transport = relay;
		stopTransportStatus = relay.onStateChange((connection) =>
			setStatus({ connection, refusal: relay.refusal })
		);
		tracker.attach(relay);
		if (options.connect !== false) relay.connect();
	};
	const connectRelay = (): Promise<void> => {
		const number = ++connectionNumber;
		return startRelay(number).catch((error: unknown) => {
			if (closed || number !== connectionNumber) return;
			const secure = typeof globalThis.crypto?.subtle !== 'undefined';
			setStatus({
				connection: 'offline',
				setupError: secure
					? `Cannot connect to the relay: ${error instanceof Error ? error.message : String(error)}`
					: 'This page is not secure (not HTTPS), so the browser withholds the cryptography ' +
						'needed to reach the relay. Changes stay on this device.'
			});
		});
	};
	let started = connectRelay();

	const peerListeners = new Listeners<[Peer[]]>();
	const onAwarenessChange = () => peerListeners.emit(peersOf(awareness));
	awareness.on('change', onAwarenessChange);
	cleanups.push(() => awareness.off('change', onAwarenessChange));

	/*
	 * Presence writes only the fields it owns. Other writers share the local awareness state:
	 * TipTap's collaboration caret keeps the member's selection in `cursor`, and replacing the
	 * whole state would hide that caret from everyone until the next selection change.
	 */
	const announce = <K extends keyof PresenceState>(field: K, value: PresenceState[K]) => {
		presence = { ...presence, [field]: value };
		if (!closed && access === 'member') awareness.setLocalStateField(field, value);
	};

	return {
		docId,
		access,
		get secret() {
			return secret;
		},
		doc,
		awareness,
		whenLocalLoaded,
		whenSavedCopyChecked: (store.storedUpdateReports ?? Promise.resolve([])).then((reports) => ({
			setAside: reports.filter((report) => report.action === 'set-aside').length
		})),
		get status() {
			return status;
		},
		onStatus: (listener) => statusListeners.add(listener),
		peers: () => peersOf(awareness),
		onPeers: (listener) => peerListeners.add(listener),
		setEditing(target) {
			if (presence.editing !== target) announce('editing', target);
		},
		updatePresence({ seat, name }) {
			announce('user', {
				...presence.user,
				seat: seat === undefined ? presence.user.seat : seat,
				name: name ?? presence.user.name
			});
		},
		mergeUpdate(update) {
			if (closed) throw new Error('the workspace is closed');
			if (access === 'viewer') throw new Error('a viewer cannot change the workspace');
			const problem = applyValidUpdate(doc, update, IMPORT_ORIGIN);
			if (problem !== null) throw new Error(`the update is invalid (${problem})`);
		},
		reconnect(next) {
			if (closed) throw new Error('the workspace is closed');
			secret = next;
			dropTransport();
			setStatus({ connection: 'offline', refusal: null, setupError: null });
			started = connectRelay();
		},
		async close() {
			if (closed) return;
			closed = true;
			tabs?.close();
			await started.catch(() => undefined);
			tracker.destroy();
			dropTransport();
			for (const cleanup of cleanups) cleanup();
			awareness.destroy();
			statusListeners.clear();
			peerListeners.clear();
			await store.destroy();
			doc.destroy();
		}
	};
}
