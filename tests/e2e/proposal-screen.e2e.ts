/**
 * The proposal screen on a 360-px phone, with three members and one more who holds no seat: the
 * ballot comes before the text, amend and withdraw sit in a menu, a cover switches between the
 * seats they vote for in one ballot area, every ballot says whether it counts and why, a decided
 * proposal shows no ballot form, and another member's caret label keeps off the line above.
 */
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { PHONE } from './chromium';
import { checkScreen, useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Ferry triad';
const SHOT = 'proposal-screen';
const PROPOSAL = 'Ferry timetable for winter';
const LINES = [
	'The winter timetable starts on the first Monday of November and runs until the end of March.',
	'Morning crossings move half an hour later, evening crossings stay as they are.',
	'The Navigator tells the harbour office one week ahead.'
];

/** Both themes of the screen as it is now: screenshots to look at and axe on each. */
async function bothThemes(page: Page, name: string): Promise<void> {
	await checkScreen(page, `${SHOT}-${name}`);
	await page.emulateMedia({ colorScheme: 'dark' });
	try {
		await checkScreen(page, `${SHOT}-${name}-dark`);
	} finally {
		await page.emulateMedia({ colorScheme: null });
	}
}

/**
 * Where the vote is on the screen as first shown, from the page's top: the top of the ballot
 * card and the bottom of its first choice.
 */
function votePosition(page: Page): Promise<{ cardTop: number; choiceBottom: number }> {
	return page.evaluate(() => {
		window.scrollTo(0, 0);
		const card = document.querySelector('.vote');
		const choice = document.querySelector('.vote input[type="radio"]');
		return {
			cardTop: card ? card.getBoundingClientRect().top : Infinity,
			choiceBottom: choice ? choice.getBoundingClientRect().bottom : Infinity
		};
	});
}

describe('the proposal screen on a phone', () => {
	let kim: Member;
	let ben: Member;
	let noa: Member;
	let vic: Member;
	let proposalPath: string;

	test('three members take the three seats; a fourth joins without one', async () => {
		kim = await Member.open(await harness.newMember(), 'Kim');
		const invite = await kim.createTriad({
			name: TRIAD,
			purpose: 'Run the ferry together.',
			level: 'Operational',
			unit: 'Ferry crew'
		});
		await kim.page.getByRole('link', { name: 'Go to the triad' }).click();
		await kim.heading(TRIAD).waitFor();
		const join = async (name: string) => Member.open(await harness.newMember(), name);
		[ben, noa, vic] = await Promise.all([join('Ben'), join('Noa'), join('Vic')]);
		for (const member of [ben, noa, vic]) {
			await member.joinWith(invite, TRIAD);
			await member.acceptInvite(TRIAD);
		}
		await kim.claimSeat('keeper');
		await ben.claimSeat('bearer');
		await noa.claimSeat('navigator');
		for (const member of [kim, ben, noa, vic]) {
			await member.seesInSeat('keeper', 'Kim');
			await member.seesInSeat('bearer', 'Ben');
			await member.seesInSeat('navigator', 'Noa');
		}
		// Vic holds none of the three.
		expect(await vic.page.locator('.seat .holder', { hasText: '(you)' }).count()).toBe(0);
	});

	test('an open proposal leads with the vote, within the first screen; the text follows', async () => {
		await kim.draftProposal(PROPOSAL);
		await kim.typeInEditor(LINES[0]!);
		for (const line of LINES.slice(1)) {
			await kim.page.keyboard.press('Enter');
			await kim.page.keyboard.type(line, { delay: 5 });
		}
		await kim.openForVote();
		proposalPath = new URL(kim.page.url()).pathname;
		await ben.page.goto(proposalPath);
		await ben.heading(PROPOSAL).waitFor();
		await ben.seesBlocks(LINES);
		const form = await ben.ballotFor('bearer');
		await form.getByText('Your vote as Bearer').waitFor();

		// Within the first 740 px of a 360-px screen: the card and its first choice.
		const position = await votePosition(ben.page);
		expect(position.cardTop).toBeLessThan(740);
		expect(position.choiceBottom).toBeLessThan(740);
		// The ballot comes before the text in reading order too, not only on screen.
		const order = await ben.page.evaluate(() => {
			const vote = document.querySelector('.vote')!;
			const text = document.getElementById('text-title')!;
			return vote.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING;
		});
		expect(order).toBeTruthy();
		// Amend and withdraw are not on the screen until the menu is opened.
		expect(await ben.page.getByRole('button', { name: 'Withdraw proposal' }).count()).toBe(0);
		await bothThemes(ben.page, 'open');
	});

	test('amend and withdraw sit in a menu; withdrawing asks first, and "Keep it" keeps it', async () => {
		const menu = ben.page.getByRole('button', { name: 'Proposal actions' });
		expect(await menu.getAttribute('aria-expanded')).toBe('false');
		await menu.click();
		expect(await menu.getAttribute('aria-expanded')).toBe('true');
		await ben.page.getByRole('button', { name: 'Amend the text' }).waitFor();
		await checkScreen(ben.page, `${SHOT}-menu`);
		await ben.page.keyboard.press('Escape');
		expect(await menu.getAttribute('aria-expanded')).toBe('false');
		expect(await ben.page.getByRole('button', { name: 'Amend the text' }).count()).toBe(0);
		// A tap elsewhere closes it too.
		await menu.click();
		await ben.heading('Ballot history').click();
		expect(await menu.getAttribute('aria-expanded')).toBe('false');

		await menu.click();
		await ben.page.getByRole('button', { name: 'Withdraw proposal' }).click();
		const dialog = ben.page.getByRole('dialog', { name: 'Withdraw this proposal?' });
		await dialog.waitFor();
		await dialog.getByText(`“${PROPOSAL}” stops collecting ballots.`).waitFor();
		// The safe choice has the focus.
		expect(await ben.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
			'Keep it'
		);
		await checkScreen(ben.page, `${SHOT}-withdraw-confirm`);
		await dialog.getByRole('button', { name: 'Keep it' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await ben.outcome('open').waitFor();
	});

	test('a member without a seat, with all three held, is told so truthfully', async () => {
		await vic.page.goto(proposalPath);
		await vic.heading(PROPOSAL).waitFor();
		await vic.page
			.getByText(
				'All three seats are held by other members: you are not in a seat, so you cannot vote on this proposal.'
			)
			.waitFor();
		expect(await vic.page.getByText(/take a (free )?seat/i).count()).toBe(0);
		expect(await vic.page.locator('.vote').count()).toBe(0);
	});

	test('Noa marks an absence with Ben as cover; the form resets after saving', async () => {
		await noa.page.goto(proposalPath.replace(/\/p\/.*/, ''));
		await noa.heading(TRIAD).waitFor();
		await noa.gotoView('People');
		await noa.page.getByRole('link', { name: 'Absences and cover' }).click();
		await noa.heading('Absences and cover').waitFor();
		const today = await noa.page.getByLabel('First day away').inputValue();
		const lastDay = await noa.page.evaluate(() => {
			const day = new Date();
			day.setDate(day.getDate() + 2);
			const two = (n: number) => String(n).padStart(2, '0');
			return `${day.getFullYear()}-${two(day.getMonth() + 1)}-${two(day.getDate())}`;
		});
		await noa.page.getByLabel('Last day away').fill(lastDay);
		await noa.page.getByLabel('Who covers for you').selectOption({ label: 'Ben' });
		await noa.page.getByLabel('Handover note').fill('The timetable vote is open.');
		await noa.page.getByRole('button', { name: 'Save absence' }).click();
		await noa.page.getByText('Absence saved.').waitFor();
		// A fresh form: nothing left to save a second time by accident.
		expect(await noa.page.getByLabel('Last day away').inputValue()).toBe('');
		expect(await noa.page.getByLabel('Who covers for you').inputValue()).toBe('');
		expect(await noa.page.getByLabel('Handover note').inputValue()).toBe('');
		expect(await noa.page.getByLabel('First day away').inputValue()).toBe(today);
		// Listed from the first day to the last day chosen, as this device writes days.
		const written = await noa.page.evaluate(
			([first, last]) => {
				const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
				const day = (value: string) => {
					const [y, m, d] = value.split('-').map(Number);
					return format.format(new Date(y!, m! - 1, d!));
				};
				return `Noa: ${day(first!)} to ${day(last!)}, covered by Ben`;
			},
			[today, lastDay]
		);
		await noa.page.getByText(written, { exact: true }).waitFor();
	});

	test('Ben, covering, switches between his seat and Noa’s in one ballot area', async () => {
		const switcher = ben.page.getByRole('group', { name: 'Vote for' });
		await switcher.waitFor({ timeout: 20_000 });
		const mine = switcher.getByRole('button', { name: /^My seat \(Bearer\)/ });
		const hers = switcher.getByRole('button', { name: /^For Noa \(Navigator\)/ });
		expect(await mine.getAttribute('aria-pressed')).toBe('true');
		expect(await hers.getAttribute('aria-pressed')).toBe('false');
		// One ballot card at a time.
		expect(await ben.page.locator('.vote').count()).toBe(1);
		await hers.click();
		expect(await hers.getAttribute('aria-pressed')).toBe('true');
		expect(await mine.getAttribute('aria-pressed')).toBe('false');
		expect(await ben.page.locator('.vote').count()).toBe(1);
		await ben.page.getByText('Vote for Noa (Navigator), as their cover').waitFor();
		// The cover's vote is within the first screen as well, switch and all.
		const position = await votePosition(ben.page);
		expect(position.choiceBottom).toBeLessThan(740);

		await ben.vote('navigator', 'Agree');
		const card = ben.page.locator('.vote[data-seat="navigator"]');
		await card.getByText('Ballot cast — it counts.').waitFor();
		await card.getByText('You voted Agree for Noa — it counts.').waitFor();
		await bothThemes(ben.page, 'cover');
	});

	test('Noa votes herself: the cover’s card follows, and his proxy says it does not count', async () => {
		await noa.page.goto(proposalPath);
		await noa.heading(PROPOSAL).waitFor();
		await noa.page.getByText('Counted: Agree, cast by Ben for you.').waitFor({ timeout: 20_000 });
		await noa.vote('navigator', 'Disagree', 'Mornings are already late enough.');

		const card = ben.page.locator('.vote[data-seat="navigator"]');
		await card.getByText('Counted: Disagree, cast by Noa themselves.').waitFor({ timeout: 20_000 });
		await card.getByText('Your ballot (Agree) — does not count: Noa voted themselves.').waitFor();
		// The form shows the choice that counts now, not the one Ben had cast.
		expect(await card.getByLabel('Disagree', { exact: true }).isChecked()).toBe(true);
		expect(await card.getByLabel('Agree', { exact: true }).isChecked()).toBe(false);

		// Ben casts again for Noa, after her: his newest proxy still does not count, and says so.
		await ben.vote('navigator', 'Agree');
		await card.getByText('Ballot cast, but it does not count.').waitFor();
		// The form shows again what counts: Noa's own choice.
		expect(await card.getByLabel('Disagree', { exact: true }).isChecked()).toBe(true);
		expect(await card.getByText('Ballot cast — it counts.').count()).toBe(0);
		const history = ben.page.locator('.history .ballot');
		await expect.poll(() => history.count()).toBe(3);
		const newest = (await history.nth(0).textContent())!.replace(/\s+/g, ' ');
		expect(newest).toContain('Navigator: Agree cast by Ben for Noa');
		expect(newest).toContain('does not count: Noa voted themselves');
		expect(newest).not.toContain('replaced by a later ballot');
		expect((await history.nth(1).textContent())!.replace(/\s+/g, ' ')).toContain(
			'Navigator: Disagree by Noa'
		);
		expect(await history.nth(1).locator('.standing').textContent()).toBe('counts');
		expect(await history.nth(2).textContent()).toContain('does not count: Noa voted themselves');
		await checkScreen(ben.page, `${SHOT}-cover-overruled`);
	});

	test('an amendment: earlier ballots say "on an earlier text"', async () => {
		await kim.page.goto(proposalPath);
		await kim.heading(PROPOSAL).waitFor();
		await kim.vote('keeper', 'Agree');
		await kim.page.getByText('You voted Agree — it counts.').waitFor();
		await kim.page.getByRole('button', { name: 'Proposal actions' }).click();
		await kim.page.getByRole('button', { name: 'Amend the text' }).click();
		await kim.typeInEditor(' Amended: from the second Monday.');
		await kim.page.getByText('text version 2').first().waitFor();
		const card = kim.page.locator('.vote[data-seat="keeper"]');
		await card
			.getByText('The ballot for this seat was cast on an earlier text and no longer counts.')
			.waitFor();
		const history = kim.page.locator('.history .ballot');
		await expect
			.poll(async () => (await history.allTextContents()).join('\n'), { timeout: 20_000 })
			.toContain('Keeper: Agree by Kim');
		const keeperEntry = history.filter({ hasText: 'Keeper: Agree by Kim' });
		expect(await keeperEntry.textContent()).toContain('does not count: voted on an earlier text');
		await checkScreen(kim.page, `${SHOT}-stale`);
	});

	test('a ballot cast offline after the decision became final is late, and says so', async () => {
		await ben.page.reload();
		await ben.heading(PROPOSAL).waitFor();
		await ben.vote('bearer', 'Agree');
		// Kim has Ben's ballot before Ben goes offline.
		await expect.poll(() => kim.outcomeText(), { timeout: 20_000 }).toContain('Bearer Agree');
		await ben.goOffline();
		try {
			await kim.vote('keeper', 'Agree');
			await noa.vote('navigator', 'Agree');
			await kim.outcome('consensus').waitFor({ timeout: 20_000 });
			// Ben has not heard of the other two: still open on his phone, he changes his vote.
			await ben.vote('bearer', 'Disagree', 'On second thought, no.');
		} finally {
			await ben.goOnline();
		}
		for (const member of [kim, ben, noa]) {
			await member.outcome('consensus').waitFor({ timeout: 30_000 });
			await member.page
				.locator('.history .ballot')
				.filter({ hasText: 'On second thought, no.' })
				.getByText('late: cast after the decision was final, not counted')
				.waitFor({ timeout: 30_000 });
		}
	});

	test('a decided proposal shows its outcome and the history, and no ballot form', async () => {
		for (const member of [kim, ben, noa]) {
			await member.page.getByText('This proposal is decided').waitFor();
			expect(await member.page.locator('.vote form').count()).toBe(0);
			expect(await member.page.getByRole('button', { name: 'Cast ballot' }).count()).toBe(0);
			expect(await member.page.getByRole('button', { name: 'Proposal actions' }).count()).toBe(0);
			await member.heading('Ballot history').waitFor();
		}
		expect(await kim.outcomeText()).toContain('Consensus: nobody disagrees.');
		// Each card still says what counted: Kim's ballot, and Ben's late one that does not.
		await kim.page.getByText('You voted Agree — it counts.').waitFor();
		await ben.ballotFor('bearer');
		await ben.page
			.getByText('Your ballot (Disagree) — late: cast after the decision was final, not counted.')
			.waitFor();
		await bothThemes(ben.page, 'decided');
	});

	test('another member’s caret label stays off the words of the line above', async () => {
		await kim.gotoTriad(TRIAD);
		await kim.draftProposal('Caret test');
		await kim.typeInEditor(LINES[0]!);
		await kim.page.keyboard.press('Enter');
		await kim.page.keyboard.type(LINES[1]!, { delay: 5 });
		await ben.page.goto(new URL(kim.page.url()).pathname);
		await ben.heading('Caret test').waitFor();
		await ben.seesBlocks(LINES.slice(0, 2));
		// Ben's caret at the start of the second line, right under the first line's words.
		await ben.editor().locator(':scope > *').nth(1).click();
		await ben.page.keyboard.press('Home');
		const label = kim.page.locator('.collaboration-carets__label', { hasText: 'Ben' });
		await label.waitFor({ timeout: 20_000 });
		const geometry = await kim.page.evaluate(() => {
			const labelBox = document.querySelector('.collaboration-carets__label')!;
			// Every line of words in the text, whichever is above the caret (the caret's own label
			// and its invisible joiners left out).
			const body = document.querySelector('.proposal-body')!;
			const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
			const words: { left: number; right: number; top: number; bottom: number }[] = [];
			const range = document.createRange();
			for (let node = walker.nextNode(); node; node = walker.nextNode()) {
				if (node.parentElement?.closest('.collaboration-carets__caret')) continue;
				if (!node.textContent?.trim()) continue;
				range.selectNodeContents(node);
				for (const rect of range.getClientRects()) {
					words.push({ left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom });
				}
			}
			const box = labelBox.getBoundingClientRect();
			const style = getComputedStyle(labelBox);
			return {
				label: { left: box.left, right: box.right, top: box.top, bottom: box.bottom },
				words,
				opacity: Number(style.opacity),
				fontSize: parseFloat(style.fontSize)
			};
		});
		expect(geometry.words.length).toBeGreaterThan(0);
		const { label: box } = geometry;
		const overlapping = geometry.words.filter(
			(word) =>
				word.left < box.right &&
				box.left < word.right &&
				word.top < box.bottom &&
				box.top < word.bottom
		);
		expect(overlapping).toEqual([]);
		expect(geometry.opacity).toBeLessThan(1);
		expect(geometry.fontSize).toBeLessThanOrEqual(11);
		await kim.page
			.locator('.proposal-body')
			.screenshot({ path: 'screenshots/proposal-screen-caret.png' });
	});
});

describe('dates in the device’s time zone', () => {
	/** An evening in Los Angeles and a morning in Auckland: the UTC day is the other one. */
	const ZONES = [
		{
			zone: 'America/Los_Angeles',
			locale: 'en-US',
			at: '2026-12-07T19:30:00-08:00',
			today: '2026-12-07',
			deadline: 'Deadline Dec 9, 2026, 6:00 PM',
			cast: 'Dec 7, 2026, 7:30 PM'
		},
		{
			zone: 'Pacific/Auckland',
			locale: 'de-DE',
			at: '2026-12-08T08:30:00+13:00',
			today: '2026-12-08',
			deadline: 'Deadline 09.12.2026, 18:00',
			cast: '08.12.2026, 08:30'
		},
		{
			zone: 'Europe/Paris',
			locale: 'en-GB',
			at: '2026-12-07T23:30:00+01:00',
			today: '2026-12-07',
			deadline: 'Deadline 9 Dec 2026, 18:00',
			cast: '7 Dec 2026, 23:30'
		}
	];

	for (const { zone, locale, at, today, deadline, cast } of ZONES) {
		test(`${zone}: the absence starts today there; deadline and ballot times read as there`, async () => {
			const context = await harness.browser.newContext({
				baseURL: harness.server.url,
				...PHONE,
				timezoneId: zone,
				locale
			});
			try {
				const page = await context.newPage();
				await page.clock.setFixedTime(Date.parse(at));
				await page.goto('/');
				const member = new Member('Ola', context, page);
				await page.getByLabel('Your name').fill('Ola');
				await page.getByRole('button', { name: 'Continue' }).click();
				await member.heading('Hello, Ola').waitFor();
				await member.createTriad({
					name: `Zone triad ${zone}`,
					purpose: 'Time zones.',
					level: 'Operational',
					unit: 'Zones'
				});
				await page.getByRole('link', { name: 'Go to the triad' }).click();
				await member.heading(`Zone triad ${zone}`).waitFor();
				await member.claimSeat('keeper');

				// A deadline entered as 18:00 on the 9th reads back as 18:00 on the 9th, in this zone.
				await member.draftProposal('Deadline check');
				await page.getByLabel('Deadline (optional)').fill('2026-12-09T18:00');
				await member.openForVote();
				expect((await member.outcomeText()).replace(/\s+/g, ' ')).toContain(deadline);
				// A ballot cast now reads in the history at this zone's wall-clock time.
				await member.vote('keeper', 'Agree');
				const entry = page.locator('.history .ballot').first();
				expect((await entry.textContent())!.replace(/\s+/g, ' ')).toContain(
					`${cast} · text version 1`
				);

				await member.gotoTriad(`Zone triad ${zone}`);
				await member.gotoView('People');
				await page.getByRole('link', { name: 'Absences and cover' }).click();
				await member.heading('Absences and cover').waitFor();
				expect(await page.getByLabel('First day away').inputValue()).toBe(today);
				await checkScreen(page, `${SHOT}-absence-${zone.replace('/', '-').toLowerCase()}`);
			} finally {
				await context.close();
			}
		});
	}
});
