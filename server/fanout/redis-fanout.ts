import { Redis } from 'ioredis';
import type { DocumentId } from '../../src/lib/protocol';
import { describeError, type Logger } from '../logger';
import type { RelayMetrics } from '../metrics';
import type { RelayStorage, UpdateSeq } from '../storage/relay-storage';
import { decodeClusterMessage, encodeClusterMessage, GapDetector } from './cluster-message';
import type { DocumentFanout, FanoutListener, FanoutSubscription } from './document-fanout';

/** Options of {@link RedisFanout}. */
export interface RedisFanoutOptions {
	/** `redis://` URL of the broker. */
	url: string;
	/** This node's id, unique in the cluster: its own messages are recognized by it. */
	nodeId: string;
	/** Where updates become durable before they are published. */
	storage: RelayStorage;
	/** Prefix of the per-document channels (default `triad:`), to keep clusters apart. */
	channelPrefix?: string;
	logger: Logger;
	/** Where publications, receptions, gaps, lag and the broker's state are counted. */
	metrics: RelayMetrics;
}

interface Publisher {
	epoch: number;
	seq: number;
	/** Whether a publication failed since the last head was announced. */
	lost: boolean;
	/** The last publication queued: updates go out in the order they were appended. */
	tail: Promise<void>;
	/** The answer to the last publication sent. */
	unanswered: Promise<void>;
}

interface Joined {
	listeners: Set<FanoutListener>;
	gaps: GapDetector;
	publisher: Publisher;
}

let nextEpoch = 1;

/**
 * Fan-out over Redis pub/sub, one channel per document, to which every node that has the
 * document loaded subscribes. Updates are published once committed, numbered per publishing
 * session; awareness at once, unnumbered (clients renew it, and it is never stored).
 *
 * Pub/sub drops messages to a subscriber that is disconnected, so every time the subscriber
 * connection becomes ready again (a restarted Redis, a killed connection) it resubscribes, and
 * once Redis confirmed, every loaded document is repaired from storage. Neither connection
 * queues commands while Redis is away: publications made then are lost and repaired the same way.
 */
export class RedisFanout implements DocumentFanout {
	readonly #publisher: Redis;
	readonly #subscriber: Redis;
	readonly #joined = new Map<DocumentId, Joined>();
	readonly #prefix: string;
	readonly #nodeId: string;
	readonly #storage: RelayStorage;
	readonly #logger: Logger;
	readonly #metrics: RelayMetrics;
	#everReady = false;
	#closed = false;

