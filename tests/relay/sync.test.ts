import { queryObjects } from 'node:v8';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	connectProvider,
	destroyProviders,
	newRoom,
	readMetric,
	startInProcessRelay,
	synced,
	waitFor
} from './harness';
import { relayPerFile } from './relay-per-file';

const relay = relayPerFile();

const text = (doc: Y.Doc) => doc.getText('body').toString();

describe('sync through the relay', () => {
	it('makes three clients converge on concurrent edits', async () => {
		const room = newRoom();
		const docs = ['keeper', 'bearer', 'navigator'].map(() => new Y.Doc());
		const providers = docs.map((doc) => connectProvider(relay().syncUrl, room, doc));
		await Promise.all(providers.map((provider) => synced(provider)));
		docs.forEach((doc, i) => doc.getMap('seats').set(`seat${i}`, i));
		docs.forEach((doc, i) => doc.getText('body').insert(0, `[${i}]`));
		await waitFor(
			() => docs.every((doc) => doc.getMap('seats').size === 3 && text(doc).length === 9),
			'all three edits everywhere'
		);
		const states = docs.map((doc) => Y.encodeStateAsUpdate(doc));
		expect(text(docs[1] as Y.Doc)).toBe(text(docs[0] as Y.Doc));
		expect(text(docs[2] as Y.Doc)).toBe(text(docs[0] as Y.Doc));
		expect(docs.map((doc) => doc.getMap('seats').toJSON())).toEqual(
			Array(3).fill({ seat0: 0, seat1: 1, seat2: 2 })
		);
		expect(states.every((state) => state.length > 0)).toBe(true);
	});

	it('gives a late joiner the full state', async () => {
		const room = newRoom();
		const early = new Y.Doc();
		const provider = connectProvider(relay().syncUrl, room, early);
		await synced(provider);
		const appendsBefore = relay().metrics.storageAppends;
		for (let i = 0; i < 50; i++) early.getArray<number>('log').push([i]);
		early.getText('body').insert(0, 'written before you came');
		const late = new Y.Doc();
		// Wait until the relay holds everything, then join from scratch.
		await waitFor(
			() => relay().metrics.storageAppends >= appendsBefore + 51,
			'the edits to reach the relay'
		);
		await synced(connectProvider(relay().syncUrl, room, late));
		expect(late.getArray('log').toArray()).toEqual([...Array(50).keys()]);
		expect(text(late)).toBe('written before you came');
	});

	it('merges edits made offline when the client reconnects', async () => {
		const room = newRoom();
		const [a, b] = [new Y.Doc(), new Y.Doc()];
		const providerA = connectProvider(relay().syncUrl, room, a);
		const providerB = connectProvider(relay().syncUrl, room, b);
		await Promise.all([synced(providerA), synced(providerB)]);
		providerA.disconnect();
		const appendsBefore = relay().metrics.storageAppends;
		a.getMap('m').set('offline', 'from a');
		b.getMap('m').set('online', 'from b');
		await waitFor(() => relay().metrics.storageAppends > appendsBefore, 'b to reach the relay');
		expect(b.getMap('m').get('offline')).toBeUndefined();
		providerA.connect();
		await waitFor(
			() => b.getMap('m').get('offline') === 'from a' && a.getMap('m').get('online') === 'from b',
			'offline and online edits to meet'
		);
		expect(a.getMap('m').toJSON()).toEqual(b.getMap('m').toJSON());
	});

	it('keeps rooms isolated', async () => {
		const [first, second] = [newRoom(), newRoom()];
		const [a, b] = [new Y.Doc(), new Y.Doc()];
		const [c, d] = [new Y.Doc(), new Y.Doc()];
		const providers = [
			connectProvider(relay().syncUrl, first, a),
			connectProvider(relay().syncUrl, first, b),
			connectProvider(relay().syncUrl, second, c),
			connectProvider(relay().syncUrl, second, d)
		];
		await Promise.all(providers.map((provider) => synced(provider)));
		a.getMap('m').set('room', 'first');
		c.getMap('m').set('room', 'second');
		await waitFor(
			() => b.getMap('m').get('room') === 'first' && d.getMap('m').get('room') === 'second',
			'each room to sync'
		);
		// A sentinel edit after the others proves the relay has forwarded everything it will.
		a.getMap('m').set('sentinel', 1);
		await waitFor(() => b.getMap('m').get('sentinel') === 1, 'the sentinel');
		expect(d.getMap('m').toJSON()).toEqual({ room: 'second' });
		expect(b.getMap('m').toJSON()).toEqual({ room: 'first', sentinel: 1 });
	});

	it('unloads a document after its last connection closes and reloads it with its content', async () => {
		// The rooms of earlier tests unload (compacting first) while this one starts: counted
		// once they are gone, the count below moves for this room alone.
		await waitFor(
			async () => (await readMetric(relay().url, 'triad_relay_loaded_documents')) === 0,
			'the documents of earlier tests to unload'
		);
		const room = newRoom();
		const doc = new Y.Doc();
		const provider = connectProvider(relay().syncUrl, room, doc);
		await synced(provider);
		const before = await readMetric(relay().url, 'triad_relay_loaded_documents');
		const appendsBefore = relay().metrics.storageAppends;
		doc.getText('body').insert(0, 'kept across unload');
		await waitFor(
			() => relay().metrics.storageAppends > appendsBefore,
			'the edit to reach the relay'
		);
		provider.destroy();
		await waitFor(
			async () => (await readMetric(relay().url, 'triad_relay_loaded_documents')) === before - 1,
			'the document to unload'
		);
		const fresh = new Y.Doc();
		await synced(connectProvider(relay().syncUrl, room, fresh));
		expect(text(fresh)).toBe('kept across unload');
		expect(await readMetric(relay().url, 'triad_relay_loaded_documents')).toBe(before);
	});

	it('keeps no Y.Doc of a document once its last connection closed', async () => {
		const loaded = () => readMetric(relay().url, 'triad_relay_loaded_documents');
		await waitFor(async () => (await loaded()) === 0, 'rooms of earlier tests to unload');
		// Live Y.Docs of this process (the relay runs in it), counted after a full collection.
		const liveDocs = () => queryObjects(Y.Doc, { format: 'count' }) as number;
		const clients = Array.from({ length: 20 }, () => new Y.Doc());
		const baseline = liveDocs();
		const providers = clients.map((doc) => connectProvider(relay().syncUrl, newRoom(), doc));
		await Promise.all(providers.map((provider) => synced(provider)));
		clients.forEach((doc, i) => doc.getMap('m').set('k', i));
		// One per room on the relay's side while they are open.
		expect(liveDocs()).toBeGreaterThanOrEqual(baseline + clients.length);
		for (const provider of providers) provider.destroy();
		await waitFor(async () => (await loaded()) === 0, 'the rooms to unload');
		await waitFor(() => liveDocs() === baseline, "the rooms' documents to be collected");
		expect(liveDocs()).toBe(baseline);
	});

	it('serves 200 rooms at once', async () => {
		const rooms = Array.from({ length: 200 }, () => newRoom());
		const writers = rooms.map(() => new Y.Doc());
		const readers = rooms.map(() => new Y.Doc());
		const providers = rooms.flatMap((room, i) => [
			connectProvider(relay().syncUrl, room, writers[i]),
			connectProvider(relay().syncUrl, room, readers[i])
		]);
		await Promise.all(providers.map((provider) => synced(provider, 30_000)));
		writers.forEach((doc, i) => doc.getMap('m').set('room', i));
		await waitFor(
			() => readers.every((doc, i) => doc.getMap('m').get('room') === i),
			'every room to sync',
			30_000
		);
		expect(await readMetric(relay().url, 'triad_relay_loaded_documents')).toBeGreaterThanOrEqual(
			200
		);
	});
});

describe('document cap', () => {
	it('refuses a new room with 503 when MAX_LOADED_DOCS are loaded, and serves loaded ones', async () => {
		const capped = await startInProcessRelay({ maxLoadedDocuments: 1 });
		try {
			const [loaded, extra] = [newRoom(), newRoom()];
			const doc = new Y.Doc();
			await synced(connectProvider(capped.syncUrl, loaded, doc));
			const status = await new Promise<number>((done) => {
				void import('ws').then(({ WebSocket }) => {
					const ws = new WebSocket(`${capped.syncUrl}/${extra.docId}?token=${extra.token}`);
					ws.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
					ws.on('open', () => done(101));
					ws.on('error', () => {});
				});
			});
			expect(status).toBe(503);
			const second = new Y.Doc();
			await synced(connectProvider(capped.syncUrl, loaded, second));
			expect(capped.metrics.refusals.get('too_many_documents')).toBe(1);
		} finally {
			destroyProviders();
			await capped.stop();
		}
	});
});
