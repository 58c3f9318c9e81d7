import type { AccessToken, DocId } from '../doc-id';

/**
 * Ordinal of an appended update. Strictly increasing across all appends of one storage
 * instance, and across restarts on the same data, so "every update of this document up to
 * seq N" is a well-defined set that compaction can replace.
 */
export type UpdateSeq = number;

/** What storage holds about one document. */
export interface StoredDocument {
	/** The registered capability token, or null if no connection ever registered one. */
	token: AccessToken | null;
	/** Yjs updates (v1 encoding) to apply in order: the compacted state first, then appends. */
	updates: Uint8Array[];
	/** The seq of each of `updates`; the compacted state's is the highest seq it covers. */
	seqs: UpdateSeq[];
	/** The highest seq covered by `updates` (0 for an empty document). */
	lastSeq: UpdateSeq;
}

/**
 * Durable storage of relay documents. Implementations: `SqliteWorkerStorage` (embedded, default)
 * and `MemoryStorage` (tests); a networked database can join them behind the same contract,
 * checked by the shared suite in `tests/relay/storage-suite.ts`.
 *
 * Consistency of compaction with concurrent appends: `appendUpdate` hands out its seq
 * synchronously, so the caller knows exactly which appends a state it encodes includes. A
 * caller that encodes the document state right after its last `appendUpdate` returned seq N
 * calls `compact(docId, state, N)`; appends that come later get seqs above N and survive the
 * compaction, whatever order the writes reach the disk in.
 */
export interface RelayStorage {
	/** Reads a document, including appends that are accepted but not flushed yet. */
	loadDocument(docId: DocId): Promise<StoredDocument>;
	/** The registered token of a document, or null when it has none (unknown document). */
	getToken(docId: DocId): Promise<AccessToken | null>;
	/**
	 * Registers the token of a document if it has none yet, atomically (trust on first use), and
	 * durably before resolving. Resolves 'exists' and changes nothing when a token is registered
	 * already, whichever it is: the caller compares with `getToken`.
	 */
	registerToken(docId: DocId, token: AccessToken): Promise<'registered' | 'exists'>;
	/**
	 * Accepts an update for later writing and returns its seq at once. The update is visible to
	 * `loadDocument` immediately and durable at the latest after the storage's flush delay (well
	 * under one second) or when a `flush()` started afterwards resolves. The caller must not modify
	 * the bytes afterwards (they may be kept without copying).
	 */
	appendUpdate(docId: DocId, update: Uint8Array): UpdateSeq;
	/**
	 * Atomically replaces the compacted state and every appended update of the document with
	 * seq <= `upToSeq` by `mergedState`, which must contain all of them. Appends with a higher seq
	 * are kept. A stale compaction (`upToSeq` below the stored state's) changes nothing. Durable
	 * when it resolves.
	 */
	compact(docId: DocId, mergedState: Uint8Array, upToSeq: UpdateSeq): Promise<void>;
	/** Makes every update accepted so far durable. */
	flush(): Promise<void>;
	/** Flushes, then releases the storage; no method may be called afterwards. */
	close(): Promise<void>;
}
