/**
 * Tabs of one browser on a page that cannot reach the relay at all: browsers withhold WebCrypto
 * from pages that are not secure (plain HTTP on a LAN address), so no relay token can be made.
 * Each tab says so, and what one tab writes still appears in the other, both ways.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const SHOT = 'tabs';
const TRIAD = 'Harbour triad';
const FIRST_TAB_LOG = 'Written in the first tab, with no relay.';
const SECOND_TAB_LOG = 'Answered from the second tab.';

async function addToLog(member: Member, entry: string): Promise<void> {
	await member.gotoView('Decisions');
	await member.page.getByLabel('New entry').fill(entry);
	await member.page.getByRole('button', { name: 'Add to the log' }).click();
	await member.page.getByText(entry).waitFor();
}

describe('two tabs of a page without WebCrypto', () => {
	test('sync with each other although neither can reach the relay', async () => {
		const context = await harness.newMember();
		// What a browser shows a page outside a secure context; the harness serves 127.0.0.1.
		await context.addInitScript(() => {
			Object.defineProperty(crypto, 'subtle', { value: undefined, configurable: true });
		});
		const kai = await Member.open(context, 'Kai');
		expect(await kai.page.evaluate(() => typeof crypto.subtle)).toBe('undefined');
		await kai.createTriad({
			name: TRIAD,
			purpose: 'Keep the quays running.',
			level: 'Operational',
			unit: 'Harbour'
		});
		await kai.page.getByRole('link', { name: 'Go to the triad' }).click();
		await kai.heading(TRIAD).waitFor();
		await kai.expectPill('Sync unavailable');

		const secondTab = new Member('Kai', context, await context.newPage());
		await secondTab.page.goto(new URL(kai.page.url()).pathname);
		await secondTab.heading(TRIAD).waitFor();
		await secondTab.expectPill('Sync unavailable');

		await addToLog(kai, FIRST_TAB_LOG);
		await secondTab.gotoView('Decisions');
		await secondTab.page.getByText(FIRST_TAB_LOG).waitFor({ timeout: 30_000 });
		await addToLog(secondTab, SECOND_TAB_LOG);
		await kai.page.getByText(SECOND_TAB_LOG).waitFor({ timeout: 30_000 });
		await kai.screen(SHOT, 'no-webcrypto-first-tab');
		await secondTab.screen(SHOT, 'no-webcrypto-second-tab');
	});
});
