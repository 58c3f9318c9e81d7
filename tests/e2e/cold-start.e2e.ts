/**
 * A triad screen that the app starts on renders what a phone shows first, then the rest once
 * that is painted (src/lib/state/cold-start.ts). Checked here: all of it arrives.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Morning crew';
const DRAFTS = ['Rota', 'Coffee fund', 'Keys', 'Parking', 'Fire drill', 'Plants'];

describe('opening the app on a triad screen', () => {
	test('shows every section and every draft after the first paint', async () => {
		const ada = await Member.open(await harness.newMember(), 'Ada');
		await ada.createTriad({
			name: TRIAD,
			purpose: 'Open the shop.',
			level: 'Operational',
			unit: 'Shop'
		});
		await ada.gotoTriad(TRIAD);
		const triadPath = new URL(ada.page.url()).pathname;
		for (const title of DRAFTS) {
			await ada.draftProposal(title);
			await ada.gotoTriad(TRIAD);
		}

		// Whether the page ever held deferred parts (aria-busy), seen from before its first script.
		await ada.page.addInitScript(() => {
			const observer = new MutationObserver(() => {
				if (document.querySelector('[aria-busy="true"]')) {
					(window as { sawDeferred?: boolean }).sawDeferred = true;
					observer.disconnect();
				}
			});
			observer.observe(document, { subtree: true, childList: true, attributes: true });
		});
		await ada.page.goto(triadPath);
		await ada.heading(TRIAD).waitFor();
		// Drawn after the first paint on a cold start, like all but the first proposals.
		await ada.heading('Waiting for you').waitFor();
		for (const title of DRAFTS) {
			await ada.page.getByRole('link', { name: new RegExp(title) }).waitFor();
		}
		expect(await ada.page.evaluate(() => (window as { sawDeferred?: boolean }).sawDeferred)).toBe(
			true
		);
		await ada.screen('cold', 'triad');
	});
});
