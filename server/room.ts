import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import {
	applyStoredUpdate,
	applyValidUpdate,
	type UpdateProblem
} from '../src/lib/protocol/validate-update';
import {
	inlineCompactor,
	type CompactionResult,
	type StateCompactor
} from './compaction/state-compactor';
import type { DocumentId } from '../src/lib/protocol';
import { describeError, type Logger } from './logger';
import type { RelayMetrics } from './metrics';
import {
	encodeAwareness,
	encodeSyncStep1,
	encodeSyncStep2,
	encodeSyncUpdate
} from '../src/lib/protocol';
import type { DocumentAccess, RelayStorage, UpdateSeq } from './storage/relay-storage';
import type { DocumentFanout, FanoutSubscription } from './fanout/document-fanout';

/** A connection as a room sees it. */
export interface RoomPeer {
	/** Sends one binary message, unless the connection is closing. */
	send(message: Uint8Array): void;
	/** The awareness clientIDs this connection announced, removed for the others when it leaves. */
	readonly awarenessClients: Set<number>;
	/** When the connection last sent anything (`performance.now()`). */
	readonly lastHeardAt: number;
	/** The push device key its client named, if any (see `PUSH_DEVICE_PARAM`). */
	readonly pushDevice?: string | null;
}

/**
 * Told of every update a room stored from one of its peers (not of what other relay nodes
 * stored, which they announce themselves), with the peer that wrote it.
 */
export type DocumentChangedListener = (docId: DocumentId, writer: RoomPeer | null) => void;

/**
 * How long a connection must have been silent before another one may take over the presence it
 * announced. y-websocket renews a presence every 15 s, so a live connection is never silent this
 * long; a client that reconnected before the relay noticed its old socket die gets its presence
 * back on the new socket after this.
 */
export const DEFAULT_AWARENESS_TAKEOVER_MS = 20_000;

/**
 * When a room compacts its appended updates into one state. Compaction merges the whole document
 * (off the event loop, see `StateCompactor`) and writes it, so it waits for a pause in the editing
 * rather than repeating that for every few updates; the two limits are safety valves for a
 * document that is never quiet.
 */
export interface CompactionPolicy {
	/** Compact once the document has received no update for this long, in ms. */
	idleMs: number;
	/** Compact at once when this many updates are appended since the last compaction... */
	maxAppendedUpdates: number;
	/** ...or this many bytes, or the size of the last state if larger. */
	maxAppendedBytes: number;
}

/** Outcome of applying a client's update. */
export type ApplyResult = 'applied' | 'invalid';

/** Origin of the transactions that replay stored updates: neither persisted nor broadcast. */
const FROM_STORAGE = Symbol('from storage');
/**
 * Origin of what other relay nodes sent, and of repairs from storage: broadcast to the peers,
 * neither persisted (the node that took it from its client did) nor published again.
 */
const FROM_CLUSTER = Symbol('from cluster');

/**
 * One loaded document and the connections editing it: applies and validates client updates,
 * appends them to storage, broadcasts them and the awareness states to the other peers, and
 * compacts storage when the editing pauses (see `CompactionPolicy`). The registry owns its lifecycle (load, unload).
 */
export class Room {
	readonly doc = new Y.Doc();
	readonly awareness = new awarenessProtocol.Awareness(this.doc);
	readonly peers = new Set<RoomPeer>();
	#lastSeq: UpdateSeq = 0;
	#appendedUpdates = 0;
	#appendedBytes = 0;
	#stateBytes = 0;
	#compaction: Promise<void> | null = null;
	#loaded = false;
	#unloading = false;
	#lastUpdateAt = 0;
	#idleTimer: NodeJS.Timeout | null = null;
	#fanoutSubscription: FanoutSubscription | null = null;
	#repairing: Promise<void> | null = null;
	#repairAgain = false;
	/**
	 * The document as the updates that make it: a state, then every update applied after it, in
	 * order (from clients, other nodes and repairs alike). Compaction hands these to the
	 * compactor, which merges them into one state on another thread: encoding the live document
	 * instead takes the event loop for as long as the document is large, and every other room
	 * waits that long. The price is the document's encoded size kept in memory beside it. Null
	 * after a load that repaired or skipped stored updates: the updates then do not make the
	 * document, and the next compaction encodes it once on the event loop.
	 */
	#mirror: Uint8Array[] | null = [];

