import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	connectProvider,
	makeTempDir,
	makeToken,
	newRoom,
	openRawClient,
	randomSecret,
	roomUrl,
	spawnRelay,
	synced,
	waitFor
} from './harness';
import { relayPerFile } from './relay-per-file';

const relay = relayPerFile();

/** Tries an upgrade on a literal request path (no URL normalisation); resolves the status. */
function upgradeStatus(port: number, path: string): Promise<number> {
	return new Promise((done, failed) => {
		const req = request({
			host: '127.0.0.1',
			port,
			path,
			headers: {
				Connection: 'Upgrade',
				Upgrade: 'websocket',
				'Sec-WebSocket-Version': '13',
				'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='
			}
		});
		req.on('response', (res) => {
			res.resume();
			done(res.statusCode ?? 0);
		});
		req.on('upgrade', (_res, socket) => {
			socket.destroy();
			done(101);
		});
		req.on('error', failed);
		req.end();
	});
}

/** Opens a raw socket that must be refused; resolves its status once it is closed for good. */
async function refusedStatus(
	url: string
): Promise<{ status: number | undefined; received: number }> {
	const raw = openRawClient(url);
	await expect(raw.opened).rejects.toThrow();
	await raw.closed;
	return { status: raw.status(), received: raw.messages.length };
}

/** A room whose token is registered, with content only its members may read. */
async function registeredRoom() {
	const room = newRoom();
	const doc = new Y.Doc();
	const provider = connectProvider(relay().syncUrl, room, doc);
	await synced(provider);
	doc.getText('secret').insert(0, 'for members only');
	return { room, provider };
}

describe('capability tokens', () => {
	it('refuses a wrong token with 403 before sending anything', async () => {
		const { room } = await registeredRoom();
		const wrong = { ...room, token: makeToken(randomSecret(), room.docId) };
		expect(await refusedStatus(roomUrl(relay().syncUrl, wrong))).toEqual({
			status: 403,
			received: 0
		});
	});

	it('refuses a missing or empty token with 401', async () => {
		const { room } = await registeredRoom();
		const base = `${relay().syncUrl}/${room.docId}`;
		expect(await refusedStatus(base)).toEqual({ status: 401, received: 0 });
		expect(await refusedStatus(`${base}?token=`)).toEqual({ status: 401, received: 0 });
	});

	it('refuses malformed tokens with 403, even on an unknown document', async () => {
		const { room } = await registeredRoom();
		const fresh = newRoom();
		for (const token of [
			'abc',
			room.token + 'A',
			room.token.slice(0, 42) + '=',
			'%00'.repeat(43)
		]) {
			expect(await refusedStatus(`${relay().syncUrl}/${room.docId}?token=${token}`)).toEqual({
				status: 403,
				received: 0
			});
			expect(await refusedStatus(`${relay().syncUrl}/${fresh.docId}?token=${token}`)).toEqual({
				status: 403,
				received: 0
			});
		}
	});

	it('keeps the first token after the document was unloaded', async () => {
		const { room, provider } = await registeredRoom();
		provider.destroy();
		await waitFor(() => relay().metrics.loadedDocuments === 0, 'the document to unload');
		const wrong = { ...room, token: makeToken(randomSecret(), room.docId) };
		expect((await refusedStatus(roomUrl(relay().syncUrl, wrong))).status).toBe(403);
		const member = new Y.Doc();
		await synced(connectProvider(relay().syncUrl, room, member));
		expect(member.getText('secret').toString()).toBe('for members only');
	});

	it('lets exactly one of two racing first tokens register', async () => {
		const docId = newRoom().docId;
		const [first, second] = [randomSecret(), randomSecret()].map((secret) => ({
			docId,
			token: makeToken(secret, docId)
		}));
		const clients = [first, second].map((room) => openRawClient(roomUrl(relay().syncUrl, room!)));
		const outcomes = await Promise.allSettled(clients.map((client) => client.opened));
		expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
		const refused = clients.find((_, i) => outcomes[i]?.status === 'rejected');
		await refused?.closed;
		expect(refused?.status()).toBe(403);
		for (const client of clients) client.ws.close();
	});
});

describe('room ids', () => {
	it('refuses paths that are not exactly /sync/<22 base64url characters>', async () => {
		const { room } = await registeredRoom();
		const query = `?token=${room.token}`;
		const refused = [
			`/sync/short${query}`,
			`/sync/${room.docId}A${query}`,
			`/sync/${room.docId.slice(0, 21)}+${query}`,
			`/sync/${room.docId}/extra${query}`,
			`/sync/../${room.docId}${query}`,
			`/sync/..%2F..%2F${room.docId.slice(0, 12)}${query}`,
			`/sync/%2e%2e%2f%2e%2e%2fetc%2fpasswd%2e%2e${query}`,
			`/sync/${query}`,
			`/${room.docId}${query}`,
			`/sync${query}`
		];
		for (const path of refused) {
			expect([400, 404], path).toContain(await upgradeStatus(relay().port, path));
		}
		expect(await upgradeStatus(relay().port, `/sync/${room.docId}${query}`)).toBe(101);
	});
});

describe('logs', () => {
	it('never contain a token, whatever happens', async () => {
		const data = await makeTempDir();
		const child = await spawnRelay({ dataDir: data.path, logLevel: 'debug' });
		try {
			const room = newRoom();
			const wrong = makeToken(randomSecret(), room.docId);
			const doc = new Y.Doc();
			const provider = connectProvider(child.syncUrl, room, doc);
			await synced(provider);
			doc.getMap('m').set('x', 1);
			await refusedStatus(`${child.syncUrl}/${room.docId}?token=${wrong}`);
			await refusedStatus(`${child.syncUrl}/${room.docId}?token=${room.token}xyz`);
			await refusedStatus(`${child.syncUrl}/bad-room?token=${room.token}`);
			const raw = openRawClient(roomUrl(child.syncUrl, room));
			await raw.opened;
			raw.ws.send(new Uint8Array([0, 2, 50, 1]));
			await raw.closed;
			provider.destroy();
			await waitFor(() => child.output().includes('"event":"disconnected"'), 'the debug lines');
			const output = child.output();
			expect(output).toContain('"event":"upgrade_refused"');
			expect(output).toContain('"event":"connection_closed_on_error"');
			expect(output).not.toContain(room.token);
			expect(output).not.toContain(wrong);
			expect(output).not.toContain('token=');
		} finally {
			await child.stop();
			await data.remove();
		}
	});
});
