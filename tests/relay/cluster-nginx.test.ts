import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectProvider, newRoom, readMetric, synced, waitFor } from './harness';
import { spawnedPerTest } from './spawned-per-test';
import { health, spawnClusterNodes, storedMap } from './testing/cluster-nodes';
import { startNginx } from './testing/nginx-process';
import { freshSchema } from './testing/postgres';
import { TEST_REDIS_URL } from './testing/redis';

const spawned = spawnedPerTest();

describe('three nodes behind nginx (the README configuration)', () => {
	it('spreads clients over the nodes, and moves those of a killed node to the others', async () => {
		const { schema, drop } = await freshSchema();
		spawned.onCleanup(drop);
		const nodes = await spawnClusterNodes(spawned, { schema, redisUrl: TEST_REDIS_URL }, 3);
		for (const node of nodes) {
			await waitFor(async () => (await health(node.url)).body === 'ok', 'the node to be ready');
		}
		const nginx = await startNginx(nodes.map((node) => `127.0.0.1:${node.port}`));
		spawned.onCleanup(() => nginx.stop());
		expect(await health(nginx.url)).toEqual({ status: 200, body: 'ok' });

		const room = newRoom();
		const clients = Array.from({ length: 6 }, () => {
			const doc = new Y.Doc();
			return { doc, provider: connectProvider(nginx.syncUrl, room, doc) };
		});
		await Promise.all(clients.map(({ provider }) => synced(provider)));
		const connections = () =>
			Promise.all(nodes.map((node) => readMetric(node.url, 'triad_relay_connections')));
		// Round robin: every node serves some of them.
		for (const count of await connections()) expect(count).toBeGreaterThan(0);

		const expected: Record<string, unknown> = {};
		const edit = (label: string) =>
			clients.forEach(({ doc }, i) => {
				doc.getMap('m').set(`${label}-${i}`, i);
				expected[`${label}-${i}`] = i;
			});
		const same = () =>
			clients.every(({ doc }) => {
				const json = doc.getMap('m').toJSON();
				return (
					Object.keys(json).length === Object.keys(expected).length &&
					Object.entries(expected).every(([key, value]) => json[key] === value)
				);
			});
		edit('first');
		await waitFor(same, 'the clients to converge through nginx');

		const killed = nodes[0];
		if (killed === undefined) throw new Error('three nodes');
		await killed.stop('SIGKILL');
		// Its clients reconnect through nginx, which skips the dead node.
		edit('after-kill');
		await waitFor(same, 'the clients to converge after the kill', 30_000);
		await waitFor(async () => {
			const [b, c] = await Promise.all(
				nodes.slice(1).map((node) => readMetric(node.url, 'triad_relay_connections'))
			);
			return (b ?? 0) + (c ?? 0) === clients.length;
		}, 'every client to be on the two living nodes');
		expect(same()).toBe(true);
		// Clients of one node see each other's edits before they are committed.
		await waitFor(async () => {
			const stored = await storedMap(schema, room.docId);
			return Object.entries(expected).every(([key, value]) => stored[key] === value);
		}, 'PostgreSQL to hold every edit');
		expect(await storedMap(schema, room.docId)).toEqual(expected);
		expect(await health(nginx.url)).toEqual({ status: 200, body: 'ok' });
	});
});
