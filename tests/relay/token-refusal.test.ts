import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	connectProvider,
	makeToken,
	newRoom,
	randomSecret,
	refusalOf,
	roomUrl,
	startInProcessRelay,
	synced,
	waitFor,
	type TestRoom
} from './harness';
import { relayPerFile } from './relay-per-file';

/*
 * A refused token gets a WebSocket close code (4401, 4403) that browsers can show, instead of
 * an HTTP status they hide. These tests hold the relay to the rest of its access rule while it
 * does: nothing of the document goes out before the token is accepted, no room is created or
 * loaded, and refusals cost no more than HTTP statuses would.
 */

const relay = relayPerFile();
const SECRET_TEXT = 'for members only';

/** A registered room with content, its member gone and the document unloaded again. */
async function unloadedRoom(): Promise<TestRoom> {
	const room = newRoom();
	const doc = new Y.Doc();
	const provider = connectProvider(relay().syncUrl, room, doc);
	await synced(provider);
	doc.getText('secret').insert(0, SECRET_TEXT);
	// A second member reading the text proves the relay holds it.
	const witness = new Y.Doc();
	const witnessProvider = connectProvider(relay().syncUrl, room, witness);
	await waitFor(() => witness.getText('secret').length > 0, 'the text at the relay');
	provider.destroy();
	witnessProvider.destroy();
	await waitFor(() => relay().metrics.loadedDocuments === 0, 'the document to unload');
	return room;
}

/** The upgrade request a browser sends, on a bare TCP socket. */
function upgradeRequest(path: string): string {
	return (
		`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
		'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
	);
}

/**
 * Sends an upgrade on a bare TCP socket that never answers anything (not even the close frame),
 * and resolves every byte the relay sent until it ended the connection.
 */
function bytesUntilCutOff(port: number, path: string): Promise<Buffer> {
	return new Promise((done, failed) => {
		const chunks: Buffer[] = [];
		const socket = connect(port, '127.0.0.1', () => socket.write(upgradeRequest(path)));
		socket.on('data', (chunk: Buffer) => chunks.push(chunk));
		socket.on('close', () => done(Buffer.concat(chunks)));
		socket.on('error', failed);
	});
}

/** Splits a server's bytes after an upgrade into its HTTP head and the frames that followed. */
function splitHead(bytes: Buffer): { head: string; frames: Buffer } {
	const end = bytes.indexOf('\r\n\r\n');
	return { head: bytes.subarray(0, end).toString(), frames: bytes.subarray(end + 4) };
}

/** An unmasked close frame from a server, as RFC 6455 §5.5.1 lays it out. */
function closeFrame(code: number, reason: string): Buffer {
	const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);
	return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
}

/** The value of `triad_relay_refusals_total{reason="..."}` on /metrics. */
async function refusalsCounted(reason: string): Promise<number> {
	const text = await (await fetch(`${relay().url}/metrics`)).text();
	const match = new RegExp(`^triad_relay_refusals_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
		text
	);
	return match ? Number(match[1]) : 0;
}

