import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { DocumentId } from '../../src/lib/protocol';
import type {
	DocumentAccess,
	PushSubscriptionKeys,
	PushTarget,
	RelayStorage,
	StoredDocument,
	TokenVerifier,
	UpdateSeq,
	VapidKeys
} from './relay-storage';
import type { AppendRow } from './sqlite-database';
import {
	packAppends,
	type SqliteWorkerData,
	type WorkerEvent,
	type WorkerRequest,
	type WorkerResults
} from './sqlite-worker-protocol';

/** Options of {@link openSqliteWorkerStorage}. */
export interface SqliteWorkerStorageOptions {
	/** Directory of the database file `relay.sqlite`; created if missing. */
	dataDir: string;
	/** Most memory SQLite's page cache may hold, in bytes (default `DEFAULT_SQLITE_CACHE_BYTES`, 2 MiB). */
	cacheBytes?: number;
	/**
	 * How long appends wait to be written together in one transaction, in ms (default 10). Must
	 * stay well under a second: that is the most a killed process may lose.
	 */
	flushDelayMs?: number;
	/** Told about a failed background write; the updates stay queued and are retried. */
	onBackgroundError?: (error: Error) => void;
	/** Told once writes commit again after `onBackgroundError` (the retry, or a later batch). */
	onWritesRecovered?: () => void;
	/**
	 * Told once when the worker thread dies unexpectedly. Every later call fails: what was
	 * accepted but not written is lost, so the process should be restarted.
	 */
	onWorkerFailure?: (error: Error) => void;
}

const DEFAULT_FLUSH_DELAY_MS = 10;

type Request = Exclude<WorkerRequest, { type: 'append' }>;
type RequestType = Request['type'];
/** A request without its id, which `#request` assigns. */
type RequestBody<T extends RequestType> = Omit<Extract<Request, { type: T }>, 'id'>;

interface Waiter {
	resolve: (value: unknown) => void;
	reject: (error: Error) => void;
}

/**
 * SQLite storage whose file is owned by a worker thread (`sqlite-worker.ts`), so batched
 * writes, WAL checkpoints, compactions and loads never block the relay's event loop.
 *
 * Seqs are handed out here, synchronously, continuing after the highest seq in the file (read
 * by the worker at open). Appends are queued for at most `flushDelayMs`, then posted to the
 * worker in one message (see `PackedAppends`), which commits them in one transaction. Every
 * other request posts the queue first and travels on the same port behind it, and the worker
 * handles messages in order: so `flush()` resolves once everything appended before the call is committed, and
 * `loadDocument` sees unflushed appends. Committed means written to the WAL: it survives
 * kill -9 (see `SqliteDatabase`). An append is committed about `flushDelayMs` after it arrived,
 * far under the one second a killed relay may lose.
 */
export class SqliteWorkerStorage implements RelayStorage {
	/** The page cache limit the worker's connection applies, in bytes. */
	readonly cacheBytes: number;
	readonly #worker: Worker;
	readonly #waiters = new Map<number, Waiter>();
	readonly #onBackgroundError: (error: Error) => void;
	readonly #onWritesRecovered: () => void;
	readonly #onWorkerFailure: (error: Error) => void;
	/** Whether the last background write failed and nothing committed since. */
	#writesFailing = false;
	#nextRequestId = 1;
	#lastSeq: UpdateSeq;
	#storedBytes: number;
	readonly #flushDelayMs: number;
	#queued: AppendRow[] = [];
	/** Every append up to this seq is committed. */
	#durableSeq: UpdateSeq;
	#durableWaiters: { seq: UpdateSeq; resolve: () => void; reject: (error: Error) => void }[] = [];
	#postTimer: NodeJS.Timeout | null = null;
	#closing: Promise<void> | null = null;
	#failure: Error | null = null;

