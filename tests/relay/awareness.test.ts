import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
	encodeAwareness,
	MESSAGE_AWARENESS,
	MESSAGE_QUERY_AWARENESS
} from '../../src/lib/protocol';
import { connectProvider, newRoom, openRawClient, roomUrl, synced, waitFor } from './harness';
import { relayPerFile } from './relay-per-file';

// Presence held by a silent connection may be taken over after this (20 s in production).
const TAKEOVER_MS = 300;
const relay = relayPerFile({ awarenessTakeoverMs: TAKEOVER_MS });

/** An awareness message announcing `state` for `clientID`, as a y-websocket client sends it. */
function announce(clientID: number, state: Record<string, unknown>, renewals = 0): Uint8Array {
	const doc = new Y.Doc();
	doc.clientID = clientID;
	const awareness = new awarenessProtocol.Awareness(doc);
	// Each call advances the clock, as a client's periodic renewal does.
	for (let i = 0; i <= renewals; i++) awareness.setLocalState(state);
	const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [clientID]));
	awareness.destroy();
	return message;
}

describe('awareness', () => {
	it('forwards a client state to the others in the room', async () => {
		const room = newRoom();
		const [a, b] = [new Y.Doc(), new Y.Doc()];
		const providerA = connectProvider(relay().syncUrl, room, a);
		const providerB = connectProvider(relay().syncUrl, room, b);
		await Promise.all([synced(providerA), synced(providerB)]);
		providerA.awareness.setLocalStateField('user', { name: 'keeper' });
		await waitFor(
			() => providerB.awareness.getStates().get(a.clientID)?.user?.name === 'keeper',
			"a's presence at b"
		);
		expect(providerB.awareness.getStates().get(a.clientID)).toEqual({ user: { name: 'keeper' } });
	});

	it("removes a connection's states for the others when its socket closes", async () => {
		const room = newRoom();
		const observer = connectProvider(relay().syncUrl, room);
		await synced(observer);
		const raw = openRawClient(roomUrl(relay().syncUrl, room));
		await raw.opened;
		raw.ws.send(announce(424242, { user: { name: 'raw' } }));
		await waitFor(() => observer.awareness.getStates().has(424242), 'the raw state to arrive');
		// An abrupt end, without any awareness removal from the client itself.
		raw.ws.terminate();
		await waitFor(() => !observer.awareness.getStates().has(424242), 'the state to be removed');
		expect([...observer.awareness.getStates().keys()]).not.toContain(424242);
	});

	it('keeps the state of a client that reconnected when its old socket closes', async () => {
		const room = newRoom();
		const observer = connectProvider(relay().syncUrl, room);
		await synced(observer);
		const oldSocket = openRawClient(roomUrl(relay().syncUrl, room));
		await oldSocket.opened;
		oldSocket.ws.send(announce(515151, { seat: 'bearer' }));
		await waitFor(() => observer.awareness.getStates().has(515151), 'the first announcement');
		// The old socket went silent (a phone that lost its network); the client comes back on a
		// new one before the relay noticed, and takes its presence over once the old one is stale.
		await new Promise((stale) => setTimeout(stale, TAKEOVER_MS + 50));
		const newSocket = openRawClient(roomUrl(relay().syncUrl, room));
		await newSocket.opened;
		newSocket.ws.send(announce(515151, { seat: 'bearer', back: true }, 1));
		await waitFor(
			() => observer.awareness.getStates().get(515151)?.back === true,
			'the announcement on the new socket'
		);
		oldSocket.ws.terminate();
		await waitFor(() => relay().metrics.connections === 2, 'the old socket to be gone');
		// The sentinel proves the relay has sent all it will about the old socket.
		observer.awareness.setLocalStateField('sentinel', 1);
		await waitFor(
			() => newSocket.messages.some((m) => m.includes(Buffer.from('sentinel'))),
			'the sentinel'
		);
		expect(observer.awareness.getStates().get(515151)).toEqual({ seat: 'bearer', back: true });
		newSocket.ws.terminate();
		await waitFor(() => !observer.awareness.getStates().has(515151), 'removal with the new socket');
	});

	it("refuses a connection's writes to another live connection's presence", async () => {
		const room = newRoom();
		const [victimDoc, observerDoc] = [new Y.Doc(), new Y.Doc()];
		const victim = connectProvider(relay().syncUrl, room, victimDoc);
		const observer = connectProvider(relay().syncUrl, room, observerDoc);
		await Promise.all([synced(victim), synced(observer)]);
		victim.awareness.setLocalStateField('user', { name: 'Noa' });
		await waitFor(
			() => observer.awareness.getStates().get(victimDoc.clientID)?.user?.name === 'Noa',
			"the victim's presence"
		);
		const attacker = openRawClient(roomUrl(relay().syncUrl, room));
		await attacker.opened;
		const refusedBefore = relay().metrics.awarenessRefused;
		// The victim's client id with a clock far ahead: it would win everywhere if applied.
		attacker.ws.send(announce(victimDoc.clientID, { user: { name: 'Noa (says: I resign)' } }, 50));
		attacker.ws.send(announce(777001, { user: { name: 'Mallory' } }));
		await waitFor(() => observer.awareness.getStates().has(777001), "the attacker's own presence");
		expect(observer.awareness.getStates().get(victimDoc.clientID)).toEqual({
			user: { name: 'Noa' }
		});
		expect(relay().metrics.awarenessRefused).toBe(refusedBefore + 1);
		expect(relay().logs.some((line) => line.event === 'awareness_refused')).toBe(true);
		// The attacker's socket stays: an echo of what it heard is not an attack.
		expect(attacker.ws.readyState).toBe(attacker.ws.OPEN);
		victim.awareness.setLocalStateField('user', { name: 'Noa', seat: 'keeper' });
		await waitFor(
			() => observer.awareness.getStates().get(victimDoc.clientID)?.user?.seat === 'keeper',
			"the victim's own change"
		);
	});

	it("drops members' echoes of presence they heard without counting them as refused", async () => {
		const room = newRoom();
		const [a, b] = [new Y.Doc(), new Y.Doc()];
		const providerA = connectProvider(relay().syncUrl, room, a);
		const providerB = connectProvider(relay().syncUrl, room, b);
		await Promise.all([synced(providerA), synced(providerB)]);
		const refusedBefore = relay().metrics.awarenessRefused;
		// y-websocket sends every change it hears back to the relay: each of these is echoed.
		for (let i = 0; i < 5; i++) providerA.awareness.setLocalStateField('n', i);
		await waitFor(
			() => providerB.awareness.getStates().get(a.clientID)?.n === 4,
			'the last change'
		);
		providerB.awareness.setLocalStateField('done', true);
		await waitFor(
			() => providerA.awareness.getStates().get(b.clientID)?.done === true,
			"b's change at a"
		);
		expect(relay().metrics.awarenessRefused).toBe(refusedBefore);
	});

	it('answers an awareness query with every state in the room', async () => {
		const room = newRoom();
		const member = connectProvider(relay().syncUrl, room);
		await synced(member);
		member.awareness.setLocalStateField('seat', 'navigator');
		const raw = openRawClient(roomUrl(relay().syncUrl, room));
		await raw.opened;
		await waitFor(() => raw.messages.some((m) => m[0] === MESSAGE_AWARENESS), 'the greeting');
		const before = raw.messages.length;
		raw.ws.send(new Uint8Array([MESSAGE_QUERY_AWARENESS]));
		await waitFor(() => raw.messages.length > before, 'the answer');
		const answer = raw.messages[before] as Buffer;
		expect(answer[0]).toBe(MESSAGE_AWARENESS);
		const replica = new awarenessProtocol.Awareness(new Y.Doc());
		awarenessProtocol.applyAwarenessUpdate(replica, answer.subarray(2), 'test');
		expect(replica.getStates().get(member.doc.clientID)).toEqual({ seat: 'navigator' });
		replica.destroy();
		raw.ws.close();
	});
});
