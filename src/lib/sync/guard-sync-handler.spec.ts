import 'fake-indexeddb/auto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, WebSocket as NodeWebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { guardSyncHandler, type RefusedRelayUpdate } from './guard-sync-handler';
import { createIndexedDbLocalStore } from './indexeddb-local-store';
import { addMember, memberNames } from './testing/members';
import { newDocumentId } from './workspace-secret';

/** The update of the hardening issue: client 99, one GC struct of length 0. */
const SEVEN_BYTES = Uint8Array.of(0x01, 0x01, 0x63, 0x00, 0x00, 0x00, 0x00);

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0);
	write(encoder);
	return encoding.toUint8Array(encoder);
}

const step1 = () => syncMessage((e) => syncProtocol.writeSyncStep1(e, new Y.Doc()));
const step2 = (update: Uint8Array) =>
	syncMessage((e) => {
		encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
		encoding.writeVarUint8Array(e, update);
	});
const liveUpdate = (update: Uint8Array) => syncMessage((e) => syncProtocol.writeUpdate(e, update));

/** An update adding a member, as another device would send it. */
function memberUpdate(name: string): Uint8Array {
	const doc = new Y.Doc();
	addMember(doc, name);
	return Y.encodeStateAsUpdate(doc);
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A stand-in relay that sends each connecting client `messages`, in order, then leaves the
 * socket open; returns the sync URL.
 */
async function relaySending(messages: Uint8Array[]): Promise<string> {
	const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
	await new Promise((resolve) => server.once('listening', resolve));
	server.on('connection', (socket) => {
		for (const message of messages) socket.send(message);
	});
	cleanups.push(() => new Promise((resolve) => server.close(resolve)));
	return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/sync`;
}

/** A provider like the app's (no BroadcastChannel), guarded unless `guarded` is false. */
function connect(url: string, doc: Y.Doc, guarded = true) {
	const refused: RefusedRelayUpdate[] = [];
	const provider = new WebsocketProvider(url, 'room', doc, {
		connect: false,
		WebSocketPolyfill: NodeWebSocket as unknown as typeof WebSocket,
		disableBc: true
	});
	if (guarded) guardSyncHandler(provider, (refusal) => refused.push(refusal));
	provider.connect();
	cleanups.push(() => provider.destroy());
	return { provider, refused };
}

async function until(condition: () => boolean): Promise<void> {
	for (let attempt = 0; attempt < 400; attempt++) {
		if (condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	throw new Error('condition not met within 2 s');
}

/** Whether `doc` encodes into an update that loads into a fresh document. */
function loadsAgain(doc: Y.Doc): boolean {
	try {
		Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(doc));
		return true;
	} catch {
		return false;
	}
}

describe('guardSyncHandler', () => {
	it('applies valid updates from the relay as y-websocket does, and becomes synced', async () => {
		const url = await relaySending([
			step1(),
			step2(memberUpdate('Ada')),
			liveUpdate(memberUpdate('Bo'))
		]);
		const doc = new Y.Doc();
		const { provider, refused } = connect(url, doc);
		await until(() => memberNames(doc).length === 2);
		expect(memberNames(doc).sort()).toEqual(['Ada', 'Bo']);
		expect(provider.synced).toBe(true);
		expect(refused).toEqual([]);
	});

	it('keeps a poisoned sync step 2 from the document and IndexedDB, and is not synced by it', async () => {
		const docId = newDocumentId();
		const url = await relaySending([step1(), step2(SEVEN_BYTES), liveUpdate(memberUpdate('Bo'))]);
		const doc = new Y.Doc();
		const store = createIndexedDbLocalStore(docId, doc);
		await store.whenLoaded;
		const { provider, refused } = connect(url, doc);
		await until(() => memberNames(doc).includes('Bo'));
		expect(refused).toEqual([{ problem: 'empty', message: 'sync-step-2' }]);
		expect(provider.synced).toBe(false);
		expect(doc.store.clients.has(99)).toBe(false);
		expect(loadsAgain(doc)).toBe(true);
		provider.destroy();
		await store.destroy();

		// What the device saved loads, without client 99.
		const reopened = new Y.Doc();
		const again = createIndexedDbLocalStore(docId, reopened);
		await again.whenLoaded;
		expect(memberNames(reopened)).toEqual(['Bo']);
		expect(reopened.store.clients.has(99)).toBe(false);
		await again.destroy();
	});

	it('refuses a poisoned live update and goes on with the next ones', async () => {
		const url = await relaySending([
			step1(),
			step2(memberUpdate('Ada')),
			liveUpdate(SEVEN_BYTES),
			liveUpdate(memberUpdate('Bo'))
		]);
		const doc = new Y.Doc();
		const { provider, refused } = connect(url, doc);
		await until(() => memberNames(doc).length === 2);
		expect(refused).toEqual([{ problem: 'empty', message: 'update' }]);
		expect(provider.synced).toBe(true);
		expect(loadsAgain(doc)).toBe(true);
	});

	it('is needed: y-websocket alone applies the seven bytes, and the document no longer loads', async () => {
		const url = await relaySending([step1(), step2(SEVEN_BYTES), liveUpdate(memberUpdate('Bo'))]);
		const doc = new Y.Doc();
		const { provider } = connect(url, doc, false);
		await until(() => memberNames(doc).includes('Bo'));
		expect(doc.store.clients.has(99)).toBe(true);
		expect(provider.synced).toBe(true);
		expect(loadsAgain(doc)).toBe(false);
	});

	it('answers a sync step 1, and puts the original handler back when asked', () => {
		const doc = new Y.Doc();
		addMember(doc, 'Ada');
		const provider = new WebsocketProvider('ws://127.0.0.1:9/sync', 'room', doc, {
			connect: false,
			WebSocketPolyfill: NodeWebSocket as unknown as typeof WebSocket,
			disableBc: true
		});
		cleanups.push(() => provider.destroy());
		const original = provider.messageHandlers[0];
		const restore = guardSyncHandler(provider);
		const handle = provider.messageHandlers[0]!;
		expect(handle).not.toBe(original);
		const encoder = encoding.createEncoder();
		const decoder = decoding.createDecoder(step1());
		decoding.readVarUint(decoder);
		handle(encoder, decoder, provider, true, 0);
		const reply = new Y.Doc();
		const answer = decoding.createDecoder(encoding.toUint8Array(encoder));
		expect([decoding.readVarUint(answer), decoding.readVarUint(answer)]).toEqual([
			0,
			syncProtocol.messageYjsSyncStep2
		]);
		syncProtocol.readSyncStep2(answer, reply, null);
		expect(memberNames(reply)).toEqual(['Ada']);
		restore();
		expect(provider.messageHandlers[0]).toBe(original);
	});
});
