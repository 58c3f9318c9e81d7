import { Worker } from 'node:worker_threads';
import type { CompactionReply, CompactionWorkerData } from './compaction-protocol';
import type { CompactionResult, StateCompactor } from './state-compactor';

/**
 * Merges documents' states in a worker thread (`compaction-worker.ts`), one at a time: the
 * relay's event loop only hands the bytes over and takes the state back. A worker that dies
 * fails the merges it held and is started again for the next one.
 */
export class WorkerCompactor implements StateCompactor {
	#worker: Worker | null = null;
	#nextId = 1;
	readonly #waiting = new Map<
		number,
		{ resolve: (result: CompactionResult) => void; reject: (error: Error) => void }
	>();
	readonly #hold: SharedArrayBuffer | undefined;
	readonly #onHolding: (() => void) | undefined;
	#closed = false;

	/**
	 * `testing.hold` and `testing.onHolding`: see `CompactionWorkerData.hold`; `onHolding` hears
	 * each time the worker holds.
	 */
	constructor(testing: { hold?: SharedArrayBuffer; onHolding?: () => void } = {}) {
		this.#hold = testing.hold;
		this.#onHolding = testing.onHolding;
		// Started now, while the relay starts, rather than at the first compaction: a worker takes
		// a while to load its modules, and an unloading room would wait for that.
		this.#workerNow();
	}

	merge(updates: readonly Uint8Array[]): Promise<CompactionResult> {
		if (this.#closed) return Promise.reject(new Error('compactor closed'));
		const worker = this.#workerNow();
		const id = this.#nextId++;
		return new Promise((resolve, reject) => {
			this.#waiting.set(id, { resolve, reject });
			worker.postMessage({ id, updates });
		});
	}

	async close(): Promise<void> {
		this.#closed = true;
		const worker = this.#worker;
		this.#worker = null;
		this.#failAll(new Error('compactor closed'));
		await worker?.terminate();
	}

	#workerNow(): Worker {
		if (this.#worker !== null) return this.#worker;
		const worker = startWorker({ hold: this.#hold });
		// An idle compaction worker does not keep the process alive.
		worker.unref();
		worker.on('message', (reply: CompactionReply) => {
			if (reply.type === 'holding') {
				this.#onHolding?.();
				return;
			}
			const waiter = this.#waiting.get(reply.id);
			this.#waiting.delete(reply.id);
			if (reply.type === 'merged') waiter?.resolve(reply.result);
			else waiter?.reject(new Error(`compaction worker: ${reply.message}`));
		});
		const lost = (error: Error) => {
			if (this.#worker === worker) this.#worker = null;
			this.#failAll(error);
		};
		worker.on('error', lost);
		worker.on('exit', (code) => lost(new Error(`compaction worker exited with code ${code}`)));
		this.#worker = worker;
		return worker;
	}

	#failAll(error: Error): void {
		for (const waiter of this.#waiting.values()) waiter.reject(error);
		this.#waiting.clear();
	}
}

/**
 * Starts `compaction-worker`: the compiled `compaction-worker.js` beside the bundled relay
 * (`build-server/`), or the TypeScript source through `ts-worker-bootstrap.mjs`.
 */
function startWorker(data: CompactionWorkerData): Worker {
	if (import.meta.url.endsWith('.ts')) {
		const entry = new URL('./compaction-worker.ts', import.meta.url).href;
		return new Worker(new URL('../storage/ts-worker-bootstrap.mjs', import.meta.url), {
			workerData: { ...data, entry } satisfies CompactionWorkerData
		});
	}
	return new Worker(new URL('./compaction-worker.js', import.meta.url), { workerData: data });
}