describe('a refused token', () => {
	it('gets the handshake and one close frame, nothing else, even when it never answers', async () => {
		const room = await unloadedRoom();
		const wrong = makeToken(randomSecret(), room.docId);
		const bytes = await bytesUntilCutOff(relay().port, `/sync/${room.docId}?token=${wrong}`);
		const { head, frames } = splitHead(bytes);
		expect(head).toMatch(/^HTTP\/1\.1 101 /);
		expect(frames).toEqual(closeFrame(4403, 'wrong token for this document'));
		expect(bytes.toString('latin1')).not.toContain(SECRET_TEXT);
	});

	it('is closed with 4401 when missing or garbage, 4403 when wrong, with no message first', async () => {
		const room = await unloadedRoom();
		const base = `${relay().syncUrl}/${room.docId}`;
		const wrong = { ...room, token: makeToken(randomSecret(), room.docId) };
		expect(await refusalOf(base)).toMatchObject({ code: 4401, received: 0 });
		expect(await refusalOf(`${base}?token=${'!'.repeat(43)}`)).toMatchObject({
			code: 4401,
			received: 0
		});
		expect(await refusalOf(`${base}?token=${'A'.repeat(4096)}`)).toMatchObject({
			code: 4401,
			received: 0
		});
		expect(await refusalOf(roomUrl(relay().syncUrl, wrong))).toMatchObject({
			code: 4403,
			received: 0
		});
	});

	it('neither loads nor creates a room, is counted once each, and leaves the right token working', async () => {
		const room = await unloadedRoom();
		const unknown = newRoom();
		const loads = () => relay().logs.filter((line) => line.event === 'document_loaded').length;
		const loadsBefore = loads();
		const counted = {
			wrong_token: await refusalsCounted('wrong_token'),
			missing_token: await refusalsCounted('missing_token'),
			malformed_token: await refusalsCounted('malformed_token')
		};
		const urls = [
			...Array.from({ length: 20 }, () =>
				roomUrl(relay().syncUrl, { ...room, token: makeToken(randomSecret(), room.docId) })
			),
			`${relay().syncUrl}/${room.docId}`,
			`${relay().syncUrl}/${unknown.docId}`,
			`${relay().syncUrl}/${room.docId}?token=garbage`,
			`${relay().syncUrl}/${unknown.docId}?token=garbage`
		];
		const refusals = await Promise.all(urls.map((url) => refusalOf(url)));
		expect(refusals.map((refusal) => refusal.code)).toEqual([
			...Array<number>(20).fill(4403),
			4401,
			4401,
			4401,
			4401
		]);
		expect(relay().metrics.loadedDocuments).toBe(0);
		expect(relay().metrics.connections).toBe(0);
		expect(loads()).toBe(loadsBefore);
		expect(await refusalsCounted('wrong_token')).toBe(counted.wrong_token + 20);
		expect(await refusalsCounted('missing_token')).toBe(counted.missing_token + 2);
		expect(await refusalsCounted('malformed_token')).toBe(counted.malformed_token + 2);
		const refusedLines = relay().logs.filter(
			(line) => line.event === 'upgrade_refused' && line.docId === unknown.docId
		);
		expect(refusedLines).toHaveLength(2);

		const member = new Y.Doc();
		await synced(connectProvider(relay().syncUrl, room, member));
		expect(member.getText('secret').toString()).toBe(SECRET_TEXT);
		// The unknown document is still unregistered: its first real token registers it.
		const first = new Y.Doc();
		await synced(connectProvider(relay().syncUrl, unknown, first));
		expect(relay().logs).toContainEqual(
			expect.objectContaining({ event: 'document_registered', docId: unknown.docId })
		);
	});
});

describe('a flood of refused tokens', () => {
	it('falls back to HTTP statuses while too many refused sockets are still closing', async () => {
		const flooded = await startInProcessRelay({
			closeRefusals: { maxClosing: 1, closeGraceMs: 60_000 }
		});
		const silent = connect(flooded.port, '127.0.0.1', () =>
			silent.write(upgradeRequest(`/sync/${newRoom().docId}`))
		);
		silent.on('error', () => {});
		try {
			// A client that never answers the close frame keeps its refused socket closing.
			const received: Buffer[] = [];
			silent.on('data', (chunk: Buffer) => received.push(chunk));
			const frame = closeFrame(4401, 'missing token');
			await waitFor(
				() => splitHead(Buffer.concat(received)).frames.equals(frame),
				'the close frame'
			);
			expect(await refusalOf(`${flooded.syncUrl}/${newRoom().docId}`)).toEqual({
				code: 1006,
				reason: '',
				status: 401,
				received: 0
			});
			expect(flooded.metrics.refusals.get('missing_token')).toBe(2);
			expect(flooded.logs.filter((line) => line.event === 'upgrade_refused')).toEqual([
				expect.objectContaining({ reason: 'missing_token', code: 4401 }),
				expect.objectContaining({ reason: 'missing_token', status: 401 })
			]);
			// A right token is never part of the flood.
			const doc = new Y.Doc();
			const provider = connectProvider(flooded.syncUrl, newRoom(), doc);
			await synced(provider);
			provider.destroy();
		} finally {
			silent.destroy();
			await flooded.stop();
		}
	});

	it('ends a refused socket that is still closing when the relay shuts down', async () => {
		const flooded = await startInProcessRelay({ closeRefusals: { closeGraceMs: 60_000 } });
		const silent = connect(flooded.port, '127.0.0.1', () =>
			silent.write(upgradeRequest(`/sync/${newRoom().docId}`))
		);
		silent.on('error', () => {});
		const ended = new Promise<void>((done) => silent.once('close', () => done()));
		const received: Buffer[] = [];
		silent.on('data', (chunk: Buffer) => received.push(chunk));
		const frame = closeFrame(4401, 'missing token');
		await waitFor(() => splitHead(Buffer.concat(received)).frames.equals(frame), 'the close frame');
		await flooded.stop();
		await ended;
		expect(splitHead(Buffer.concat(received)).frames).toEqual(frame);
	});
});
