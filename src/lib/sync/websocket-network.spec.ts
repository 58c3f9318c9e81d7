import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { putMember, readMembers } from '../doc/members';
import type { AccessToken, DocumentId } from '../protocol';
import type { ConnectionState, RelayTransport } from './relay-transport';
import { startTestRelay, type TestRelay } from './testing/test-relay';
import { createWebsocketTransport, type NetworkSignal } from './websocket-transport';
import { newDocumentId, newMemberId } from './workspace-secret';

/** A stand-in for `window` + `navigator.onLine` that the test switches like airplane mode. */
class FakeNetwork implements NetworkSignal {
	readonly events = new EventTarget();
	#online: boolean;
	constructor(online: boolean) {
		this.#online = online;
	}
	isOnline(): boolean {
		return this.#online;
	}
	set(online: boolean): void {
		this.#online = online;
		this.events.dispatchEvent(new Event(online ? 'online' : 'offline'));
	}
}

interface Device {
	doc: Y.Doc;
	transport: RelayTransport;
	/** How many sockets this device has opened so far. */
	sockets: () => number;
}

describe('WebSocket transport and the browser network signal', () => {
	let relay: TestRelay;
	const opened: Device[] = [];
	beforeAll(async () => {
		relay = await startTestRelay();
	});
	afterAll(async () => {
		await relay.dispose();
	});
	afterEach(() => {
		for (const device of opened.splice(0)) device.transport.destroy();
	});

	function device(docId: DocumentId, network: NetworkSignal | null): Device {
		let sockets = 0;
		class CountingSocket extends NodeWebSocket {
			constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
				super(...args);
				sockets++;
			}
		}
		const doc = new Y.Doc();
		const transport = createWebsocketTransport({
			docId,
			doc,
			awareness: new Awareness(doc),
			token: (docId + docId.slice(0, 21)) as AccessToken,
			access: 'member',
			viewerToken: null,
			relayUrl: relay.url,
			WebSocket: CountingSocket as unknown as typeof WebSocket,
			backoff: { baseMs: 20, maxMs: 100 },
			network
		});
		const created = { doc, transport, sockets: () => sockets };
		opened.push(created);
		return created;
	}

	function reaches(target: Device, state: ConnectionState): Promise<void> {
		return new Promise((resolve) => {
			if (target.transport.state === state) return resolve();
			const stop = target.transport.onStateChange((next) => {
				if (next !== state) return;
				stop();
				resolve();
			});
		});
	}

	function hasMember(target: Device, name: string): Promise<void> {
		const check = () => readMembers(target.doc).some((member) => member.name === name);
		return new Promise((resolve) => {
			if (check()) return resolve();
			const onUpdate = () => {
				if (!check()) return;
				target.doc.off('update', onUpdate);
				resolve();
			};
			target.doc.on('update', onUpdate);
		});
	}

	/** Long enough for several reconnect attempts at this backoff (20–100 ms). */
	const severalBackoffs = () => new Promise((resolve) => setTimeout(resolve, 600));

	it('drops the socket on "offline" at once and does not retry until "online"', async () => {
		const network = new FakeNetwork(true);
		const docId = newDocumentId();
		const phone = device(docId, network);
		const laptop = device(docId, null);
		phone.transport.connect();
		laptop.transport.connect();
		await Promise.all([reaches(phone, 'synced'), reaches(laptop, 'synced')]);

		network.set(false);
		expect(phone.transport.state).toBe('offline');
		const socketsWhenOffline = phone.sockets();
		putMember(laptop.doc, {
			id: newMemberId(),
			name: 'Written while the phone is away',
			joinedAt: 1
		});
		await severalBackoffs();
		expect(phone.sockets()).toBe(socketsWhenOffline);
		expect(phone.transport.state).toBe('offline');
		expect(readMembers(phone.doc)).toEqual([]);

		network.set(true);
		await hasMember(phone, 'Written while the phone is away');
		await reaches(phone, 'synced');
		expect(phone.sockets()).toBe(socketsWhenOffline + 1);
	});

	it('waits for "online" before the first connection when the device starts offline', async () => {
		const network = new FakeNetwork(false);
		const phone = device(newDocumentId(), network);
		phone.transport.connect();
		await severalBackoffs();
		expect(phone.sockets()).toBe(0);
		expect(phone.transport.state).toBe('offline');
		network.set(true);
		await reaches(phone, 'synced');
		expect(phone.sockets()).toBe(1);
	});

	it('does not reconnect on "online" after the caller disconnected', async () => {
		const network = new FakeNetwork(true);
		const phone = device(newDocumentId(), network);
		phone.transport.connect();
		await reaches(phone, 'synced');
		network.set(false);
		phone.transport.disconnect();
		network.set(true);
		await severalBackoffs();
		expect(phone.sockets()).toBe(1);
		expect(phone.transport.state).toBe('offline');
	});

	it('stops listening to the network once destroyed', async () => {
		const network = new FakeNetwork(false);
		const phone = device(newDocumentId(), network);
		phone.transport.connect();
		phone.transport.destroy();
		network.set(true);
		await severalBackoffs();
		expect(phone.sockets()).toBe(0);
	});
});
