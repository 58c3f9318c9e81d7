import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncUpdate } from '../../src/lib/protocol';
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

/* Limits per document and per room: stored size, connections, and fan-out. */

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

/** A raw member socket in `room`, once the relay greeted it. */
async function greeted(relay: InProcessRelay, room: TestRoom): Promise<RawClient> {
	const raw = openRawClient(roomUrl(relay.syncUrl, room));
	sockets.push(raw);
	await waitFor(() => raw.messages.length > 0, 'the greeting');
	return raw;
}

/** The close of `raw`, or null while it is open. */
function closeOf(raw: RawClient): () => { code: number; reason: string } | null {
	let closed: { code: number; reason: string } | null = null;
	void raw.closed.then((close) => (closed = close));
	return () => closed;
}

/** The updates of `count` separate edits of a fresh document. */
function edits(count: number): Uint8Array[] {
	const doc = new Y.Doc();
	const updates: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => updates.push(update));
	for (let i = 0; i < count; i++) doc.getArray('a').push([i]);
	return updates;
}

/** What a fresh member reads from the relay. */
async function readBack(relay: InProcessRelay, room: TestRoom): Promise<Y.Doc> {
	const doc = new Y.Doc();
	const provider = connectProvider(relay.syncUrl, room, doc);
	await synced(provider);
	provider.destroy();
	return doc;
}

function lines(relay: InProcessRelay, event: string, reason: string) {
	return relay.logs.filter((line) => line.event === event && line.reason === reason);
}

describe("a document's stored size", () => {
	it('is capped: an update that would pass MAX_DOCUMENT_BYTES closes its sender with 4413, unstored', async () => {
		const relay = await start({ maxDocumentBytes: 64 * 1024 });
		const room = newRoom();
		const writer = new Y.Doc();
		const provider = connectProvider(relay.syncUrl, room, writer);
		const closes: number[] = [];
		provider.on('connection-close', (event) => closes.push(event?.code ?? 0));
		await synced(provider);
		writer.getText('t').insert(0, 'a'.repeat(40 * 1024));
		await waitFor(
			async () => (await readBack(relay, room)).getText('t').length === 40 * 1024,
			'the first 40 KiB at the relay'
		);

		writer.getText('t').insert(0, 'b'.repeat(40 * 1024));
		await waitFor(() => closes.length > 0, 'the refusal');
		expect(closes).toEqual([4413]);
		expect(relay.metrics.refusals.get('document_size_limit')).toBe(1);
		expect(lines(relay, 'quota_exceeded', 'document_size_limit')).toEqual([
			expect.objectContaining({ docId: room.docId, code: 4413 })
		]);
		const stored = await readBack(relay, room);
		expect(stored.getText('t').toString()).toBe('a'.repeat(40 * 1024));
		// y-websocket stops on 44xx: the device keeps its edit and does not hammer the relay.
		expect(provider.shouldConnect).toBe(false);
	});

	it('is counted from storage when the document is loaded again', async () => {
		const relay = await start({ maxDocumentBytes: 64 * 1024 });
		const room = newRoom();
		const writer = new Y.Doc();
		const provider = connectProvider(relay.syncUrl, room, writer);
		await synced(provider);
		writer.getText('t').insert(0, 'a'.repeat(40 * 1024));
		await waitFor(
			async () => (await readBack(relay, room)).getText('t').length === 40 * 1024,
			'the text at the relay'
		);
		provider.destroy();
		await waitFor(() => relay.metrics.loadedDocuments === 0, 'the document to unload');

		const raw = await greeted(relay, room);
		const closed = closeOf(raw);
		const more = new Y.Doc();
		more.getText('u').insert(0, 'c'.repeat(40 * 1024));
		raw.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(more)));
		await waitFor(() => closed() !== null, 'the refusal');
		expect(closed()).toEqual({ code: 4413, reason: 'document too large' });
	});
});

describe('connections per room', () => {
	it('are capped: one beyond MAX_CONNECTIONS_PER_ROOM is closed with 1013 before any message', async () => {
		const relay = await start({ maxConnectionsPerRoom: 3 });
		const room = newRoom();
		const inside = [await greeted(relay, room), await greeted(relay, room)];
		const doc = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, room, doc));
		const extra = openRawClient(roomUrl(relay.syncUrl, room));
		sockets.push(extra);
		expect(await extra.closed).toEqual({ code: 1013, reason: 'room is full' });
		expect(extra.messages).toHaveLength(0);
		expect(relay.metrics.refusals.get('room_connection_limit')).toBe(1);
		expect(lines(relay, 'upgrade_refused', 'room_connection_limit')).toEqual([
			expect.objectContaining({ code: 1013, docId: room.docId })
		]);
		// Another room is not affected, and a place that frees up is taken again.
		await greeted(relay, newRoom());
		(inside[0] as RawClient).ws.close();
		await (inside[0] as RawClient).closed;
		await waitFor(() => relay.metrics.connections === 3, 'the relay to see the close');
		await greeted(relay, room);
	});
});

describe('fan-out per room', () => {
	it('is capped: a sender who would pass MAX_FANOUT_PER_SECOND is closed with 1013, listeners stay', async () => {
		const relay = await start({ fanOutPerSecond: 100 });
		const room = newRoom();
		const listeners: RawClient[] = [];
		for (let i = 0; i < 10; i++) listeners.push(await greeted(relay, room));
		const sender = await greeted(relay, room);
		const closed = closeOf(sender);
		// Each update goes to 10 listeners: 30 of them are 300 deliveries, three times the budget.
		for (const update of edits(30)) sender.ws.send(encodeSyncUpdate(update));
		await waitFor(() => closed() !== null, 'the sender to be closed');
		expect(closed()).toEqual({ code: 1013, reason: 'room too busy' });
		expect(relay.metrics.refusals.get('room_fanout_limit')).toBe(1);
		expect(lines(relay, 'quota_exceeded', 'room_fanout_limit')).toEqual([
			expect.objectContaining({ docId: room.docId, code: 1013 })
		]);
		for (const listener of listeners) expect(listener.ws.readyState).toBe(listener.ws.OPEN);
		// The room goes on for its members (a member who sends while the budget is spent is closed
		// the same way, and y-websocket reconnects after 1013).
		const [a, b] = [new Y.Doc(), new Y.Doc()];
		connectProvider(relay.syncUrl, room, a);
		connectProvider(relay.syncUrl, room, b);
		a.getMap('m').set('still', 'here');
		await waitFor(() => b.getMap('m').get('still') === 'here', 'the members to sync');
	});
});
