/**
 * "Usable" as the app bench defines it, measured inside the page: every given element is in the
 * DOM, the frame that paints them has been produced, and the main thread has come back to run
 * the next task (so a tap would be handled now, not after a long task). Times are
 * `performance.now()` of the document, i.e. milliseconds since its navigation started.
 */
import type { Page } from 'playwright-core';
import { inPage } from './in-page';

/** An element to wait for: the first match of `selector` whose text contains `text`. */
export interface Landmark {
	selector: string;
	text: string;
}

/** When the landmark elements appeared and when the page became usable, ms since navigation. */
export interface Usable {
	appeared: number;
	usable: number;
}

declare global {
	interface Window {
		__benchUsable?: Usable;
	}
}

/*
 * Runs in the page before any of its scripts, on every navigation. A MutationObserver rather than
 * polling from the bench: polling over CDP would land late by up to its interval and adds work
 * to the throttled main thread.
 */
function watchForUsable(landmarks: Landmark[]): void {
	const present = () =>
		landmarks.every(({ selector, text }) =>
			Array.from(document.querySelectorAll(selector)).some((element) =>
				element.textContent?.includes(text)
			)
		);
	const observer = new MutationObserver(() => {
		if (!present()) return;
		observer.disconnect();
		const appeared = performance.now();
		requestAnimationFrame(() => {
			// rAF runs before the paint; a task posted from it runs after that frame is done.
			const channel = new MessageChannel();
			channel.port1.onmessage = () => {
				window.__benchUsable = { appeared, usable: performance.now() };
			};
			channel.port2.postMessage(null);
		});
	});
	// Attributes too: a landmark may be a control that turns enabled (`:not([disabled])`).
	observer.observe(document, {
		childList: true,
		subtree: true,
		characterData: true,
		attributes: true,
		attributeFilter: ['disabled']
	});
}

/** Installs the watcher on every later navigation of `page`. */
export async function watchUsable(page: Page, landmarks: Landmark[]): Promise<void> {
	await page.addInitScript({ content: inPage(watchForUsable, landmarks) });
}

/** Navigates to `url` and resolves with the usable times of the new document. */
export async function navigateUntilUsable(page: Page, url: string): Promise<Usable> {
	await page.goto(url, { waitUntil: 'commit' });
	const handle = await page.waitForFunction(() => window.__benchUsable, undefined, {
		timeout: 60_000,
		polling: 50
	});
	return (await handle.jsonValue()) as Usable;
}

/** The home screen of a device that has an identity: greeting and the create button. */
export const HOME: Landmark[] = [
	{ selector: 'h1', text: 'Hello' },
	{ selector: 'a', text: 'Create a triad' }
];
