import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from './logger';

let collect: (() => void) | undefined;

/**
 * Runs a full, synchronous garbage collection, so V8 can return the heap pages that unloaded
 * documents occupied: left to itself it keeps a grown heap for a long while, and an idle relay
 * then holds its peak memory. V8 unmaps the emptied pages a moment later, off the main thread.
 * Costs one pause of a few milliseconds, hence only when nothing is loaded. Uses `gc` when node
 * runs with `--expose-gc`, otherwise exposes it at run time. (Passing options such as
 * `{ type: 'major' }` to Node 20's gc collected less than calling it bare, measured.)
 */
export function collectGarbage(): void {
	collect ??= exposedGc();
	collect();
}

function exposedGc(): () => void {
	const exposed = globalThis.gc;
	// Called without options it collects synchronously; the typing allows an async variant.
	if (exposed !== undefined) return () => void exposed();
	setFlagsFromString('--expose-gc');
	// The flag applies to contexts created after it; a fresh one hands the function out.
	return runInNewContext('gc') as () => void;
}

/** Bytes V8 has reserved for its young generation (new space) right now. */
export function youngGenerationBytes(): number {
	return (
		getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0
	);
}

/** What {@link IdleMemoryReclaimer} needs of the heap; the defaults are V8's. */
export interface HeapControl {
	collect(): void;
	youngGenerationBytes(): number;
}

/** Options of {@link IdleMemoryReclaimer}. */
export interface IdleMemoryReclaimerOptions {
	/** Whether the relay still holds no document; checked before every round. */
	isIdle: () => boolean;
	logger: Logger;
	/** Pause between rounds in ms (default 5000, the span V8 judges its allocation rate over). */
	roundIntervalMs?: number;
	/** Collections per idle period at most (default 4). */
	maxRounds?: number;
	heap?: HeapControl;
}

/**
 * Gives the memory of unloaded documents back once the relay holds none, in a few rounds of
 * full garbage collection a few seconds apart.
 *
 * One collection is not enough. It frees the old generation, but the young generation, which
 * a busy relay grows to its maximum (32 MiB of semi-spaces on Node 20, all of it resident),
 * only shrinks in a collection that finds the allocation rate since the previous collections
 * low over about five seconds: V8 never shrinks it on request, and on its own it rarely
 * collects an idle heap at all. So a round runs every `roundIntervalMs` while the relay stays
 * idle, until the young generation is smaller than after the first round or `maxRounds` ran.
 * Each round costs a pause of a few milliseconds on a heap that holds no document.
 */
export class IdleMemoryReclaimer {
	readonly #isIdle: () => boolean;
	readonly #logger: Logger;
	readonly #roundIntervalMs: number;
	readonly #maxRounds: number;
	readonly #heap: HeapControl;
	#timer: NodeJS.Timeout | null = null;
	#round = 0;
	#youngAfterFirstRound = 0;

	constructor(options: IdleMemoryReclaimerOptions) {
		this.#isIdle = options.isIdle;
		this.#logger = options.logger;
		this.#roundIntervalMs = options.roundIntervalMs ?? 5000;
		this.#maxRounds = options.maxRounds ?? 4;
		this.#heap = options.heap ?? { collect: collectGarbage, youngGenerationBytes };
	}

	/** Starts an idle period's rounds with one at once; restarts them if some are pending. */
	start(): void {
		this.stop();
		this.#round = 0;
		this.#runRound();
	}

	/** Cancels the rounds still pending. */
	stop(): void {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = null;
	}

	#runRound(): void {
		this.#timer = null;
		if (!this.#isIdle()) return;
		const before = process.memoryUsage();
		this.#heap.collect();
		const young = this.#heap.youngGenerationBytes();
		const after = process.memoryUsage();
		this.#round += 1;
		this.#logger.debug('memory_reclaimed', {
			round: this.#round,
			rssBefore: before.rss,
			rssAfter: after.rss,
			heapTotalBefore: before.heapTotal,
			heapTotalAfter: after.heapTotal,
			youngGeneration: young
		});
		if (this.#round === 1) this.#youngAfterFirstRound = young;
		else if (young < this.#youngAfterFirstRound) return;
		if (this.#round >= this.#maxRounds) return;
		this.#timer = setTimeout(() => this.#runRound(), this.#roundIntervalMs);
		// Pending rounds are housekeeping: they must not keep a stopping process alive.
		this.#timer.unref();
	}
}
