import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocumentId, type DocumentId } from '../../src/lib/protocol';
import {
	MAX_RETIRED_VERIFIERS,
	type PushSubscriptionKeys,
	type RelayStorage,
	type TokenVerifier
} from '../../server/storage/relay-storage';

/** A storage under test, and optionally a way to reopen it on the same data. */
export interface StorageFixture {
	storage: RelayStorage;
	/** Closes nothing; opens a second instance on the same data (only durable storages). */
	reopen?: () => Promise<RelayStorage>;
	/** Releases whatever the fixture created (temp dirs); storages are closed by the suite. */
	cleanup: () => Promise<void>;
}

let counter = 0;
function docId(): DocumentId {
	const id = `doc${String(++counter).padStart(19, '0')}`;
	return parseDocumentId(id) as DocumentId;
}
function verifier(fill: string): TokenVerifier {
	return fill.repeat(43).slice(0, 43) as TokenVerifier;
}

/** An update setting `key` to `value` in map "m", on top of `base`. */
function edit(base: Y.Doc, key: string, value: unknown): Uint8Array {
	let update: Uint8Array | null = null;
	const capture = (u: Uint8Array) => (update = u);
	base.on('update', capture);
	base.getMap('m').set(key, value);
	base.off('update', capture);
	return update as unknown as Uint8Array;
}

function pushKeys(device: string): PushSubscriptionKeys {
	return {
		endpoint: `https://push.example/${device}`,
		p256dh: `${device}-key`,
		auth: `${device}-auth`
	};
}

function sortByEndpoint<T extends { endpoint: string }>(entries: T[]): T[] {
	return [...entries].sort((x, y) => x.endpoint.localeCompare(y.endpoint));
}

function replay(updates: Uint8Array[]): Record<string, unknown> {
	const doc = new Y.Doc();
	for (const update of updates) Y.applyUpdate(doc, update);
	return doc.getMap('m').toJSON();
}

/**
 * The contract every `RelayStorage` implementation must meet. `makeStorage` is called once per
 * test with fresh, empty data.
 */
