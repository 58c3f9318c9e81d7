import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { tokenVerifier } from '../../server/access';
import { SqliteWorkerStorage } from '../../server/storage/sqlite-worker-storage';
import {
	encodeSyncStep1,
	encodeSyncUpdate,
	type AccessToken,
	type DocumentId
} from '../../src/lib/protocol';
import { encodeRawUpdate } from '../../src/lib/protocol/testing/raw-update';
import {
	documentContents,
	runSteps,
	step,
	type FuzzCounts
} from '../../src/lib/protocol/testing/update-fuzz';
import { applyValidUpdate } from '../../src/lib/protocol/validate-update';
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

/** The update of the hardening issue: client 99, one GC struct of length 0. */
const SEVEN_BYTES = Uint8Array.of(0x01, 0x01, 0x63, 0x00, 0x00, 0x00, 0x00);
const REFUSED = { code: 4422, reason: 'invalid update: refused' };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	destroyProviders();
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A relay on SQLite in `dataDir`, stopped after the test unless stopped before. */
async function relayIn(dataDir: string, compactIdleMs = 100): Promise<InProcessRelay> {
	const relay = await startInProcessRelay({ dataDir, compactIdleMs });
	cleanups.push(() => relay.stop());
	return relay;
}

async function dataDir(): Promise<string> {
	const dir = await makeTempDir();
	cleanups.push(dir.remove);
	return dir.path;
}

/** A raw socket in `room` that has received the relay's greeting. */
async function rawIn(relay: InProcessRelay, room: TestRoom): Promise<RawClient> {
	const raw = openRawClient(roomUrl(relay.syncUrl, room));
	await raw.opened;
	await waitFor(() => raw.messages.length > 0, 'the greeting');
	return raw;
}

/** The close code and reason of `raw`, once the relay closed it (a hang guard, not a timing). */
async function closeOf(raw: RawClient): Promise<{ code: number; reason: string }> {
	let closed: { code: number; reason: string } | null = null;
	void raw.closed.then((result) => (closed = result));
	await waitFor(() => closed !== null, 'the relay to close the socket');
	return closed!;
}

/** Sync update payloads among raw messages, decoded. */
function updatesIn(messages: Buffer[]): Y.Doc {
	const doc = new Y.Doc();
	for (const message of messages) {
		// [messageSync, syncUpdate or syncStep2, varUint length, payload]
		if (message[0] !== 0 || (message[1] !== 1 && message[1] !== 2)) continue;
		const decoder = { pos: 2, message };
		let length = 0;
		for (let shift = 0; ; shift += 7) {
			const byte = message[decoder.pos++]!;
			length += (byte & 0x7f) * 2 ** shift;
			if (byte < 0x80) break;
		}
		Y.applyUpdate(doc, message.subarray(decoder.pos, decoder.pos + length));
	}
	return doc;
}

/** `doc` encoded and loaded into a fresh document, as a peer or the next load gets it. */
function loadedCopy(doc: Y.Doc): Y.Doc {
	const copy = new Y.Doc();
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
	return copy;
}

/** Reads the room through a fresh provider, then disconnects it. */
async function readBack(relay: InProcessRelay, room: TestRoom): Promise<Y.Doc> {
	const doc = new Y.Doc();
	const provider = connectProvider(relay.syncUrl, room, doc);
	await synced(provider);
	provider.destroy();
	return doc;
}

function logsOf(relay: InProcessRelay, event: string) {
	return relay.logs.filter((line) => line.event === event);
}