	constructor(
		readonly docId: DocumentId,
		private readonly storage: RelayStorage,
		private readonly policy: CompactionPolicy,
		private readonly metrics: RelayMetrics,
		private readonly logger: Logger,
		private readonly fanout: DocumentFanout | null = null,
		private readonly awarenessTakeoverMs = DEFAULT_AWARENESS_TAKEOVER_MS,
		private readonly onChanged: DocumentChangedListener | null = null,
		private readonly compactor: StateCompactor = inlineCompactor
	) {
		// The relay is not a participant: it announces no awareness state of its own.
		this.awareness.setLocalState(null);
	}

	/**
	 * Replays the stored document, then starts persisting and broadcasting. Must complete before
	 * any peer is answered, so nobody is ever sent a state missing what storage holds. Resolves
	 * the access registered for the document.
	 */
	async load(): Promise<DocumentAccess | null> {
		// Joined first: what other nodes publish from now on arrives, and what they published
		// before is stored, so the load below reads it.
		this.#fanoutSubscription =
			(await this.fanout?.join(this.docId, {
				update: (update) => this.#applyFromCluster(update),
				awareness: (update) => this.#applyAwarenessFromCluster(update),
				repair: () => this.#repair()
			})) ?? null;
		const stored = await this.storage.loadDocument(this.docId);
		// Stored updates that fail the check or would make the document unloadable are repaired or
		// skipped, each logged with its seq: the document is rebuilt from the rest rather than
		// refused to every client.
		let recovered = false;
		this.doc.transact(() => {
			stored.updates.forEach((update, index) => {
				const outcome = applyStoredUpdate(this.doc, update, FROM_STORAGE);
				if (outcome.kind === 'applied') return;
				recovered = true;
				this.logger.warn(`stored_update_${outcome.kind}`, {
					docId: this.docId,
					seq: stored.seqs[index],
					problem: outcome.problem
				});
			});
		}, FROM_STORAGE);
		this.#lastSeq = stored.lastSeq;
		this.#mirror = recovered ? null : [...stored.updates];
		// Updates after the first were appended but not compacted yet (e.g. after a kill); they
		// count towards the next compaction. The first one may be the compacted state or not,
		// counting it as the state only delays that compaction by one update.
		const [first, ...appended] = stored.updates;
		this.#stateBytes = first?.length ?? 0;
		this.#appendedUpdates = appended.length;
		this.#appendedBytes = appended.reduce((sum, update) => sum + update.length, 0);
		// A recovered document is compacted at the next pause, so storage then holds it as it
		// loaded and the next load needs no repairs.
		if (recovered) this.#appendedUpdates = Math.max(this.#appendedUpdates, 1);
		this.doc.on('update', this.#onDocUpdate);
		this.awareness.on('update', this.#onAwarenessUpdate);
		this.#loaded = true;
		// Appends left over from a killed relay are compacted once the clients' sync is over.
		this.#lastUpdateAt = performance.now();
		this.#compactIfDue();
		this.#armIdleTimer();
		return stored.access;
	}

	/**
	 * Applies a client's update if it passes validation (`applyValidUpdate`, the check the app
	 * runs too); otherwise nothing of it reaches the document, storage or the other peers, and
	 * the sender is to be refused. An update that passes and still makes Yjs throw halfway has
	 * been stored and broadcast as far as it was integrated, like any update; its sender is
	 * refused as well, and compaction checks that the document still loads.
	 */
	applyClientUpdate(update: Uint8Array, origin: RoomPeer): ApplyResult {
		let problem: UpdateProblem | null;
		try {
			problem = applyValidUpdate(this.doc, update, origin);
		} catch (error) {
			this.logger.error('update_apply_failed', { docId: this.docId, error: describeError(error) });
			return 'invalid';
		}
		if (problem === null) return 'applied';
		this.logger.warn('update_refused', { docId: this.docId, problem });
		return 'invalid';
	}

	/**
	 * Bytes the document takes in storage: its last compacted state and the updates appended
	 * since (what the relay's per-document quota limits).
	 */
	get storedBytes(): number {
		return this.#stateBytes + this.#appendedBytes;
	}

	/**
	 * Resolves once every update the room has appended so far is durable in storage, with the
	 * storage's own batching (see `RelayStorage.whenDurable`).
	 */
	whenDurable(): Promise<void> {
		return this.storage.whenDurable(this.#lastSeq);
	}

	/** Sync step 2 answering a peer's state vector: everything the room has that it lacks. */
	syncStep2For(stateVector: Uint8Array): Uint8Array {
		return encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector));
	}

	/** The first messages for a new peer: the room's sync step 1 and the awareness states. */
	greeting(): Uint8Array[] {
		const messages = [encodeSyncStep1(Y.encodeStateVector(this.doc))];
		const awareness = this.awarenessSnapshot();
		if (awareness !== null) messages.push(awareness);
		return messages;
	}

	/** One awareness message with every known state, or null when there is none. */
	awarenessSnapshot(): Uint8Array | null {
		const clients = [...this.awareness.getStates().keys()];
		if (clients.length === 0) return null;
		return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
	}

	/**
	 * Whether an awareness update would set a state the room does not hold: a new client, or a
	 * newer clock with a state. Echoes of known states and removals do not. Throws on a malformed
	 * update.
	 */
	awarenessAnnouncesState(update: Uint8Array): boolean {
		const decoder = decoding.createDecoder(update);
		const count = decoding.readVarUint(decoder);
		let announces = false;
		for (let i = 0; i < count; i++) {
			const client = decoding.readVarUint(decoder);
			const clock = decoding.readVarUint(decoder);
			const state = decoding.readVarString(decoder);
			const known = this.awareness.meta.get(client);
			if (state !== 'null' && (known === undefined || clock > known.clock)) announces = true;
		}
		if (decoding.hasContent(decoder)) throw new Error('trailing bytes after awareness update');
		return announces;
	}

	/**
	 * Applies a peer's awareness update, bound to its connection: an entry for a client that
	 * another live connection announced is dropped (a member cannot rewrite someone else's name or
	 * seat), counted and logged when it would have changed something; y-websocket's echoes of
	 * what a client heard change nothing and are dropped silently. Throws on a malformed update.
	 */
	applyAwarenessUpdate(update: Uint8Array, origin: RoomPeer): void {
		const decoder = decoding.createDecoder(update);
		const count = decoding.readVarUint(decoder);
		const kept: { client: number; clock: number; state: string }[] = [];
		let refused = 0;
		for (let i = 0; i < count; i++) {
			const client = decoding.readVarUint(decoder);
			const clock = decoding.readVarUint(decoder);
			const state = decoding.readVarString(decoder);
			const owner = this.#ownerOf(client, origin);
			if (owner === null) {
				kept.push({ client, clock, state });
				continue;
			}
			if (performance.now() - owner.lastHeardAt >= this.awarenessTakeoverMs) {
				owner.awarenessClients.delete(client);
				kept.push({ client, clock, state });
				continue;
			}
			const known = this.awareness.meta.get(client);
			if (known === undefined || clock > known.clock) refused++;
		}
		if (decoding.hasContent(decoder)) throw new Error('trailing bytes after awareness update');
		if (refused > 0) {
			this.metrics.awarenessRefused += refused;
			this.logger.warn('awareness_refused', { docId: this.docId, clients: refused });
		}
		if (kept.length === 0) return;
		if (kept.length === count) {
			awarenessProtocol.applyAwarenessUpdate(this.awareness, update, origin);
			return;
		}
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, kept.length);
		for (const entry of kept) {
			encoding.writeVarUint(encoder, entry.client);
			encoding.writeVarUint(encoder, entry.clock);
			encoding.writeVarString(encoder, entry.state);
		}
		awarenessProtocol.applyAwarenessUpdate(this.awareness, encoding.toUint8Array(encoder), origin);
	}

