import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readRelayConfig } from '../../server/config';
import type { RelayServerOptions } from '../../server/relay-server';
import {
	connectProvider,
	destroyProviders,
	newRoom,
	openRawClient,
	roomUrl,
	startInProcessRelay,
	synced,
	waitFor,
	type InProcessRelay,
	type RawClient,
	type TestRoom
} from './harness';

/*
 * Limits per network address. Every client of these tests comes from its own loopback address
 * (Linux routes all of 127.0.0.0/8 to the loopback interface), so one test holds an attacker and
 * a member on different addresses, as they would be.
 */

const ATTACKER = '127.0.0.2';
const NEIGHBOUR = '127.0.0.3';

const started: InProcessRelay[] = [];
const sockets: RawClient[] = [];
afterEach(async () => {
	for (const raw of sockets.splice(0)) raw.ws.terminate();
	destroyProviders();
	for (const relay of started.splice(0)) await relay.stop();
});

async function start(options: RelayServerOptions): Promise<InProcessRelay> {
	const relay = await startInProcessRelay(options);
	started.push(relay);
	return relay;
}

/** A raw socket to `room` coming from `address`. */
function rawFrom(relay: InProcessRelay, address: string, room: TestRoom): RawClient {
	const raw = openRawClient(roomUrl(relay.syncUrl, room), { localAddress: address });
	sockets.push(raw);
	return raw;
}

/** How the relay answered a socket: greeted it (its sync step 1), or refused it. */
type Outcome =
	| { accepted: true }
	| { accepted: false; code: number; status: number | undefined; received: number };

async function outcomeOf(raw: RawClient): Promise<Outcome> {
	let closed: { code: number } | null = null;
	void raw.closed.then((close) => (closed = close));
	await waitFor(() => raw.messages.length > 0 || closed !== null, 'a greeting or a refusal');
	if (raw.messages.length > 0) return { accepted: true };
	const { code } = closed as unknown as { code: number };
	return { accepted: false, code, status: raw.status(), received: raw.messages.length };
}

/** Lines of `event` with `reason`. */
function lines(relay: InProcessRelay, event: string, reason: string) {
	return relay.logs.filter((line) => line.event === event && line.reason === reason);
}

async function metricsText(relay: InProcessRelay): Promise<string> {
	return (await fetch(`${relay.url}/metrics`)).text();
}

/**
 * A document a member (on 127.0.0.1) registered and wrote to, then left, so that it is not
 * loaded any more.
 */
async function registeredTriad(relay: InProcessRelay, text: string): Promise<TestRoom> {
	const room = newRoom();
	const doc = new Y.Doc();
	const provider = connectProvider(relay.syncUrl, room, doc);
	await synced(provider);
	doc.getText('t').insert(0, text);
	const witness = new Y.Doc();
	const witnessProvider = connectProvider(relay.syncUrl, room, witness);
	await waitFor(() => witness.getText('t').toString() === text, 'the text at the relay');
	provider.destroy();
	witnessProvider.destroy();
	await waitFor(() => relay.metrics.loadedDocuments === 0, 'the document to unload');
	return room;
}

describe('new documents per address and hour', () => {
	it('refuses an address its next new document with 4429 once it registered its quota', async () => {
		const relay = await start({ newDocumentsPerAddressPerHour: 2 });
		const first = newRoom();
		expect(await outcomeOf(rawFrom(relay, ATTACKER, first))).toEqual({ accepted: true });
		expect(await outcomeOf(rawFrom(relay, ATTACKER, newRoom()))).toEqual({ accepted: true });
		const third = newRoom();
		expect(await outcomeOf(rawFrom(relay, ATTACKER, third))).toEqual({
			accepted: false,
			code: 4429,
			status: undefined,
			received: 0
		});
		expect(relay.metrics.refusals.get('address_registration_limit')).toBe(1);
		expect(lines(relay, 'upgrade_refused', 'address_registration_limit')).toEqual([
			expect.objectContaining({ code: 4429, docId: third.docId, remote: ATTACKER })
		]);
		expect(await metricsText(relay)).toMatch(
			/^triad_relay_refusals_total\{reason="address_registration_limit"\} 1$/m
		);

		// Documents it registered already still open: only registrations count.
		expect(await outcomeOf(rawFrom(relay, ATTACKER, first))).toEqual({ accepted: true });
		// Other addresses register as before, the refused document included: it was not registered.
		expect(await outcomeOf(rawFrom(relay, NEIGHBOUR, newRoom()))).toEqual({ accepted: true });
		const taken = { docId: third.docId, token: newRoom().token };
		expect(await outcomeOf(rawFrom(relay, NEIGHBOUR, taken))).toEqual({ accepted: true });
		expect(relay.logs).toContainEqual(
			expect.objectContaining({ event: 'document_registered', docId: third.docId })
		);
	});
});

