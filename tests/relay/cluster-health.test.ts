import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
	decodeClusterMessage,
	encodeClusterMessage,
	GapDetector
} from '../../server/fanout/cluster-message';
import { startInProcessRelay, waitFor } from './harness';
import { freshSchema, TEST_DATABASE_URL } from './testing/postgres';

/** A TCP relay to PostgreSQL that can be cut and restored, standing for a network outage. */
class Outage {
	#server: Server | null = null;
	readonly #sockets = new Set<Socket>();
	constructor(
		readonly port: number,
		private readonly target: URL
	) {}

	static async start(target: URL): Promise<Outage> {
		const probe = createServer();
		await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
		const address = probe.address();
		const port = typeof address === 'object' && address !== null ? address.port : 0;
		await new Promise((closed) => probe.close(closed));
		const outage = new Outage(port, target);
		await outage.restore();
		return outage;
	}

	async restore(): Promise<void> {
		const server = createServer((client) => {
			const upstream = connect(Number(this.target.port || 5432), this.target.hostname);
			for (const socket of [client, upstream]) {
				this.#sockets.add(socket);
				socket.on('close', () => this.#sockets.delete(socket));
				socket.on('error', () => {
					client.destroy();
					upstream.destroy();
				});
			}
			client.pipe(upstream).pipe(client);
		});
		await new Promise<void>((listening) => server.listen(this.port, '127.0.0.1', listening));
		this.#server = server;
	}

	async cut(): Promise<void> {
		const server = this.#server;
		this.#server = null;
		for (const socket of this.#sockets) socket.destroy();
		if (server !== null) await new Promise((closed) => server.close(closed));
	}
}

async function health(url: string): Promise<number> {
	return (await fetch(`${url}/healthz`)).status;
}

describe('a cluster node', () => {
	it('is not ready while PostgreSQL is out of reach, and ready again once it is back', async () => {
		const { schema, drop } = await freshSchema();
		const target = new URL(TEST_DATABASE_URL);
		const outage = await Outage.start(target);
		const through = new URL(TEST_DATABASE_URL);
		through.hostname = '127.0.0.1';
		through.port = String(outage.port);
		const relay = await startInProcessRelay({
			cluster: { databaseUrl: through.toString(), nodeId: 'health-test', schema }
		});
		try {
			expect(await health(relay.url)).toBe(200);
			await outage.cut();
			await waitFor(async () => (await health(relay.url)) === 503, '/healthz to turn 503');
			await outage.restore();
			await waitFor(async () => (await health(relay.url)) === 200, '/healthz to turn 200');
			expect(await health(relay.url)).toBe(200);
		} finally {
			await outage.cut();
			await outage.restore();
			await relay.stop();
			await outage.cut();
			await drop();
		}
	});
});

describe('cluster messages', () => {
	it('round-trip, and malformed bytes decode to null', () => {
		const update = {
			kind: 'update',
			node: 'n1',
			epoch: 3,
			seq: 7,
			sentAt: 1_800_000_000_123,
			payload: new Uint8Array([1, 2])
		} as const;
		expect(decodeClusterMessage(encodeClusterMessage(update))).toEqual(update);
		const head = { kind: 'head', node: 'n1', epoch: 3, seq: 7 } as const;
		expect(decodeClusterMessage(encodeClusterMessage(head))).toEqual(head);
		const awareness = { kind: 'awareness', node: 'n2', payload: new Uint8Array([9]) } as const;
		expect(decodeClusterMessage(encodeClusterMessage(awareness))).toEqual(awareness);
		expect(decodeClusterMessage(new Uint8Array([7, 0]))).toBeNull();
		expect(decodeClusterMessage(new Uint8Array([0, 1]))).toBeNull();
	});

	it('show a gap in a session’s numbering, and a head not heard up to', () => {
		const gaps = new GapDetector();
		expect(gaps.missedBefore('a', 1, 5)).toBe(false);
		expect(gaps.missedBefore('a', 1, 6)).toBe(false);
		expect(gaps.missedBefore('a', 1, 8)).toBe(true);
		// Another session of the same node starts afresh.
		expect(gaps.missedBefore('a', 2, 1)).toBe(false);
		expect(gaps.missedUpTo('a', 1, 8)).toBe(false);
		expect(gaps.missedUpTo('a', 1, 9)).toBe(true);
		expect(gaps.missedUpTo('b', 1, 1)).toBe(true);
	});
});
