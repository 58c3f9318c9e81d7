/**
 * Compaction of one room never holds up fan-out in the others: the relay merges a document's
 * state in a worker thread. Shown by order of events, not by timing: the worker is held in the
 * middle of a large room's compaction (it says so, then waits on shared memory), and while it is
 * held another room's update goes from one client to another through the relay. Released, the
 * compaction completes and storage holds the document as one state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId } from '../../src/lib/protocol';
import { WorkerCompactor } from '../../server/compaction/worker-compactor';
import { MemoryStorage } from '../../server/storage/memory-storage';
import {
	connectProvider,
	destroyProviders,
	newRoom,
	startInProcessRelay,
	synced,
	waitFor,
	type InProcessRelay
} from './harness';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
	destroyProviders();
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('compaction off the event loop', () => {
	it('another room’s update is delivered while a large room is mid-compaction', async () => {
		const hold = new SharedArrayBuffer(4);
		const tokens = new Int32Array(hold);
		let holding = 0;
		const compactor = new WorkerCompactor({ hold, onHolding: () => holding++ });
		cleanups.push(() => compactor.close());
		const storage = new MemoryStorage();
		// Compacted by the safety valve after four updates, and never for being idle.
		const relay: InProcessRelay = await startInProcessRelay({
			storage,
			compactor,
			compactIdleMs: 600_000,
			compactMaxAppendedUpdates: 4
		});
		cleanups.push(() => relay.stop());
		// The rooms' last compactions, as they unload, must not wait for a release either.
		cleanups.push(async () => {
			Atomics.add(tokens, 0, 1_000);
			Atomics.notify(tokens, 0);
		});

		// A large room: four updates of about a megabyte each.
		const large = newRoom();
		const writer = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, large, writer));
		for (let i = 0; i < 4; i++) writer.getArray<string>('pages').push([`${i}`.repeat(1 << 20)]);
		await waitFor(() => holding === 1, 'the large room’s compaction to reach the worker');

		// Meanwhile, in another room, an update travels from one member to another.
		const other = newRoom();
		const sender = new Y.Doc();
		const receiver = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, other, sender));
		await synced(connectProvider(relay.syncUrl, other, receiver));
		sender.getMap('seats').set('keeper', 'Ana');
		await waitFor(
			() => receiver.getMap('seats').get('keeper') === 'Ana',
			'the other room’s update'
		);
		expect(relay.metrics.storageCompactions).toBe(0);
		expect(holding).toBe(1);

		// Released, the compaction completes: one stored state, the whole document.
		Atomics.add(tokens, 0, 1);
		Atomics.notify(tokens, 0);
		await waitFor(() => relay.metrics.storageCompactions === 1, 'the compaction to complete');
		const stored = await storage.loadDocument(large.docId as DocumentId);
		expect(stored.updates).toHaveLength(1);
		const reloaded = new Y.Doc();
		Y.applyUpdate(reloaded, stored.updates[0]!);
		expect(reloaded.getArray('pages').toJSON()).toEqual(writer.getArray('pages').toJSON());
	});

	it('stores what the document holds after deletions and concurrent writers, collected', async () => {
		const storage = new MemoryStorage();
		const relay = await startInProcessRelay({ storage, compactIdleMs: 100 });
		cleanups.push(() => relay.stop());
		const room = newRoom();
		const [ana, bo] = [new Y.Doc(), new Y.Doc()];
		await synced(connectProvider(relay.syncUrl, room, ana));
		await synced(connectProvider(relay.syncUrl, room, bo));
		const text = ana.getText('body');
		text.insert(0, 'x'.repeat(200_000));
		bo.getMap('meta').set('name', 'Harbour');
		await waitFor(() => bo.getText('body').length === 200_000, 'Ana’s text at Bo');
		text.delete(0, 199_990);
		await waitFor(() => bo.getText('body').length === 10, 'the deletion at Bo');
		await waitFor(() => relay.metrics.storageCompactions >= 1, 'a compaction');
		await waitFor(
			async () => (await storage.loadDocument(room.docId as DocumentId)).updates.length === 1,
			'the appends compacted away'
		);
		const [state] = (await storage.loadDocument(room.docId as DocumentId)).updates;
		const reloaded = new Y.Doc();
		Y.applyUpdate(reloaded, state!);
		expect(reloaded.getText('body').toString()).toBe('x'.repeat(10));
		expect(reloaded.getMap('meta').get('name')).toBe('Harbour');
		// The deleted text was collected, as the relay's own document collects it.
		expect(state!.length).toBeLessThan(10_000);
	});
});
