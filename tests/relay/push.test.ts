import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { connectionParams, pushDeviceKey, type AccessToken } from '../../src/lib/protocol';
import { deviceKeyOf } from '../../server/push/push-notifier';
import type { PushOptions } from '../../server/push/push-notifier';
import type { RelayServerOptions } from '../../server/relay-server';
import {
	connectProvider,
	destroyProviders,
	makeTempDir,
	newRoom,
	startInProcessRelay,
	synced,
	waitFor,
	type InProcessRelay,
	type TestRoom
} from './harness';
import { TestPushService, type TestSubscription } from './testing/push-service';

let service: TestPushService;
beforeAll(async () => {
	service = await TestPushService.start();
});
afterAll(() => service.close());

const relays: InProcessRelay[] = [];
afterEach(async () => {
	destroyProviders();
	await Promise.all(relays.splice(0).map((relay) => relay.stop()));
	// Whatever a test sent, the push service accepted it as a push service would.
	expect(service.refused).toEqual([]);
});

/** A relay that pushes to the test service, coalescing over `minIntervalMs` (default a minute). */
async function startRelay(
	push: Partial<PushOptions> = {},
	options: RelayServerOptions = {}
): Promise<InProcessRelay> {
	const relay = await startInProcessRelay({
		...options,
		push: {
			allowedHosts: [service.host],
			agent: service.agent,
			minIntervalMs: 60_000,
			...push
		}
	});
	relays.push(relay);
	return relay;
}