describe('a poisoned update', () => {
	it('the seven-byte update is refused with 4422, never broadcast, and the room still loads after compaction and after a restart', async () => {
		const dir = await dataDir();
		const relay = await relayIn(dir);
		const room = newRoom();
		const member = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, room, member));
		member.getText('body').insert(0, 'before');
		const observer = await rawIn(relay, room);
		// The observer asks for the whole document, then receives every broadcast.
		observer.ws.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
		const intruder = await rawIn(relay, room);

		intruder.ws.send(encodeSyncUpdate(SEVEN_BYTES));
		expect(await closeOf(intruder)).toEqual(REFUSED);
		expect(logsOf(relay, 'connection_closed_on_error').at(-1)).toMatchObject({
			kind: 'invalid_update',
			code: 4422
		});

		// Broadcasts keep their order: once the observer has the member's next edit, it would
		// have had the refused update before it.
		const compactionsBefore = relay.metrics.storageCompactions;
		member.getText('body').insert(6, ', after');
		await waitFor(
			() => updatesIn(observer.messages).getText('body').toString() === 'before, after',
			"the member's edit at the observer"
		);
		expect(Y.getState(updatesIn(observer.messages).store, 99)).toBe(0);
		expect(
			observer.messages.some((message) => Buffer.from(message).includes(Buffer.from(SEVEN_BYTES)))
		).toBe(false);

		await waitFor(
			() => relay.metrics.storageCompactions > compactionsBefore,
			'the idle compaction'
		);
		observer.ws.close();
		destroyProviders();
		await waitFor(() => relay.metrics.loadedDocuments === 0, 'the room to unload');
		expect((await readBack(relay, room)).getText('body').toString()).toBe('before, after');

		await relay.stop();
		const restarted = await relayIn(dir);
		expect((await readBack(restarted, room)).getText('body').toString()).toBe('before, after');
		expect(logsOf(restarted, 'load_failed')).toEqual([]);
	});
});

describe('a document poisoned before updates were validated', () => {
	/** Writes `write`'s updates straight into the SQLite storage of `dir`, bypassing the relay. */
	async function poison(
		dir: string,
		room: TestRoom,
		write: (storage: SqliteWorkerStorage, docId: DocumentId) => Promise<void> | void
	): Promise<void> {
		const storage = await SqliteWorkerStorage.open({ dataDir: dir });
		const docId = room.docId as DocumentId;
		await storage.registerAccess(docId, tokenVerifier(room.token as AccessToken), null);
		await write(storage, docId);
		await storage.close();
	}

	/** A member's document with some text, and its updates one by one. */
	function memberDoc(): { doc: Y.Doc; updates: Uint8Array[] } {
		const doc = new Y.Doc();
		const updates: Uint8Array[] = [];
		doc.on('update', (update: Uint8Array) => updates.push(update));
		doc.getText('body').insert(0, 'kept');
		doc.getText('body').insert(4, ' safe');
		return { doc, updates };
	}

	it('loads again: a compacted state with empty structs is repaired, a bad append skipped by its seq', async () => {
		const dir = await dataDir();
		const room = newRoom();
		const { doc, updates } = memberDoc();
		// What an unvalidated relay compacted after the seven bytes: it no longer loads.
		Y.applyUpdate(doc, SEVEN_BYTES);
		const poisonedState = Y.encodeStateAsUpdate(doc);
		expect(() => Y.applyUpdate(new Y.Doc(), poisonedState)).toThrow('Unexpected case');
		// An append that does not encode again once applied: a Uint8Array under `__proto__`.
		const proto: Record<string, unknown> = {};
		Object.defineProperty(proto, '__proto__', { value: new Uint8Array([1]), enumerable: true });
		const unencodable = encodeRawUpdate({
			clients: [
				{
					client: 7,
					clock: 0,
					structs: [
						{
							kind: 'item',
							origin: null,
							rightOrigin: null,
							parent: { key: 'list' },
							parentSub: 'x',
							content: { kind: 'any', values: [proto] }
						}
					]
				}
			],
			deletions: []
		});
		const later = new Y.Doc();
		for (const update of updates) Y.applyUpdate(later, update);
		const laterUpdates: Uint8Array[] = [];
		later.on('update', (update: Uint8Array) => laterUpdates.push(update));
		later.getText('body').insert(9, '!');
		let badSeq = 0;
		await poison(dir, room, async (storage, docId) => {
			const seq = storage.appendUpdate(docId, updates[0]!);
			await storage.compact(docId, poisonedState, seq);
			badSeq = storage.appendUpdate(docId, unencodable);
			storage.appendUpdate(docId, laterUpdates[0]!);
		});

		const relay = await relayIn(dir);
		expect((await readBack(relay, room)).getText('body').toString()).toBe('kept safe!');
		expect(logsOf(relay, 'stored_update_repaired')).toEqual([
			expect.objectContaining({ docId: room.docId, problem: 'empty' })
		]);
		expect(logsOf(relay, 'stored_update_skipped')).toEqual([
			expect.objectContaining({ docId: room.docId, seq: badSeq, problem: 'unsafe-value' })
		]);
		// The recovered document is compacted, and loads without repairs from then on.
		await waitFor(() => relay.metrics.storageCompactions > 0, 'the recovered state compacted');
		await waitFor(() => relay.metrics.loadedDocuments === 0, 'the room to unload');
		await relay.stop();
		const restarted = await relayIn(dir);
		expect((await readBack(restarted, room)).getText('body').toString()).toBe('kept safe!');
		expect(logsOf(restarted, 'stored_update_repaired')).toEqual([]);
		expect(logsOf(restarted, 'stored_update_skipped')).toEqual([]);
	});
});

