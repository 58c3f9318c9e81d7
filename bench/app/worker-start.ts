/**
 * Starts of the home screen through the service worker: a returning person whose worker is in
 * control (and who has started the app that way once before) opens `/` online, then again with
 * the network cut (`context.setOffline`), with the page's main thread throttled.
 */
import type { Browser } from 'playwright-core';
import { throttleCpu, untilWorkerControls, withIntroducedPhone } from './device';
import { HOME, navigateUntilUsable, watchUsable, type Usable } from './usable';

/** Usable times of one online and one offline start from the worker. */
export interface WorkerStart {
	online: Usable;
	offline: Usable;
}

/** Measures one online and one offline start from the worker, in a fresh profile. */
export async function workerStart(
	browser: Browser,
	url: string,
	cpuSlowdown: number
): Promise<WorkerStart> {
	return withIntroducedPhone(browser, url, { serviceWorker: true }, async (page) => {
		await untilWorkerControls(page);
		await watchUsable(page, HOME);
		await throttleCpu(page, cpuSlowdown);
		// The first start under a worker's control also fills V8's code cache for the app's
		// scripts; a person who returns to the app has had that start long ago.
		await navigateUntilUsable(page, '/');
		const online = await navigateUntilUsable(page, '/');
		await page.context().setOffline(true);
		const offline = await navigateUntilUsable(page, '/');
		return { online, offline };
	});
}
