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

	/** Takes one token; false when the bucket is empty (the caller is over its rate). */
	take(now: number = performance.now()): boolean {
		const elapsed = now - this.#refilledAt;
		if (elapsed > 0) {
			this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
			this.#refilledAt = now;
		}
		if (this.#tokens < 1) return false;
		this.#tokens -= 1;
		return true;
	}
}
