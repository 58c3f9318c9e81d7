import type { ClientInit } from '@sveltejs/kit';
import { parseDocumentId } from '$lib/domain/ids';
import { device } from '$lib/state/device.svelte';
import { openTriads } from '$lib/state/open-triads.svelte';

/**
 * Runs once as the app starts, before the router has loaded the screen's code. The device
 * database is read from here on, and a start on a triad's screen also begins reading its saved
 * overview and loading the sync stack, in parallel with that code rather than after it (the
 * layouts mount 200–300 ms later in a profile of a large triad's opening).
 */
export const init: ClientInit = () => {
	void device.load();
	const triad = /^\/t\/([^/]+)/.exec(location.pathname);
	const docId = triad ? parseDocumentId(triad[1]) : null;
	if (docId) openTriads.prefetch(docId);
};
