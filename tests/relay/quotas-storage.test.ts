import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncUpdate } from '../../src/lib/protocol';
import type { RelayServerOptions } from '../../server/relay-server';
import {
	connectProvider,
	destroyProviders,
	makeTempDir,
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

/* The cap on what the relay stores overall (MAX_STORAGE_BYTES). */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	destroyProviders();
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: RelayServerOptions): Promise<InProcessRelay> {
	const relay = await startInProcessRelay(options);
	cleanups.push(() => relay.stop());
	return relay;
}

function rawIn(relay: InProcessRelay, room: TestRoom): RawClient {
	const raw = openRawClient(roomUrl(relay.syncUrl, room));
	cleanups.push(async () => raw.ws.terminate());
	return raw;
}

/** The close of `raw`, or null while it is open. */
function closeOf(raw: RawClient): () => { code: number; reason: string } | null {
	let closed: { code: number; reason: string } | null = null;
	void raw.closed.then((close) => (closed = close));
	return () => closed;
}

/** An update inserting `length` characters of text into a fresh document. */
function textUpdate(length: number, fill = 'x'): Uint8Array {
	const doc = new Y.Doc();
	doc.getText('t').insert(0, fill.repeat(length));
	return Y.encodeStateAsUpdate(doc);
}

/** Sends `update` on a greeted raw socket; resolves the socket's close, or null if it stays open. */
async function send(relay: InProcessRelay, room: TestRoom, update: Uint8Array) {
	const raw = rawIn(relay, room);
	await waitFor(() => raw.messages.length > 0, 'the greeting');
	const closed = closeOf(raw);
	raw.ws.send(encodeSyncUpdate(update));
	return { raw, closed };
}

/** What a fresh member reads from the relay. */
async function readBack(relay: InProcessRelay, room: TestRoom): Promise<string> {
	const doc = new Y.Doc();
	const provider = connectProvider(relay.syncUrl, room, doc);
	await synced(provider);
	provider.destroy();
	return doc.getText('t').toString();
}

function lines(relay: InProcessRelay, event: string, reason: string) {
	return relay.logs.filter((line) => line.event === event && line.reason === reason);
}

describe('storage overall', () => {
	it('refuses an update that would pass MAX_STORAGE_BYTES with 1013, whatever its document', async () => {
		const relay = await start({ maxStorageBytes: 100 * 1024 });
		const first = newRoom();
		await send(relay, first, textUpdate(60 * 1024));
		await waitFor(async () => (await readBack(relay, first)).length === 60 * 1024, 'the first');

		const second = newRoom();
		const { closed } = await send(relay, second, textUpdate(60 * 1024, 'y'));
		await waitFor(() => closed() !== null, 'the refusal');
		expect(closed()).toEqual({ code: 1013, reason: 'relay storage is full' });
		expect(await readBack(relay, second)).toBe('');
		expect(relay.metrics.refusals.get('storage_limit')).toBe(1);
		expect(lines(relay, 'quota_exceeded', 'storage_limit')).toEqual([
			expect.objectContaining({ docId: second.docId, code: 1013 })
		]);
		// Small updates still fit.
		const { raw, closed: stillOpen } = await send(relay, second, textUpdate(1024, 'z'));
		await waitFor(async () => (await readBack(relay, second)).length === 1024, 'the small one');
		expect(stillOpen()).toBeNull();
		raw.ws.close();
	});

	it('once full, refuses new documents with 1013 and updates, while members still read', async () => {
		const data = await makeTempDir();
		cleanups.push(data.remove);
		const room = newRoom();
		const unlimited = await startInProcessRelay({ dataDir: data.path });
		await send(unlimited, room, textUpdate(60 * 1024));
		await waitFor(async () => (await readBack(unlimited, room)).length === 60 * 1024, 'the text');
		destroyProviders();
		await unlimited.stop();

		// The same data under a lower cap, as after an operator lowered MAX_STORAGE_BYTES.
		const relay = await start({ dataDir: data.path, maxStorageBytes: 50 * 1024 });
		expect(await readBack(relay, room)).toBe('x'.repeat(60 * 1024));

		const unknown = newRoom();
		const refused = rawIn(relay, unknown);
		expect(await refused.closed).toEqual({ code: 1013, reason: 'relay storage is full' });
		expect(refused.messages).toHaveLength(0);
		expect(lines(relay, 'upgrade_refused', 'storage_limit')).toEqual([
			expect.objectContaining({ docId: unknown.docId, code: 1013 })
		]);
		expect(relay.logs.filter((line) => line.event === 'document_registered')).toEqual([]);

		const { closed } = await send(relay, room, textUpdate(10, 'w'));
		await waitFor(() => closed() !== null, 'the refusal');
		expect(closed()).toEqual({ code: 1013, reason: 'relay storage is full' });
		expect(relay.metrics.refusals.get('storage_limit')).toBe(2);
		expect(await (await fetch(`${relay.url}/metrics`)).text()).toMatch(
			/^triad_relay_stored_bytes \d{5,}$/m
		);
	});
});
