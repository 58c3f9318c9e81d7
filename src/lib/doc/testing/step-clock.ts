import type { HlcTimestamp } from '../../domain/model';
import type { StampSource } from '../origin';

/**
 * A deterministic stand-in for a device clock in tests: each call returns a strictly larger
 * timestamp that sorts as a string, ending in the node name so two nodes never tie.
 */
export function stepClock(
	node: string,
	startMs = 1_700_000_000_000
): StampSource & { wallMs(): number } {
	let wall = startMs;
	return {
		now() {
			wall += 1;
			return `${String(wall).padStart(15, '0')}:0000:${node}` as HlcTimestamp;
		},
		wallMs: () => wall
	};
}