	/** The other connection that announced `client`, or null when none did. */
	#ownerOf(client: number, origin: RoomPeer): RoomPeer | null {
		if (origin.awarenessClients.has(client)) return null;
		for (const peer of this.peers) {
			if (peer !== origin && peer.awarenessClients.has(client)) return peer;
		}
		return null;
	}

	/** Removes a peer and the awareness states it announced, telling the others. */
	removePeer(peer: RoomPeer): void {
		if (!this.peers.delete(peer)) return;
		// A client that reconnected announces its id on the new socket before the old one is
		// noticed closing; its state belongs to the new connection and stays.
		const orphaned = [...peer.awarenessClients].filter(
			(client) => ![...this.peers].some((other) => other.awarenessClients.has(client))
		);
		if (orphaned.length > 0) {
			awarenessProtocol.removeAwarenessStates(this.awareness, orphaned, null);
		}
	}

	/**
	 * Compacts what is still appended (so the next load reads one state), then frees the
	 * document. Called once, after the last peer left.
	 */
	async unload(): Promise<void> {
		this.#unloading = true;
		this.#fanoutSubscription?.close();
		if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
		if (this.#compaction !== null) await this.#compaction;
		if (this.#loaded && this.#appendedUpdates > 0) await this.#compact();
		this.awareness.destroy();
		this.doc.destroy();
	}

	#onDocUpdate = (update: Uint8Array, origin: unknown): void => {
		if (origin === FROM_STORAGE) return;
		this.#mirror?.push(update);
		if (origin === FROM_CLUSTER) {
			const message = encodeSyncUpdate(update);
			for (const peer of this.peers) peer.send(message);
			return;
		}
		this.#lastSeq = this.storage.appendUpdate(this.docId, update);
		this.fanout?.publishUpdate(this.docId, update, this.#lastSeq);
		this.metrics.storageAppends++;
		this.#appendedUpdates++;
		this.#appendedBytes += update.length;
		// Encoded once, whatever the number of recipients.
		const message = encodeSyncUpdate(update);
		for (const peer of this.peers) {
			if (peer !== origin) peer.send(message);
		}
		this.#lastUpdateAt = performance.now();
		this.#compactIfDue();
		this.#armIdleTimer();
		this.onChanged?.(this.docId, this.peers.has(origin as RoomPeer) ? (origin as RoomPeer) : null);
	};

	#onAwarenessUpdate = (
		change: { added: number[]; updated: number[]; removed: number[] },
		origin: unknown
	): void => {
		const peer = origin as RoomPeer;
		if (this.peers.has(peer)) {
			for (const client of change.added) peer.awarenessClients.add(client);
			for (const client of change.updated) peer.awarenessClients.add(client);
			for (const client of change.removed) peer.awarenessClients.delete(client);
		}
		const changed = change.added.concat(change.updated, change.removed);
		const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
		// Timeouts happen on every node by itself; other nodes' states are theirs to publish.
		if (origin !== FROM_CLUSTER && origin !== 'timeout') {
			this.fanout?.publishAwareness(this.docId, update);
		}
		const message = encodeAwareness(update);
		// The sender gets its own state back on purpose: y-websocket clients reconnect after 30 s
		// without any message, and a client alone in a room would otherwise hear nothing at all.
		for (const recipient of this.peers) recipient.send(message);
	};

	#applyFromCluster(update: Uint8Array): void {
		try {
			Y.applyUpdate(this.doc, update, FROM_CLUSTER);
		} catch (error) {
			this.logger.error('cluster_update_failed', {
				docId: this.docId,
				error: describeError(error)
			});
			this.#repair();
		}
	}

	#applyAwarenessFromCluster(update: Uint8Array): void {
		try {
			awarenessProtocol.applyAwarenessUpdate(this.awareness, update, FROM_CLUSTER);
		} catch (error) {
			this.logger.warn('cluster_awareness_failed', {
				docId: this.docId,
				error: describeError(error)
			});
		}
	}

	/**
	 * Reloads the stored document and applies what the room lacks (updates of other nodes whose
	 * messages were lost), sending it to the peers. One repair at a time; a request during one
	 * runs another after it, since the running one may have read storage too early.
	 */
	#repair(): void {
		if (this.#repairing !== null) {
			this.#repairAgain = true;
			return;
		}
		this.#repairing = (async () => {
			do {
				this.#repairAgain = false;
				if (!this.#loaded || this.#unloading) return;
				const stored = await this.storage.loadDocument(this.docId);
				if (this.#unloading) return;
				this.doc.transact(() => {
					for (const update of stored.updates) applyStoredUpdate(this.doc, update, FROM_CLUSTER);
				}, FROM_CLUSTER);
				this.metrics.clusterRepairs++;
			} while (this.#repairAgain);
		})()
			.catch((error: unknown) => {
				this.logger.error('cluster_repair_failed', {
					docId: this.docId,
					error: describeError(error)
				});
			})
			.finally(() => (this.#repairing = null));
	}

	/** The safety valves: compacts at once when the appends grew past the policy's limits. */
	#compactIfDue(): void {
		const byteLimit = Math.max(this.policy.maxAppendedBytes, this.#stateBytes);
		if (
			this.#appendedUpdates >= this.policy.maxAppendedUpdates ||
			this.#appendedBytes >= byteLimit
		) {
			this.#startCompaction();
		}
	}

	/**
	 * One timer per room, re-armed for the remaining time when it fires too early, rather than
	 * one cleared and set per update: at hundreds of updates per second that churn shows.
	 */
	#armIdleTimer(): void {
		if (this.#idleTimer !== null || this.#unloading || this.#appendedUpdates === 0) return;
		const quietFor = performance.now() - this.#lastUpdateAt;
		this.#idleTimer = setTimeout(
			() => {
				this.#idleTimer = null;
				if (this.#unloading) return;
				if (performance.now() - this.#lastUpdateAt >= this.policy.idleMs) {
					this.#startCompaction();
				} else {
					this.#armIdleTimer();
				}
			},
			Math.max(0, this.policy.idleMs - quietFor)
		);
		this.#idleTimer.unref();
	}

	#startCompaction(): void {
		if (this.#compaction !== null || this.#appendedUpdates === 0) return;
		this.#compaction = this.#compact()
			.catch((error: unknown) => {
				this.metrics.failed('storage_write');
				this.logger.error('compaction_failed', { docId: this.docId, error: describeError(error) });
			})
			.finally(() => {
				this.#compaction = null;
				// Updates that arrived while it ran wait for the next pause, unless they passed the
				// safety valve meanwhile: its trigger was skipped while this compaction ran.
				if (this.#unloading) return;
				this.#compactIfDue();
				this.#armIdleTimer();
			});
	}

	/**
	 * Takes the updates that make the document and the seq they cover in the same synchronous
	 * step, so every update appended up to that seq is in the state and every later one stays
	 * appended; the compactor merges them off the event loop. A state that would not load again is
	 * not stored: the last one that did stays, with the appends after it.
	 */
	async #compact(): Promise<void> {
		const updates = this.#mirror ?? [Y.encodeStateAsUpdate(this.doc)];
		const upToSeq = this.#lastSeq;
		this.#appendedUpdates = 0;
		this.#appendedBytes = 0;
		this.#mirror = [];
		let result: CompactionResult;
		try {
			result = await this.compactor.merge(updates);
		} catch (error) {
			this.#mirror = [...updates, ...this.#mirror];
			throw error;
		}
		if ('problem' in result) {
			this.#mirror = [...updates, ...this.#mirror];
			this.metrics.failed('compaction_refused');
			this.logger.error('compaction_refused', { docId: this.docId, problem: result.problem });
			return;
		}
		this.#mirror = [result.state, ...this.#mirror];
		this.#stateBytes = result.state.length;
		await this.storage.compact(this.docId, result.state, upToSeq);
		this.metrics.storageCompactions++;
	}
}
