import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './backoff';

describe('reconnectDelay', () => {
	const policy = { baseMs: 100, maxMs: 10_000 };

	it('grows exponentially within the upper half of each step', () => {
		expect(reconnectDelay(1, policy, () => 0)).toBe(50);
		expect(reconnectDelay(1, policy, () => 1)).toBe(100);
		expect(reconnectDelay(4, policy, () => 0)).toBe(400);
		expect(reconnectDelay(4, policy, () => 0.5)).toBe(600);
	});

	it('never exceeds the cap, nor the un-jittered y-websocket delay it replaces', () => {
		for (let attempt = 1; attempt < 40; attempt++) {
			const delay = reconnectDelay(attempt, policy, () => 0.999);
			expect(delay).toBeLessThanOrEqual(policy.maxMs);
			expect(delay).toBeLessThanOrEqual(100 * 2 ** attempt);
		}
		expect(reconnectDelay(30, policy, () => 0)).toBe(5000);
	});

	it('spreads clients that retry at the same attempt', () => {
		const delays = new Set([0.1, 0.4, 0.7].map((r) => reconnectDelay(6, policy, () => r)));
		expect(delays.size).toBe(3);
	});
});
