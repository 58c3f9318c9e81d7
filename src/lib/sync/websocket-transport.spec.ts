import { afterAll, beforeAll, describe } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { runRelayTransportContract } from './testing/relay-transport.contract';
import { startTestRelay, type TestRelay } from './testing/test-relay';
import { createWebsocketTransport } from './websocket-transport';

describe('WebSocket transport (y-websocket) against the relay (server/main.ts) on 127.0.0.1', () => {
	let relay: TestRelay;
	let reachable = true;
	beforeAll(async () => {
		relay = await startTestRelay();
	});
	afterAll(async () => {
		await relay.dispose();
	});

	runRelayTransportContract(() => ({
		transport: (options) =>
			createWebsocketTransport({
				...options,
				relayUrl: relay.url,
				WebSocket: NodeWebSocket as unknown as typeof WebSocket,
				backoff: { baseMs: 20, maxMs: 250 }
			}),
		// The project's relay closes a refused token with 4401/4403 after the handshake.
		reportsRefusal: true,
		async setRelayReachable(next) {
			if (next === reachable) return;
			reachable = next;
			await (next ? relay.start() : relay.stop());
		}
	}));
});