describe('connections per address', () => {
	it('refuses a connection beyond the address limit with 4429, and takes one again once one closed', async () => {
		const relay = await start({ maxConnectionsPerAddress: 3 });
		const room = newRoom();
		const open = [0, 1, 2].map(() => rawFrom(relay, ATTACKER, room));
		for (const raw of open) expect(await outcomeOf(raw)).toEqual({ accepted: true });
		expect(await outcomeOf(rawFrom(relay, ATTACKER, room))).toMatchObject({
			accepted: false,
			code: 4429,
			received: 0
		});
		expect(relay.metrics.refusals.get('address_connection_limit')).toBe(1);
		expect(lines(relay, 'upgrade_refused', 'address_connection_limit')).toEqual([
			expect.objectContaining({ code: 4429, remote: ATTACKER })
		]);
		expect(await outcomeOf(rawFrom(relay, NEIGHBOUR, room))).toEqual({ accepted: true });

		(open[0] as RawClient).ws.close();
		await (open[0] as RawClient).closed;
		await waitFor(() => relay.metrics.connections === 3, 'the relay to see the close');
		expect(await outcomeOf(rawFrom(relay, ATTACKER, room))).toEqual({ accepted: true });
	});
});

describe('idle sockets to made-up rooms', () => {
	/** Opens idle sockets to new made-up rooms from `address` until one is refused. */
	async function fillWithMadeUpRooms(relay: InProcessRelay, address: string, atMost: number) {
		const rooms: TestRoom[] = [];
		for (let i = 0; i < atMost; i++) {
			const room = newRoom();
			const outcome = await outcomeOf(rawFrom(relay, address, room));
			if (!outcome.accepted) {
				return { accepted: rooms.length, rooms, refusal: outcome, refusedRoom: room };
			}
			rooms.push(room);
		}
		return { accepted: rooms.length, rooms, refusal: null, refusedRoom: null };
	}

	it('are registrations: at the default limits an attacker is refused long before members are', async () => {
		const defaults = readRelayConfig({});
		const relay = await start({
			maxLoadedDocuments: 100,
			newDocumentsPerAddressPerHour: defaults.newDocumentsPerAddressPerHour,
			maxConnectionsPerAddress: defaults.maxConnectionsPerAddress
		});
		const triad = await registeredTriad(relay, 'our triad');
		const attack = await fillWithMadeUpRooms(relay, ATTACKER, 100);
		expect(attack.refusal).toMatchObject({ code: 4429, received: 0 });
		expect(attack.accepted).toBe(defaults.newDocumentsPerAddressPerHour);

		const doc = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, triad, doc));
		expect(doc.getText('t').toString()).toBe('our triad');
	});

	it('never take more than half of the loaded documents for one address, so members still get in', async () => {
		const relay = await start({
			maxLoadedDocuments: 8,
			newDocumentsPerAddressPerHour: 1000,
			maxConnectionsPerAddress: 1000
		});
		const triad = await registeredTriad(relay, 'still ours');
		const attack = await fillWithMadeUpRooms(relay, ATTACKER, 9);
		expect(attack.refusal).toMatchObject({ code: 4429, received: 0 });
		expect(attack.accepted).toBe(4);
		expect(relay.metrics.refusals.get('address_loaded_document_limit')).toBe(1);
		expect(lines(relay, 'upgrade_refused', 'address_loaded_document_limit')).toEqual([
			expect.objectContaining({ code: 4429, remote: ATTACKER })
		]);
		// Refused before it was registered: the made-up room leaves nothing behind.
		const registered = relay.logs.filter((line) => line.event === 'document_registered');
		expect(registered.map((line) => line.docId)).not.toContain(attack.refusedRoom?.docId);
		expect(registered).toHaveLength(1 + 4);

		const doc = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, triad, doc));
		expect(doc.getText('t').toString()).toBe('still ours');
		// A room already loaded costs nothing more: the limit is on loading, not on joining.
		const loaded = attack.rooms[0] as TestRoom;
		expect(await outcomeOf(rawFrom(relay, ATTACKER, loaded))).toEqual({ accepted: true });
	});
});
