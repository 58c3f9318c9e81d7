import { WebsocketProvider } from 'y-websocket';
import * as decoding from 'lib0/decoding';
import { connectionParams, MESSAGE_RECEIPT, MESSAGE_SYNC, SYNC_STEP1 } from '../protocol';
import { DEFAULT_BACKOFF, reconnectDelay, type BackoffPolicy } from './backoff';
import { ConnectionStatus, relayTransport } from './connection-status';
import { guardSyncHandler } from './guard-sync-handler';
import type { ConnectionState, RelayTransport, RelayTransportOptions } from './relay-transport';

/** Where and how to reach the relay. */
export interface WebsocketTransportOptions extends RelayTransportOptions {
	/** The relay's sync endpoint, e.g. `wss://triad.example/sync`; the room (doc id) is appended. */
	relayUrl: string;
	/** The WebSocket class; browsers use the global one, Node tests pass the `ws` package's. */
	WebSocket?: typeof WebSocket;
	backoff?: BackoffPolicy;
	random?: () => number;
	/**
	 * Where `offline` and `online` events come from, and whether the device is online now. Browsers
	 * default to `window` and `navigator.onLine`; elsewhere the default is none (always online).
	 */
	network?: NetworkSignal | null;
	/** This device's push device key, so the relay does not push its own changes back to it. */
	pushDevice?: string | null;
}

/** The device's view of its network: `offline`/`online` events and the current state. */
export interface NetworkSignal {
	events: EventTarget;
	isOnline(): boolean;
}

function browserNetworkSignal(): NetworkSignal | null {
	// Through globalThis: the service worker, which has no window, compiles this module too.
	const page = (globalThis as { window?: EventTarget }).window;
	if (page === undefined || typeof navigator === 'undefined') return null;
	return { events: page, isOnline: () => navigator.onLine };
}

/*
 * Knowing that the relay holds our edits: receipts.
 *
 * The relay counts the messages carrying an update (sync step 2, sync update) that it receives on
 * a connection, and once storage has committed them it sends `receipt(n)`: the first n of them are
 * durable. We count the same messages as y-websocket sends them on the socket: our answer to the
 * relay's step 1 (the step 2 carrying everything the relay lacks, written by the sync handler) and
 * every document update the provider forwards while connected (its `update` listener sends every
 * update whose origin is not the provider itself, when `wsconnected`). One socket delivers in
 * order, so receipt(n) covers every change this device had made when it sent its n-th such
 * message. Counting a message that the socket then failed to deliver only delays a confirmation;
 * it can never confirm a change the relay does not hold.
 *
 * Both counts use y-websocket's public extension points: its per-provider `messageHandlers` (the
 * sync handler, guarded by the update check, is wrapped; the receipt handler added) and its documented `wsconnected`, `synced`
 * and events. A viewer's sync handler never answers the relay's step 1: viewers write nothing.
 */

interface SocketProgress {
	/** Whether the relay's step 1 has been answered on this socket. */
	relayStep1Seen: boolean;
	/** Update-carrying messages sent on this socket. */
	updatesSent: number;
	/** The highest receipt received on this socket. */
	receipted: number;
	/** Confirmations waiting for a receipt covering `target`. */
	waiters: { target: number; resolve: (confirmed: boolean) => void }[];
}

function newProgress(): SocketProgress {
	return { relayStep1Seen: false, updatesSent: 0, receipted: 0, waiters: [] };
}

