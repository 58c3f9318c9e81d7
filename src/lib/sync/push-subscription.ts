import {
	decodeBase64url,
	encodeBase64url,
	PUSH_SUBSCRIBE_PATH,
	PUSH_UNSUBSCRIBE_PATH,
	PUSH_VAPID_KEY_PATH,
	parseDocumentId,
	type AccessToken,
	type DocumentId
} from '../protocol';
import type { DeviceDb } from './device-db';
import { relayCredentials } from './relay-token';
import type { WorkspaceEntry } from './workspace-directory';

/*
 * This device's Web Push subscription with the relay (see `src/lib/protocol/push.ts`): the
 * browser's push subscription, and the triads it follows, proven with their tokens.
 */

/** What the device keeps of its push subscription (settings store). */
export interface PushSetting {
	endpoint: string;
	/** The push device key the relay answered, named on sync connections. */
	device: string;
	/** The triads the relay pushes about. */
	docIds: DocumentId[];
}

const SETTING_KEY = 'push';
/**
 * The device key where a page reads it synchronously when it opens a sync connection (the
 * device database is asynchronous). The service worker computes it from its subscription.
 */
const DEVICE_KEY_STORAGE = 'triad.pushDevice';

/** Why the relay did not take a subscription. */
export class PushSubscribeError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
		this.name = 'PushSubscribeError';
	}
}

/** Whether this browser can receive pushes at all. */
export function pushSupported(): boolean {
	return (
		typeof navigator !== 'undefined' &&
		'serviceWorker' in navigator &&
		typeof PushManager !== 'undefined' &&
		typeof Notification !== 'undefined'
	);
}

/** The push device key of this device, or null when it has not subscribed. */
export function currentPushDevice(): string | null {
	try {
		return globalThis.localStorage?.getItem(DEVICE_KEY_STORAGE) ?? null;
	} catch {
		return null;
	}
}

function rememberDevice(device: string | null): void {
	try {
		if (device === null) globalThis.localStorage?.removeItem(DEVICE_KEY_STORAGE);
		else globalThis.localStorage?.setItem(DEVICE_KEY_STORAGE, device);
	} catch {
		// Storage blocked: pushes about this device's own changes come back to it, nothing worse.
	}
}

/** The stored setting, or null when this device has not subscribed. */
export async function loadPushSetting(db: DeviceDb): Promise<PushSetting | null> {
	const value = await db.get<Partial<PushSetting>>('settings', SETTING_KEY);
	if (
		value === undefined ||
		typeof value.endpoint !== 'string' ||
		typeof value.device !== 'string' ||
		!Array.isArray(value.docIds)
	) {
		return null;
	}
	const docIds = value.docIds.map(parseDocumentId).filter((id) => id !== null);
	return { endpoint: value.endpoint, device: value.device, docIds };
}

/** Where and with what the device talks to the relay and the browser's push service. */
export interface PushContext {
	db: DeviceDb;
	registration: ServiceWorkerRegistration;
	/** The relay's origin (the app's own). */
	origin: string;
	fetch?: typeof fetch;
}

/**
 * Subscribes this device (asking the browser for a push subscription with the relay's key if it
 * has none for it) to the triads of `entries` it still has access to, and stores the setting.
 * Triads the relay refuses (access changed, or never synced to it yet) are left out; the next
 * call, when the triads change, offers them again.
 */
export async function subscribePush(
	context: PushContext,
	entries: readonly WorkspaceEntry[]
): Promise<PushSetting> {
	const request = context.fetch ?? fetch;
	const keyResponse = await request(`${context.origin}${PUSH_VAPID_KEY_PATH}`);
	if (!keyResponse.ok) throw new PushSubscribeError(keyResponse.status, 'relay offers no push');
	const key = decodeBase64url((await keyResponse.text()).trim());
	if (key === null) throw new PushSubscribeError(502, 'relay sent a malformed push key');
	const manager = context.registration.pushManager;
	let subscription = await manager.getSubscription();
	const current = subscription?.options.applicationServerKey;
	if (
		subscription !== null &&
		(!current || encodeBase64url(new Uint8Array(current)) !== encodeBase64url(key))
	) {
		// Made for another relay key (the relay's keys were replaced): push services refuse ours.
		await subscription.unsubscribe();
		subscription = null;
	}
	subscription ??= await manager.subscribe({
		userVisibleOnly: true,
		applicationServerKey: new Uint8Array(key)
	});
	const json = subscription.toJSON();
	let documents = await Promise.all(
		entries
			.filter((entry) => !entry.accessChanged)
			.map(async (entry) => ({
				docId: entry.docId,
				token: (await relayCredentials(entry.docId, entry.secret, entry.access)).token
			}))
	);
	let device: string | null = null;
	for (let attempt = 0; attempt < 2 && documents.length > 0 && device === null; attempt++) {
		const response = await post(request, `${context.origin}${PUSH_SUBSCRIBE_PATH}`, {
			subscription: { endpoint: json.endpoint, keys: json.keys },
			documents
		});
		if (response.status === 200) {
			device = String(((await response.json()) as { device?: unknown }).device ?? '');
		} else if (response.status === 403) {
			const refused = new Set(((await response.json()) as { refused?: unknown[] }).refused ?? []);
			documents = documents.filter((document) => !refused.has(document.docId));
		} else {
			throw new PushSubscribeError(response.status, await response.text());
		}
	}
	if (device === null) {
		// Nothing left to follow (the last triad removed, or every one refused): the relay must
		// stop pushing about the triads it followed before.
		const response = await post(request, `${context.origin}${PUSH_UNSUBSCRIBE_PATH}`, {
			endpoint: subscription.endpoint
		});
		if (!response.ok && response.status !== 404) {
			throw new PushSubscribeError(response.status, await response.text());
		}
	}
	const setting: PushSetting = {
		endpoint: subscription.endpoint,
		device: device ?? '',
		docIds: device === null ? [] : documents.map((document) => document.docId)
	};
	await context.db.put('settings', setting, SETTING_KEY);
	rememberDevice(device);
	return setting;
}

/** Tells the relay to stop, drops the browser's subscription and forgets the setting. */
export async function unsubscribePush(context: PushContext): Promise<void> {
	const request = context.fetch ?? fetch;
	const subscription = await context.registration.pushManager.getSubscription();
	if (subscription !== null) {
		const response = await post(request, `${context.origin}${PUSH_UNSUBSCRIBE_PATH}`, {
			endpoint: subscription.endpoint
		});
		// 404: the relay had dropped it already (expired, or never stored).
		if (!response.ok && response.status !== 404) {
			throw new PushSubscribeError(response.status, await response.text());
		}
		await subscription.unsubscribe();
	}
	await context.db.delete('settings', SETTING_KEY);
	rememberDevice(null);
}

function post(
	request: typeof fetch,
	url: string,
	body:
		| { subscription: unknown; documents: { docId: DocumentId; token: AccessToken }[] }
		| {
				endpoint: string;
		  }
): Promise<Response> {
	return request(url, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify(body)
	});
}
