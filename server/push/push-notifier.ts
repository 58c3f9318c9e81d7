import { createHash, createHmac } from 'node:crypto';
import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { DocumentId, PushMessage } from '../../src/lib/protocol';
import { judge } from '../access';
import { describeError, type Logger } from '../logger';
import type { RelayMetrics } from '../metrics';
import type { DocumentAccess, PushTarget, RelayStorage, VapidKeys } from '../storage/relay-storage';

/** How the relay pushes; see README.md, "Push notifications". */
export interface PushOptions {
	/** Least time between two pushes to one subscription about one document, in ms. */
	minIntervalMs: number;
	/** `mailto:` or `https:` contact that push services may use to reach the operator. */
	subject: string;
	/** Keys to use instead of those in storage (made on first start). */
	vapidKeys: VapidKeys | null;
	/**
	 * Hosts push endpoints may be on: an exact `host` (with `:port` when not 443) or `*.domain`
	 * for its subdomains. The relay POSTs to these, so an endpoint elsewhere is refused: it would
	 * make the relay send requests into whatever network it sits in.
	 */
	allowedHosts: readonly string[];
	/** Subscribe and unsubscribe requests an address may make per hour (and in a burst). */
	subscribesPerAddressPerHour: number;
	/** Subscriptions one document may have. */
	maxSubscriptionsPerDocument: number;
	/** TLS agent for the push requests (tests trust their own push service with it). */
	agent?: Agent;
}

/** The hosts of the browsers' push services. */
export const DEFAULT_PUSH_HOSTS: readonly string[] = [
	'fcm.googleapis.com',
	'updates.push.services.mozilla.com',
	'web.push.apple.com',
	'*.push.apple.com',
	'*.notify.windows.com'
];

export const DEFAULT_PUSH_OPTIONS: PushOptions = {
	minIntervalMs: 5 * 60_000,
	subject: 'mailto:relay@triad.invalid',
	vapidKeys: null,
	allowedHosts: DEFAULT_PUSH_HOSTS,
	subscribesPerAddressPerHour: 60,
	maxSubscriptionsPerDocument: 64
};

/** How long the subscriptions of a document are reused before storage is asked again. */
const TARGETS_CACHE_MS = 30_000;
const TARGETS_CACHE_SIZE = 10_000;
/** How long a push service may take to answer. */
const SEND_TIMEOUT_MS = 10_000;
/** How long a push service keeps an undelivered push for an offline device, in seconds. */
const PUSH_TTL_SECONDS = 24 * 60 * 60;

/** Whether `endpoint` is on one of `allowedHosts` (see `PushOptions.allowedHosts`). */
export function isAllowedPushEndpoint(endpoint: string, allowedHosts: readonly string[]): boolean {
	const url = new URL(endpoint);
	return allowedHosts.some((entry) =>
		entry.startsWith('*.')
			? url.port === '' && url.hostname.endsWith(entry.slice(1))
			: url.host === entry
	);
}

interface Slot {
	/** When the last push about this document went to this subscription (`performance.now()`). */
	sentAt: number;
	/** The push waiting for the end of the interval, if a change came within it. */
	timer: NodeJS.Timeout | null;
}

/**
 * Sends the content-free pushes: when a document changes, each subscription that follows it
 * (except the writer's own device) gets `{"doc": id}`, encrypted for it, at most once per
 * `minIntervalMs`. A change within the interval is not dropped: one push goes out when the
 * interval ends, however many changes came. A subscription whose verifier no longer opens the
 * document (access rotated) gets nothing; one the push service no longer knows (404, 410) is
 * deleted.
 */
export class PushNotifier {
	readonly #slots = new Map<string, Slot>();
	readonly #targets = new Map<
		DocumentId,
		{ at: number; targets: Promise<PushTarget[]>; known: PushTarget[] | null }
	>();
	readonly #sending = new Set<Promise<void>>();
	readonly #sweep: NodeJS.Timeout;
	readonly #topicKey: Buffer;
	#closed = false;

