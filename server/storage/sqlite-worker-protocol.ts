/**
 * Messages between `SqliteWorkerStorage` (main thread) and `sqlite-worker.ts`. One port carries
 * everything in order, which is what makes `flush()` and `loadDocument` see every append
 * posted before them.
 */
import type {
	DocumentAccess,
	PushSubscriptionKeys,
	PushTarget,
	StoredDocument,
	TokenVerifier,
	UpdateSeq,
	VapidKeys
} from './relay-storage';
import type { AppendRow } from './sqlite-database';

/**
 * Appends packed flat: row i is `docIds[i]`, `seqs[i]` and the next `lengths[i]` bytes of
 * `bytes`. Cloning one buffer and three arrays costs a fraction of cloning an object and a typed
 * array per row, and `bytes` can be transferred rather than copied.
 */
export interface PackedAppends {
	docIds: string[];
	seqs: UpdateSeq[];
	lengths: number[];
	bytes: Uint8Array<ArrayBuffer>;
}

/** Packs rows for posting; the caller may transfer `bytes.buffer`, which is its own. */
export function packAppends(rows: readonly AppendRow[]): PackedAppends {
	const lengths = rows.map((row) => row.data.byteLength);
	const bytes = new Uint8Array(lengths.reduce((sum, length) => sum + length, 0));
	let offset = 0;
	for (const row of rows) {
		bytes.set(row.data, offset);
		offset += row.data.byteLength;
	}
	return { docIds: rows.map((row) => row.docId), seqs: rows.map((row) => row.seq), lengths, bytes };
}

/** The rows of `packed`, as views into its buffer. */
export function unpackAppends(packed: PackedAppends): AppendRow[] {
	let offset = packed.bytes.byteOffset;
	return packed.docIds.map((docId, i) => {
		const length = packed.lengths[i] as number;
		const data = new Uint8Array(packed.bytes.buffer, offset, length);
		offset += length;
		return { docId, seq: packed.seqs[i] as UpdateSeq, data };
	});
}

/** What the worker is started with (`workerData`). */
export interface SqliteWorkerData {
	dataDir: string;
	/** Page cache limit of the connection, in bytes (default `DEFAULT_SQLITE_CACHE_BYTES`, 2 MiB). */
	cacheBytes?: number;
	/** Module to import when starting from TypeScript sources (see `ts-worker-bootstrap.mjs`). */
	entry?: string;
}

/** Requests from the main thread; those with an `id` are answered with a `WorkerReply`. */
export type WorkerRequest =
	| ({ type: 'append' } & PackedAppends)
	| { type: 'load'; id: number; docId: string }
	| { type: 'getAccess'; id: number; docId: string }
	| {
			type: 'registerAccess';
			id: number;
			docId: string;
			member: TokenVerifier;
			viewer: TokenVerifier | null;
	  }
	| {
			type: 'registerViewer';
			id: number;
			docId: string;
			member: TokenVerifier;
			viewer: TokenVerifier;
	  }
	| {
			type: 'rotateAccess';
			id: number;
			docId: string;
			current: TokenVerifier;
			next: { member: TokenVerifier; viewer: TokenVerifier };
	  }
	| { type: 'compact'; id: number; docId: string; state: Uint8Array; upToSeq: UpdateSeq }
	| {
			type: 'savePushSubscription';
			id: number;
			subscription: PushSubscriptionKeys;
			documents: { docId: string; verifier: TokenVerifier }[];
	  }
	| { type: 'deletePushSubscription'; id: number; endpoint: string }
	| { type: 'pushTargets'; id: number; docId: string }
	| { type: 'vapidKeys'; id: number; candidate: VapidKeys }
	| { type: 'flush'; id: number }
	| { type: 'close'; id: number };

/** The results of the requests, by request type. */
export interface WorkerResults {
	load: StoredDocument;
	getAccess: DocumentAccess | null;
	registerAccess: 'registered' | 'exists';
	registerViewer: 'registered' | 'exists' | 'stale';
	rotateAccess: 'rotated' | 'stale';
	/** By how many bytes the stored data grew (see `SqliteDatabase.compact`). */
	compact: number;
	savePushSubscription: null;
	deletePushSubscription: boolean;
	pushTargets: PushTarget[];
	vapidKeys: VapidKeys;
	flush: null;
	close: null;
}

/** Messages from the worker. */
export type WorkerEvent =
	/** The database is open and migrated; seqs continue after `lastSeq`. */
	| { type: 'ready'; lastSeq: UpdateSeq; cacheBytes: number; storedBytes: number }
	/** Opening failed; the worker exits. */
	| { type: 'openFailed'; message: string }
	/** Every append up to `upToSeq` is committed. */
	| { type: 'committed'; upToSeq: UpdateSeq }
	| { type: 'reply'; id: number; ok: true; value: unknown }
	| { type: 'reply'; id: number; ok: false; message: string }
	/** A batched write failed; the appends stay queued in the worker and are retried. */
	| { type: 'backgroundError'; message: string };
