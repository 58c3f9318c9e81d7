import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { encodeSyncUpdate, MESSAGE_RECEIPT } from '../../src/lib/protocol';
import {
	connectProvider,
	newRoom,
	openRawClient,
	readMetric,
	startInProcessRelay,
	synced,
	waitFor,
	type InProcessRelay,
	type RawClient,
	type TestRoom
} from './harness';
import { spawnedPerTest } from './spawned-per-test';
import { clusterName, health, spawnClusterNodes, storedMap } from './testing/cluster-nodes';
import { freshSchema, TEST_DATABASE_URL } from './testing/postgres';
import { TEST_REDIS_URL } from './testing/redis';
import { startRedisProcess } from './testing/redis-process';

const spawned = spawnedPerTest();

/**
 * A protocol-2 writer that sends each of its edits as one message, as the app does, and keeps
 * which of them the relay's receipts covered: those are what it was told the cluster holds.
 */
class ReceiptedWriter {
	readonly doc = new Y.Doc();
	/** The key each update-carrying message sent on the current socket wrote. */
	#sentKeys: string[] = [];
	readonly acknowledged = new Set<string>();
	#raw: RawClient;

	private constructor(raw: RawClient) {
		this.#raw = raw;
		this.#listen();
	}

	static async open(syncUrl: string, room: TestRoom): Promise<ReceiptedWriter> {
		const raw = openRawClient(`${syncUrl}/${room.docId}?token=${room.token}&protocol=2`);
		await raw.opened;
		return new ReceiptedWriter(raw);
	}

	get connected(): boolean {
		return this.#raw.ws.readyState === WebSocket.OPEN;
	}

	/** Writes `key` locally, and sends it if the socket is still open. */
	write(key: string, value: number): void {
		let update: Uint8Array | null = null;
		const capture = (u: Uint8Array) => (update = u);
		this.doc.on('update', capture);
		this.doc.getMap('m').set(key, value);
		this.doc.off('update', capture);
		if (update === null || !this.connected) return;
		this.#sentKeys.push(key);
		this.#raw.ws.send(encodeSyncUpdate(update));
	}

	/** Resolves once a receipt arrived. */
	firstReceipt(): Promise<void> {
		return waitFor(() => this.acknowledged.size > 0, 'a first receipt');
	}

	close(): void {
		this.#raw.ws.terminate();
	}

	#listen(): void {
		this.#raw.ws.on('message', (message: Buffer) => {
			if (message[0] !== MESSAGE_RECEIPT) return;
			const decoder = decoding.createDecoder(message.subarray(1));
			const covered = decoding.readVarUint(decoder);
			for (const key of this.#sentKeys.slice(0, covered)) this.acknowledged.add(key);
		});
	}
}

