import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../server/logger';
import { IdleMemoryReclaimer, type HeapControl } from '../../server/reclaim-memory';

const INTERVAL_MS = 5000;
const MIB = 1024 * 1024;

/** A heap whose young generation shrinks to `shrunk` from the given collection on (1-based). */
function fakeHeap(shrinksAtCollection: number): HeapControl & { collections: number } {
	const heap = {
		collections: 0,
		collect: () => void (heap.collections += 1),
		youngGenerationBytes: () => (heap.collections >= shrinksAtCollection ? 1 * MIB : 32 * MIB)
	};
	return heap;
}

function reclaimer(heap: HeapControl, isIdle: () => boolean = () => true) {
	return new IdleMemoryReclaimer({
		isIdle,
		heap,
		logger: createLogger('error', () => {}),
		roundIntervalMs: INTERVAL_MS,
		maxRounds: 4
	});
}

describe('IdleMemoryReclaimer', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('collects at once, then every interval until the young generation has shrunk', () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const heap = fakeHeap(3);
		reclaimer(heap).start();
		expect(heap.collections).toBe(1);
		vi.advanceTimersByTime(INTERVAL_MS - 1);
		expect(heap.collections).toBe(1);
		vi.advanceTimersByTime(1);
		expect(heap.collections).toBe(2);
		vi.advanceTimersByTime(INTERVAL_MS);
		expect(heap.collections).toBe(3);
		vi.advanceTimersByTime(10 * INTERVAL_MS);
		expect(heap.collections).toBe(3);
	});

	it('stops after maxRounds when the young generation never shrinks', () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const heap = fakeHeap(Number.POSITIVE_INFINITY);
		reclaimer(heap).start();
		vi.advanceTimersByTime(20 * INTERVAL_MS);
		expect(heap.collections).toBe(4);
	});

	it('stops once a document is loaded again, and a new start begins a new series', () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const heap = fakeHeap(Number.POSITIVE_INFINITY);
		let idle = true;
		const subject = reclaimer(heap, () => idle);
		subject.start();
		idle = false;
		vi.advanceTimersByTime(20 * INTERVAL_MS);
		expect(heap.collections).toBe(1);
		idle = true;
		subject.start();
		vi.advanceTimersByTime(20 * INTERVAL_MS);
		expect(heap.collections).toBe(5);
	});

	it('runs no pending round after stop', () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const heap = fakeHeap(Number.POSITIVE_INFINITY);
		const subject = reclaimer(heap);
		subject.start();
		subject.stop();
		vi.advanceTimersByTime(20 * INTERVAL_MS);
		expect(heap.collections).toBe(1);
	});

	it("collects V8's garbage with the default heap control", async () => {
		const watched = new WeakRef({ payload: new Array(1000).fill('x') });
		// A WeakRef keeps its target until the task that created it ends.
		await new Promise((tick) => setTimeout(tick, 0));
		const subject = new IdleMemoryReclaimer({
			isIdle: () => true,
			logger: createLogger('error', () => {}),
			maxRounds: 1
		});
		subject.start();
		expect(watched.deref()).toBeUndefined();
	});
});
