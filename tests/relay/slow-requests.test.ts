import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RelayServerOptions } from '../../server/relay-server';
import {
	newRoom,
	openRawClient,
	roomUrl,
	startInProcessRelay,
	waitFor,
	type InProcessRelay
} from './harness';

/*
 * A socket that sends its request headers slowly (or never finishes them) holds a file descriptor
 * and parser state for free. The relay gives headers HEADERS_TIMEOUT_MS and a whole request
 * REQUEST_TIMEOUT_MS, and holds at most MAX_SOCKETS_AWAITING_HEADERS such sockets, closing the
 * newest beyond them.
 */

const started: InProcessRelay[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
	for (const socket of sockets.splice(0)) socket.destroy();
	for (const relay of started.splice(0)) await relay.stop();
});

async function start(options: RelayServerOptions): Promise<InProcessRelay> {
	const relay = await startInProcessRelay(options);
	started.push(relay);
	return relay;
}

/** A socket that starts a request and never finishes its headers; records what it got back. */
function stalled(relay: InProcessRelay) {
	const socket = connect(relay.port, '127.0.0.1', () =>
		socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
	);
	sockets.push(socket);
	const received: Buffer[] = [];
	let closed = false;
	socket.on('data', (chunk: Buffer) => received.push(chunk));
	socket.on('error', () => {});
	socket.on('close', () => (closed = true));
	return { socket, closed: () => closed, received: () => Buffer.concat(received).toString() };
}

describe('slow request headers', () => {
	it('are cut off with 408 once HEADERS_TIMEOUT_MS passed', async () => {
		const relay = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
		const slow = stalled(relay);
		await waitFor(() => slow.closed(), 'the relay to cut the socket off');
		expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
	});

	it('are held at most MAX_SOCKETS_AWAITING_HEADERS at once: the newest beyond is closed', async () => {
		const relay = await start({ maxSocketsAwaitingHeaders: 3 });
		const held = [stalled(relay), stalled(relay), stalled(relay)];
		await waitFor(() => relay.metrics.socketsAwaitingHeaders === 3, 'three sockets to wait');
		const newest = stalled(relay);
		await waitFor(() => newest.closed(), 'the newest socket to be closed');
		expect(newest.received()).toBe('');
		expect(held.map((slow) => slow.closed())).toEqual([false, false, false]);
		expect(relay.metrics.refusals.get('pending_headers_limit')).toBe(1);
		expect(relay.logs).toContainEqual(
			expect.objectContaining({
				event: 'socket_refused',
				reason: 'pending_headers_limit',
				remote: '127.0.0.1'
			})
		);

		// Once one of them goes, a request is served again; finished requests never count.
		held[0]?.socket.destroy();
		await waitFor(() => relay.metrics.socketsAwaitingHeaders === 2, 'a place to free up');
		for (let i = 0; i < 3; i++) expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
		expect(await (await fetch(`${relay.url}/metrics`)).text()).toMatch(
			/^triad_relay_sockets_awaiting_headers 2$/m
		);
	});

	it('never apply to a WebSocket once upgraded', async () => {
		const relay = await start({ headersTimeoutMs: 100, requestTimeoutMs: 200 });
		const raw = openRawClient(roomUrl(relay.syncUrl, newRoom()));
		await waitFor(() => raw.messages.length > 0, 'the greeting');
		// Several of Node's timeout checks (every 100 ms here) pass while the socket is idle.
		await new Promise((later) => setTimeout(later, 1000));
		expect(raw.ws.readyState).toBe(raw.ws.OPEN);
		expect(relay.metrics.socketsAwaitingHeaders).toBe(0);
		raw.ws.close();
		await raw.closed;
	});
});
