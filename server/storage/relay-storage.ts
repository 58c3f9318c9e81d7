import type { DocumentId } from '../../src/lib/protocol';

/**
 * Ordinal of an appended update. Strictly increasing across all appends of one storage
 * instance, and across restarts on the same data, so "every update of this document up to
 * seq N" is a well-defined set that compaction can replace. Several instances on one database
 * (relay nodes of a cluster on `PostgresStorage`) number their appends independently: there a
 * seq orders one instance's appends only, and compaction does not rest on it (see
 * `RelayStorage`).
 */
export type UpdateSeq = number;

/**
 * What storage keeps of a token: base64url(SHA-256(token)). A copy of the database then opens no
 * document, and comparing verifiers reveals nothing about a token through timing.
 */
export type TokenVerifier = string & { readonly __brand: 'TokenVerifier' };

/** Who may open a document, as verifiers of their tokens. */
export interface DocumentAccess {
	/** The member token's verifier, registered by the first connection (trust on first use). */
	member: TokenVerifier;
	/** The viewer token's verifier, registered by the first member connection that offered one. */
	viewer: TokenVerifier | null;
	/**
	 * Verifiers that rotations replaced, newest first, at most `MAX_RETIRED_VERIFIERS`: their tokens
	 * are refused as "access changed" rather than as wrong.
	 */
	retired: readonly TokenVerifier[];
}

/** How many replaced verifiers a document remembers (two per rotation). */
export const MAX_RETIRED_VERIFIERS = 32;

/** The access that a rotation from `access` to `next` leaves: the old verifiers retired. */
export function rotatedAccess(
	access: DocumentAccess,
	next: { member: TokenVerifier; viewer: TokenVerifier }
): DocumentAccess {
	const replaced = access.viewer === null ? [access.member] : [access.member, access.viewer];
	return {
		member: next.member,
		viewer: next.viewer,
		retired: [...replaced, ...access.retired].slice(0, MAX_RETIRED_VERIFIERS)
	};
}

/** What storage holds about one document. */
export interface StoredDocument {
	/** Who may open it, or null if no connection ever registered it. */
	access: DocumentAccess | null;
	/** Yjs updates (v1 encoding) to apply in order: the compacted state first, then appends. */
	updates: Uint8Array[];
	/** The seq of each of `updates`; the compacted state's is the highest seq it covers. */
	seqs: UpdateSeq[];
	/** The highest seq covered by `updates` (0 for an empty document). */
	lastSeq: UpdateSeq;
}

/**
 * A browser's Web Push subscription as the relay keeps it: where to send (the push service's
 * endpoint URL, which is a secret of the device) and the keys that encrypt what is sent to it
 * (RFC 8291), base64url as `PushSubscription.toJSON()` gives them.
 */
export interface PushSubscriptionKeys {
	endpoint: string;
	/** The device's P-256 public key, uncompressed point. */
	p256dh: string;
	/** The device's 16-byte authentication secret. */
	auth: string;
}

/**
 * One subscription to the changes of one document: pushed to only while `verifier` still opens
 * the document, so a device whose access was rotated away hears nothing more.
 */
export interface PushTarget extends PushSubscriptionKeys {
	verifier: TokenVerifier;
}

/** The relay's VAPID key pair (RFC 8292), base64url: public uncompressed point, private scalar. */
export interface VapidKeys {
	publicKey: string;
	privateKey: string;
}

/**
 * Durable storage of relay documents. Implementations: `SqliteWorkerStorage` (embedded, default),
 * `PostgresStorage` (a cluster of relay nodes on one database) and `MemoryStorage` (tests),
 * all checked by the shared suite in `tests/relay/storage-suite.ts`.
 *
 * Consistency of compaction with concurrent appends: `appendUpdate` hands out its seq
 * synchronously, so the caller knows exactly which appends a state it encodes includes. A
 * caller that encodes the document state right after its last `appendUpdate` returned seq N
 * calls `compact(docId, state, N)`; appends that come later get seqs above N and survive the
 * compaction, whatever order the writes reach the disk in.
 *
 * Across relay nodes sharing one database, a node's merged state may lack another node's
 * append whatever its seq (a fan-out message still on its way, or lost). So `PostgresStorage`
 * deletes exactly the stored updates that the merged state contains, checked against the
 * state's clocks and deletions (`coveredBy` in `update-coverage.ts`), and replaces the stored
 * state only by one that contains it; `upToSeq` merely becomes the state's seq. For a single
 * instance this deletes what seq <= `upToSeq` deletes (the state contains those appends) plus
 * later appends it happens to contain, which is equally safe. A compaction holds a
 * transaction-scoped advisory lock on the document: one node compacts it at a time, and a node
 * that finds it taken skips its compaction while every node keeps appending.
 */
