import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncUpdate } from '../../src/lib/protocol';
import {
	connectProvider,
	destroyProviders,
	newRoom,
	openRawClient,
	roomUrl,
	synced,
	waitFor,
	type TestRoom
} from './harness';
import { relayPerFile } from './relay-per-file';

const relay = relayPerFile();

/** A room with two synced members, and a raw client in it that got the relay's greeting. */
async function roomWithIntruder() {
	const room = newRoom();
	const [a, b] = [new Y.Doc(), new Y.Doc()];
	const providers = [
		connectProvider(relay().syncUrl, room, a),
		connectProvider(relay().syncUrl, room, b)
	];
	await Promise.all(providers.map((provider) => synced(provider)));
	const raw = openRawClient(roomUrl(relay().syncUrl, room));
	await raw.opened;
	await waitFor(() => raw.messages.length > 0, 'the greeting');
	return { room, a, b, raw };
}

/** Asserts that the members of the room still sync both ways. */
async function expectStillSyncing(a: Y.Doc, b: Y.Doc, marker: string): Promise<void> {
	a.getMap('m').set('from-a', marker);
	b.getMap('m').set('from-b', marker);
	await waitFor(
		() => b.getMap('m').get('from-a') === marker && a.getMap('m').get('from-b') === marker,
		'the members to keep syncing'
	);
	expect(a.getMap('m').toJSON()).toEqual(b.getMap('m').toJSON());
}

function errorLines(since: number, kind: string) {
	return relay()
		.logs.slice(since)
		.filter((line) => line.event === 'connection_closed_on_error' && line.kind === kind);
}

async function expectRejected(
	input: string | Uint8Array,
	expected: { code: number; reason: string; kind: string }
): Promise<{ room: TestRoom; a: Y.Doc; b: Y.Doc }> {
	const { room, a, b, raw } = await roomWithIntruder();
	const logsBefore = relay().logs.length;
	raw.ws.send(input);
	const closed = await raw.closed;
	expect(closed).toEqual({ code: expected.code, reason: expected.reason });
	await expectStillSyncing(a, b, `after ${expected.kind}`);
	expect(errorLines(logsBefore, expected.kind)).toHaveLength(1);
	return { room, a, b };
}

describe('bad input closes only the offending connection', () => {
	it('garbage bytes: 1007', async () => {
		await expectRejected(new Uint8Array(12).fill(0xff), {
			code: 1007,
			reason: 'malformed message',
			kind: 'malformed_message'
		});
	});

	it('a truncated message: 1007', async () => {
		// A sync update announcing 100 payload bytes and carrying 3.
		await expectRejected(new Uint8Array([0, 2, 100, 1, 2, 3]), {
			code: 1007,
			reason: 'malformed message',
			kind: 'malformed_message'
		});
	});

	it('trailing bytes after a message: 1007', async () => {
		await expectRejected(new Uint8Array([3, 0, 0]), {
			code: 1007,
			reason: 'malformed message',
			kind: 'malformed_message'
		});
	});

	it('an unknown message type: 1003', async () => {
		await expectRejected(new Uint8Array([9, 0]), {
			code: 1003,
			reason: 'unknown message type',
			kind: 'unknown_message_type'
		});
	});

	it('an unknown sync message type: 1003', async () => {
		await expectRejected(new Uint8Array([0, 7, 0]), {
			code: 1003,
			reason: 'unknown sync message type',
			kind: 'unknown_message_type'
		});
	});

	it('a text frame: 1003', async () => {
		await expectRejected('{"hello":"relay"}', {
			code: 1003,
			reason: 'text frames are not supported',
			kind: 'text_frame'
		});
	});

	it('a malformed awareness update: 1007', async () => {
		// One client, id 1, clock 1, state "{not json".
		const state = new TextEncoder().encode('{not json');
		const update = new Uint8Array([1, 1, 1, state.length, ...state]);
		await expectRejected(new Uint8Array([1, update.length, ...update]), {
			code: 1007,
			reason: 'invalid awareness update',
			kind: 'invalid_awareness'
		});
	});

	it('a corrupt update: 4422, and nothing of it is stored', async () => {
		const source = new Y.Doc();
		source.getText('body').insert(0, 'x'.repeat(200));
		const valid = Y.encodeStateAsUpdate(source);
		const corrupt = valid.slice(0, valid.length - 40);
		expect(() => Y.decodeUpdate(corrupt)).toThrow();
		const { room, a } = await expectRejected(encodeSyncUpdate(corrupt), {
			code: 4422,
			reason: 'invalid update: refused',
			kind: 'invalid_update'
		});
		// Reload the document from storage: it holds the members' edits and nothing else.
		destroyProviders();
		await waitFor(() => relay().metrics.loadedDocuments === 0, 'the document to unload');
		const reloaded = new Y.Doc();
		await synced(connectProvider(relay().syncUrl, room, reloaded));
		expect(reloaded.getMap('m').toJSON()).toEqual(a.getMap('m').toJSON());
		expect(reloaded.getText('body').toString()).toBe('');
	});

	it('an oversize frame: 1009, while a 15 MiB update is accepted and delivered', async () => {
		const { a, b, raw } = await roomWithIntruder();
		const blob = new Uint8Array(Buffer.alloc(15 * 1024 * 1024, 'fifteen mebibytes '));
		a.getMap('files').set('blob', blob);
		await waitFor(() => b.getMap('files').has('blob'), 'the 15 MiB update at b', 20_000);
		const received = b.getMap('files').get('blob') as Uint8Array;
		expect(Buffer.from(received).equals(Buffer.from(blob))).toBe(true);

		const logsBefore = relay().logs.length;
		raw.ws.send(new Uint8Array(17 * 1024 * 1024));
		expect((await raw.closed).code).toBe(1009);
		await expectStillSyncing(a, b, 'after oversize');
		expect(errorLines(logsBefore, 'message_too_big')).toHaveLength(1);
	});

	it('too many messages per second: 1008', async () => {
		const { a, b, raw } = await roomWithIntruder();
		const logsBefore = relay().logs.length;
		// Awareness queries are harmless one by one; a thousand at once exceed the default limit.
		for (let i = 0; i < 1000; i++) raw.ws.send(new Uint8Array([3]));
		expect(await raw.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
		await expectStillSyncing(a, b, 'after flood');
		expect(errorLines(logsBefore, 'rate_limited')).toHaveLength(1);
	});
});