function sameMap(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
	const keys = Object.keys(a);
	return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

describe('a cluster node killed with SIGKILL in the middle of a burst', () => {
	it('keeps every acknowledged update, and its clients converge through another node', async () => {
		const { schema, drop } = await freshSchema();
		// Dropped once the nodes are gone (cleanups run newest first).
		spawned.onCleanup(drop);
		const [dying, b, c] = await spawnClusterNodes(spawned, { schema, redisUrl: TEST_REDIS_URL }, 3);
		if (dying === undefined || b === undefined || c === undefined) throw new Error('3 nodes');
		// Ready means reachable PostgreSQL and the fan-out subscribed.
		for (const node of [dying, b, c]) {
			await waitFor(async () => (await health(node.url)).body === 'ok', 'the node to be ready');
		}
		const room = newRoom();
		// Readers on the surviving nodes, following the burst live.
		const readers = [b, c].map((node) => {
			const doc = new Y.Doc();
			return { doc, provider: connectProvider(node.syncUrl, room, doc) };
		});
		await Promise.all(readers.map(({ provider }) => synced(provider)));
		const onDying = [
			await ReceiptedWriter.open(dying.syncUrl, room),
			await ReceiptedWriter.open(dying.syncUrl, room)
		];
		const onB = await ReceiptedWriter.open(b.syncUrl, room);
		const writers = [...onDying, onB];

		// The burst: every writer writes a few keys every few milliseconds, and goes on writing
		// (locally, its socket gone) after its node died, as the app does offline.
		const burst = 300;
		let killed = false;
		// Killed once each of its writers was told about some of its edits.
		void Promise.all(onDying.map((writer) => writer.firstReceipt())).then(() => {
			dying.child.kill('SIGKILL');
			killed = true;
		});
		for (let k = 0; k < burst; k += 5) {
			for (const [w, writer] of writers.entries()) {
				for (let i = k; i < k + 5; i++) writer.write(`w${w}-${i}`, i);
			}
			await new Promise((tick) => setTimeout(tick, 4));
		}
		await waitFor(() => killed, 'the node to be killed');
		await dying.stop('SIGKILL');
		await waitFor(() => onDying.every((writer) => !writer.connected), 'the sockets to close');

		// Everything a receipt covered is in PostgreSQL, before any client resent anything.
		const acknowledged = writers.flatMap((writer) => [...writer.acknowledged]);
		const stored = await storedMap(schema, room.docId);
		expect(acknowledged.filter((key) => !(key in stored))).toEqual([]);
		// The kill fell in the middle of the burst: its writers had not been told about the rest.
		for (const writer of onDying) {
			expect(writer.acknowledged.size).toBeGreaterThan(0);
			expect(writer.acknowledged.size).toBeLessThan(burst);
		}

		// The dead node's clients reconnect to the next relay of their list and resend, through
		// y-websocket's sync, what the cluster lacks; the writer on b syncs in the same way.
		const relayList = [dying, b, c];
		onDying.forEach((writer, i) => {
			const next = relayList[1 + (i % 2)] as typeof b;
			connectProvider(next.syncUrl, room, writer.doc);
		});
		onB.close();
		connectProvider(b.syncUrl, room, onB.doc);

		const everything: Record<string, unknown> = {};
		writers.forEach((_, w) => {
			for (let i = 0; i < burst; i++) everything[`w${w}-${i}`] = i;
		});
		const docs = [...writers.map((writer) => writer.doc), ...readers.map(({ doc }) => doc)];
		await waitFor(
			() => docs.every((doc) => sameMap(doc.getMap('m').toJSON(), everything)),
			'every client to converge',
			30_000
		);
		await waitFor(
			async () => sameMap(await storedMap(schema, room.docId), everything),
			'PostgreSQL to hold everything'
		);
		// A new node's load rebuilds the same state.
		expect(await storedMap(schema, room.docId)).toEqual(everything);
		for (const doc of docs) expect(doc.getMap('m').toJSON()).toEqual(everything);
	});
});

describe('Redis killed and started again while editing', () => {
	it('converges with nothing lost, and /healthz and /metrics say what happened', async () => {
		const redis = await startRedisProcess();
		spawned.onCleanup(() => redis.kill('SIGKILL'));
		const { schema, drop } = await freshSchema();
		spawned.onCleanup(drop);
		const cluster = clusterName();
		const nodes: InProcessRelay[] = [];
		spawned.onCleanup(() => Promise.all(nodes.map((node) => node.stop())));
		for (const name of ['a', 'b', 'c']) {
			nodes.push(
				await startInProcessRelay({
					cluster: {
						databaseUrl: TEST_DATABASE_URL,
						redisUrl: redis.url,
						nodeId: `test-${cluster}-${name}`,
						schema
					}
				})
			);
		}
		for (const node of nodes) {
			await waitFor(async () => (await health(node.url)).body === 'ok', 'the node to be ready');
			expect(await readMetric(node.url, 'triad_relay_cluster_broker_up')).toBe(1);
		}
		const rooms = [newRoom(), newRoom()];
		const clients = rooms.flatMap((room) =>
			nodes.map((node) => {
				const doc = new Y.Doc();
				return { room, doc, provider: connectProvider(node.syncUrl, room, doc) };
			})
		);
		await Promise.all(clients.map(({ provider }) => synced(provider)));
		const expected = new Map(rooms.map((room) => [room, {} as Record<string, unknown>]));
		const edit = (label: string) =>
			clients.forEach(({ room, doc }, i) => {
				doc.getMap('m').set(`${label}-${i}`, i);
				(expected.get(room) as Record<string, unknown>)[`${label}-${i}`] = i;
			});
		const convergedAll = () =>
			clients.every(({ room, doc }) =>
				sameMap(doc.getMap('m').toJSON(), expected.get(room) as Record<string, unknown>)
			);
		edit('before');
		await waitFor(convergedAll, 'the clients to converge before the outage');
		const published = await readMetric(nodes[0]!.url, 'triad_relay_cluster_published_total');
		const received = await readMetric(nodes[1]!.url, 'triad_relay_cluster_received_total');
		expect(published).toBeGreaterThan(0);
		expect(received).toBeGreaterThan(0);
		expect(await readMetric(nodes[1]!.url, 'triad_relay_cluster_lag_seconds_count')).toBe(received);
		const repairsBefore = await Promise.all(
			nodes.map((node) => readMetric(node.url, 'triad_relay_cluster_repairs_total'))
		);

		await redis.kill('SIGKILL');
		for (const node of nodes) {
			await waitFor(
				async () => (await readMetric(node.url, 'triad_relay_cluster_broker_up')) === 0,
				'the node to see the broker gone'
			);
			// Still ready: the node serves its clients and stores their edits.
			expect(await health(node.url)).toEqual({
				status: 200,
				body: 'ok, fan-out broker unreachable'
			});
		}
		// Editing goes on on every node, in rounds, while nothing crosses between nodes.
		for (let round = 0; round < 3; round++) {
			edit(`during${round}`);
			await new Promise((tick) => setTimeout(tick, 50));
		}

		await redis.start();
		for (const node of nodes) {
			await waitFor(async () => (await health(node.url)).body === 'ok', 'the node to be ready');
		}
		edit('after');
		await waitFor(convergedAll, 'the clients to converge after the outage', 30_000);
		for (const [i, node] of nodes.entries()) {
			expect(await readMetric(node.url, 'triad_relay_cluster_broker_up')).toBe(1);
			expect(
				await readMetric(node.url, 'triad_relay_cluster_broker_reconnects_total')
			).toBeGreaterThanOrEqual(1);
			expect(await readMetric(node.url, 'triad_relay_cluster_repairs_total')).toBeGreaterThan(
				repairsBefore[i] ?? 0
			);
		}
		for (const room of rooms) {
			await waitFor(
				async () =>
					sameMap(
						await storedMap(schema, room.docId),
						expected.get(room) as Record<string, unknown>
					),
				'PostgreSQL to hold every edit'
			);
			expect(await storedMap(schema, room.docId)).toEqual(expected.get(room));
		}
	});
});
