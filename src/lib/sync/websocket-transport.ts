import { WebsocketProvider } from 'y-websocket';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { DEFAULT_BACKOFF, reconnectDelay, type BackoffPolicy } from './backoff';
import { ConnectionStatus, relayTransport } from './connection-status';
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
}

/** The device's view of its network: `offline`/`online` events and the current state. */
export interface NetworkSignal {
	events: EventTarget;
	isOnline(): boolean;
}

function browserNetworkSignal(): NetworkSignal | null {
	if (typeof window === 'undefined' || typeof navigator === 'undefined') return null;
	return { events: window, isOnline: () => navigator.onLine };
}

const MESSAGE_SYNC = 0;
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;

function syncMessageType(data: Uint8Array): number | null {
	return data[0] === MESSAGE_SYNC && data.length > 1 ? (data[1] ?? null) : null;
}

function toBytes(data: unknown): Uint8Array | null {
	if (data instanceof Uint8Array) return data;
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	return null;
}

/*
 * Knowing that the relay holds our edits.
 *
 * The sync protocol has no acknowledgements: the relay applies updates and never says so, and
 * y-websocket's `synced` only means that the relay answered our first state vector — possibly
 * before our own offline edits (sent in reply to the relay's step 1) even arrived. What the
 * protocol does guarantee is order: one WebSocket delivers frames in order, and the relay handles
 * each connection's messages in order and answers every sync step 1 with exactly one step 2.
 *
 * So a step 1 is a barrier. Once the relay's own step 1 has arrived (our reply carrying
 * everything it lacks has then been sent) every local update has been sent on this socket before
 * whatever we send next. A step 1 sent now is answered only after the relay processed all of it;
 * its step 2 reply is the acknowledgement. We count step 1 frames going out (y-websocket's and
 * ours) and step 2 frames coming in, per socket, and resolve our barrier when its reply arrives.
 * Cost: one state vector out and one small diff back per confirmation, and the caller keeps at
 * most one confirmation in flight, so a burst of typing costs one round trip, not one per key.
 *
 * Updates from other tabs arrive through our own tab channel, with its origin, so y-websocket
 * forwards them to the relay like local edits and the barrier covers them too. Only relay frames
 * carry the provider as origin; we also note when one is being handled, to be sure.
 */

/** Connects a workspace document to the relay with y-websocket. */
export function createWebsocketTransport(options: WebsocketTransportOptions): RelayTransport {
	const { doc, awareness, docId, token } = options;
	const BaseSocket = options.WebSocket ?? globalThis.WebSocket;
	const backoff = options.backoff ?? DEFAULT_BACKOFF;
	const random = options.random ?? Math.random;
	const status = new ConnectionStatus();
	const network = options.network === undefined ? browserNetworkSignal() : options.network;

	let handlingRelayFrame = false;
	// eslint-disable-next-line prefer-const -- assigned once the provider exists
	let provider: WebsocketProvider;

	class TrackedSocket extends BaseSocket {
		/** Resolvers of our barriers, in send order; null marks a step 1 sent by y-websocket. */
		readonly barriers: Array<((confirmed: boolean) => void) | null> = [];
		relayStep1Seen = false;

		override send(data: Parameters<WebSocket['send']>[0]): void {
			const bytes = toBytes(data);
			if (bytes !== null && syncMessageType(bytes) === SYNC_STEP_1) this.barriers.push(null);
			super.send(data);
		}

		sendBarrier(resolve: (confirmed: boolean) => void): void {
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, MESSAGE_SYNC);
			syncProtocol.writeSyncStep1(encoder, doc);
			super.send(encoding.toUint8Array(encoder));
			this.barriers.push(resolve);
		}

		failBarriers(): void {
			for (const resolve of this.barriers.splice(0)) resolve?.(false);
		}

		override set onmessage(handler: ((event: MessageEvent) => void) | null) {
			super.onmessage =
				handler === null
					? null
					: (event: MessageEvent) => {
							const bytes = toBytes(event.data);
							handlingRelayFrame = true;
							try {
								handler(event);
							} finally {
								handlingRelayFrame = false;
							}
							if (bytes !== null) this.#afterRelayFrame(bytes);
						};
		}

		override get onmessage(): ((event: MessageEvent) => void) | null {
			return super.onmessage;
		}

		#afterRelayFrame(bytes: Uint8Array): void {
			const type = syncMessageType(bytes);
			if (type === SYNC_STEP_1) {
				this.relayStep1Seen = true;
				updateState();
			} else if (type === SYNC_STEP_2) {
				this.barriers.shift()?.(true);
				updateState();
			}
		}
	}

	const currentSocket = (): TrackedSocket | null =>
		provider.ws instanceof TrackedSocket ? provider.ws : null;

	function computeState(): ConnectionState {
		const socket = currentSocket();
		if (socket === null || status.refusal !== null) return 'offline';
		if (provider.wsconnecting) return 'connecting';
		if (!provider.wsconnected) return 'offline';
		// The socket opens before the relay checks the token: a refused one is closed (4401/4403)
		// right after, and must not look like it was syncing. The relay's step 1 is its first
		// message on an accepted connection.
		if (!socket.relayStep1Seen) return 'connecting';
		return provider.synced ? 'synced' : 'syncing';
	}

	function updateState(notifyAnyway = false): void {
		status.set(computeState(), notifyAnyway);
	}

	provider = new WebsocketProvider(options.relayUrl, docId, doc, {
		connect: false,
		awareness,
		params: { token },
		WebSocketPolyfill: TrackedSocket as typeof WebSocket,
		// Tabs sync through openTabChannel (see openWorkspace) instead: y-websocket's own channel
		// broadcasts the whole document on every connect.
		disableBc: true,
		maxBackoffTime: backoff.maxMs
	});

	provider.on('status', () => updateState());
	provider.on('sync', () => updateState());
	provider.on('connection-close', (_event, closing) => {
		const socket = closing.ws;
		if (socket instanceof TrackedSocket) socket.failBarriers();
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
		if (wanted && status.refusal === null && provider.ws === null) provider.connect();
		updateState();
	};
	network?.events.addEventListener('offline', goOffline);
	network?.events.addEventListener('online', goOnline);

	return relayTransport(status, {
		isFromRelay: (origin) => origin === provider && handlingRelayFrame,
		confirmRelayHasDoc() {
			const socket = currentSocket();
			if (status.state !== 'synced' || socket === null) return Promise.resolve(false);
			return new Promise((resolve) => socket.sendBarrier(resolve));
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
			currentSocket()?.failBarriers();
			provider.destroy();
			updateState();
			status.clear();
		}
	});
}
