/**
 * Messages between `SqliteWorkerStorage` (main thread) and `sqlite-worker.ts`. One port carries
 * everything in order, which is what makes `flush()` and `loadDocument` see every append
 * posted before them.
 */
import type { StoredDocument, UpdateSeq } from './relay-storage';
import type { AppendRow } from './sqlite-database';

/** What the worker is started with (`workerData`). */
export interface SqliteWorkerData {
	dataDir: string;
	/** Module to import when starting from TypeScript sources (see `ts-worker-bootstrap.mjs`). */
	entry?: string;
}

/** Requests from the main thread; those with an `id` are answered with a `WorkerReply`. */
export type WorkerRequest =
	| { type: 'append'; rows: AppendRow[] }
	| { type: 'load'; id: number; docId: string }
	| { type: 'getToken'; id: number; docId: string }
	| { type: 'registerToken'; id: number; docId: string; token: string }
	| { type: 'compact'; id: number; docId: string; state: Uint8Array; upToSeq: UpdateSeq }
	| { type: 'flush'; id: number }
	| { type: 'close'; id: number };

/** The results of the requests, by request type. */
export interface WorkerResults {
	load: StoredDocument;
	getToken: string | null;
	registerToken: 'registered' | 'exists';
	compact: null;
	flush: null;
	close: null;
}

/** Messages from the worker. */
export type WorkerEvent =
	/** The database is open and migrated; seqs continue after `lastSeq`. */
	| { type: 'ready'; lastSeq: UpdateSeq }
	/** Opening failed; the worker exits. */
	| { type: 'openFailed'; message: string }
	| { type: 'reply'; id: number; ok: true; value: unknown }
	| { type: 'reply'; id: number; ok: false; message: string }
	/** A batched write failed; the appends stay queued in the worker and are retried. */
	| { type: 'backgroundError'; message: string };
