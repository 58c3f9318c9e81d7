/**
 * A phone-sized browser profile for the app bench, with the few things every measurement needs:
 * a person introduced (so `/` is the home screen), CPU throttling and a cleared HTTP cache.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PHONE } from '../../tests/e2e/chromium';

/** A fresh (incognito) phone profile; `serviceWorker: false` keeps the worker from registering. */
export function newPhone(
	browser: Browser,
	baseURL: string,
	options: { serviceWorker: boolean }
): Promise<BrowserContext> {
	return browser.newContext({
		baseURL,
		...PHONE,
		serviceWorkers: options.serviceWorker ? 'allow' : 'block'
	});
}

/** Goes through the first run, so that later visits to `/` show the home screen. */
export async function introduce(page: Page): Promise<void> {
	await page.goto('/');
	await page.getByLabel('Your name').fill('Bench');
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByRole('heading', { name: 'Hello, Bench' }).waitFor();
}

/**
 * Runs `measure` on the first page of a fresh phone profile that has been through the first run,
 * and closes the profile afterwards whether or not the measurement succeeded.
 */
export async function withIntroducedPhone<T>(
	browser: Browser,
	baseURL: string,
	options: { serviceWorker: boolean },
	measure: (page: Page) => Promise<T>
): Promise<T> {
	const context = await newPhone(browser, baseURL, options);
	try {
		const page = await context.newPage();
		await introduce(page);
		return await measure(page);
	} finally {
		await context.close();
	}
}

/** Resolves once a service worker controls the page, so the next navigation goes through it. */
export async function untilWorkerControls(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
		if (navigator.serviceWorker.controller) return;
		await new Promise<void>((resolve) =>
			navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), {
				once: true
			})
		);
	});
}

/**
 * Slows the page's main thread `rate` times (Chrome DevTools' CPU throttling). It stays on for
 * later navigations of the same page. The service worker runs in its own thread, unthrottled.
 */
export async function throttleCpu(page: Page, rate: number): Promise<void> {
	const session = await page.context().newCDPSession(page);
	await session.send('Emulation.setCPUThrottlingRate', { rate });
}

/** Empties the browser's HTTP cache, so the next load fetches every file from the server. */
export async function clearHttpCache(page: Page): Promise<void> {
	const session = await page.context().newCDPSession(page);
	await session.send('Network.clearBrowserCache');
	await session.detach();
}
