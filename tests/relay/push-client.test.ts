/**
 * The app's side of push (`src/lib/sync/push-subscription.ts`) against the real relay and the
 * test push service: the browser's PushManager is the one thing stood in for, by a subscription
 * made on the test service as a browser would make it.
 */
import { randomBytes } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeBase64url, type DocumentId } from '../../src/lib/protocol';
import { createDeviceDb } from '../../src/lib/sync/device-db';
import {
	loadPushSetting,
	subscribePush,
	unsubscribePush,
	type PushContext
} from '../../src/lib/sync/push-subscription';
import type { WorkspaceSecret } from '../../src/lib/sync/workspace-secret';
import type { WorkspaceEntry } from '../../src/lib/sync/workspace-directory';
import {
	connectProvider,
	destroyProviders,
	makeToken,
	randomDocId,
	startInProcessRelay,
	synced,
	waitFor,
	type InProcessRelay
} from './harness';
import { TestPushService, type TestSubscription } from './testing/push-service';

let service: TestPushService;
let relay: InProcessRelay;
beforeAll(async () => {
	service = await TestPushService.start();
	relay = await startInProcessRelay({
		push: { allowedHosts: [service.host], agent: service.agent, minIntervalMs: 0 }
	});
});
afterEach(() => destroyProviders());
afterAll(async () => {
	await relay.stop();
	await service.close();
});

/** A PushManager that makes its subscriptions on the test service. */
class TestPushManager {
	current: (TestSubscription & { key: Uint8Array }) | null = null;

	async getSubscription() {
		return this.current === null ? null : this.#browserSide(this.current);
	}

	async subscribe(options: { applicationServerKey: Uint8Array }) {
		this.current = { ...service.subscribe(), key: new Uint8Array(options.applicationServerKey) };
		return this.#browserSide(this.current);
	}

	#browserSide(subscription: TestSubscription & { key: Uint8Array }) {
		return {
			endpoint: subscription.endpoint,
			options: { applicationServerKey: subscription.key.buffer },
			toJSON: () => ({ endpoint: subscription.endpoint, keys: subscription.keys }),
			unsubscribe: async () => {
				this.current = null;
				return true;
			}
		};
	}
}

function entryFor(docId: string, secret: Uint8Array): WorkspaceEntry {
	return {
		docId: docId as DocumentId,
		secret: encodeBase64url(secret) as WorkspaceSecret,
		access: 'member',
		name: 'Test triad',
		joinedAt: 0,
		lastOpened: 0,
		accessChanged: false,
		pendingRotation: null
	};
}

/** A triad the relay knows (a member synced it) and its device entry, with its doc connected. */
async function syncedTriad(): Promise<{ entry: WorkspaceEntry; doc: Y.Doc }> {
	const docId = randomDocId();
	const secret = randomBytes(32);
	const doc = new Y.Doc();
	await synced(connectProvider(relay.syncUrl, { docId, token: makeToken(secret, docId) }, doc));
	return { entry: entryFor(docId, secret), doc };
}

function context(manager: TestPushManager): PushContext {
	return {
		db: createDeviceDb({ indexedDB: new IDBFactory(), name: 'device' }),
		registration: { pushManager: manager } as unknown as ServiceWorkerRegistration,
		origin: relay.url
	};
}

describe('the app subscribing through the relay', () => {
	it('follows the triads the relay knows, leaves out the others, and is pushed to', async () => {
		const manager = new TestPushManager();
		const device = context(manager);
		const triad = await syncedTriad();
		const neverSynced = entryFor(randomDocId(), randomBytes(32));
		const setting = await subscribePush(device, [triad.entry, neverSynced]);
		expect(setting.docIds).toEqual([triad.entry.docId]);
		expect(await loadPushSetting(device.db)).toEqual(setting);

		triad.doc.getMap('triad').set('changed', true);
		const subscription = manager.current as TestSubscription;
		await waitFor(() => service.pushesTo(subscription).length === 1, 'the push');
		expect(JSON.parse(service.pushesTo(subscription)[0]?.plaintext.toString() ?? '')).toEqual({
			doc: triad.entry.docId
		});
	});

	it('stops the relay pushing once the device holds no triad, and on unsubscribe', async () => {
		const manager = new TestPushManager();
		const device = context(manager);
		const triad = await syncedTriad();
		await subscribePush(device, [triad.entry]);
		const subscription = manager.current as TestSubscription;
		const none = await subscribePush(device, []);
		expect(none.docIds).toEqual([]);
		// The relay has nothing of this endpoint any more.
		const gone = await fetch(`${relay.url}/push/unsubscribe`, {
			method: 'POST',
			body: JSON.stringify({ endpoint: subscription.endpoint })
		});
		expect(gone.status).toBe(404);

		await subscribePush(device, [triad.entry]);
		await unsubscribePush(device);
		expect(manager.current).toBeNull();
		expect(await loadPushSetting(device.db)).toBeNull();
		const again = await fetch(`${relay.url}/push/unsubscribe`, {
			method: 'POST',
			body: JSON.stringify({ endpoint: subscription.endpoint })
		});
		expect(again.status).toBe(404);
	});
});
