import { describe, expect, it } from 'vitest';
import { connectProvider, newRoom, openRawClient, roomUrl, synced, waitFor } from './harness';
import { relayPerFile } from './relay-per-file';

const PING_INTERVAL_MS = 100;
const relay = relayPerFile({ pingIntervalMs: PING_INTERVAL_MS });

describe('keepalive', () => {
	it('drops a connection that stops answering pings and keeps the ones that answer', async () => {
		const room = newRoom();
		const member = connectProvider(relay().syncUrl, room);
		await synced(member);
		const socket = member.ws;
		const silent = openRawClient(roomUrl(relay().syncUrl, room), { autoPong: false });
		await silent.opened;
		await silent.closed;
		expect(relay().metrics.errors.get('pong_timeout')).toBe(1);
		// Several more ping rounds: the member, which answers them, is still on its first socket.
		await new Promise((tick) => setTimeout(tick, 5 * PING_INTERVAL_MS));
		expect(member.ws).toBe(socket);
		expect(member.wsconnected).toBe(true);
		expect(relay().metrics.errors.get('pong_timeout')).toBe(1);
		await waitFor(() => relay().metrics.connections === 1, 'only the member to remain');
	});
});
