import type { StateCompactor } from './compaction/state-compactor';
import type { DocumentId } from '../src/lib/protocol';
import { describeError, type Logger } from './logger';
import type { RelayMetrics } from './metrics';
import { TokenBucket } from './rate-limiter';
import { Room, type CompactionPolicy, type DocumentChangedListener, type RoomPeer } from './room';
import type { DocumentAccess, RelayStorage } from './storage/relay-storage';
import type { DocumentFanout } from './fanout/document-fanout';

/** A room and its lifecycle as the registry tracks it. */
export interface RoomEntry {
	readonly room: Room;
	/** Resolves once the document is loaded; rejects if loading failed. */
	readonly ready: Promise<void>;
	/** Who may open the document, known once loaded, kept current by `updateAccess`. */
	access: DocumentAccess | null;
	/** Whether `access` was set by `updateAccess`, and so is newer than what the load read. */
	accessUpdated: boolean;
	/** Set once the last peer left; resolves when the room is flushed and freed. */
	unloading: Promise<void> | null;
	/**
	 * Deliveries (messages × recipients) the room may still fan out: every broadcast takes one
	 * token per recipient, refilled at the room's fan-out rate.
	 */
	readonly fanOut: TokenBucket;
}

/** How long the registry must stay empty before `onEmpty` runs. */
const EMPTY_DEBOUNCE_MS = 1000;

/**
 * The loaded documents. Loads a room on its first peer (concurrent first peers share one
 * load) and unloads it after its last peer leaves. A peer arriving while its room unloads gets
 * a fresh room that loads after the unload finished, so it reads the compacted state.
 * `onEmpty` runs once no document has been loaded for a second (e.g. to collect garbage).
 */
export class RoomRegistry {
	readonly #rooms = new Map<DocumentId, RoomEntry>();
	#emptyTimer: NodeJS.Timeout | null = null;

	constructor(
		private readonly storage: RelayStorage,
		private readonly policy: CompactionPolicy,
		/** Deliveries a room may fan out per second, and in a burst (see `RoomEntry.fanOut`). */
		private readonly fanOutPerSecond: number,
		private readonly metrics: RelayMetrics,
		private readonly logger: Logger,
		private readonly onEmpty: () => void = () => {},
		private readonly fanout: DocumentFanout | null = null,
		private readonly awarenessTakeoverMs?: number,
		private readonly onChanged: DocumentChangedListener | null = null,
		private readonly compactor?: StateCompactor
	) {}

	/** Rooms in memory, including those loading or unloading. */
	get size(): number {
		return this.#rooms.size;
	}

	/** Whether a peer joining `docId` would reuse a room instead of loading one. */
	isLive(docId: DocumentId): boolean {
		const entry = this.#rooms.get(docId);
		return entry !== undefined && entry.unloading === null;
	}

	/** Peers in the room of `docId` that a joining peer would share (0 when none is loaded). */
	peerCount(docId: DocumentId): number {
		return this.isLive(docId) ? (this.#rooms.get(docId) as RoomEntry).room.peers.size : 0;
	}

	/** The access of a loaded document without asking storage, or undefined if not loaded. */
	cachedAccess(docId: DocumentId): DocumentAccess | undefined {
		const entry = this.#rooms.get(docId);
		return entry?.unloading === null && entry.access !== null ? entry.access : undefined;
	}

	/**
	 * Records a document's access as storage now holds it (registered or rotated), so a room that
	 * is loading or loaded never goes on with an older one.
	 */
	updateAccess(docId: DocumentId, access: DocumentAccess): void {
		const entry = this.#rooms.get(docId);
		if (entry === undefined) return;
		entry.access = access;
		entry.accessUpdated = true;
	}

	/** Adds `peer` to the room of `docId`, loading it if needed. */
	join(docId: DocumentId, peer: RoomPeer): RoomEntry {
		let entry = this.#rooms.get(docId);
		if (entry === undefined || entry.unloading !== null) entry = this.#open(docId, entry);
		entry.room.peers.add(peer);
		return entry;
	}

	/** Removes `peer`; the room unloads when it was the last one. */
	leave(entry: RoomEntry, peer: RoomPeer): void {
		entry.room.removePeer(peer);
		if (entry.room.peers.size > 0 || entry.unloading !== null) return;
		const { room } = entry;
		entry.unloading = entry.ready
			.then(
				() => room.unload(),
				() => {}
			)
			.catch((error: unknown) => {
				this.metrics.failed('storage_write');
				this.logger.error('unload_failed', { docId: room.docId, error: describeError(error) });
			})
			.finally(() => {
				this.#forget(entry);
				this.logger.debug('document_unloaded', { docId: room.docId });
			});
	}

	/** Waits for every room that is unloading to finish. */
	async settle(): Promise<void> {
		await Promise.all([...this.#rooms.values()].map((entry) => entry.unloading));
	}

	#open(docId: DocumentId, previous: RoomEntry | undefined): RoomEntry {
		const room = new Room(
			docId,
			this.storage,
			this.policy,
			this.metrics,
			this.logger,
			this.fanout,
			this.awarenessTakeoverMs,
			this.onChanged,
			this.compactor
		);
		const previousUnload = previous?.unloading ?? Promise.resolve();
		const entry: RoomEntry = {
			room,
			ready: previousUnload.then(async () => {
				const loaded = await room.load();
				if (!entry.accessUpdated) entry.access = loaded;
				this.logger.debug('document_loaded', { docId });
			}),
			access: null,
			accessUpdated: false,
			unloading: null,
			fanOut: new TokenBucket(this.fanOutPerSecond, this.fanOutPerSecond)
		};
		entry.ready.catch((error: unknown) => {
			this.metrics.failed('load_failed');
			this.logger.error('load_failed', { docId, error: describeError(error) });
		});
		this.#rooms.set(docId, entry);
		this.metrics.loadedDocuments = this.#rooms.size;
		if (this.#emptyTimer !== null) {
			clearTimeout(this.#emptyTimer);
			this.#emptyTimer = null;
		}
		return entry;
	}

	#forget(entry: RoomEntry): void {
		if (this.#rooms.get(entry.room.docId) === entry) this.#rooms.delete(entry.room.docId);
		this.metrics.loadedDocuments = this.#rooms.size;
		if (this.#rooms.size === 0 && this.#emptyTimer === null) {
			this.#emptyTimer = setTimeout(() => {
				this.#emptyTimer = null;
				if (this.#rooms.size === 0) this.onEmpty();
			}, EMPTY_DEBOUNCE_MS);
			this.#emptyTimer.unref();
		}
	}
}