async function post(relay: InProcessRelay, path: string, body: string | object) {
	const response = await fetch(`${relay.url}${path}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: typeof body === 'string' ? body : JSON.stringify(body)
	});
	return { status: response.status, text: await response.text() };
}

function subscribeBody(subscription: TestSubscription, rooms: TestRoom[]) {
	return {
		subscription: { endpoint: subscription.endpoint, keys: subscription.keys },
		documents: rooms.map((room) => ({ docId: room.docId, token: room.token }))
	};
}

/** A room registered on the relay by a member who wrote into it; its doc stays connected. */
async function registeredRoom(relay: InProcessRelay): Promise<{ room: TestRoom; doc: Y.Doc }> {
	const room = newRoom();
	const doc = new Y.Doc();
	await synced(connectProvider(relay.syncUrl, room, doc));
	return { room, doc };
}

/** Writes `text` into the doc and waits until the relay stored it. */
async function write(relay: InProcessRelay, doc: Y.Doc, text: string): Promise<void> {
	const before = relay.metrics.storageAppends;
	doc.getMap('triad').set(`entry-${before}`, text);
	await waitFor(() => relay.metrics.storageAppends > before, 'the update stored');
}

describe('push through the relay', () => {
	it('serves one VAPID public key, the same after a restart on the same data', async () => {
		const dataDir = await makeTempDir();
		try {
			const first = await startRelay({}, { dataDir: dataDir.path });
			const key = await vapidKeyOf(first);
			expect(Buffer.from(key, 'base64url')).toHaveLength(65);
			expect((await fetch(`${first.url}/push/vapid-public-key`, { method: 'POST' })).status).toBe(
				405
			);
			await first.close();
			const second = await startRelay({}, { dataDir: dataDir.path });
			expect(await vapidKeyOf(second)).toBe(key);
		} finally {
			destroyProviders();
			await Promise.all(relays.splice(0).map((relay) => relay.stop()));
			await dataDir.remove();
		}
	});

	it('refuses a subscription whose token does not open its document, subscribing nothing', async () => {
		const relay = await startRelay();
		const { room } = await registeredRoom(relay);
		const other = await registeredRoom(relay);
		const subscription = service.subscribe();
		const wrong = { docId: room.docId, token: newRoom().token };
		expect(
			(await post(relay, '/push/subscribe', subscribeBody(subscription, [wrong]))).status
		).toBe(403);
		// One good token beside a wrong one subscribes nothing either.
		const mixed = await post(
			relay,
			'/push/subscribe',
			subscribeBody(subscription, [other.room, wrong])
		);
		expect(mixed.status).toBe(403);
		expect(JSON.parse(mixed.text)).toEqual({ refused: [room.docId] });
		// A document the relay does not know is never registered by a subscription.
		const unknown = subscribeBody(subscription, [newRoom()]);
		expect((await post(relay, '/push/subscribe', unknown)).status).toBe(403);
		expect(
			(await post(relay, '/push/unsubscribe', { endpoint: subscription.endpoint })).status
		).toBe(404);
		await write(relay, other.doc, 'a change');
		await relay.close();
		expect(service.pushesTo(subscription)).toEqual([]);
	});

	it('pushes once per coalescing window, encrypted, VAPID-signed, with the document id only', async () => {
		const relay = await startRelay();
		const { room, doc } = await registeredRoom(relay);
		const vapidKey = await vapidKeyOf(relay);
		const subscription = service.subscribe();
		const answer = await post(relay, '/push/subscribe', subscribeBody(subscription, [room]));
		expect(answer.status).toBe(200);
		expect(JSON.parse(answer.text)).toEqual({ device: deviceKeyOf(subscription.endpoint) });

		await write(relay, doc, 'Confidential: the budget proposal');
		await waitFor(() => service.pushesTo(subscription).length === 1, 'the first push');
		await write(relay, doc, 'Confidential: second change');
		await write(relay, doc, 'Confidential: third change');
		await waitFor(() => relay.metrics.pushesCoalesced === 2, 'both later changes coalesced');
		await relay.close();

		const pushes = service.pushesTo(subscription);
		expect(pushes).toHaveLength(1);
		const [push] = pushes as [(typeof pushes)[number]];
		expect(JSON.parse(push.plaintext.toString('utf8'))).toEqual({ doc: room.docId });
		expect(push.body.includes(Buffer.from(room.docId))).toBe(false);
		expect(push.body.includes(Buffer.from('Confidential'))).toBe(false);
		expect(push.vapidKey).toBe(vapidKey);
		expect(push.claims.aud).toBe(`https://${service.host}`);
		// The topic (seen by the push service) does not name the document either.
		expect(push.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
		expect(push.headers.topic).not.toContain(room.docId.slice(0, 8));
	});

	it('sends the changes of a window in one push when the window ends', async () => {
		const relay = await startRelay({ minIntervalMs: 300 });
		const { room, doc } = await registeredRoom(relay);
		const subscription = service.subscribe();
		await post(relay, '/push/subscribe', subscribeBody(subscription, [room]));
		await write(relay, doc, 'one');
		await waitFor(() => service.pushesTo(subscription).length === 1, 'the first push');
		await write(relay, doc, 'two');
		await write(relay, doc, 'three');
		await waitFor(() => service.pushesTo(subscription).length === 2, 'the trailing push');
		await relay.close();
		expect(service.pushesTo(subscription)).toHaveLength(2);
		expect(relay.metrics.pushesCoalesced).toBe(2);
	});

	it('does not push to the device that wrote the change', async () => {
		const relay = await startRelay();
		const { room } = await registeredRoom(relay);
		const writer = service.subscribe();
		const reader = service.subscribe();
		await post(relay, '/push/subscribe', subscribeBody(writer, [room]));
		await post(relay, '/push/subscribe', subscribeBody(reader, [room]));
		const doc = new Y.Doc();
		const provider = new WebsocketProvider(relay.syncUrl, room.docId, doc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			params: connectionParams({
				token: room.token as AccessToken,
				// As the app computes it (WebCrypto), which must be what the relay computes.
				pushDevice: await pushDeviceKey(writer.endpoint)
			})
		});
		try {
			await synced(provider);
			await write(relay, doc, 'written on the writer device');
			await waitFor(() => service.pushesTo(reader).length === 1, "the reader's push");
			await relay.close();
		} finally {
			provider.destroy();
		}
		expect(service.pushesTo(writer)).toEqual([]);
	});

	it('deletes a subscription the push service no longer knows (410)', async () => {
		const relay = await startRelay({ minIntervalMs: 0 });
		const { room, doc } = await registeredRoom(relay);
		const gone = service.subscribe();
		service.answer(gone, 410);
		await post(relay, '/push/subscribe', subscribeBody(gone, [room]));
		await write(relay, doc, 'a change');
		await waitFor(() => relay.metrics.pushSubscriptionsExpired === 1, 'the subscription expired');
		expect((await post(relay, '/push/unsubscribe', { endpoint: gone.endpoint })).status).toBe(404);
		const metrics = await (await fetch(`${relay.url}/metrics`)).text();
		expect(metrics).toContain('triad_relay_push_subscriptions_expired_total 1');
	});

	it('stops pushing after unsubscribe', async () => {
		const relay = await startRelay();
		const { room, doc } = await registeredRoom(relay);
		const leaving = service.subscribe();
		const staying = service.subscribe();
		await post(relay, '/push/subscribe', subscribeBody(leaving, [room]));
		await post(relay, '/push/subscribe', subscribeBody(staying, [room]));
		expect((await post(relay, '/push/unsubscribe', { endpoint: leaving.endpoint })).status).toBe(
			204
		);
		await write(relay, doc, 'a change');
		await waitFor(() => service.pushesTo(staying).length === 1, 'the push to the one staying');
		await relay.close();
		expect(service.pushesTo(leaving)).toEqual([]);
	});

	it('stops pushing to a device whose access was rotated away', async () => {
		const relay = await startRelay();
		const { room, doc } = await registeredRoom(relay);
		const subscription = service.subscribe();
		await post(relay, '/push/subscribe', subscribeBody(subscription, [room]));
		const next = { member: newRoom().token, viewer: newRoom().token };
		const rotated = await post(relay, `/access/${room.docId}/rotate`, {
			token: room.token,
			...next
		});
		expect(rotated.status).toBe(204);
		const member = { docId: room.docId, token: next.member };
		const fresh = new Y.Doc();
		Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc));
		await synced(connectProvider(relay.syncUrl, member, fresh));
		await write(relay, fresh, 'after the rotation');
		await relay.close();
		expect(service.pushesTo(subscription)).toEqual([]);
	});

	it('refuses garbage, oversize bodies, foreign endpoints and floods', async () => {
		const relay = await startRelay({ subscribesPerAddressPerHour: 11 });
		const { room } = await registeredRoom(relay);
		const subscription = service.subscribe();
		const good = subscribeBody(subscription, [room]);
		const cases: [string | object, number][] = [
			['not json', 400],
			['null', 400],
			[[], 400],
			[{ ...good, documents: [] }, 400],
			[{ ...good, documents: [...good.documents, ...good.documents] }, 400],
			[
				{ ...good, subscription: { ...good.subscription, keys: { p256dh: 'AAAA', auth: 'x' } } },
				400
			],
			[
				{
					...good,
					subscription: { ...good.subscription, endpoint: `http://${service.host}/push/x` }
				},
				400
			],
			[
				{ ...good, subscription: { ...good.subscription, endpoint: 'https://169.254.169.254/x' } },
				422
			],
			['x'.repeat(40 * 1024), 413]
		];
		for (const [body, status] of cases) {
			expect(
				(await post(relay, '/push/subscribe', body)).status,
				JSON.stringify(body).slice(0, 80)
			).toBe(status);
		}
		expect((await post(relay, '/push/unsubscribe', { endpoint: 'nope' })).status).toBe(400);
		expect((await fetch(`${relay.url}/push/subscribe`)).status).toBe(405);
		// The address has used its eleven requests of the hour: the next is refused however good.
		expect((await post(relay, '/push/subscribe', good)).status).toBe(200);
		expect((await post(relay, '/push/subscribe', good)).status).toBe(429);
		expect(relay.metrics.pushRefusals).toBe(cases.length + 2);
	});
});

async function vapidKeyOf(relay: InProcessRelay): Promise<string> {
	return (await fetch(`${relay.url}/push/vapid-public-key`)).text();
}
