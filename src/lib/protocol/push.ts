import { parseAccessToken, type AccessToken } from './access';
import { decodeBase64url, encodeBase64url } from './base64url';
import { parseDocumentId, type DocumentId } from './ids';

/*
 * Web Push through the relay. A device subscribes with its browser's push subscription and, for
 * each triad it holds, the token it syncs with; the relay then sends that subscription a push
 * when the triad changes. The push carries only the document id, encrypted for the device
 * (RFC 8291): no content of a triad ever reaches a push service.
 *
 * `GET /push/vapid-public-key` → 200, the relay's VAPID public key (base64url, text/plain).
 * `POST /push/subscribe` with `{"subscription": PushSubscription.toJSON(), "documents":
 *   [{"docId", "token"}, …]}` → 200 `{"device": pushDeviceKey}` · 400 malformed · 403
 *   `{"refused": [docId, …]}`: those tokens do not open their documents (or the relay does not
 *   know them), and nothing is subscribed · 409 a document follows too many devices
 *   · 413 body too large · 422 endpoint not a known push service · 429 too many requests.
 *   The documents replace those the same endpoint followed before.
 * `POST /push/unsubscribe` with `{"endpoint"}` → 204 · 404 unknown · 400 · 413 · 429.
 */

/** Path of the relay's VAPID public key. */
export const PUSH_VAPID_KEY_PATH = '/push/vapid-public-key';
/** Path of subscribing. */
export const PUSH_SUBSCRIBE_PATH = '/push/subscribe';
/** Path of unsubscribing. */
export const PUSH_UNSUBSCRIBE_PATH = '/push/unsubscribe';
/** The largest subscribe or unsubscribe body the relay reads, in bytes. */
export const MAX_PUSH_BODY_BYTES = 32 * 1024;
/** Documents one subscription may follow. */
export const MAX_PUSH_DOCUMENTS = 200;
/** The longest endpoint URL accepted (push services use a few hundred characters). */
export const MAX_PUSH_ENDPOINT_LENGTH = 1024;
/**
 * Query parameter of a sync connection: the push device key of the device that connects, so the
 * relay does not push to a device about the changes it wrote itself.
 */
export const PUSH_DEVICE_PARAM = 'device';

/** A push subscription as `PushSubscription.toJSON()` gives it. */
export interface PushSubscriptionJson {
	endpoint: string;
	keys: { p256dh: string; auth: string };
}

/** A subscribe request's body. */
export interface PushSubscribeRequest {
	subscription: PushSubscriptionJson;
	documents: { docId: DocumentId; token: AccessToken }[];
}

/** What a push carries, once decrypted on the device. */
export interface PushMessage {
	doc: DocumentId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The endpoint when `value` is an https URL of sensible length, otherwise null. */
export function parsePushEndpoint(value: unknown): string | null {
	if (typeof value !== 'string' || value.length > MAX_PUSH_ENDPOINT_LENGTH) return null;
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return null;
	}
	if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return null;
	return value;
}

/** Reads a push subscription: an https endpoint, a P-256 point and a 16-byte secret. */
export function parsePushSubscription(value: unknown): PushSubscriptionJson | null {
	if (!isRecord(value) || !isRecord(value.keys)) return null;
	const endpoint = parsePushEndpoint(value.endpoint);
	const { p256dh, auth } = value.keys;
	if (endpoint === null || typeof p256dh !== 'string' || typeof auth !== 'string') return null;
	const point = decodeBase64url(p256dh);
	const secret = decodeBase64url(auth);
	if (point === null || point.length !== 65 || point[0] !== 4) return null;
	if (secret === null || secret.length !== 16) return null;
	return { endpoint, keys: { p256dh, auth } };
}

/** Reads a subscribe body; null unless every part is well formed and no document repeats. */
export function parsePushSubscribeRequest(body: unknown): PushSubscribeRequest | null {
	if (!isRecord(body)) return null;
	const subscription = parsePushSubscription(body.subscription);
	const { documents } = body;
	if (subscription === null || !Array.isArray(documents)) return null;
	if (documents.length === 0 || documents.length > MAX_PUSH_DOCUMENTS) return null;
	const parsed: PushSubscribeRequest['documents'] = [];
	const seen = new Set<DocumentId>();
	for (const entry of documents as unknown[]) {
		if (!isRecord(entry)) return null;
		const docId = parseDocumentId(entry.docId);
		const token = parseAccessToken(entry.token);
		if (docId === null || token === null || seen.has(docId)) return null;
		seen.add(docId);
		parsed.push({ docId, token });
	}
	return { subscription, documents: parsed };
}

/** Reads an unsubscribe body. */
export function parsePushUnsubscribeRequest(body: unknown): { endpoint: string } | null {
	if (!isRecord(body)) return null;
	const endpoint = parsePushEndpoint(body.endpoint);
	return endpoint === null ? null : { endpoint };
}

/** Reads a decrypted push payload; null for anything but `{"doc": <document id>}`. */
export function parsePushMessage(value: unknown): PushMessage | null {
	if (!isRecord(value)) return null;
	const doc = parseDocumentId(value.doc);
	return doc === null ? null : { doc };
}

/**
 * The push device key of an endpoint: base64url(SHA-256(endpoint)). Both ends compute it, the
 * device to name itself on its sync connections, the relay to recognise the writer's own
 * subscription; it reveals nothing of the endpoint.
 */
export async function pushDeviceKey(endpoint: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(endpoint));
	return encodeBase64url(new Uint8Array(digest));
}

const DEVICE_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The device key when `value` has its shape (43 base64url characters), otherwise null. */
export function parsePushDeviceKey(value: unknown): string | null {
	return typeof value === 'string' && DEVICE_KEY_PATTERN.test(value) ? value : null;
}
