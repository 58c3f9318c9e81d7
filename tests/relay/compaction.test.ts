import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId } from '../../src/lib/protocol';
import { createLogger } from '../../server/logger';
import { RelayMetrics } from '../../server/metrics';
import { Room } from '../../server/room';
import { MemoryStorage } from '../../server/storage/memory-storage';
import {
	connectProvider,
	destroyProviders,
	newRoom,
	randomDocId,
	startInProcessRelay,
	synced,
	waitFor,
	type InProcessRelay,
	type TestRoom
} from './harness';

const relays: InProcessRelay[] = [];
afterEach(async () => {
	destroyProviders();
	for (const relay of relays.splice(0)) await relay.stop();
});

/** A relay on memory storage, which the test can read while the relay runs. */
async function relayWith(policy: {
	compactIdleMs: number;
	compactMaxAppendedUpdates?: number;
}): Promise<{ relay: InProcessRelay; storage: MemoryStorage }> {
	const storage = new MemoryStorage();
	const relay = await startInProcessRelay({ storage, ...policy });
	relays.push(relay);
	return { relay, storage };
}

/** Connects a client to `room` and makes `count` separate edits through it. */
async function edit(relay: InProcessRelay, room: TestRoom, count: number): Promise<Y.Doc> {
	const doc = new Y.Doc();
	await synced(connectProvider(relay.syncUrl, room, doc));
	for (let i = 0; i < count; i++) doc.getArray<number>('log').push([i]);
	return doc;
}

async function storedUpdates(storage: MemoryStorage, room: TestRoom): Promise<number> {
	return (await storage.loadDocument(room.docId as DocumentId)).updates.length;
}

describe('compaction', () => {
	it('compacts a document once its editing pauses, while it stays loaded', async () => {
		const { relay, storage } = await relayWith({ compactIdleMs: 200 });
		const room = newRoom();
		await edit(relay, room, 20);
		await waitFor(() => relay.metrics.storageAppends >= 20, 'the edits at the relay');
		await waitFor(() => relay.metrics.storageCompactions === 1, 'a compaction after the pause');
		expect(await storedUpdates(storage, room)).toBe(1);
		expect(relay.metrics.loadedDocuments).toBe(1);
	});

	it('leaves the appends alone while the document is not quiet for long enough', async () => {
		const { relay, storage } = await relayWith({ compactIdleMs: 600_000 });
		const room = newRoom();
		await edit(relay, room, 20);
		await waitFor(() => relay.metrics.storageAppends >= 20, 'the edits at the relay');
		expect(relay.metrics.storageCompactions).toBe(0);
		expect(await storedUpdates(storage, room)).toBeGreaterThanOrEqual(20);
		// Unloading compacts whatever is left.
		destroyProviders();
		await waitFor(() => relay.metrics.loadedDocuments === 0, 'the document to unload');
		expect(relay.metrics.storageCompactions).toBe(1);
		expect(await storedUpdates(storage, room)).toBe(1);
	});

	it('compacts a document that is never quiet once its appends pass the limit', async () => {
		const { relay, storage } = await relayWith({
			compactIdleMs: 600_000,
			compactMaxAppendedUpdates: 10
		});
		const room = newRoom();
		const doc = await edit(relay, room, 25);
		await waitFor(() => relay.metrics.storageAppends >= 25, 'the edits at the relay');
		await waitFor(() => relay.metrics.storageCompactions >= 2, 'two compactions');
		expect(await storedUpdates(storage, room)).toBeLessThan(10);
		const stored = new Y.Doc();
		for (const update of (await storage.loadDocument(room.docId as DocumentId)).updates) {
			Y.applyUpdate(stored, update);
		}
		expect(stored.getArray('log').toArray()).toEqual(doc.getArray('log').toArray());
	});

	it('never replaces the last state that loads with one that does not', async () => {
		const storage = new MemoryStorage();
		const logs: Record<string, unknown>[] = [];
		const logger = createLogger('debug', (line) =>
			logs.push(JSON.parse(line) as Record<string, unknown>)
		);
		const docId = randomDocId() as DocumentId;
		const policy = { idleMs: 600_000, maxAppendedUpdates: 10_000, maxAppendedBytes: 1 << 23 };
		const open = async () => {
			const room = new Room(docId, storage, policy, new RelayMetrics(), logger);
			await room.load();
			return room;
		};
		const writer = new Y.Doc();
		writer.getText('body').insert(0, 'good');
		const first = await open();
		Y.applyUpdate(first.doc, Y.encodeStateAsUpdate(writer), 'a client');
		await first.unload();
		const [goodState] = (await storage.loadDocument(docId)).updates;

		// Poisoned behind validation's back, as relays were before it: client 99, a GC struct of
		// length 0. Its merged state would no longer load.
		const second = await open();
		Y.applyUpdate(second.doc, Uint8Array.of(1, 1, 99, 0, 0, 0, 0), 'a client');
		await second.unload();
		expect(logs).toContainEqual(
			expect.objectContaining({ event: 'compaction_refused', docId, problem: 'empty' })
		);
		const stored = await storage.loadDocument(docId);
		expect(stored.updates[0]).toEqual(goodState);
		expect(stored.updates).toHaveLength(2);

		// The appended poison is repaired when the document loads next.
		const third = await open();
		expect(third.doc.getText('body').toString()).toBe('good');
		await third.unload();
		expect((await storage.loadDocument(docId)).updates).toHaveLength(1);
	});
});
