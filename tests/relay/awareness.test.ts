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

const relay = relayPerFile();

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
