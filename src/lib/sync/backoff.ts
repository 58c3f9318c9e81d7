/** Bounds of the reconnection delay. */
export interface BackoffPolicy {
	/** Delay before the first retry, before jitter. */
	baseMs: number;
	/** The delay never exceeds this. */
	maxMs: number;
}

/** Starts at 100 ms like y-websocket, capped at 10 s so that a restarted relay is not stormed. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 10_000 };

/**
 * The delay before reconnection attempt `attempt` (1 for the first retry): exponential, capped,
 * with "equal jitter" — a uniformly random point in the upper half of the step. After a relay
 * restart every client would otherwise come back at the same instants; the random half spreads
 * them out while the fixed half still keeps the growth. Never more than
 * `baseMs * 2^(attempt-1)`, which the WebSocket transport relies on (see there).
 */
export function reconnectDelay(
	attempt: number,
	policy: BackoffPolicy = DEFAULT_BACKOFF,
	random: () => number = Math.random
): number {
	const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
	return step / 2 + random() * (step / 2);
}
