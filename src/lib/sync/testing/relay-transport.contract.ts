import { afterEach, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CLOSE_WRONG_TOKEN, type AccessToken, type DocumentId } from '../../protocol';
import type { ConnectionState, RelayTransport, RelayTransportFactory } from '../relay-transport';
import { newDocumentId } from '../workspace-secret';
import { addMember, memberNames } from './members';

/** What the shared suite needs from a transport implementation and its relay. */
export interface RelayTransportHarness {
	transport: RelayTransportFactory;
	/** Makes the relay unreachable (dropping connections) or reachable again. */
	setRelayReachable(reachable: boolean): Promise<void>;
	/**
	 * Whether a refusal reaches the client as a close code (4400–4499), so that `refusal` is set.
	 * A relay that refuses the HTTP upgrade instead looks like a network failure to browsers.
	 */
	reportsRefusal: boolean;
}

interface Device {
	doc: Y.Doc;
	awareness: Awareness;
	transport: RelayTransport;
	states: ConnectionState[];
}

/** Resolves once `check` holds, re-checking after every doc update and transport state change. */
function until(devices: Device[], check: () => boolean): Promise<void> {
	return new Promise((resolve) => {
		const stops: (() => void)[] = [];
		const test = () => {
			if (!check()) return;
			for (const stop of stops) stop();
			resolve();
		};
		for (const { doc, transport, awareness } of devices) {
			doc.on('update', test);
			awareness.on('change', test);
			stops.push(
				() => doc.off('update', test),
				() => awareness.off('change', test),
				transport.onStateChange(test)
			);
		}
		test();
	});
}

const synced = (...devices: Device[]) =>
	until(devices, () => devices.every((d) => d.transport.state === 'synced'));

/**
 * The contract every RelayTransport keeps against its relay: the state sequence, convergence,
 * offline edits, confirmation, outages, presence and token refusal.
 */