export interface RelayStorage {
	/**
	 * Bytes of document data held: every compacted state and every appended update, an append
	 * counted as soon as it is accepted and a compaction once it replaced appends. The database
	 * file holds more (rows, indexes, free pages), in proportion. The relay's storage quota
	 * (`MAX_STORAGE_BYTES`) reads it.
	 */
	readonly storedBytes: number;
	/** Reads a document, including appends that are accepted but not flushed yet. */
	loadDocument(docId: DocumentId): Promise<StoredDocument>;
	/** Who may open a document, or null when it is unknown (never registered). */
	getAccess(docId: DocumentId): Promise<DocumentAccess | null>;
	/**
	 * Registers the access of a document if it has none yet, atomically (trust on first use), and
	 * durably before resolving. Resolves 'exists' and changes nothing when it is registered
	 * already, whoever registered it: the caller compares with `getAccess`.
	 */
	registerAccess(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier | null
	): Promise<'registered' | 'exists'>;
	/**
	 * Sets the viewer verifier of a document whose member verifier is `member` and that has none
	 * yet, atomically and durably. 'exists' when it has one, 'stale' when `member` is not current.
	 */
	registerViewer(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier
	): Promise<'registered' | 'exists' | 'stale'>;
	/**
	 * Replaces the verifiers of a document whose member verifier is `current` by `next`, retiring
	 * the old ones (see `rotatedAccess`), atomically and durably: of two rotations from the same
	 * access, exactly one is 'rotated' and the other 'stale'. 'stale' also for an unknown document.
	 */
	rotateAccess(
		docId: DocumentId,
		current: TokenVerifier,
		next: { member: TokenVerifier; viewer: TokenVerifier }
	): Promise<'rotated' | 'stale'>;
	/**
	 * Accepts an update for later writing and returns its seq at once. The update is visible to
	 * `loadDocument` immediately and durable at the latest after the storage's flush delay (well
	 * under one second) or when a `flush()` started afterwards resolves. The caller must not modify
	 * the bytes afterwards (they may be kept without copying).
	 */
	appendUpdate(docId: DocumentId, update: Uint8Array): UpdateSeq;
	/**
	 * Atomically replaces the compacted state and every appended update of the document with
	 * seq <= `upToSeq` by `mergedState`, which must contain all of them. Appends with a higher seq
	 * are kept. A stale compaction (`upToSeq` below the stored state's) changes nothing. Durable
	 * when it resolves. Storages shared by several instances replace what `mergedState` contains
	 * instead (see above).
	 */
	compact(docId: DocumentId, mergedState: Uint8Array, upToSeq: UpdateSeq): Promise<void>;
	/** Makes every update accepted so far durable, writing at once what is batched. */
	flush(): Promise<void>;
	/**
	 * Resolves once every append up to `seq` is durable, in the course of the storage's own
	 * batching (it does not write early, unlike `flush`); rejects when storage fails for good.
	 */
	whenDurable(seq: UpdateSeq): Promise<void>;
	/**
	 * Stores a push subscription with the documents it follows, replacing whatever the same
	 * endpoint followed before (a device re-sends all its triads each time), durably before
	 * resolving. An empty `documents` list deletes it.
	 */
	savePushSubscription(
		subscription: PushSubscriptionKeys,
		documents: readonly { docId: DocumentId; verifier: TokenVerifier }[]
	): Promise<void>;
	/** Deletes a push subscription and everything it follows; false when there was none. */
	deletePushSubscription(endpoint: string): Promise<boolean>;
	/** The subscriptions that follow a document, in no particular order. */
	pushTargets(docId: DocumentId): Promise<PushTarget[]>;
	/**
	 * The relay's VAPID keys: those stored, or `candidate` stored and returned when there are none
	 * yet (atomically: relays starting together on one database agree on one pair).
	 */
	vapidKeys(candidate: VapidKeys): Promise<VapidKeys>;
	/** Flushes, then releases the storage; no method may be called afterwards. */
	close(): Promise<void>;
}
