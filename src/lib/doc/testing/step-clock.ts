import { createClock, type HybridClock } from '../../domain/hlc';
import type { EpochMs } from '../../domain/model';

/**
 * A real hybrid logical clock on a device time that moves one millisecond per event, so tests get
 * distinct, reproducible timestamps. `deviceNow` reads that device time without moving it.
 */
export function stepClock(
	node: string,
	startMs: EpochMs = 1_700_000_000_000
): HybridClock & { deviceNow(): EpochMs } {
	let device = startMs;
	const clock = createClock(node, () => ++device);
	return Object.assign(clock, { deviceNow: () => device });
}