export function runStorageTests(name: string, makeStorage: () => Promise<StorageFixture>): void {
	describe(`RelayStorage contract: ${name}`, () => {
		async function withStorage(body: (fixture: StorageFixture) => Promise<void>) {
			const fixture = await makeStorage();
			try {
				await body(fixture);
			} finally {
				await fixture.storage.close();
				await fixture.cleanup();
			}
		}

		it('loads an unknown document as empty and without access', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				expect(await storage.loadDocument(id)).toEqual({
					access: null,
					updates: [],
					seqs: [],
					lastSeq: 0
				});
				expect(await storage.getAccess(id)).toBeNull();
			}));

		it('registers the first access only (trust on first use)', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				expect(await storage.registerAccess(id, verifier('a'), verifier('v'))).toBe('registered');
				expect(await storage.registerAccess(id, verifier('b'), null)).toBe('exists');
				expect(await storage.registerAccess(id, verifier('a'), null)).toBe('exists');
				const expected = { member: verifier('a'), viewer: verifier('v'), retired: [] };
				expect(await storage.getAccess(id)).toEqual(expected);
				expect((await storage.loadDocument(id)).access).toEqual(expected);
			}));

		it('registers a viewer verifier once, and only for the current member', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				expect(await storage.registerViewer(id, verifier('a'), verifier('v'))).toBe('stale');
				await storage.registerAccess(id, verifier('a'), null);
				expect(await storage.registerViewer(id, verifier('b'), verifier('v'))).toBe('stale');
				expect(await storage.registerViewer(id, verifier('a'), verifier('v'))).toBe('registered');
				expect(await storage.registerViewer(id, verifier('a'), verifier('w'))).toBe('exists');
				expect((await storage.getAccess(id))?.viewer).toBe(verifier('v'));
			}));

		it('rotates access from the current member only, retiring the old verifiers', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				const next = { member: verifier('m'), viewer: verifier('n') };
				expect(await storage.rotateAccess(id, verifier('a'), next)).toBe('stale');
				await storage.registerAccess(id, verifier('a'), verifier('v'));
				expect(await storage.rotateAccess(id, verifier('v'), next)).toBe('stale');
				expect(await storage.rotateAccess(id, verifier('a'), next)).toBe('rotated');
				// A second rotation from the same (now retired) access loses.
				const other = { member: verifier('x'), viewer: verifier('y') };
				expect(await storage.rotateAccess(id, verifier('a'), other)).toBe('stale');
				expect(await storage.getAccess(id)).toEqual({
					member: verifier('m'),
					viewer: verifier('n'),
					retired: [verifier('a'), verifier('v')]
				});
			}));

		it('of two rotations racing from the same access, exactly one wins', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				await storage.registerAccess(id, verifier('a'), null);
				const results = await Promise.all([
					storage.rotateAccess(id, verifier('a'), { member: verifier('m'), viewer: verifier('n') }),
					storage.rotateAccess(id, verifier('a'), { member: verifier('x'), viewer: verifier('y') })
				]);
				expect([...results].sort()).toEqual(['rotated', 'stale']);
				const winner = results[0] === 'rotated' ? verifier('m') : verifier('x');
				expect((await storage.getAccess(id))?.member).toBe(winner);
			}));

		it('remembers a bounded number of retired verifiers, newest first', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				await storage.registerAccess(id, verifier('r0'), null);
				const rounds = MAX_RETIRED_VERIFIERS;
				for (let round = 1; round <= rounds; round++) {
					const result = await storage.rotateAccess(id, verifier(`r${round - 1}`), {
						member: verifier(`r${round}`),
						viewer: verifier(`v${round}`)
					});
					expect(result).toBe('rotated');
				}
				const access = await storage.getAccess(id);
				expect(access?.retired).toHaveLength(MAX_RETIRED_VERIFIERS);
				expect(access?.retired[0]).toBe(verifier(`r${rounds - 1}`));
				expect(access?.retired).not.toContain(verifier('r0'));
			}));

		it('resolves whenDurable for appends, without an explicit flush', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				const seq = storage.appendUpdate(id, edit(new Y.Doc(), 'a', 1));
				await storage.whenDurable(seq);
				await storage.whenDurable(seq - 1);
				expect(replay((await storage.loadDocument(id)).updates)).toEqual({ a: 1 });
			}));

		it('returns appended updates in order, visible before any flush', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				const doc = new Y.Doc();
				const seqs = [
					storage.appendUpdate(id, edit(doc, 'a', 1)),
					storage.appendUpdate(id, edit(doc, 'b', 2)),
					storage.appendUpdate(id, edit(doc, 'a', 3))
				];
				expect(seqs[1]).toBeGreaterThan(seqs[0] as number);
				expect(seqs[2]).toBeGreaterThan(seqs[1] as number);
				const loaded = await storage.loadDocument(id);
				expect(loaded.updates).toHaveLength(3);
				expect(loaded.seqs).toEqual(seqs);
				expect(loaded.lastSeq).toBe(seqs[2]);
				expect(replay(loaded.updates)).toEqual({ a: 3, b: 2 });
			}));

		it('keeps documents apart', () =>
			withStorage(async ({ storage }) => {
				const [first, second] = [docId(), docId()];
				await storage.registerAccess(first, verifier('a'), null);
				await storage.registerAccess(second, verifier('b'), null);
				storage.appendUpdate(first, edit(new Y.Doc(), 'x', 'first'));
				storage.appendUpdate(second, edit(new Y.Doc(), 'x', 'second'));
				expect(replay((await storage.loadDocument(first)).updates)).toEqual({ x: 'first' });
				expect(replay((await storage.loadDocument(second)).updates)).toEqual({ x: 'second' });
				expect((await storage.getAccess(second))?.member).toBe(verifier('b'));
			}));

		it('compacts up to a seq and keeps the appends that came after it', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				await storage.registerAccess(id, verifier('a'), null);
				const doc = new Y.Doc();
				storage.appendUpdate(id, edit(doc, 'a', 1));
				const upTo = storage.appendUpdate(id, edit(doc, 'b', 2));
				const merged = Y.encodeStateAsUpdate(doc);
				// An append that arrives while the compaction is under way must survive it.
				const later = storage.appendUpdate(id, edit(doc, 'c', 3));
				await storage.compact(id, merged, upTo);
				const loaded = await storage.loadDocument(id);
				expect(loaded.updates).toHaveLength(2);
				expect(loaded.seqs).toEqual([upTo, later]);
				expect(loaded.lastSeq).toBe(later);
				expect(loaded.access?.member).toBe(verifier('a'));
				expect(replay(loaded.updates)).toEqual({ a: 1, b: 2, c: 3 });
			}));

		it('ignores a stale compaction older than the stored state', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				const doc = new Y.Doc();
				const old = storage.appendUpdate(id, edit(doc, 'a', 1));
				const oldState = Y.encodeStateAsUpdate(doc);
				const recent = storage.appendUpdate(id, edit(doc, 'b', 2));
				await storage.compact(id, Y.encodeStateAsUpdate(doc), recent);
				await storage.compact(id, oldState, old);
				const loaded = await storage.loadDocument(id);
				expect(loaded.lastSeq).toBe(recent);
				expect(replay(loaded.updates)).toEqual({ a: 1, b: 2 });
			}));

		it('compacts repeatedly without losing content', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				const doc = new Y.Doc();
				for (let round = 0; round < 5; round++) {
					let seq = 0;
					for (let i = 0; i < 10; i++) seq = storage.appendUpdate(id, edit(doc, `k${i}`, round));
					await storage.compact(id, Y.encodeStateAsUpdate(doc), seq);
				}
				const loaded = await storage.loadDocument(id);
				expect(loaded.updates).toHaveLength(1);
				expect(replay(loaded.updates)).toEqual(doc.getMap('m').toJSON());
			}));

		it('counts the bytes it stores: appends as accepted, compactions as they replace them', () =>
			withStorage(async ({ storage }) => {
				expect(storage.storedBytes).toBe(0);
				const [first, second] = [docId(), docId()];
				const doc = new Y.Doc();
				const updates = [edit(doc, 'a', 'x'.repeat(100)), edit(doc, 'b', 'y'.repeat(200))];
				const upTo = updates.reduce((_, update) => storage.appendUpdate(first, update), 0);
				const other = edit(new Y.Doc(), 'c', 3);
				storage.appendUpdate(second, other);
				const appended = updates[0]!.length + updates[1]!.length + other.length;
				expect(storage.storedBytes).toBe(appended);

				const state = Y.encodeStateAsUpdate(doc);
				const later = edit(doc, 'd', 4);
				storage.appendUpdate(first, later);
				await storage.compact(first, state, upTo);
				expect(storage.storedBytes).toBe(state.length + other.length + later.length);
				// A stale compaction replaces nothing.
				await storage.compact(first, new Uint8Array(1000), upTo - 1);
				expect(storage.storedBytes).toBe(state.length + other.length + later.length);
			}));

		it('stores a 15 MiB update intact', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				const big = new Uint8Array(Buffer.alloc(15 * 1024 * 1024, 'triad relay'));
				const update = edit(new Y.Doc(), 'blob', big);
				storage.appendUpdate(id, update);
				await storage.flush();
				const loaded = await storage.loadDocument(id);
				const stored = replay(loaded.updates).blob as Uint8Array;
				// Buffer.equals keeps a 15 MiB comparison fast; a deep equality walks it element-wise.
				expect(Buffer.from(stored).equals(Buffer.from(big))).toBe(true);
			}));

		it('keeps the caller from changing stored bytes it still holds after load', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				storage.appendUpdate(id, edit(new Y.Doc(), 'a', 1));
				const first = await storage.loadDocument(id);
				(first.updates[0] as Uint8Array).fill(0);
				expect(replay((await storage.loadDocument(id)).updates)).toEqual({ a: 1 });
			}));

		it('stores push subscriptions per document, replacing what an endpoint followed', () =>
			withStorage(async ({ storage }) => {
				const [a, b, c] = [docId(), docId(), docId()];
				const phone = pushKeys('phone');
				const laptop = pushKeys('laptop');
				await storage.savePushSubscription(phone, [
					{ docId: a, verifier: verifier('p') },
					{ docId: b, verifier: verifier('q') }
				]);
				await storage.savePushSubscription(laptop, [{ docId: a, verifier: verifier('l') }]);
				expect(sortByEndpoint(await storage.pushTargets(a))).toEqual([
					{ ...laptop, verifier: verifier('l') },
					{ ...phone, verifier: verifier('p') }
				]);
				expect(await storage.pushTargets(b)).toEqual([{ ...phone, verifier: verifier('q') }]);
				// Subscribing again replaces the documents, and the keys (the browser renewed them).
				const renewed = { ...phone, auth: 'renewed-auth' };
				await storage.savePushSubscription(renewed, [{ docId: c, verifier: verifier('r') }]);
				expect(await storage.pushTargets(a)).toEqual([{ ...laptop, verifier: verifier('l') }]);
				expect(await storage.pushTargets(b)).toEqual([]);
				expect(await storage.pushTargets(c)).toEqual([{ ...renewed, verifier: verifier('r') }]);
				expect(await storage.deletePushSubscription(phone.endpoint)).toBe(true);
				expect(await storage.deletePushSubscription(phone.endpoint)).toBe(false);
				expect(await storage.pushTargets(c)).toEqual([]);
				// No documents at all deletes the subscription.
				await storage.savePushSubscription(laptop, []);
				expect(await storage.pushTargets(a)).toEqual([]);
				expect(await storage.deletePushSubscription(laptop.endpoint)).toBe(false);
			}));

		it('keeps the first VAPID key pair it was offered', () =>
			withStorage(async ({ storage }) => {
				const first = { publicKey: 'public-1', privateKey: 'private-1' };
				expect(await storage.vapidKeys(first)).toEqual(first);
				expect(await storage.vapidKeys({ publicKey: 'public-2', privateKey: 'private-2' })).toEqual(
					first
				);
			}));

		it('refuses use after close', async () => {
			const fixture = await makeStorage();
			await fixture.storage.close();
			expect(() => fixture.storage.appendUpdate(docId(), new Uint8Array([0, 0]))).toThrow();
			await expect(fixture.storage.getAccess(docId())).rejects.toThrow();
			await fixture.cleanup();
		});

		describe('durability', () => {
			it('keeps tokens, flushed appends and compactions across reopening', async () => {
				const fixture = await makeStorage();
				if (fixture.reopen === undefined) {
					// A storage that keeps nothing across instances has nothing to check here.
					expect(fixture.reopen).toBeUndefined();
					await fixture.storage.close();
					await fixture.cleanup();
					return;
				}
				const [compacted, appended] = [docId(), docId()];
				const doc = new Y.Doc();
				const storage = fixture.storage;
				await storage.registerAccess(compacted, verifier('c'), null);
				const seq = storage.appendUpdate(compacted, edit(doc, 'a', 1));
				await storage.compact(compacted, Y.encodeStateAsUpdate(doc), seq);
				await storage.registerAccess(appended, verifier('d'), verifier('e'));
				await storage.rotateAccess(appended, verifier('d'), {
					member: verifier('f'),
					viewer: verifier('g')
				});
				storage.appendUpdate(appended, edit(new Y.Doc(), 'b', 2));
				await storage.savePushSubscription(pushKeys('kept'), [
					{ docId: appended, verifier: verifier('k') }
				]);
				await storage.vapidKeys({ publicKey: 'kept', privateKey: 'kept' });
				await storage.close();

				const reopened = await fixture.reopen();
				try {
					const first = await reopened.loadDocument(compacted);
					expect(first.access?.member).toBe(verifier('c'));
					expect(replay(first.updates)).toEqual({ a: 1 });
					const second = await reopened.loadDocument(appended);
					expect(second.access).toEqual({
						member: verifier('f'),
						viewer: verifier('g'),
						retired: [verifier('d'), verifier('e')]
					});
					expect(replay(second.updates)).toEqual({ b: 2 });
					const stored = [...first.updates, ...second.updates];
					expect(reopened.storedBytes).toBe(stored.reduce((sum, update) => sum + update.length, 0));
					expect(reopened.appendUpdate(appended, edit(new Y.Doc(), 'c', 3))).toBeGreaterThan(
						second.lastSeq
					);
					expect(await reopened.registerAccess(compacted, verifier('x'), null)).toBe('exists');
					expect(await reopened.pushTargets(appended)).toEqual([
						{ ...pushKeys('kept'), verifier: verifier('k') }
					]);
					expect(await reopened.vapidKeys({ publicKey: 'other', privateKey: 'other' })).toEqual({
						publicKey: 'kept',
						privateKey: 'kept'
					});
				} finally {
					await reopened.close();
					await fixture.cleanup();
				}
			});
		});
	});
}
