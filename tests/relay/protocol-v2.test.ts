import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
	accessTokens,
	CLOSE_ACCESS_CHANGED,
	CLOSE_READ_ONLY,
	CLOSE_TRY_AGAIN_LATER,
	CLOSE_WRONG_TOKEN,
	encodeAwareness,
	encodeEnvelope,
	encodeSyncStep1,
	encodeSyncUpdate,
	MESSAGE_QUERY_AWARENESS,
	MESSAGE_RECEIPT,
	MESSAGE_SYNC,
	parseDocumentId,
	rotationPath,
	SYNC_STEP2,
	SYNC_UPDATE,
	type AccessToken,
	type DocumentId
} from '../../src/lib/protocol';
import {
	connectProvider,
	openRawClient,
	refusalOf,
	synced,
	waitFor,
	type RawClient
} from './harness';
import { relayPerFile } from './relay-per-file';

const relay = relayPerFile();

/** A document with its secret's member and viewer tokens. */
interface Triad {
	docId: DocumentId;
	member: AccessToken;
	viewer: AccessToken;
}

async function newTriad(): Promise<Triad> {
	const docId = parseDocumentId(randomBytes(16).toString('base64url')) as DocumentId;
	return { docId, ...(await accessTokens(docId, randomBytes(32))) };
}

function url(docId: DocumentId, params: Record<string, string>): string {
	return `${relay().syncUrl}/${docId}?${new URLSearchParams(params).toString()}`;
}

/** A raw socket that has received the relay's greeting (its sync step 1 comes first). */
async function rawClient(docId: DocumentId, params: Record<string, string>): Promise<RawClient> {
	const raw = openRawClient(url(docId, params));
	await raw.opened;
	await waitFor(() => raw.messages.length > 0, 'the greeting');
	return raw;
}

/** The receipts among the messages `raw` received, in order. */
function receipts(raw: RawClient): number[] {
	return raw.messages.filter((m) => m[0] === MESSAGE_RECEIPT).map((m) => m[1] as number);
}

/** An update setting `key` in map "m" of `doc`. */
function edit(doc: Y.Doc, key: string, value: unknown): Uint8Array {
	let update: Uint8Array | null = null;
	const capture = (u: Uint8Array) => (update = u);
	doc.on('update', capture);
	doc.getMap('m').set(key, value);
	doc.off('update', capture);
	return update as unknown as Uint8Array;
}

/** What a fresh member reads of the document through the relay. */
async function readBack(triad: Triad): Promise<Record<string, unknown>> {
	const doc = new Y.Doc();
	const provider = connectProvider(
		relay().syncUrl,
		{ docId: triad.docId, token: triad.member },
		doc
	);
	await synced(provider);
	provider.destroy();
	return doc.getMap('m').toJSON();
}

/** A member connection that registered the viewer token, with `content` written through it. */
async function registeredTriad(content: Record<string, unknown> = {}): Promise<Triad> {
	const triad = await newTriad();
	const member = await rawClient(triad.docId, {
		token: triad.member,
		viewer: triad.viewer,
		protocol: '2'
	});
	const doc = new Y.Doc();
	let sent = 0;
	for (const [key, value] of Object.entries(content)) {
		member.ws.send(encodeSyncUpdate(edit(doc, key, value)));
		sent++;
	}
	if (sent > 0) await waitFor(() => receipts(member).at(-1) === sent, 'the receipt');
	member.ws.close();
	await member.closed;
	return triad;
}