describe('the relay, fuzzed', () => {
	const RUNS = Number(process.env.RELAY_FUZZ_RUNS ?? 12);

	/** Sends a sync step 1 with an empty state vector; resolves the relay's whole state. */
	async function stateOf(raw: RawClient): Promise<Y.Doc> {
		const before = raw.messages.length;
		raw.ws.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
		await waitFor(
			() => raw.messages.slice(before).some((m) => m[0] === 0 && m[1] === 1),
			'the sync step 2'
		);
		return updatesIn(raw.messages.slice(before).filter((m) => m[0] === 0 && m[1] === 1));
	}

	it(`takes exactly the updates the shared check accepts, and stores a document that loads (${RUNS} runs)`, async () => {
		const relay = await relayIn(await dataDir(), 600_000);
		const counts: FuzzCounts = { real: 0, accepted: 0, refused: 0 };
		await fc.assert(
			fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 15 }), async (steps) => {
				// The verdicts of the shared check on a document of our own, in order.
				const mirror = new Y.Doc();
				const offered: { update: Uint8Array; accepted: boolean }[] = [];
				const sink = {
					doc: mirror,
					offer(update: Uint8Array) {
						const accepted = applyValidUpdate(mirror, update) === null;
						offered.push({ update, accepted });
						return accepted;
					}
				};
				runSteps(sink, steps, () => {}, counts);

				const room = newRoom();
				let raw = await rawIn(relay, room);
				for (const { update, accepted } of offered) {
					raw.ws.send(encodeSyncUpdate(update));
					if (accepted) continue;
					expect(await closeOf(raw)).toEqual(REFUSED);
					raw = await rawIn(relay, room);
				}
				const expected = documentContents(loadedCopy(mirror));
				expect(documentContents(await stateOf(raw))).toBe(expected);
				// Unloading compacts; the next load reads the compacted state.
				raw.ws.close();
				await waitFor(() => relay.metrics.loadedDocuments === 0, 'the room to unload');
				const reloaded = await rawIn(relay, room);
				expect(documentContents(await stateOf(reloaded))).toBe(expected);
				reloaded.ws.close();
				await waitFor(() => relay.metrics.loadedDocuments === 0, 'the room to unload');
			}),
			{ numRuns: RUNS, seed: 20_261_202 }
		);
		expect(counts.refused).toBeGreaterThan(0);
		expect(counts.accepted).toBeGreaterThan(0);
		expect(logsOf(relay, 'load_failed')).toEqual([]);
		expect(logsOf(relay, 'compaction_refused')).toEqual([]);
	});
});