/** Connects a workspace document to the relay with y-websocket. */
export function createWebsocketTransport(options: WebsocketTransportOptions): RelayTransport {
	const { doc, awareness, docId, token, access } = options;
	const backoff = options.backoff ?? DEFAULT_BACKOFF;
	const random = options.random ?? Math.random;
	const status = new ConnectionStatus();
	const network = options.network === undefined ? browserNetworkSignal() : options.network;
	const isViewer = access === 'viewer';

	let handlingRelayFrame = false;
	let progress = newProgress();

	const provider = new WebsocketProvider(options.relayUrl, docId, doc, {
		connect: false,
		awareness,
		params: connectionParams({
			token,
			viewer: options.viewerToken,
			role: access,
			pushDevice: options.pushDevice
		}),
		WebSocketPolyfill: options.WebSocket ?? globalThis.WebSocket,
		// Tabs sync through openTabChannel (see openWorkspace) instead: y-websocket's own channel
		// broadcasts the whole document on every connect.
		disableBc: true,
		maxBackoffTime: backoff.maxMs
	});

	// The relay's updates reach the document (and so IndexedDB and other tabs) only through the
	// check the relay runs itself; one that fails it is dropped and reported.
	guardSyncHandler(provider, (refused) =>
		console.warn(`Triad: refused an invalid ${refused.message} from the relay (${refused.problem})`)
	);
	const stockSyncHandler = provider.messageHandlers[MESSAGE_SYNC];
	if (stockSyncHandler === undefined) throw new Error('y-websocket has no sync handler');
	provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, handlerProvider, emit, type) => {
		const socket = progress;
		const syncType = decoding.peekVarUint(decoder);
		if (syncType === SYNC_STEP1) {
			socket.relayStep1Seen = true;
			if (!isViewer) {
				stockSyncHandler(encoder, decoder, handlerProvider, emit, type);
				// The step 2 just written is sent as soon as this handler returns.
				socket.updatesSent++;
			}
			// At once: the relay's step 2 may be handled in the same task, and "syncing" is a state
			// of its own. Going synced is told by the provider's `sync` event.
			updateState();
			return;
		}
		handlingRelayFrame = true;
		try {
			stockSyncHandler(encoder, decoder, handlerProvider, emit, type);
		} finally {
			handlingRelayFrame = false;
		}
	};
	provider.messageHandlers[MESSAGE_RECEIPT] = (_encoder, decoder) => {
		const socket = progress;
		socket.receipted = Math.max(socket.receipted, decoding.readVarUint(decoder));
		const waiting = socket.waiters;
		socket.waiters = [];
		for (const waiter of waiting) {
			if (waiter.target <= socket.receipted) waiter.resolve(true);
			else socket.waiters.push(waiter);
		}
	};

	// Registered after the provider's own `update` listener, so it sees the same `wsconnected`.
	const countForwardedUpdate = (_update: Uint8Array, origin: unknown) => {
		if (origin !== provider && provider.wsconnected) progress.updatesSent++;
	};
	doc.on('update', countForwardedUpdate);

	function dropProgress(): void {
		for (const waiter of progress.waiters) waiter.resolve(false);
		progress = newProgress();
	}

	function computeState(): ConnectionState {
		if (status.refusal !== null) return 'offline';
		if (provider.wsconnecting) return 'connecting';
		if (!provider.wsconnected) return 'offline';
		// The socket opens before the relay checks the token: a refused one is closed (4401/4403)
		// right after, and must not look like it was syncing. The relay's step 1 is its first
		// message on an accepted connection.
		if (!progress.relayStep1Seen) return 'connecting';
		return provider.synced ? 'synced' : 'syncing';
	}

	function updateState(notifyAnyway = false): void {
		status.set(computeState(), notifyAnyway);
	}

	provider.on('status', ({ status: socketStatus }) => {
		// A new socket starts its own count: the relay counts per connection too.
		if (socketStatus === 'connecting') dropProgress();
		updateState();
	});
	provider.on('sync', () => updateState());
	provider.on('connection-close', () => {
		dropProgress();
		// y-websocket emits this before it computes the retry delay as
		// min(2^attempts * 100, maxBackoffTime), without jitter. Our delay never exceeds the
		// exponential term (see reconnectDelay), so lowering the cap to it makes it the delay.
		provider.maxBackoffTime = reconnectDelay(
			provider.wsUnsuccessfulReconnects + 1,
			backoff,
			random
		);
		queueMicrotask(() => updateState());
	});
	provider.on('closed', (event) => {
		status.refusal = { code: event.code, reason: event.reason };
		updateState(true);
	});

	/*
	 * The browser's network signal. Chromium keeps an open WebSocket when the device goes offline
	 * (airplane mode on a phone, offline emulation), and y-websocket only notices after its
	 * 30-second silence watchdog, so the status would say "synced" with no network. On `offline`
	 * we drop the socket and stop retrying (every retry would fail); on `online` we reconnect at
	 * once instead of sitting out the rest of a long backoff. `wanted` is the caller's intention
	 * (connect/disconnect), which the network signal never overrides.
	 */
	let wanted = false;
	const goOffline = () => {
		if (!provider.shouldConnect) return;
		provider.disconnect();
		updateState();
	};
	const goOnline = () => {
		if (wanted && status.refusal === null && !provider.shouldConnect) provider.connect();
		updateState();
	};
	network?.events.addEventListener('offline', goOffline);
	network?.events.addEventListener('online', goOnline);

	return relayTransport(status, {
		isFromRelay: (origin) => origin === provider && handlingRelayFrame,
		confirmRelayHasDoc() {
			if (status.state !== 'synced') return Promise.resolve(false);
			if (isViewer) return Promise.resolve(true);
			const socket = progress;
			const target = socket.updatesSent;
			if (socket.receipted >= target) return Promise.resolve(true);
			return new Promise((resolve) => socket.waiters.push({ target, resolve }));
		},
		connect() {
			status.refusal = null;
			wanted = true;
			if (network === null || network.isOnline()) provider.connect();
			updateState();
		},
		disconnect() {
			wanted = false;
			provider.disconnect();
			updateState();
		},
		destroy() {
			network?.events.removeEventListener('offline', goOffline);
			network?.events.removeEventListener('online', goOnline);
			doc.off('update', countForwardedUpdate);
			dropProgress();
			provider.destroy();
			updateState();
			status.clear();
		}
	});
}
