import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseAccessToken, parseDocId, type AccessToken, type DocId } from '../../server/doc-id';
import type { RelayStorage } from '../../server/storage/relay-storage';

/** A storage under test, and optionally a way to reopen it on the same data. */
export interface StorageFixture {
	storage: RelayStorage;
	/** Closes nothing; opens a second instance on the same data (only durable storages). */
	reopen?: () => Promise<RelayStorage>;
	/** Releases whatever the fixture created (temp dirs); storages are closed by the suite. */
	cleanup: () => Promise<void>;
}

let counter = 0;
function docId(): DocId {
	const id = `doc${String(++counter).padStart(19, '0')}`;
	return parseDocId(id) as DocId;
}
function token(fill: string): AccessToken {
	return parseAccessToken(fill.repeat(43).slice(0, 43)) as AccessToken;
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

		it('loads an unknown document as empty and without token', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				expect(await storage.loadDocument(id)).toEqual({
					token: null,
					updates: [],
					seqs: [],
					lastSeq: 0
				});
				expect(await storage.getToken(id)).toBeNull();
			}));

		it('registers the first token only (trust on first use)', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				expect(await storage.registerToken(id, token('a'))).toBe('registered');
				expect(await storage.registerToken(id, token('b'))).toBe('exists');
				expect(await storage.registerToken(id, token('a'))).toBe('exists');
				expect(await storage.getToken(id)).toBe(token('a'));
				expect((await storage.loadDocument(id)).token).toBe(token('a'));
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
				await storage.registerToken(first, token('a'));
				await storage.registerToken(second, token('b'));
				storage.appendUpdate(first, edit(new Y.Doc(), 'x', 'first'));
				storage.appendUpdate(second, edit(new Y.Doc(), 'x', 'second'));
				expect(replay((await storage.loadDocument(first)).updates)).toEqual({ x: 'first' });
				expect(replay((await storage.loadDocument(second)).updates)).toEqual({ x: 'second' });
				expect(await storage.getToken(second)).toBe(token('b'));
			}));

		it('compacts up to a seq and keeps the appends that came after it', () =>
			withStorage(async ({ storage }) => {
				const id = docId();
				await storage.registerToken(id, token('a'));
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
				expect(loaded.token).toBe(token('a'));
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

		it('refuses use after close', async () => {
			const fixture = await makeStorage();
			await fixture.storage.close();
			expect(() => fixture.storage.appendUpdate(docId(), new Uint8Array([0, 0]))).toThrow();
			await expect(fixture.storage.getToken(docId())).rejects.toThrow();
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
				await storage.registerToken(compacted, token('c'));
				const seq = storage.appendUpdate(compacted, edit(doc, 'a', 1));
				await storage.compact(compacted, Y.encodeStateAsUpdate(doc), seq);
				await storage.registerToken(appended, token('d'));
				storage.appendUpdate(appended, edit(new Y.Doc(), 'b', 2));
				await storage.close();

				const reopened = await fixture.reopen();
				try {
					const first = await reopened.loadDocument(compacted);
					expect(first.token).toBe(token('c'));
					expect(replay(first.updates)).toEqual({ a: 1 });
					const second = await reopened.loadDocument(appended);
					expect(second.token).toBe(token('d'));
					expect(replay(second.updates)).toEqual({ b: 2 });
					expect(reopened.appendUpdate(appended, edit(new Y.Doc(), 'c', 3))).toBeGreaterThan(
						second.lastSeq
					);
					expect(await reopened.registerToken(compacted, token('x'))).toBe('exists');
				} finally {
					await reopened.close();
					await fixture.cleanup();
				}
			});
		});
	});
}