	private constructor(
		readonly keys: VapidKeys,
		readonly options: PushOptions,
		private readonly storage: RelayStorage,
		private readonly accessOf: (docId: DocumentId) => Promise<DocumentAccess | null>,
		private readonly metrics: RelayMetrics,
		private readonly logger: Logger
	) {
		this.#topicKey = createHash('sha256').update(`push-topic:${keys.privateKey}`).digest();
		this.#sweep = setInterval(
			() => this.#forgetQuietSlots(),
			Math.max(options.minIntervalMs, 1000)
		);
		this.#sweep.unref();
	}

	/** Reads (or makes and stores, on first start) the VAPID keys, and starts. */
	static async open(
		options: PushOptions,
		storage: RelayStorage,
		accessOf: (docId: DocumentId) => Promise<DocumentAccess | null>,
		metrics: RelayMetrics,
		logger: Logger
	): Promise<PushNotifier> {
		const keys = options.vapidKeys ?? (await storage.vapidKeys(webpush.generateVAPIDKeys()));
		return new PushNotifier(keys, options, storage, accessOf, metrics, logger);
	}

	/**
	 * Forgets the cached subscriptions after they changed on this relay. (Another relay node's
	 * changes are seen once the cache entry expires.) A subscription that replaced its documents
	 * leaves stale entries for those it dropped too, so the whole cache goes.
	 */
	subscriptionsChanged(): void {
		this.#targets.clear();
	}

	/** A change of `docId` was stored, written by the device `writerDevice` names (or unknown). */
	documentChanged(docId: DocumentId, writerDevice: string | null): void {
		if (this.#closed) return;
		// The common case of a relay nobody subscribed to costs one map lookup per update.
		const cached = this.#targets.get(docId);
		if (cached?.known?.length === 0 && performance.now() - cached.at < TARGETS_CACHE_MS) return;
		const lookup = this.#targetsOf(docId).then(
			(targets) => {
				for (const target of targets) {
					if (writerDevice !== null && deviceKeyOf(target.endpoint) === writerDevice) continue;
					this.#schedule(docId, target.endpoint);
				}
			},
			(error: unknown) => {
				this.metrics.pushFailures++;
				this.logger.error('push_lookup_failed', { docId, error: describeError(error) });
			}
		);
		this.#track(lookup);
	}

	/** Waits for the lookups and pushes under way, then stops the timers (pushes waiting are dropped). */
	async close(): Promise<void> {
		while (this.#sending.size > 0) await Promise.allSettled([...this.#sending]);
		this.#closed = true;
		clearInterval(this.#sweep);
		for (const slot of this.#slots.values()) if (slot.timer !== null) clearTimeout(slot.timer);
		this.#slots.clear();
	}

	#targetsOf(docId: DocumentId): Promise<PushTarget[]> {
		const now = performance.now();
		const cached = this.#targets.get(docId);
		if (cached !== undefined && now - cached.at < TARGETS_CACHE_MS) return cached.targets;
		if (this.#targets.size >= TARGETS_CACHE_SIZE) this.#targets.clear();
		const targets = this.storage.pushTargets(docId);
		const entry = { at: now, targets, known: null as PushTarget[] | null };
		this.#targets.set(docId, entry);
		targets.then(
			(known) => (entry.known = known),
			() => this.#targets.delete(docId)
		);
		return targets;
	}

	#schedule(docId: DocumentId, endpoint: string): void {
		const key = `${docId} ${endpoint}`;
		const now = performance.now();
		const slot = this.#slots.get(key);
		if (slot?.timer != null) {
			this.metrics.pushesCoalesced++;
			return;
		}
		if (slot === undefined || now - slot.sentAt >= this.options.minIntervalMs) {
			this.#slots.set(key, { sentAt: now, timer: null });
			this.#track(this.#send(docId, endpoint));
			return;
		}
		this.metrics.pushesCoalesced++;
		slot.timer = setTimeout(
			() => {
				slot.timer = null;
				slot.sentAt = performance.now();
				this.#track(this.#send(docId, endpoint));
			},
			slot.sentAt + this.options.minIntervalMs - now
		);
	}

	#track(sending: Promise<void>): void {
		this.#sending.add(sending);
		void sending.finally(() => this.#sending.delete(sending));
	}

	async #send(docId: DocumentId, endpoint: string): Promise<void> {
		try {
			// Read again when the push leaves: the subscription may be gone, or its access rotated.
			const target = (await this.#targetsOf(docId)).find((entry) => entry.endpoint === endpoint);
			const access = await this.accessOf(docId);
			if (target === undefined || access === null || this.#closed) return;
			if (judge(access, target.verifier).kind !== 'granted') return;
			const message: PushMessage = { doc: docId };
			await webpush.sendNotification(
				{ endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
				JSON.stringify(message),
				{
					vapidDetails: {
						subject: this.options.subject,
						publicKey: this.keys.publicKey,
						privateKey: this.keys.privateKey
					},
					TTL: PUSH_TTL_SECONDS,
					urgency: 'normal',
					contentEncoding: 'aes128gcm',
					// A newer push about the same document replaces one the device has not received yet.
					// Keyed so the push service cannot tell which document it is about.
					topic: createHmac('sha256', this.#topicKey)
						.update(docId)
						.digest('base64url')
						.slice(0, 32),
					timeout: SEND_TIMEOUT_MS,
					...(this.options.agent === undefined ? {} : { agent: this.options.agent })
				}
			);
			this.metrics.pushesSent++;
		} catch (error) {
			const status = error instanceof webpush.WebPushError ? error.statusCode : null;
			if (status === 404 || status === 410) {
				this.metrics.pushSubscriptionsExpired++;
				this.logger.info('push_subscription_expired', { docId, status });
				const deleted = await this.storage.deletePushSubscription(endpoint).catch(() => false);
				if (deleted) this.#targets.clear();
				return;
			}
			this.metrics.pushFailures++;
			// The endpoint's origin only: its path names the device to whoever holds it.
			this.logger.warn('push_failed', {
				docId,
				pushService: new URL(endpoint).origin,
				status,
				error: describeError(error)
			});
		}
	}

	#forgetQuietSlots(): void {
		const now = performance.now();
		for (const [key, slot] of this.#slots) {
			if (slot.timer === null && now - slot.sentAt >= this.options.minIntervalMs) {
				this.#slots.delete(key);
			}
		}
	}
}

/** The relay's side of `pushDeviceKey`: base64url(SHA-256(endpoint)). */
export function deviceKeyOf(endpoint: string): string {
	return createHash('sha256').update(endpoint).digest('base64url');
}
