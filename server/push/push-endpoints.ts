import type { IncomingMessage, ServerResponse } from 'node:http';
import {
	MAX_PUSH_BODY_BYTES,
	parsePushSubscribeRequest,
	parsePushUnsubscribeRequest,
	PUSH_SUBSCRIBE_PATH,
	PUSH_UNSUBSCRIBE_PATH,
	PUSH_VAPID_KEY_PATH,
	type DocumentId
} from '../../src/lib/protocol';
import { judge, tokenVerifier } from '../access';
import type { Logger } from '../logger';
import type { RelayMetrics } from '../metrics';
import { addressKey } from '../quotas';
import { TokenBucket } from '../rate-limiter';
import { readBody } from '../request-body';
import { sendText } from '../static-files';
import type { DocumentAccess, RelayStorage, TokenVerifier } from '../storage/relay-storage';
import { deviceKeyOf, isAllowedPushEndpoint, type PushNotifier } from './push-notifier';

/** What the push endpoints work with. */
export interface PushEndpointContext {
	notifier: PushNotifier;
	storage: RelayStorage;
	accessOf(docId: DocumentId): Promise<DocumentAccess | null>;
	metrics: RelayMetrics;
	logger: Logger;
	isClosing(): boolean;
}

/** Whether a request path is one of the push endpoints. */
export function isPushPath(path: string): boolean {
	return (
		path === PUSH_VAPID_KEY_PATH || path === PUSH_SUBSCRIBE_PATH || path === PUSH_UNSUBSCRIBE_PATH
	);
}

/** How many addresses are kept before forgetting those whose bucket is full again. */
const SWEEP_ABOVE = 1024;

/**
 * The push endpoints (see `src/lib/protocol/push.ts` for requests and answers). Subscribing
 * proves access to every document with its token, checked as a sync connection's is (member or
 * viewer token, never registering an unknown document): one token that does not open its
 * document subscribes nothing.
 */
export class PushEndpoints {
	readonly #buckets = new Map<string, TokenBucket>();

	constructor(private readonly context: PushEndpointContext) {}

	/** Answers a request to one of the paths `isPushPath` accepts. */
	async handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
		const { notifier, metrics } = this.context;
		if (path === PUSH_VAPID_KEY_PATH) {
			if (req.method !== 'GET' && req.method !== 'HEAD') {
				sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
				return;
			}
			sendText(res, 200, notifier.keys.publicKey, { 'Cache-Control': 'no-cache' });
			return;
		}
		if (req.method !== 'POST') {
			sendText(res, 405, 'method not allowed\n', { Allow: 'POST' });
			return;
		}
		if (this.context.isClosing()) {
			sendText(res, 503, 'shutting down\n');
			return;
		}
		if (!this.#take(addressKey(req.socket.remoteAddress))) {
			metrics.pushRefusals++;
			sendText(res, 429, 'too many push requests from this address\n', { 'Retry-After': '60' });
			return;
		}
		const body = await readBody(req, MAX_PUSH_BODY_BYTES);
		if (body === 'too-large') {
			metrics.pushRefusals++;
			sendText(res, 413, 'request body too large\n', { Connection: 'close' });
			return;
		}
		let json: unknown;
		try {
			json = JSON.parse(body);
		} catch {
			json = null;
		}
		if (path === PUSH_SUBSCRIBE_PATH) await this.#subscribe(json, req, res);
		else await this.#unsubscribe(json, res);
	}

	async #subscribe(json: unknown, req: IncomingMessage, res: ServerResponse): Promise<void> {
		const { notifier, storage, metrics, logger } = this.context;
		const request = parsePushSubscribeRequest(json);
		if (request === null) {
			metrics.pushRefusals++;
			sendText(res, 400, 'expected {"subscription", "documents": [{"docId", "token"}]}\n');
			return;
		}
		const { endpoint, keys } = request.subscription;
		if (!isAllowedPushEndpoint(endpoint, notifier.options.allowedHosts)) {
			metrics.pushRefusals++;
			sendText(res, 422, 'the endpoint is not on a push service this relay sends to\n');
			return;
		}
		const documents: { docId: DocumentId; verifier: TokenVerifier }[] = [];
		const refused: DocumentId[] = [];
		for (const { docId, token } of request.documents) {
			const verifier = tokenVerifier(token);
			const access = await this.context.accessOf(docId);
			if (access === null || judge(access, verifier).kind !== 'granted') refused.push(docId);
			else documents.push({ docId, verifier });
		}
		if (refused.length > 0) {
			metrics.pushRefusals++;
			logger.warn('push_subscribe_refused', {
				reason: 'wrong_token',
				documents: refused.length,
				remote: req.socket.remoteAddress
			});
			// Which ones, so a device can subscribe again without the triads it lost access to.
			sendJson(res, 403, { refused });
			return;
		}
		for (const { docId } of documents) {
			const followers = await storage.pushTargets(docId);
			const max = notifier.options.maxSubscriptionsPerDocument;
			if (followers.length >= max && !followers.some((entry) => entry.endpoint === endpoint)) {
				metrics.pushRefusals++;
				logger.warn('push_subscribe_refused', { docId, reason: 'document_subscription_limit' });
				sendText(res, 409, 'a document follows too many devices already\n');
				return;
			}
		}
		await storage.savePushSubscription({ endpoint, ...keys }, documents);
		notifier.subscriptionsChanged();
		metrics.pushSubscribes++;
		logger.debug('push_subscribed', { documents: documents.length });
		sendJson(res, 200, { device: deviceKeyOf(endpoint) });
	}

	async #unsubscribe(json: unknown, res: ServerResponse): Promise<void> {
		const { notifier, storage, metrics } = this.context;
		const request = parsePushUnsubscribeRequest(json);
		if (request === null) {
			metrics.pushRefusals++;
			sendText(res, 400, 'expected {"endpoint"}\n');
			return;
		}
		const deleted = await storage.deletePushSubscription(request.endpoint);
		if (!deleted) {
			sendText(res, 404, 'no such subscription\n');
			return;
		}
		notifier.subscriptionsChanged();
		res.writeHead(204, { 'Cache-Control': 'no-store' });
		res.end();
	}

	#take(address: string): boolean {
		const perHour = this.context.notifier.options.subscribesPerAddressPerHour;
		let bucket = this.#buckets.get(address);
		if (bucket === undefined) {
			if (this.#buckets.size >= SWEEP_ABOVE) {
				for (const [key, entry] of this.#buckets) if (entry.isFull()) this.#buckets.delete(key);
			}
			bucket = new TokenBucket(perHour / 3600, perHour);
			this.#buckets.set(address, bucket);
		}
		return bucket.take();
	}
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
	res.end(JSON.stringify(body));
}
