/**
 * The triad end to end: three members on three devices (browser contexts) create and join a
 * triad, take the three seats, write one proposal together, and vote — one of them offline —
 * through the real relay. Every screen is screenshotted and checked with axe.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Harbour triad';
const SHOT = 'triad';
/** The proposal the three write together, one line per seat. */
const WRITTEN = [
	'Keeper: Kim: review on Mondays.',
	'Bearer: Ben: try a walking review.',
	'Navigator: Noa: log the actions.'
];

describe('a triad of three members', () => {
	let kim: Member;
	let ben: Member;
	let noa: Member;
	let invite: string;

	test('Kim creates the triad and gets an invite link', async () => {
		kim = await Member.open(await harness.newMember(), 'Kim');
		await kim.screen(SHOT, 'home-empty');
		await kim.page.getByRole('link', { name: 'Create a triad' }).click();
		await kim.heading('Create a triad').waitFor();
		await kim.screen(SHOT, 'create');
		await kim.page.goBack();
		invite = await kim.createTriad({
			name: TRIAD,
			purpose: 'Run the harbour team together.',
			level: 'Operational',
			unit: 'Harbour team'
		});
		expect(invite).toMatch(/\/join#v1\./);
		await kim.page.locator('.qr svg').waitFor();
		await kim.screen(SHOT, 'invite');
		await kim.page.getByRole('link', { name: 'Go to the triad' }).click();
		await kim.heading(TRIAD).waitFor();
	});

	test('Ben and Noa join from the link, and each member takes a seat', async () => {
		[ben, noa] = await Promise.all([
			harness.newMember().then((context) => Member.open(context, 'Ben')),
			harness.newMember().then((context) => Member.open(context, 'Noa'))
		]);
		await ben.joinWith(invite, TRIAD);
		await ben.screen(SHOT, 'join');
		await ben.acceptInvite(TRIAD);
		await noa.joinWith(invite, TRIAD);
		await noa.acceptInvite(TRIAD);
		expect(ben.page.url()).not.toContain('#');

		await kim.claimSeat('keeper');
		await ben.claimSeat('bearer');
		await noa.claimSeat('navigator');
		for (const member of [kim, ben, noa]) {
			await member.seesInSeat('keeper', 'Kim');
			await member.seesInSeat('bearer', 'Ben');
			await member.seesInSeat('navigator', 'Noa');
			await member.expectPill('Synced');
		}
		await expect.poll(() => ben.page.getByText('Run the harbour team together.').count()).toBe(1);
		await kim.screen(SHOT, 'triad');
	});

	test('all three write their own line of one proposal at once; screens and documents agree', async () => {
		const title = 'Weekly harbour review';
		await kim.draftProposal(title);
		// People who write together each work in their own place: Kim lays out one line per seat.
		await kim.typeInEditor('Keeper:');
		await kim.page.keyboard.press('Enter');
		await kim.page.keyboard.type('Bearer:', { delay: 15 });
		await kim.page.keyboard.press('Enter');
		await kim.page.keyboard.type('Navigator:', { delay: 15 });
		const outline = ['Keeper:', 'Bearer:', 'Navigator:'];
		await ben.openProposal(title);
		await noa.openProposal(title);
		for (const member of [kim, ben, noa]) await member.seesBlocks(outline);

		await Promise.all([
			kim.typeInBlock(0, ' Kim: review on Mondays.'),
			ben.typeInBlock(1, ' Ben: try a walking review.'),
			noa.typeInBlock(2, ' Noa: log the actions.')
		]);
		for (const member of [kim, ben, noa]) await member.seesBlocks(WRITTEN);
		await noa.screen(SHOT, 'proposal-draft');
		// What each screen draws is what that member's document holds, not a drifted copy of it.
		for (const member of [kim, ben, noa]) {
			expect(await member.storedBodyText(TRIAD, title)).toBe(WRITTEN.join('\n'));
			await member.seesBlocks(WRITTEN);
		}
	});

	test('offline, Noa votes; after reconnecting all three show the same consensus', async () => {
		await kim.openForVote();
		for (const member of [ben, noa]) await member.outcome('open').waitFor();
		await kim.screen(SHOT, 'proposal-open');

		await noa.goOffline();
		// Back online whatever happens, so a failure here does not leave Noa offline for the rest.
		try {
			await noa.expectPill('Offline');
			await noa.vote('navigator', 'Agree');
			await noa.expectPill('Changes not yet on the relay');
			await noa.screen(SHOT, 'voted-offline');

			await kim.vote('keeper', 'Agree');
			await ben.vote('bearer', 'Agree');
			// The relay has not seen Noa's ballot, so the online members still wait for the Navigator
			// (once Ben's ballot has reached Kim).
			await expect
				.poll(() => kim.outcomeText(), { timeout: 20_000 })
				.toContain('Still to vote: Navigator (Noa)');

			// A reload with no network shows everything from the device: text, ballots, outcome.
			await noa.page.reload();
			await noa.heading('Weekly harbour review').waitFor();
			await noa.seesBlocks(WRITTEN);
			expect(await noa.page.getByText('You voted Agree — it counts.').count()).toBe(1);
			await noa.screen(SHOT, 'reloaded-offline');
			// The reloaded page did not reach the relay either.
			expect(await kim.outcomeText()).toContain('Still to vote: Navigator (Noa)');
		} finally {
			await noa.goOnline();
		}
		for (const member of [kim, ben, noa]) {
			await member.outcome('consensus').waitFor({ timeout: 30_000 });
			expect(await member.outcomeText()).toContain('Consensus: nobody disagrees.');
		}
		await noa.expectPill('Synced');
		await kim.screen(SHOT, 'consensus');
	});

	test('a majority shows "balance broken" and the dissent with its reason', async () => {
		await kim.gotoTriad(TRIAD);
		await kim.draftProposal('Move stand-up to 8:00');
		await kim.openForVote();
		await ben.gotoTriad(TRIAD);
		await noa.gotoTriad(TRIAD);
		await ben.openProposal('Move stand-up to 8:00');
		await noa.openProposal('Move stand-up to 8:00');

		await kim.vote('keeper', 'Agree');
		await ben.vote('bearer', 'Agree');
		await noa.vote('navigator', 'Disagree', 'Too early for the night shift.');
		for (const member of [kim, ben, noa]) {
			await member.outcome('majority').waitFor({ timeout: 20_000 });
			const text = await member.outcomeText();
			expect(text).toContain('Balance broken');
			expect(text).toContain('Noa (Navigator) disagrees: “Too early for the night shift.”');
		}
		// Final with the dissent's reason and no reflection delay: the record can no longer change.
		await ben.page.getByText('This proposal is decided').waitFor();
		expect(await ben.page.getByRole('button', { name: 'Proposal actions' }).count()).toBe(0);
		// Decided: the outcome and the history, no ballot form.
		expect(await ben.page.getByRole('button', { name: 'Cast ballot' }).count()).toBe(0);
		expect(await ben.page.locator('.vote form').count()).toBe(0);
		await ben.screen(SHOT, 'majority');
		await ben.gotoTriad(TRIAD);
		await ben.gotoView('Decisions');
		await ben.page.getByText('Balance broken: Noa disagreed').waitFor();
		// Balance: one consensus and one majority, so half the passed decisions kept the balance.
		await ben.page.getByText('50%').waitFor();
		await ben.page.getByText(/^(Kim and Ben|Ben and Kim) over Noa: 1$/).waitFor();
		await ben.screen(SHOT, 'register');
	});

	test('Noa marks an absence; Ben, covering, casts a proxy ballot for her', async () => {
		await noa.gotoTriad(TRIAD);
		await noa.gotoView('People');
		await noa.page.getByRole('link', { name: 'Absences and cover' }).click();
		await noa.heading('Absences and cover').waitFor();
		const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
		await noa.page.getByLabel('Last day away').fill(tomorrow);
		await noa.page.getByLabel('Who covers for you').selectOption({ label: 'Ben' });
		await noa.page.getByLabel('Handover note').fill('The budget vote is due; I agree with it.');
		await noa.page.getByRole('button', { name: 'Save absence' }).click();
		await noa.page.getByText('Absence saved.').waitFor();
		await noa.screen(SHOT, 'cover-form');

		await ben.gotoView('People');
		await ben.page.getByText('Noa is away until').waitFor({ timeout: 20_000 });
		await ben.page.getByRole('link', { name: 'Absences and cover' }).click();
		await ben.page.getByText('The budget vote is due; I agree with it.').waitFor();
		await ben.screen(SHOT, 'cover-held');

		await kim.gotoTriad(TRIAD);
		await kim.draftProposal('Harbour budget 2027');
		await kim.openForVote();
		await ben.page.goto(new URL(kim.page.url()).pathname);
		await ben.heading('Harbour budget 2027').waitFor();
		await ben.page.getByRole('button', { name: /^For Noa \(Navigator\)/ }).waitFor();
		await ben.vote('navigator', 'Agree');
		await ben.page.getByText('cast by Ben for Noa').first().waitFor();
		await kim.page.getByText('cast by Ben for Noa').first().waitFor({ timeout: 20_000 });
		await ben.screen(SHOT, 'proxy-ballot');
	});

	test('an amendment makes earlier ballots count no more: "voted on an earlier text"', async () => {
		await kim.vote('keeper', 'Agree');
		await expect.poll(() => ben.outcomeText(), { timeout: 20_000 }).toContain('Keeper Agree');
		await kim.page.getByRole('button', { name: 'Proposal actions' }).click();
		await kim.page.getByRole('button', { name: 'Amend the text' }).click();
		await kim.typeInEditor(' Amended: cap travel at 5%.');
		await kim.page.getByText('text version 2').first().waitFor();

		for (const member of [kim, ben]) {
			await member.page.getByText('voted on an earlier text').first().waitFor({ timeout: 20_000 });
		}
		const open = await kim.outcomeText();
		expect(open).toContain('Still to vote');
		await kim.page
			.getByText('The ballot for this seat was cast on an earlier text')
			.first()
			.waitFor();
		await kim.screen(SHOT, 'stale-ballots');
	});

	test('home shows each triad with its sync state and what waits for the member', async () => {
		await kim.page.getByRole('link', { name: 'Triad', exact: true }).click();
		await kim.heading('Hello, Kim').waitFor();
		await kim.page.getByText('1 proposal waits for your vote').waitFor();
		await kim.screen(SHOT, 'home');
		await ben.page.getByRole('link', { name: 'Triad', exact: true }).click();
		await ben.page.getByText('You cover for Noa', { exact: true }).waitFor();
		await ben.screen(SHOT, 'home-covering');
	});

	test('the dark theme passes the same accessibility checks', async () => {
		await kim.page.emulateMedia({ colorScheme: 'dark' });
		try {
			await kim.screen(SHOT, 'home-dark');
			await kim.page.getByRole('link', { name: new RegExp(`^${TRIAD}`) }).click();
			await kim.heading(TRIAD).waitFor();
			await kim.screen(SHOT, 'triad-dark');
			await kim.page
				.getByRole('link', { name: /Move stand-up to 8:00/ })
				.first()
				.click();
			await kim.outcome('majority').waitFor();
			await kim.screen(SHOT, 'majority-dark');
		} finally {
			await kim.page.emulateMedia({ colorScheme: null });
		}
	});
});