function rotate(docId: DocumentId, body: unknown, init: RequestInit = {}): Promise<Response> {
	return fetch(`${relay().url}${rotationPath(docId)}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: typeof body === 'string' ? body : JSON.stringify(body),
		...init
	});
}

describe('receipts', () => {
	it('go to protocol-2 connections once storage holds their updates, counting them', async () => {
		const triad = await newTriad();
		const raw = await rawClient(triad.docId, { token: triad.member, protocol: '2' });
		const doc = new Y.Doc();
		raw.ws.send(encodeSyncStep1(Y.encodeStateVector(doc)));
		raw.ws.send(encodeEnvelope(MESSAGE_SYNC, SYNC_STEP2, Y.encodeStateAsUpdate(doc)));
		for (let i = 0; i < 5; i++) raw.ws.send(encodeSyncUpdate(edit(doc, `k${i}`, i)));
		await waitFor(() => receipts(raw).at(-1) === 6, 'a receipt covering all six');
		const seen = receipts(raw);
		// Coalesced, never backwards, and never beyond what was sent.
		expect(seen).toEqual([...seen].sort((a, b) => a - b));
		expect(Math.max(...seen)).toBe(6);
		expect(await readBack(triad)).toEqual({ k0: 0, k1: 1, k2: 2, k3: 3, k4: 4 });
	});

	it('count updates the relay knew already: a receipt says what is durable, not what changed', async () => {
		const triad = await newTriad();
		const doc = new Y.Doc();
		const update = edit(doc, 'same', 1);
		const first = await rawClient(triad.docId, { token: triad.member, protocol: '2' });
		const second = await rawClient(triad.docId, { token: triad.member, protocol: '2' });
		first.ws.send(encodeSyncUpdate(update));
		second.ws.send(encodeSyncUpdate(update));
		await waitFor(() => receipts(first).at(-1) === 1, 'the first receipt');
		await waitFor(() => receipts(second).at(-1) === 1, 'the second receipt');
		expect(receipts(second)).toEqual([1]);
	});

	it('are never sent to a stock client, which syncs as before', async () => {
		const triad = await newTriad();
		const stockRaw = await rawClient(triad.docId, { token: triad.member });
		const v2Raw = await rawClient(triad.docId, { token: triad.member, protocol: '2' });
		const doc = new Y.Doc();
		stockRaw.ws.send(encodeSyncUpdate(edit(doc, 'a', 1)));
		// Sent after the stock client's update on the same room: its receipt comes after the one the
		// stock client would have had.
		v2Raw.ws.send(encodeSyncUpdate(edit(doc, 'b', 2)));
		await waitFor(() => receipts(v2Raw).at(-1) === 1, 'the protocol-2 receipt');
		const stock = new Y.Doc();
		const provider = connectProvider(
			relay().syncUrl,
			{ docId: triad.docId, token: triad.member },
			stock
		);
		await synced(provider);
		expect(stock.getMap('m').toJSON()).toEqual({ a: 1, b: 2 });
		expect(stockRaw.messages.length).toBeGreaterThan(0);
		expect(stockRaw.messages.map((m) => m[0])).not.toContain(MESSAGE_RECEIPT);
	});
});

describe('viewer access', () => {
	it('reads the document and follows live updates', async () => {
		const triad = await registeredTriad({ before: 'viewer link' });
		const viewer = await rawClient(triad.docId, { token: triad.viewer, protocol: '2' });
		const doc = new Y.Doc();
		viewer.ws.send(encodeSyncStep1(Y.encodeStateVector(doc)));
		await waitFor(
			() => viewer.messages.some((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_STEP2),
			'the step 2 answer'
		);
		const answer = viewer.messages.find((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_STEP2);
		Y.applyUpdate(doc, (answer as Buffer).subarray(3));
		expect(doc.getMap('m').toJSON()).toEqual({ before: 'viewer link' });

		const memberDoc = new Y.Doc();
		const member = connectProvider(
			relay().syncUrl,
			{ docId: triad.docId, token: triad.member },
			memberDoc
		);
		await synced(member);
		memberDoc.getMap('m').set('live', 'edit');
		await waitFor(
			() => viewer.messages.some((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_UPDATE),
			'the live update at the viewer'
		);
	});

	for (const [kind, message] of [
		['a sync update', () => encodeSyncUpdate(edit(new Y.Doc(), 'forged', 'by a viewer'))],
		[
			'a sync step 2',
			() => encodeEnvelope(MESSAGE_SYNC, SYNC_STEP2, Y.encodeStateAsUpdate(new Y.Doc()))
		],
		['a presence', () => announceState(4242, { user: { name: 'viewer' } })]
	] as const) {
		it(`is closed with ${CLOSE_READ_ONLY} for ${kind}, and nothing of it is applied or stored`, async () => {
			const triad = await registeredTriad({ kept: 1 });
			const viewer = await rawClient(triad.docId, { token: triad.viewer });
			const watcher = await rawClient(triad.docId, { token: triad.member });
			const before = watcher.messages.length;
			viewer.ws.send(message());
			expect(await viewer.closed).toEqual({
				code: CLOSE_READ_ONLY,
				reason: 'viewers cannot write'
			});
			expect(await readBack(triad)).toEqual({ kept: 1 });
			// Nothing of it was broadcast to the members either.
			watcher.ws.send(new Uint8Array([MESSAGE_QUERY_AWARENESS]));
			await new Promise((settle) => setTimeout(settle, 100));
			const later = watcher.messages.slice(before);
			expect(later.filter((m) => m[0] === MESSAGE_SYNC)).toEqual([]);
			expect(later.some((m) => m.includes(Buffer.from('viewer')))).toBe(false);
		});
	}

	it('may echo presence it heard and drop states it timed out, without being closed', async () => {
		const triad = await registeredTriad();
		const memberDoc = new Y.Doc();
		const member = connectProvider(
			relay().syncUrl,
			{ docId: triad.docId, token: triad.member },
			memberDoc
		);
		await synced(member);
		member.awareness.setLocalStateField('user', { name: 'keeper' });
		const viewerDoc = new Y.Doc();
		const viewerAwareness = new awarenessProtocol.Awareness(viewerDoc);
		viewerAwareness.setLocalState(null);
		const viewer = await rawClient(triad.docId, { token: triad.viewer });
		await waitFor(
			() => viewer.messages.some((m) => m.includes(Buffer.from('keeper'))),
			'the presence at the viewer'
		);
		const heard = viewer.messages.find((m) => m.includes(Buffer.from('keeper'))) as Buffer;
		// What y-websocket does: apply what it heard, and send the change on as its own.
		awarenessProtocol.applyAwarenessUpdate(viewerAwareness, heard.subarray(2), 'relay');
		viewer.ws.send(heard);
		awarenessProtocol.removeAwarenessStates(viewerAwareness, [memberDoc.clientID], 'timeout');
		viewer.ws.send(
			encodeAwareness(
				awarenessProtocol.encodeAwarenessUpdate(viewerAwareness, [memberDoc.clientID])
			)
		);
		viewer.ws.send(new Uint8Array([MESSAGE_QUERY_AWARENESS]));
		const count = viewer.messages.length;
		await waitFor(() => viewer.messages.length > count, 'the answer to the query');
		// The member's presence is untouched by the viewer's timeout.
		expect(viewer.messages.at(-1)?.includes(Buffer.from('keeper'))).toBe(true);
		expect(viewer.ws.readyState).toBe(viewer.ws.OPEN);
	});

	it('is refused as a wrong token before a member registered it, receiving nothing', async () => {
		const triad = await newTriad();
		const member = await rawClient(triad.docId, { token: triad.member });
		member.ws.close();
		const refusal = await refusalOf(url(triad.docId, { token: triad.viewer }));
		expect(refusal).toMatchObject({ code: CLOSE_WRONG_TOKEN, received: 0 });
	});

	it('never registers a document from a connection that says it holds a viewer token', async () => {
		const triad = await newTriad();
		// A viewer link opened before any member reached this relay.
		// Refused as a passing condition (the client retries), not as a wrong link.
		const early = await refusalOf(url(triad.docId, { token: triad.viewer, role: 'viewer' }));
		expect(early).toMatchObject({ code: CLOSE_TRY_AGAIN_LATER, received: 0 });
		// The member token still registers the document afterwards, and the viewer is a viewer.
		expect(await readBack(triad)).toEqual({});
		const member = await rawClient(triad.docId, { token: triad.member, viewer: triad.viewer });
		member.ws.close();
		const viewer = await rawClient(triad.docId, { token: triad.viewer, role: 'viewer' });
		viewer.ws.send(encodeSyncUpdate(edit(new Y.Doc(), 'forged', 1)));
		expect((await viewer.closed).code).toBe(CLOSE_READ_ONLY);
		// A member token presented as a viewer's only reads.
		const demoted = await rawClient(triad.docId, { token: triad.member, role: 'viewer' });
		demoted.ws.send(encodeSyncUpdate(edit(new Y.Doc(), 'forged', 2)));
		expect((await demoted.closed).code).toBe(CLOSE_READ_ONLY);
		expect(await readBack(triad)).toEqual({});
	});

	it('keeps the first viewer token registered: a member cannot swap it', async () => {
		const triad = await registeredTriad({ a: 1 });
		const other = await newTriad();
		const member = await rawClient(triad.docId, { token: triad.member, viewer: other.viewer });
		member.ws.close();
		const refusal = await refusalOf(url(triad.docId, { token: other.viewer }));
		expect(refusal).toMatchObject({ code: CLOSE_WRONG_TOKEN, received: 0 });
		const viewer = await rawClient(triad.docId, { token: triad.viewer });
		expect(viewer.ws.readyState).toBe(viewer.ws.OPEN);
	});
});

function announceState(clientID: number, state: Record<string, unknown>): Uint8Array {
	const doc = new Y.Doc();
	doc.clientID = clientID;
	const awareness = new awarenessProtocol.Awareness(doc);
	awareness.setLocalState(state);
	const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [clientID]));
	awareness.destroy();
	return message;
}

describe('rotation', () => {
	it('closes every open connection with 4410 and refuses the old tokens from then on', async () => {
		const triad = await registeredTriad({ kept: 'through rotation' });
		const members = [
			await rawClient(triad.docId, { token: triad.member, protocol: '2' }),
			await rawClient(triad.docId, { token: triad.member })
		];
		const viewer = await rawClient(triad.docId, { token: triad.viewer });
		const next = await accessTokens(triad.docId, randomBytes(32));
		const response = await rotate(triad.docId, {
			token: triad.member,
			member: next.member,
			viewer: next.viewer
		});
		expect(response.status).toBe(204);
		for (const client of [...members, viewer]) {
			expect(await client.closed).toEqual({ code: CLOSE_ACCESS_CHANGED, reason: 'access changed' });
		}
		for (const old of [triad.member, triad.viewer]) {
			const refusal = await refusalOf(url(triad.docId, { token: old }));
			expect(refusal).toMatchObject({ code: CLOSE_ACCESS_CHANGED, received: 0 });
		}
		const rotated = { docId: triad.docId, member: next.member, viewer: next.viewer };
		expect(await readBack(rotated)).toEqual({ kept: 'through rotation' });
		const newViewer = await rawClient(triad.docId, { token: next.viewer });
		expect(newViewer.ws.readyState).toBe(newViewer.ws.OPEN);
		// An old token cannot rotate again.
		const again = await rotate(triad.docId, {
			token: triad.member,
			member: next.member,
			viewer: next.viewer
		});
		expect(again.status).toBe(410);
	});

	it('of two members rotating at once, exactly one wins; the other is told access changed', async () => {
		const triad = await registeredTriad({ a: 1 });
		const [first, second] = await Promise.all([
			accessTokens(triad.docId, randomBytes(32)),
			accessTokens(triad.docId, randomBytes(32))
		]);
		const statuses = await Promise.all(
			[first, second].map((next) =>
				rotate(triad.docId, { token: triad.member, member: next.member, viewer: next.viewer }).then(
					(response) => response.status
				)
			)
		);
		expect([...statuses].sort()).toEqual([204, 410]);
		const [winner, loser] = statuses[0] === 204 ? [first, second] : [second, first];
		expect(await readBack({ docId: triad.docId, ...winner })).toEqual({ a: 1 });
		const refusal = await refusalOf(url(triad.docId, { token: loser.member }));
		expect(refusal).toMatchObject({ code: CLOSE_WRONG_TOKEN, received: 0 });
	});

	it('refuses whatever is not a current member proving its token', async () => {
		const triad = await registeredTriad({ a: 1 });
		const next = await accessTokens(triad.docId, randomBytes(32));
		const stranger = await newTriad();
		const good = { token: triad.member, member: next.member, viewer: next.viewer };
		const cases: [string, DocumentId, unknown, number][] = [
			['a viewer token', triad.docId, { ...good, token: triad.viewer }, 403],
			['a made-up token', triad.docId, { ...good, token: stranger.member }, 403],
			['an unknown document', stranger.docId, { ...good, token: stranger.member }, 404],
			['garbage', triad.docId, 'not json', 400],
			['a missing field', triad.docId, { token: triad.member, member: next.member }, 400],
			['an extra field', triad.docId, { ...good, extra: 1 }, 400],
			['tokens that are not distinct', triad.docId, { ...good, viewer: next.member }, 400],
			['a malformed token', triad.docId, { ...good, member: 'short' }, 400],
			['an oversize body', triad.docId, JSON.stringify({ ...good, pad: 'x'.repeat(4096) }), 413]
		];
		for (const [what, docId, body, status] of cases) {
			const response = await rotate(docId, body);
			expect({ what, status: response.status }).toEqual({ what, status });
		}
		expect((await fetch(`${relay().url}${rotationPath(triad.docId)}`)).status).toBe(405);
		// After all that, the member token still works.
		expect(await readBack(triad)).toEqual({ a: 1 });
	});
});
