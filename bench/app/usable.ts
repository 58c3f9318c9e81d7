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
function watchForUsable({ landmarks, event }: { landmarks: Landmark[]; event: string }): void {
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
				window.dispatchEvent(new Event(event));
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
	await page.addInitScript({ content: inPage(watchForUsable, { landmarks, event: USABLE_EVENT }) });
}

const USABLE_EVENT = 'bench-usable';
const UNTIL_USABLE_MS = 60_000;

/*
 * Waited for with one CDP evaluation that the page answers when it dispatches the event, not with
 * Playwright's waitForFunction: that injects Playwright's selector engine into the page, a
 * script that took about 65 ms of the main thread in the middle of a measured opening.
 */
const untilUsableExpression = `window.__benchUsable ?? new Promise((resolve) =>
	addEventListener(${JSON.stringify(USABLE_EVENT)}, () => resolve(window.__benchUsable), { once: true }))`;

/** Navigates to `url` and resolves with the usable times of the new document. */
export async function navigateUntilUsable(page: Page, url: string): Promise<Usable> {
	const session = await page.context().newCDPSession(page);
	let timer: NodeJS.Timeout | undefined;
	try {
		await page.goto(url, { waitUntil: 'commit' });
		const evaluation = session.send('Runtime.evaluate', {
			expression: untilUsableExpression,
			awaitPromise: true,
			returnByValue: true
		});
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(
				() => reject(new Error(`${url} was not usable within ${UNTIL_USABLE_MS} ms`)),
				UNTIL_USABLE_MS
			);
		});
		const { result, exceptionDetails } = await Promise.race([evaluation, timeout]).catch(
			async (error: unknown) => {
				throw new Error(`${String(error)}; the page showed: ${await shownControls(page)}`);
			}
		);
		if (exceptionDetails) throw new Error(`waiting for ${url}: ${exceptionDetails.text}`);
		return result.value as Usable;
	} finally {
		clearTimeout(timer);
		await session.detach();
	}
}

/** Headings and buttons on screen, to say which landmark a page that never became usable lacked. */
async function shownControls(page: Page): Promise<string> {
	const texts = await page
		.locator('h1, h2, button, a')
		.allTextContents()
		.catch(() => ['(the page did not answer)']);
	return texts
		.map((text) => text.replace(/\s+/g, ' ').trim())
		.filter((text) => text !== '')
		.slice(0, 40)
		.join(' | ');
}

/** The home screen of a device that has an identity: greeting and the create button. */
export const HOME: Landmark[] = [
	{ selector: 'h1', text: 'Hello' },
	{ selector: 'a', text: 'Create a triad' }
];
