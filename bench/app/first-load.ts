/**
 * First-load JavaScript and the start of the home screen over the network: a returning person
 * (introduced) without a service worker and with an empty HTTP cache opens `/`, with the main
 * thread throttled. Then, in the same profile, the lazily loaded editor: the JavaScript that
 * arrives when a proposal's editor opens, followed from the chunk that holds the editor.
 */
import type { Browser } from 'playwright-core';
import { clearHttpCache, throttleCpu, withIntroducedPhone } from './device';
import { importClosure, scriptsFetched, type Fetched } from './javascript';
import { HOME, navigateUntilUsable, watchUsable, type Usable } from './usable';

/** A class only the TipTap editor module sets (src/lib/components/editor/proposal-editor.ts). */
const EDITOR_MARKER = 'proposal-body';

/** Figures of one network start. */
export interface NetworkStart {
	firstLoad: Fetched[];
	/** JavaScript the page fetched after it became usable, until the load event settled. */
	afterUsable: Fetched[];
	usable: Usable;
	/** The editor chunk and what it imports, fetched only when a proposal's editor opens. */
	editor: Fetched[];
	/** Every JavaScript file fetched when the proposal screen opened, editor included. */
	proposalScreen: Fetched[];
}

/** Measures one start from the network and the lazy editor, in a fresh profile. */
export async function networkStart(
	browser: Browser,
	url: string,
	cpuSlowdown: number
): Promise<NetworkStart> {
	return withIntroducedPhone(browser, url, { serviceWorker: false }, async (page) => {
		await watchUsable(page, HOME);
		await clearHttpCache(page);
		await throttleCpu(page, cpuSlowdown);
		const start: { usable?: Usable } = {};
		const firstLoad = await scriptsFetched(page, async () => {
			start.usable = await navigateUntilUsable(page, '/');
		});
		const afterUsable = await scriptsFetched(page, () => page.waitForLoadState('networkidle'));
		await throttleCpu(page, 1);

		await page.getByRole('link', { name: 'Create a triad' }).click();
		await page.getByLabel('Name', { exact: true }).fill('Bench triad');
		await page.getByRole('button', { name: 'Create triad' }).click();
		await page.getByRole('link', { name: 'Go to the triad' }).click();
		await page.getByLabel('New proposal').fill('Bench proposal');
		const proposalScreen = await scriptsFetched(page, async () => {
			await page.getByRole('button', { name: 'Draft' }).click();
			await page.locator(`.${EDITOR_MARKER}`).waitFor();
		});
		const editor = importClosure(proposalScreen, EDITOR_MARKER);
		if (editor.length === 0) {
			throw new Error(`no fetched chunk contains "${EDITOR_MARKER}": did the editor move?`);
		}
		return { firstLoad, afterUsable, usable: start.usable!, editor, proposalScreen };
	});
}
