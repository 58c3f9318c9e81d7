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
	refusalOf,
	roomUrl,
	spawnRelay,
	synced,
	waitFor
} from './harness';
import { relayPerFile } from './relay-per-file';

const relay = relayPerFile();

const WRONG_TOKEN = {
	code: 4403,
	reason: 'wrong token for this document',
	status: undefined,
	received: 0
};

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
	it('closes a wrong token with 4403 before sending anything', async () => {
		const { room } = await registeredRoom();
		const wrong = { ...room, token: makeToken(randomSecret(), room.docId) };
		expect(await refusalOf(roomUrl(relay().syncUrl, wrong))).toEqual(WRONG_TOKEN);
	});

	it('closes a missing or empty token with 4401', async () => {
		const { room } = await registeredRoom();
		const base = `${relay().syncUrl}/${room.docId}`;
		const missing = { code: 4401, reason: 'missing token', status: undefined, received: 0 };
		expect(await refusalOf(base)).toEqual(missing);
		expect(await refusalOf(`${base}?token=`)).toEqual(missing);
	});

	it('closes malformed tokens with 4401, even on an unknown document', async () => {
		const { room } = await registeredRoom();
		const fresh = newRoom();
		const malformed = { code: 4401, reason: 'malformed token', status: undefined, received: 0 };
		for (const token of [
			'abc',
			room.token + 'A',
			room.token.slice(0, 42) + '=',
			'%00'.repeat(43),
			'%F0%9F%94%91'.repeat(43)
		]) {
			expect(await refusalOf(`${relay().syncUrl}/${room.docId}?token=${token}`)).toEqual(malformed);
			expect(await refusalOf(`${relay().syncUrl}/${fresh.docId}?token=${token}`)).toEqual(
				malformed
			);
		}
		// Nothing was registered for the unknown document: its first real token still is.
		const member = new Y.Doc();
		await synced(connectProvider(relay().syncUrl, fresh, member));
		const other = { ...fresh, token: makeToken(randomSecret(), fresh.docId) };
		expect(await refusalOf(roomUrl(relay().syncUrl, other))).toEqual(WRONG_TOKEN);
	});

	it('keeps the first token after the document was unloaded', async () => {
		const { room, provider } = await registeredRoom();
		provider.destroy();
		await waitFor(() => relay().metrics.loadedDocuments === 0, 'the document to unload');
		const wrong = { ...room, token: makeToken(randomSecret(), room.docId) };
		expect(await refusalOf(roomUrl(relay().syncUrl, wrong))).toEqual(WRONG_TOKEN);
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
		// The relay greets an accepted client at once and closes a refused one at once.
		await Promise.all(
			clients.map((client) =>
				Promise.race([client.closed, new Promise((greeted) => client.ws.once('message', greeted))])
			)
		);
		const refused = clients.filter((client) => client.ws.readyState !== client.ws.OPEN);
		expect(refused).toHaveLength(1);
		expect(await refused[0]?.closed).toEqual({ code: 4403, reason: WRONG_TOKEN.reason });
		expect(refused[0]?.messages).toEqual([]);
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
			await refusalOf(`${child.syncUrl}/${room.docId}?token=${wrong}`);
			await refusalOf(`${child.syncUrl}/${room.docId}?token=${room.token}xyz`);
			await refusalOf(`${child.syncUrl}/bad-room?token=${room.token}`);
			const raw = openRawClient(roomUrl(child.syncUrl, room));
			await raw.opened;
			raw.ws.send(new Uint8Array([0, 2, 50, 1]));
			await raw.closed;
			provider.destroy();
			await waitFor(() => child.output().includes('"event":"disconnected"'), 'the debug lines');
			const output = child.output();
			expect(output).toContain('"event":"upgrade_refused"');
			expect(output).toContain('"reason":"wrong_token","code":4403');
			expect(output).toContain('"reason":"malformed_token","code":4401');
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