	private constructor(
		worker: Worker,
		ready: Extract<WorkerEvent, { type: 'ready' }>,
		options: SqliteWorkerStorageOptions
	) {
		this.#worker = worker;
		this.cacheBytes = ready.cacheBytes;
		this.#lastSeq = ready.lastSeq;
		this.#storedBytes = ready.storedBytes;
		this.#durableSeq = ready.lastSeq;
		this.#flushDelayMs = options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
		this.#onBackgroundError = options.onBackgroundError ?? (() => {});
		this.#onWritesRecovered = options.onWritesRecovered ?? (() => {});
		this.#onWorkerFailure = options.onWorkerFailure ?? (() => {});
		worker.on('message', (event: WorkerEvent) => this.#receive(event));
		worker.on('error', (error) => this.#fail(error));
		worker.on('exit', (code) => {
			if (this.#closing === null) this.#fail(new Error(`storage worker exited with ${code}`));
		});
	}

	/** Starts the worker and resolves once the database is open and migrated. */
	static async open(options: SqliteWorkerStorageOptions): Promise<SqliteWorkerStorage> {
		const worker = startWorker({ dataDir: options.dataDir, cacheBytes: options.cacheBytes });
		const [first] = (await Promise.race([
			once(worker, 'message'),
			once(worker, 'exit').then(([code]) => {
				throw new Error(`storage worker exited with ${code} before opening the database`);
			})
		])) as [WorkerEvent];
		if (first.type !== 'ready') {
			await worker.terminate();
			throw new Error(first.type === 'openFailed' ? first.message : `unexpected ${first.type}`);
		}
		return new SqliteWorkerStorage(worker, first, options);
	}

	get storedBytes(): number {
		return this.#storedBytes;
	}

	async loadDocument(docId: DocumentId): Promise<StoredDocument> {
		return this.#request<'load'>({ type: 'load', docId });
	}

	async getAccess(docId: DocumentId): Promise<DocumentAccess | null> {
		return this.#request<'getAccess'>({ type: 'getAccess', docId });
	}

	async registerAccess(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier | null
	): Promise<'registered' | 'exists'> {
		return this.#request<'registerAccess'>({ type: 'registerAccess', docId, member, viewer });
	}

	async registerViewer(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier
	): Promise<'registered' | 'exists' | 'stale'> {
		return this.#request<'registerViewer'>({ type: 'registerViewer', docId, member, viewer });
	}

	async rotateAccess(
		docId: DocumentId,
		current: TokenVerifier,
		next: { member: TokenVerifier; viewer: TokenVerifier }
	): Promise<'rotated' | 'stale'> {
		return this.#request<'rotateAccess'>({ type: 'rotateAccess', docId, current, next });
	}

	appendUpdate(docId: DocumentId, update: Uint8Array): UpdateSeq {
		this.#assertUsable();
		const seq = ++this.#lastSeq;
		this.#queued.push({ docId, seq, data: update });
		this.#storedBytes += update.byteLength;
		// Batched here rather than in the worker: every message wakes the worker thread, and at
		// a few thousand updates per second those wake-ups cost more than the writes.
		this.#postTimer ??= setTimeout(() => this.#postQueued(), this.#flushDelayMs);
		return seq;
	}

	async compact(docId: DocumentId, mergedState: Uint8Array, upToSeq: UpdateSeq): Promise<void> {
		this.#storedBytes += await this.#request<'compact'>({
			type: 'compact',
			docId,
			state: mergedState,
			upToSeq
		});
	}

	async savePushSubscription(
		subscription: PushSubscriptionKeys,
		documents: readonly { docId: DocumentId; verifier: TokenVerifier }[]
	): Promise<void> {
		await this.#request<'savePushSubscription'>({
			type: 'savePushSubscription',
			subscription: { ...subscription },
			documents: documents.map(({ docId, verifier }) => ({ docId, verifier }))
		});
	}

	async deletePushSubscription(endpoint: string): Promise<boolean> {
		return this.#request<'deletePushSubscription'>({ type: 'deletePushSubscription', endpoint });
	}

	async pushTargets(docId: DocumentId): Promise<PushTarget[]> {
		return this.#request<'pushTargets'>({ type: 'pushTargets', docId });
	}

	async vapidKeys(candidate: VapidKeys): Promise<VapidKeys> {
		return this.#request<'vapidKeys'>({ type: 'vapidKeys', candidate });
	}

	async flush(): Promise<void> {
		await this.#request<'flush'>({ type: 'flush' });
	}

	whenDurable(seq: UpdateSeq): Promise<void> {
		if (seq <= this.#durableSeq) return Promise.resolve();
		if (this.#failure !== null) return Promise.reject(this.#failure);
		return new Promise((resolve, reject) => this.#durableWaiters.push({ seq, resolve, reject }));
	}

	close(): Promise<void> {
		this.#closing ??= (async () => {
			try {
				if (this.#failure === null) await this.#send({ type: 'close' });
			} finally {
				await this.#worker.terminate();
				for (const waiter of this.#durableWaiters) waiter.reject(new Error('storage is closed'));
				this.#durableWaiters = [];
			}
		})();
		return this.#closing;
	}

	#assertUsable(): void {
		if (this.#closing !== null) throw new Error('storage is closed');
		if (this.#failure !== null) throw this.#failure;
	}

	async #request<T extends RequestType>(body: RequestBody<T>): Promise<WorkerResults[T]> {
		this.#assertUsable();
		return (await this.#send(body)) as WorkerResults[T];
	}

	#send(body: RequestBody<RequestType>): Promise<unknown> {
		// The appends queued so far go first, so the worker handles the request after them.
		this.#postQueued();
		const id = this.#nextRequestId++;
		return new Promise((resolve, reject) => {
			this.#waiters.set(id, { resolve, reject });
			this.#worker.postMessage({ ...body, id } as WorkerRequest);
		});
	}

	#postQueued(): void {
		if (this.#postTimer !== null) {
			clearTimeout(this.#postTimer);
			this.#postTimer = null;
		}
		if (this.#queued.length === 0) return;
		// Packing copies the bytes into a buffer of our own, which is transferred, not cloned.
		const packed = packAppends(this.#queued);
		this.#worker.postMessage({ type: 'append', ...packed } satisfies WorkerRequest, [
			packed.bytes.buffer
		]);
		this.#queued = [];
	}

	#receive(event: WorkerEvent): void {
		if (event.type === 'committed') {
			if (this.#writesFailing) {
				this.#writesFailing = false;
				this.#onWritesRecovered();
			}
			this.#durableSeq = Math.max(this.#durableSeq, event.upToSeq);
			const waiting = this.#durableWaiters;
			this.#durableWaiters = [];
			for (const waiter of waiting) {
				if (waiter.seq <= this.#durableSeq) waiter.resolve();
				else this.#durableWaiters.push(waiter);
			}
		} else if (event.type === 'backgroundError') {
			this.#writesFailing = true;
			this.#onBackgroundError(new Error(event.message));
		} else if (event.type === 'reply') {
			const waiter = this.#waiters.get(event.id);
			this.#waiters.delete(event.id);
			if (event.ok) waiter?.resolve(event.value);
			else waiter?.reject(new Error(event.message));
		}
	}

	#fail(error: Error): void {
		if (this.#failure !== null) return;
		this.#failure = error;
		for (const waiter of this.#waiters.values()) waiter.reject(error);
		this.#waiters.clear();
		for (const waiter of this.#durableWaiters) waiter.reject(error);
		this.#durableWaiters = [];
		this.#onWorkerFailure(error);
	}
}

/**
 * Starts `sqlite-worker`: the compiled `sqlite-worker.js` beside this module in the bundled build
 * (`build-server/`), or the TypeScript source through `ts-worker-bootstrap.mjs`, which registers
 * tsx in the worker.
 */
function startWorker(data: SqliteWorkerData): Worker {
	if (import.meta.url.endsWith('.ts')) {
		const entry = new URL('./sqlite-worker.ts', import.meta.url).href;
		return new Worker(new URL('./ts-worker-bootstrap.mjs', import.meta.url), {
			workerData: { ...data, entry } satisfies SqliteWorkerData
		});
	}
	return new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: data });
}
