import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStorage } from './testing/memory-local-store';
import type { RelayTransport } from './relay-transport';
import { addMember } from './testing/members';
import { UnsyncedChangesTracker } from './unsynced-changes';
import { newDocumentId } from './workspace-secret';

describe('UnsyncedChangesTracker', () => {
	it('asks the relay for a receipt only after the change has been sent', async () => {
		const doc = new Y.Doc();
		const store = createMemoryStorage().open(newDocumentId(), doc);
		await store.whenLoaded;
		const tracker = new UnsyncedChangesTracker(doc, store);
		const wire: string[] = [];
		const transport: RelayTransport = {
			state: 'synced',
			refusal: null,
			onStateChange: () => () => undefined,
			isFromRelay: () => false,
			confirmRelayHasDoc: async () => {
				wire.push('barrier');
				return true;
			},
			connect: () => undefined,
			disconnect: () => undefined,
			destroy: () => undefined
		};
		tracker.attach(transport);
		// Like y-websocket, whose provider listens to the document after the tracker does.
		doc.on('update', () => wire.push('update'));

		addMember(doc, 'Ada');
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(wire).toEqual(['update', 'barrier']);
		expect(tracker.pending).toBe(false);
		tracker.destroy();
		await store.destroy();
	});

	describe('after changes that came only from the relay', () => {
		const RELAY = Symbol('relay');
		const relayTransport = (): RelayTransport => ({
			state: 'synced',
			refusal: null,
			onStateChange: () => () => undefined,
			isFromRelay: (origin) => origin === RELAY,
			confirmRelayHasDoc: () => Promise.resolve(true),
			connect: () => undefined,
			disconnect: () => undefined,
			destroy: () => undefined
		});
		/** What another member wrote, as the relay passes it on. */
		const fromRelay = (doc: Y.Doc, name: string) => {
			const other = new Y.Doc();
			Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
			addMember(other, name);
			Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)), RELAY);
		};
		/** The page is closed without closing the workspace; a new page loads the saved copy. */
		const pendingAtNextStart = async (
			storage: ReturnType<typeof createMemoryStorage>,
			docId: ReturnType<typeof newDocumentId>
		) => {
			const doc = new Y.Doc();
			const store = storage.open(docId, doc);
			await store.whenLoaded;
			const tracker = new UnsyncedChangesTracker(doc, store);
			await tracker.checkLoadedState();
			return tracker.pending;
		};

		afterEach(() => {
			vi.useRealTimers();
		});

		it('a start right after the first of them reports no changes of this device', async () => {
			vi.useFakeTimers();
			const storage = createMemoryStorage();
			const docId = newDocumentId();
			const doc = new Y.Doc();
			const store = storage.open(docId, doc);
			await store.whenLoaded;
			const tracker = new UnsyncedChangesTracker(doc, store);
			tracker.attach(relayTransport());
			fromRelay(doc, 'Ada');
			await vi.advanceTimersByTimeAsync(0);
			expect(tracker.pending).toBe(false);
			expect(await pendingAtNextStart(storage, docId)).toBe(false);
		});

		it('a burst of them is recorded at the end of the interval, or at once on flush', async () => {
			vi.useFakeTimers();
			const storage = createMemoryStorage();
			const docId = newDocumentId();
			const doc = new Y.Doc();
			const store = storage.open(docId, doc);
			await store.whenLoaded;
			const tracker = new UnsyncedChangesTracker(doc, store);
			tracker.attach(relayTransport());
			fromRelay(doc, 'Ada');
			fromRelay(doc, 'Ben');
			await vi.advanceTimersByTimeAsync(0);
			// Within the interval the marker may lag: the start errs on the side of reporting.
			expect(await pendingAtNextStart(storage, docId)).toBe(true);
			await vi.advanceTimersByTimeAsync(2000);
			expect(await pendingAtNextStart(storage, docId)).toBe(false);

			fromRelay(doc, 'Cy');
			fromRelay(doc, 'Dee');
			tracker.flush();
			await vi.advanceTimersByTimeAsync(0);
			expect(await pendingAtNextStart(storage, docId)).toBe(false);
		});

		it('a burst is recorded at once when the connection drops', async () => {
			vi.useFakeTimers();
			const storage = createMemoryStorage();
			const docId = newDocumentId();
			const doc = new Y.Doc();
			const store = storage.open(docId, doc);
			await store.whenLoaded;
			let tell: (state: 'offline') => void = () => undefined;
			const transport: RelayTransport = {
				...relayTransport(),
				onStateChange: (listener) => {
					tell = listener;
					return () => undefined;
				}
			};
			const tracker = new UnsyncedChangesTracker(doc, store);
			tracker.attach(transport);
			fromRelay(doc, 'Ada');
			fromRelay(doc, 'Ben');
			tell('offline');
			await vi.advanceTimersByTimeAsync(0);
			expect(await pendingAtNextStart(storage, docId)).toBe(false);
		});

		it('a change of this device is still reported at the next start', async () => {
			vi.useFakeTimers();
			const storage = createMemoryStorage();
			const docId = newDocumentId();
			const doc = new Y.Doc();
			const store = storage.open(docId, doc);
			await store.whenLoaded;
			const offline: RelayTransport = { ...relayTransport(), state: 'offline' };
			const tracker = new UnsyncedChangesTracker(doc, store);
			tracker.attach(offline);
			fromRelay(doc, 'Ada');
			addMember(doc, 'Me');
			fromRelay(doc, 'Ben');
			tracker.flush();
			await vi.advanceTimersByTimeAsync(2000);
			expect(tracker.pending).toBe(true);
			expect(await pendingAtNextStart(storage, docId)).toBe(true);
		});
	});
});