export function runRelayTransportContract(harness: () => RelayTransportHarness): void {
	const opened: Device[] = [];

	afterEach(async () => {
		for (const device of opened.splice(0)) {
			device.transport.destroy();
			device.awareness.destroy();
		}
		await harness().setRelayReachable(true);
	});

	// Any 43 base64url characters have the shape of a token; each document gets its own.
	const memberTokenOf = (docId: DocumentId) => (docId + docId.slice(0, 21)) as AccessToken;
	const viewerTokenOf = (docId: DocumentId) => (docId.slice(0, 21) + docId) as AccessToken;

	function device(
		docId: DocumentId,
		token = memberTokenOf(docId),
		access: 'member' | 'viewer' = 'member'
	): Device {
		const doc = new Y.Doc();
		const awareness = new Awareness(doc);
		if (access === 'viewer') awareness.setLocalState(null);
		const transport = harness().transport({
			docId,
			doc,
			awareness,
			token,
			access,
			viewerToken: access === 'member' ? viewerTokenOf(docId) : null
		});
		const states: ConnectionState[] = [];
		transport.onStateChange((state) => states.push(state));
		const created = { doc, awareness, transport, states };
		opened.push(created);
		return created;
	}

	/** Two devices on one fresh document, both connected and synced with the relay. */
	async function twoSyncedDevices(): Promise<[Device, Device]> {
		const docId = newDocumentId();
		const a = device(docId);
		const b = device(docId);
		a.transport.connect();
		b.transport.connect();
		await synced(a, b);
		return [a, b];
	}

	it('goes offline → connecting → syncing → synced', async () => {
		const a = device(newDocumentId());
		expect(a.transport.state).toBe('offline');
		a.transport.connect();
		await synced(a);
		expect(a.states).toEqual(['connecting', 'syncing', 'synced']);
		a.transport.disconnect();
		expect(a.transport.state).toBe('offline');
		expect(a.states.at(-1)).toBe('offline');
	});

	it('relays live edits between two devices, both ways', async () => {
		const [a, b] = await twoSyncedDevices();
		addMember(a.doc, 'Ada');
		addMember(b.doc, 'Bo');
		await until([a, b], () => memberNames(a.doc).length === 2 && memberNames(b.doc).length === 2);
		expect(memberNames(a.doc)).toEqual(['Ada', 'Bo']);
		expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc));
	});

	it('uploads edits made before connecting, and tells relay updates from local ones', async () => {
		const docId = newDocumentId();
		const a = device(docId);
		addMember(a.doc, 'Offline edit');
		expect(await a.transport.confirmRelayHasDoc()).toBe(false);
		a.transport.connect();
		await synced(a);
		expect(await a.transport.confirmRelayHasDoc()).toBe(true);
		// The relay confirmed it holds the edit: a device that was never online with A gets it.
		const b = device(docId);
		const fromRelay: boolean[] = [];
		b.doc.on('update', (_u: Uint8Array, origin: unknown) =>
			fromRelay.push(b.transport.isFromRelay(origin))
		);
		b.transport.connect();
		await until([b], () => memberNames(b.doc).length === 1);
		expect(memberNames(b.doc)).toEqual(['Offline edit']);
		addMember(b.doc, 'Local');
		expect(fromRelay).toEqual([true, false]);
	});

	it('confirms each burst of edits once the relay holds them', async () => {
		const docId = newDocumentId();
		const a = device(docId);
		a.transport.connect();
		await synced(a);
		for (let i = 0; i < 20; i++) addMember(a.doc, `m${i}`);
		expect(await a.transport.confirmRelayHasDoc()).toBe(true);
		a.transport.disconnect();
		const b = device(docId);
		b.transport.connect();
		await synced(b);
		expect(memberNames(b.doc)).toHaveLength(20);
	});

	it('keeps confirmed edits through a relay crash', async () => {
		const docId = newDocumentId();
		const a = device(docId);
		a.transport.connect();
		await synced(a);
		addMember(a.doc, 'Durable');
		expect(await a.transport.confirmRelayHasDoc()).toBe(true);
		a.transport.disconnect();
		await harness().setRelayReachable(false);
		await harness().setRelayReachable(true);
		const b = device(docId);
		b.transport.connect();
		await synced(b);
		expect(memberNames(b.doc)).toEqual(['Durable']);
	});

	it('rides out a relay outage and reconnects by itself', async () => {
		const [a, b] = await twoSyncedDevices();
		await harness().setRelayReachable(false);
		await until([a, b], () => a.transport.state === 'offline' && b.transport.state === 'offline');
		addMember(a.doc, 'During outage');
		expect(await a.transport.confirmRelayHasDoc()).toBe(false);
		await harness().setRelayReachable(true);
		await until([a, b], () => memberNames(b.doc).length === 1);
		await synced(a, b);
		expect(memberNames(b.doc)).toEqual(['During outage']);
		expect(await a.transport.confirmRelayHasDoc()).toBe(true);
	});

	it('relays presence, and drops it when a device leaves', async () => {
		const docId = newDocumentId();
		const a = device(docId);
		const b = device(docId);
		a.awareness.setLocalState({ user: { name: 'Ada' } });
		a.transport.connect();
		b.transport.connect();
		await until([a, b], () => b.awareness.getStates().has(a.doc.clientID));
		expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada' } });
		a.transport.disconnect();
		await until([b], () => !b.awareness.getStates().has(a.doc.clientID));
		expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
	});

	it('is refused with a token other than the first one registered, and stops trying', async () => {
		const docId = newDocumentId();
		const owner = device(docId, 'a'.repeat(43) as AccessToken);
		addMember(owner.doc, 'Secret');
		owner.transport.connect();
		await synced(owner);
		expect(await owner.transport.confirmRelayHasDoc()).toBe(true);
		const intruder = device(docId, 'b'.repeat(43) as AccessToken);
		intruder.transport.connect();
		if (harness().reportsRefusal) {
			await until([intruder], () => intruder.transport.refusal !== null);
			expect(intruder.transport.refusal?.code).toBe(CLOSE_WRONG_TOKEN);
			expect(intruder.transport.state).toBe('offline');
			// A refused token does not become right by retrying. An outage ends with every device
			// that still tries reconnecting; once the owner has, the intruder has had its chances.
			const attempts = intruder.states.filter((s) => s === 'connecting').length;
			await harness().setRelayReachable(false);
			await harness().setRelayReachable(true);
			await synced(owner);
			expect(intruder.states.filter((s) => s === 'connecting')).toHaveLength(attempts);
			expect(intruder.transport.refusal?.code).toBe(CLOSE_WRONG_TOKEN);
		} else {
			// Refused attempts look like failed connections: wait for a retry after the first one.
			await until([intruder], () => intruder.states.filter((s) => s === 'connecting').length >= 2);
		}
		// A relay that refuses after the WebSocket handshake opens the socket first; until the
		// relay has said something of the document the intruder is still connecting, so it never
		// shows "Syncing…" and nothing of the document reaches it.
		expect(intruder.states[0]).toBe('connecting');
		expect(intruder.states).not.toContain('syncing');
		expect(intruder.states).not.toContain('synced');
		expect(memberNames(intruder.doc)).toEqual([]);
	});

	it('lets a viewer read and live-follow with the viewer token a member registered', async () => {
		const docId = newDocumentId();
		const member = device(docId);
		addMember(member.doc, 'Before');
		member.transport.connect();
		await synced(member);
		expect(await member.transport.confirmRelayHasDoc()).toBe(true);
		const viewer = device(docId, viewerTokenOf(docId), 'viewer');
		viewer.transport.connect();
		await synced(viewer);
		await until([viewer], () => memberNames(viewer.doc).length === 1);
		addMember(member.doc, 'Live');
		await until([viewer], () => memberNames(viewer.doc).length === 2);
		expect(memberNames(viewer.doc)).toEqual(['Before', 'Live']);
		// A viewer holds nothing of its own, and announces no presence.
		expect(await viewer.transport.confirmRelayHasDoc()).toBe(true);
		expect(member.awareness.getStates().has(viewer.doc.clientID)).toBe(false);
		expect(viewer.transport.refusal).toBeNull();
	});
}
