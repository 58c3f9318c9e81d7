/**
 * Opening a large triad from IndexedDB: a profile that joined the seeded triad, synced it and
 * kept its overview opens `/t/<id>` (a full page load: app start, reading the saved overview,
 * rendering) until the proposal list is on screen; then again until the document is loaded and
 * the screen takes writes; then the first with the main thread throttled; then the home screen,
 * which opens every joined triad to show what waits there.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { introduce, newPhone, throttleCpu, untilWorkerControls } from './device';
import { seedInto, type Seed } from './seed-triad';
import { HOME, navigateUntilUsable, watchUsable, type Landmark, type Usable } from './usable';

/** Usable times of one profile holding the seeded triad. */
export interface TriadOpen {
	/** The proposal list on screen (from the saved overview, while the document loads). */
	open: Usable;
	/** The document loaded: the list is live and "Draft" is enabled. */
	live: Usable;
	openThrottled: Usable;
	home: Usable;
}

// The list shows the newest proposals of each group and a "Show all" button for the rest, so
// the screen is there once the newest proposal and that button are.
export function proposalList(seed: Seed): Landmark[] {
	return [
		{ selector: 'h2', text: 'Proposals' },
		{ selector: 'a', text: `Proposal ${seed.proposals - 1}:` },
		{ selector: 'button', text: 'Show all' }
	];
}

function liveScreen(seed: Seed): Landmark[] {
	return [...proposalList(seed), { selector: 'button.primary:not([disabled])', text: 'Draft' }];
}

/** Resolves once the app has saved the triad's overview, as it does on a device that used it. */
async function untilOverviewSaved(page: Page, docId: string): Promise<void> {
	await page.waitForFunction(
		(id) =>
			new Promise<boolean>((resolve) => {
				const request = indexedDB.open('triad-device');
				request.onsuccess = () => {
					const db = request.result;
					const read = db.transaction('overviews').objectStore('overviews').get(id);
					read.onsuccess = () => {
						db.close();
						resolve(read.result !== undefined);
					};
					read.onerror = () => resolve(false);
				};
				request.onerror = () => resolve(false);
			}),
		docId,
		{ timeout: 60_000, polling: 250 }
	);
}

async function pageWatching(context: BrowserContext, landmarks: Landmark[]): Promise<Page> {
	const page = await context.newPage();
	await watchUsable(page, landmarks);
	return page;
}

/**
 * A fresh profile that has used the seeded triad: seeded, opened once so the worker controls the
 * page, the relay holds the document and the overview is saved (as on a device that has used
 * the triad before). The caller closes the context.
 */
export async function profileWithSeededTriad(
	browser: Browser,
	url: string,
	seed: Seed
): Promise<BrowserContext> {
	const context = await newPhone(browser, url, { serviceWorker: true });
	try {
		const setup = await pageWatching(context, proposalList(seed));
		await introduce(setup);
		await untilWorkerControls(setup);
		await seedInto(setup, seed);
		await navigateUntilUsable(setup, `/t/${seed.docId}`);
		await setup
			.getByRole('status')
			.filter({ hasText: 'Synced' })
			.first()
			.waitFor({ timeout: 60_000 });
		await untilOverviewSaved(setup, seed.docId);
		// One tab at a time: a second tab on the same triad would sync with it.
		await setup.close();
		return context;
	} catch (error) {
		await context.close();
		throw error;
	}
}

/** Opens the seeded triad in a new tab of `context` until its proposal list is on screen. */
export async function openUntilListShown(context: BrowserContext, seed: Seed): Promise<Usable> {
	const page = await pageWatching(context, proposalList(seed));
	try {
		return await navigateUntilUsable(page, `/t/${seed.docId}`);
	} finally {
		await page.close();
	}
}

/** Seeds a fresh profile as a device that has used the triad, then measures. */
export async function openSeededTriad(
	browser: Browser,
	url: string,
	seed: Seed,
	cpuSlowdown: number
): Promise<TriadOpen> {
	const context = await profileWithSeededTriad(browser, url, seed);
	const path = `/t/${seed.docId}`;
	try {
		const open = await openUntilListShown(context, seed);

		const livePage = await pageWatching(context, liveScreen(seed));
		const live = await navigateUntilUsable(livePage, path);
		await livePage.close();

		const throttled = await pageWatching(context, proposalList(seed));
		await throttleCpu(throttled, cpuSlowdown);
		const openThrottled = await navigateUntilUsable(throttled, path);
		await throttled.close();

		const homePage = await pageWatching(context, HOME);
		const home = await navigateUntilUsable(homePage, '/');
		await homePage.close();
		return { open, live, openThrottled, home };
	} finally {
		await context.close();
	}
}