	constructor(options: RedisFanoutOptions) {
		this.#prefix = options.channelPrefix ?? 'triad:';
		this.#nodeId = options.nodeId;
		this.#storage = options.storage;
		this.#logger = options.logger;
		this.#metrics = options.metrics;
		this.#metrics.clusterBrokerUp = 0;
		const common = {
			enableOfflineQueue: false,
			// Reconnects forever, every second at most, so a Redis that comes back is found soon.
			retryStrategy: (times: number) => Math.min(times * 100, 1000),
			maxRetriesPerRequest: 1
		};
		this.#publisher = new Redis(options.url, {
			...common,
			connectionName: `triad-pub-${this.#nodeId}`
		});
		this.#subscriber = new Redis(options.url, {
			...common,
			autoResubscribe: false,
			connectionName: `triad-sub-${this.#nodeId}`
		});
		for (const client of [this.#publisher, this.#subscriber]) {
			client.on('error', (error: Error) => {
				this.#logger.debug('fanout_redis_error', { error: describeError(error) });
			});
		}
		this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
			this.#receive(channel.toString(), message)
		);
		// A lost last publication leaves no gap for anyone to see: its head is announced instead.
		this.#publisher.on('ready', () => this.#announceLostHeads());
		// The subscriber is what the node hears the others through: its state is the broker's.
		this.#subscriber.on('close', () => {
			if (this.#metrics.clusterBrokerUp === 1) {
				this.#logger.warn('fanout_broker_lost', {});
			}
			this.#metrics.clusterBrokerUp = 0;
		});
		this.#subscriber.on('ready', () => {
			if (this.#everReady) this.#metrics.clusterBrokerReconnects++;
			this.#metrics.clusterBrokerUp = 1;
			this.#resubscribe().catch((error: unknown) => {
				// The connection went away again; its next 'ready' tries again.
				this.#logger.warn('fanout_resubscribe_failed', { error: describeError(error) });
			});
		});
	}

	/** The subscriber connection's name in `CLIENT LIST`, for tests that kill it. */
	get subscriberName(): string {
		return `triad-sub-${this.#nodeId}`;
	}

	async join(docId: DocumentId, listener: FanoutListener): Promise<FanoutSubscription> {
		let joined = this.#joined.get(docId);
		if (joined === undefined) {
			joined = {
				listeners: new Set(),
				gaps: new GapDetector(),
				publisher: {
					epoch: nextEpoch++,
					seq: 0,
					lost: false,
					tail: Promise.resolve(),
					unanswered: Promise.resolve()
				}
			};
			this.#joined.set(docId, joined);
			joined.listeners.add(listener);
			if (this.#subscriber.status === 'ready') {
				// If this fails, the connection is going down: its next 'ready' resubscribes and repairs.
				await this.#subscriber.subscribe(this.#channel(docId)).catch(() => {});
			}
		} else {
			joined.listeners.add(listener);
		}
		const entry = joined;
		return {
			close: () => {
				entry.listeners.delete(listener);
				if (entry.listeners.size > 0 || this.#joined.get(docId) !== entry) return;
				this.#joined.delete(docId);
				if (this.#subscriber.status === 'ready') {
					this.#subscriber.unsubscribe(this.#channel(docId)).catch(() => {});
				}
			}
		};
	}

	publishUpdate(docId: DocumentId, update: Uint8Array, seq: UpdateSeq): void {
		const joined = this.#joined.get(docId);
		if (joined === undefined) return;
		const publisher = joined.publisher;
		const channel = this.#channel(docId);
		publisher.tail = publisher.tail
			.then(() => this.#storage.whenDurable(seq))
			.then(async () => {
				// Numbered even when publishing fails: the receivers then see the gap and repair.
				const message = encodeClusterMessage({
					kind: 'update',
					node: this.#nodeId,
					epoch: publisher.epoch,
					seq: ++publisher.seq,
					sentAt: Date.now(),
					payload: update
				});
				// Not awaited: commands on one connection go out in order, so the next publication
				// need not wait for this one's answer (one round trip per update would cap a busy
				// document's rate).
				publisher.unanswered = this.#publisher.publish(channel, Buffer.from(message)).then(
					() => void this.#metrics.clusterPublished++,
					(error: unknown) => this.#publishFailed(publisher, docId, error)
				);
			})
			.catch((error: unknown) => this.#publishFailed(publisher, docId, error));
	}

	#publishFailed(publisher: Publisher, docId: DocumentId, error: unknown): void {
		publisher.lost = true;
		this.#metrics.clusterPublishFailures++;
		this.#logger.debug('fanout_publish_failed', { docId, error: describeError(error) });
	}

	publishAwareness(docId: DocumentId, update: Uint8Array): void {
		if (this.#publisher.status !== 'ready') return;
		const message = encodeClusterMessage({
			kind: 'awareness',
			node: this.#nodeId,
			payload: update
		});
		this.#publisher.publish(this.#channel(docId), Buffer.from(message)).catch(() => {});
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		const publishers = [...this.#joined.values()].map((joined) => joined.publisher);
		await Promise.all(publishers.map((publisher) => publisher.tail));
		await Promise.all(publishers.map((publisher) => publisher.unanswered));
		this.#publisher.disconnect();
		this.#subscriber.disconnect();
	}

	#channel(docId: DocumentId): string {
		return this.#prefix + docId;
	}

	#receive(channel: string, bytes: Buffer): void {
		if (!channel.startsWith(this.#prefix)) return;
		const joined = this.#joined.get(channel.slice(this.#prefix.length) as DocumentId);
		const message = decodeClusterMessage(bytes);
		if (joined === undefined || message === null || message.node === this.#nodeId) return;
		if (message.kind === 'awareness') {
			for (const listener of joined.listeners) listener.awareness(message.payload);
			return;
		}
		let missed: boolean;
		if (message.kind === 'head') {
			missed = joined.gaps.missedUpTo(message.node, message.epoch, message.seq);
		} else {
			missed = joined.gaps.missedBefore(message.node, message.epoch, message.seq);
			this.#metrics.clusterReceived++;
			// Clocks of two machines: a skew shows as lag (or as none when negative).
			this.#metrics.clusterLag.observe(Math.max(0, Date.now() - message.sentAt));
			for (const listener of joined.listeners) listener.update(message.payload);
		}
		if (missed) {
			this.#metrics.clusterGaps++;
			this.#logger.info('fanout_gap', {
				docId: channel.slice(this.#prefix.length),
				from: message.node
			});
			for (const listener of joined.listeners) listener.repair();
		}
	}

	#announceLostHeads(): void {
		for (const [docId, { publisher }] of this.#joined) {
			if (!publisher.lost) continue;
			publisher.lost = false;
			// Queued behind the publications, so the head follows the last of them.
			publisher.tail = publisher.tail
				.then(async () => {
					const head = encodeClusterMessage({
						kind: 'head',
						node: this.#nodeId,
						epoch: publisher.epoch,
						seq: publisher.seq
					});
					await this.#publisher.publish(this.#channel(docId), Buffer.from(head));
				})
				.catch(() => {
					publisher.lost = true;
				});
		}
	}

	/**
	 * Subscribes every loaded document again and, once Redis confirmed (so nothing published
	 * from then on is missed), repairs them all: messages of the time without a subscription
	 * are gone, but what they carried was stored before it was published.
	 */
	async #resubscribe(): Promise<void> {
		const reconnected = this.#everReady;
		this.#everReady = true;
		const docIds = [...this.#joined.keys()];
		if (docIds.length === 0) return;
		await this.#subscriber.subscribe(...docIds.map((docId) => this.#channel(docId)));
		if (reconnected) this.#logger.info('fanout_reconnected', { documents: docIds.length });
		for (const docId of docIds) {
			for (const listener of this.#joined.get(docId)?.listeners ?? []) listener.repair();
		}
	}
}
