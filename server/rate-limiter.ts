/**
 * A token bucket: `ratePerSecond` messages a second on average, with bursts of up to
 * `burst` messages. Refilled lazily on each take, so an idle connection costs nothing.
 */
export class TokenBucket {
	#tokens: number;
	#refilledAt: number;

	constructor(
		private readonly ratePerSecond: number,
		private readonly burst: number,
		now: number = performance.now()
	) {
		this.#tokens = burst;
		this.#refilledAt = now;
	}

	/**
	 * Takes `count` tokens (default one); false, taking none, when fewer are left (the caller is
	 * over its rate).
	 */
	take(count = 1, now: number = performance.now()): boolean {
		this.#refill(now);
		if (this.#tokens < count) return false;
		this.#tokens -= count;
		return true;
	}

	/** Whether the bucket is full: nothing taken that has not grown back (state worth forgetting). */
	isFull(now: number = performance.now()): boolean {
		this.#refill(now);
		return this.#tokens >= this.burst;
	}

	#refill(now: number): void {
		const elapsed = now - this.#refilledAt;
		if (elapsed > 0) {
			this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
			this.#refilledAt = now;
		}
	}
}
