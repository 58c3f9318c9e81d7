import { createClock, type HybridClock } from '$lib/domain/hlc';
import { idFromBytes } from '$lib/domain/ids';

/**
 * The hybrid logical clock of this page session. One clock stamps events in every triad, and its
 * node id is fresh per session (not the member id), so two tabs of one member never issue equal
 * timestamps.
 */
export const deviceClock: HybridClock = createClock(
	idFromBytes<string>(crypto.getRandomValues(new Uint8Array(16))),
	() => Date.now()
);
