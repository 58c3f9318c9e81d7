import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	connectProvider,
	destroyProviders,
	newRoom,
	startInProcessRelay,
	synced,
	waitFor,
	type InProcessRelay
} from './harness';
import { freshSchema, TEST_DATABASE_URL } from './testing/postgres';
import {
	connectTestRedis,
	hasClientNamed,
	killClientsNamed,
	TEST_REDIS_URL
} from './testing/redis';

/** Three relay nodes on three ports, sharing one PostgreSQL schema and one Redis. */
const nodes: InProcessRelay[] = [];
const nodeIds: string[] = [];
let redis: Redis;
let dropSchema: () => Promise<void> = async () => {};

beforeAll(async () => {
	redis = await connectTestRedis();
	const { schema, drop } = await freshSchema();
	dropSchema = drop;
	const cluster = randomBytes(4).toString('hex');
	for (const name of ['a', 'b', 'c']) {
		const nodeId = `test-${cluster}-${name}`;
		nodeIds.push(nodeId);
		nodes.push(
			await startInProcessRelay({
				cluster: {
					databaseUrl: TEST_DATABASE_URL,
					redisUrl: TEST_REDIS_URL,
					nodeId,
					schema,
					channelPrefix: `triad-test-${cluster}:`
				}
			})
		);
	}
	// The fan-out connects in the background; the tests start once every node is subscribed-ready.
	await waitFor(async () => {
		for (const id of nodeIds) {
			if (!(await hasClientNamed(redis, `triad-sub-${id}`))) return false;
			if (!(await hasClientNamed(redis, `triad-pub-${id}`))) return false;
		}
		return true;
	}, 'every node to reach Redis');
});

afterEach(() => destroyProviders());

afterAll(async () => {
	await Promise.all(nodes.map((node) => node.stop()));
	await dropSchema();
	redis?.disconnect();
});

function node(index: number): InProcessRelay {
	return nodes[index] as InProcessRelay;
}

/** One client per node on one room, synced. */
async function clientsOnEveryNode(room = newRoom()) {
	const docs = nodes.map(() => new Y.Doc());
	const providers = nodes.map((relay, i) => connectProvider(relay.syncUrl, room, docs[i]));
	await Promise.all(providers.map((provider) => synced(provider)));
	return { room, docs, providers };
}

function converged(docs: Y.Doc[], expected: Record<string, unknown>): boolean {
	return docs.every((doc) => JSON.stringify(doc.getMap('m').toJSON()) === JSON.stringify(expected));
}

function sorted(record: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

describe('relay cluster: three nodes, one PostgreSQL, one Redis', () => {
	it('converges clients connected to different nodes', async () => {
		const { docs } = await clientsOnEveryNode();
		docs.forEach((doc, i) => {
			for (let k = 0; k < 20; k++) doc.getMap('m').set(`n${i}-${k}`, k);
		});
		const expected: Record<string, unknown> = {};
		for (let i = 0; i < docs.length; i++) for (let k = 0; k < 20; k++) expected[`n${i}-${k}`] = k;
		const want = sorted(expected);
		await waitFor(
			() =>
				docs.every(
					(doc) => JSON.stringify(sorted(doc.getMap('m').toJSON())) === JSON.stringify(want)
				),
			'the three clients to converge'
		);
		expect(sorted(docs[2]?.getMap('m').toJSON() ?? {})).toEqual(want);
	});

	it('gives a client that joins any node what was written on another', async () => {
		const room = newRoom();
		const writer = new Y.Doc();
		const provider = connectProvider(node(0).syncUrl, room, writer);
		await synced(provider);
		writer.getMap('m').set('early', 'yes');
		const late = new Y.Doc();
		const lateProvider = connectProvider(node(2).syncUrl, room, late);
		await synced(lateProvider);
		await waitFor(() => late.getMap('m').get('early') === 'yes', 'the late joiner to see it');
		expect(late.getMap('m').get('early')).toBe('yes');
	});

	it('carries awareness across nodes', async () => {
		const { docs, providers } = await clientsOnEveryNode();
		providers[0]?.awareness.setLocalStateField('user', { name: 'keeper' });
		const keeper = docs[0]?.clientID as number;
		await waitFor(
			() =>
				providers.every(
					(provider) => provider.awareness.getStates().get(keeper)?.user?.name === 'keeper'
				),
			'keeper to be seen on every node'
		);
		providers[0]?.destroy();
		await waitFor(
			() => !providers[1]?.awareness.getStates().has(keeper),
			'keeper to be gone on another node'
		);
		expect(providers[2]?.awareness.getStates().has(keeper)).toBe(false);
	});

	it('repairs a node whose subscription to Redis was cut, and converges', async () => {
		const { docs } = await clientsOnEveryNode();
		const repairsBefore = node(1).metrics.clusterRepairs;
		expect(await killClientsNamed(redis, `triad-sub-${nodeIds[1]}`)).toBe(1);
		// Written while node b hears nothing from Redis.
		for (let k = 0; k < 10; k++) docs[0]?.getMap('m').set(`cut${k}`, k);
		await waitFor(
			() => converged(docs, Object.fromEntries([...Array(10).keys()].map((k) => [`cut${k}`, k]))),
			'every client to converge after the cut'
		);
		await waitFor(() => node(1).metrics.clusterRepairs > repairsBefore, 'node b to repair');
		expect(node(1).metrics.clusterRepairs).toBeGreaterThan(repairsBefore);
	});

	it('repairs from PostgreSQL what a lost publication carried', async () => {
		const { docs } = await clientsOnEveryNode();
		// Node a's publishing connection dies: what it publishes meanwhile is lost.
		expect(await killClientsNamed(redis, `triad-pub-${nodeIds[0]}`)).toBe(1);
		docs[0]?.getMap('m').set('lost', 1);
		await waitFor(() => hasClientNamed(redis, `triad-pub-${nodeIds[0]}`), 'a to reconnect');
		// The next publication shows the gap to b and c, which then reload from PostgreSQL.
		docs[0]?.getMap('m').set('after', 2);
		await waitFor(() => converged(docs, { lost: 1, after: 2 }), 'every client to converge');
		expect(docs[2]?.getMap('m').toJSON()).toEqual({ lost: 1, after: 2 });
	});
});
