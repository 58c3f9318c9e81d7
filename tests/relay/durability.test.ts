import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	connectProvider,
	destroyProviders,
	makeToken,
	newRoom,
	randomSecret,
	refusalOf,
	roomUrl,
	synced,
	waitFor,
	type RelayProcess
} from './harness';
import { spawnedPerTest } from './spawned-per-test';

const spawned = spawnedPerTest();
const relayIn = (dataDir: string, port = 0) => spawned.relay({ dataDir, port });
const dataDir = () => spawned.dataDir();

/** Reads the document through a fresh client, then disconnects it. */
async function readBack(relay: RelayProcess, room: { docId: string; token: string }) {
	const doc = new Y.Doc();
	const provider = connectProvider(relay.syncUrl, room, doc);
	await synced(provider);
	provider.destroy();
	return doc;
}

/** The close code with which the relay refuses `docId` to a token derived from another secret. */
async function refusesOtherToken(relay: RelayProcess, docId: string): Promise<number> {
	const refusal = await refusalOf(
		roomUrl(relay.syncUrl, { docId, token: makeToken(randomSecret(), docId) })
	);
	return refusal.code;
}

/** A relay on a fresh data directory, and a client `doc` synced with it in a fresh room. */
async function relayWithWriter() {
	const dir = await dataDir();
	const room = newRoom();
	const first = await relayIn(dir);
	const doc = new Y.Doc();
	await synced(connectProvider(first.syncUrl, room, doc));
	return { dir, room, first, doc };
}

describe('durability of the CLI relay', () => {
	it('keeps content and token across SIGTERM and restart', async () => {
		const { dir, room, first, doc } = await relayWithWriter();
		doc.getText('body').insert(0, 'survives a graceful stop');
		// A second client seeing the edit proves the relay has applied it.
		const witness = new Y.Doc();
		await synced(connectProvider(first.syncUrl, room, witness));
		await waitFor(() => witness.getText('body').length > 0, 'the edit at the relay');
		expect(await first.stop('SIGTERM')).toBe(0);
		expect(first.output()).toContain('"event":"stopped"');
		destroyProviders();

		const second = await relayIn(dir);
		expect((await readBack(second, room)).getText('body').toString()).toBe(
			'survives a graceful stop'
		);
		expect(await refusesOtherToken(second, room.docId)).toBe(4403);
	});

	it('loses nothing older than a second on kill -9', async () => {
		const { dir, room, first, doc } = await relayWithWriter();
		for (let i = 0; i < 20; i++) doc.getArray<number>('log').push([i]);
		const witness = new Y.Doc();
		await synced(connectProvider(first.syncUrl, room, witness));
		await waitFor(() => witness.getArray('log').length === 20, 'the edits at the relay');
		await new Promise((tick) => setTimeout(tick, 1100));
		// Killed with clients still connected, so no unload compaction ran: the appends alone
		// must hold the edits. The clients go before the restart, or they would resend them.
		expect(await first.stop('SIGKILL')).toBeNull();
		expect(first.child.signalCode).toBe('SIGKILL');
		destroyProviders();

		const second = await relayIn(dir);
		expect((await readBack(second, room)).getArray('log').toArray()).toEqual([...Array(20).keys()]);
		expect(await refusesOtherToken(second, room.docId)).toBe(4403);
	});

	it('is rejoined by clients on their own after a restart on the same port', async () => {
		const dir = await dataDir();
		const room = newRoom();
		const first = await relayIn(dir);
		const port = first.port;
		const [a, b] = [new Y.Doc(), new Y.Doc()];
		const providerA = connectProvider(first.syncUrl, room, a);
		const providerB = connectProvider(first.syncUrl, room, b);
		await Promise.all([synced(providerA), synced(providerB)]);
		a.getMap('m').set('before', 1);
		await waitFor(() => b.getMap('m').get('before') === 1, 'the first edit');

		expect(await first.stop('SIGTERM')).toBe(0);
		await waitFor(() => !providerA.wsconnected && !providerB.wsconnected, 'clients to notice');
		a.getMap('m').set('while-down', 'a');
		b.getMap('m').set('while-down-b', 'b');

		await relayIn(dir, port);
		await waitFor(
			() => b.getMap('m').get('while-down') === 'a' && a.getMap('m').get('while-down-b') === 'b',
			'edits made while the relay was down to propagate',
			20_000
		);
		expect(a.getMap('m').toJSON()).toEqual({ before: 1, 'while-down': 'a', 'while-down-b': 'b' });
		expect(b.getMap('m').toJSON()).toEqual(a.getMap('m').toJSON());
	});
});
