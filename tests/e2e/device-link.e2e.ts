/**
 * One person, two devices: Kim creates a triad on her phone, takes a seat and votes, then opens
 * "Use Triad on another device" and her laptop (another browser context) opens the device link.
 * The laptop becomes Kim: the same member, in the same seat, and her vote changed on the laptop
 * replaces the phone's as one member's newer ballot. A device already used by someone else with
 * triads of their own refuses the link. Screens are screenshotted and checked with axe.
 */
import { describe, expect, test } from 'vitest';
import { checkScreen, useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const SHOT = 'device-link';
const TRIAD = 'Harbour triad';
const PROPOSAL = 'Walk the harbour on Fridays';

/** The names after "here now:" on the proposal screen, or null when nobody else has it open. */
async function hereOnProposal(member: Member): Promise<string | null> {
	const hint = member.page.locator('p.hint').filter({ hasText: /here now: / });
	if ((await hint.count()) === 0) return null;
	const text = ((await hint.textContent()) ?? '').replace(/\s+/g, ' ');
	return text.slice(text.indexOf('here now: ') + 'here now: '.length).trim();
}

/**
 * Adds `count` triads to the member's device directory as if joined (names of about twenty
 * characters, fresh ids and secrets), without opening them: enough to need two codes.
 */
async function addTriadsToDirectory(member: Member, count: number): Promise<void> {
	await member.page.evaluate(async (count) => {
		const base64url = (bytes: Uint8Array) =>
			btoa(String.fromCharCode(...bytes))
				.replace(/\+/g, '-')
				.replace(/\//g, '_')
				.replace(/=+$/, '');
		const random = (length: number) => base64url(crypto.getRandomValues(new Uint8Array(length)));
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open('triad-device');
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		const transaction = db.transaction('workspaces', 'readwrite');
		for (let i = 0; i < count; i++) {
			const at = Date.now() - i;
			transaction.objectStore('workspaces').put({
				docId: random(16),
				secret: random(32),
				access: 'member',
				name: `Harbour team no. ${i + 1}`,
				joinedAt: at,
				lastOpened: at
			});
		}
		await new Promise((resolve, reject) => {
			transaction.oncomplete = resolve;
			transaction.onerror = () => reject(transaction.error);
		});
		db.close();
	}, count);
}

describe('using Triad on another device', () => {
	let phone: Member;
	let laptop: Member;
	let link: string;
	let proposalPath: string;

	test('on the phone, Kim takes a seat, votes and opens the device link screen', async () => {
		phone = await Member.open(await harness.newMember(), 'Kim');
		await phone.createTriad({
			name: TRIAD,
			purpose: 'Run the harbour team together.',
			level: 'Operational',
			unit: 'Harbour'
		});
		await phone.page.getByRole('link', { name: 'Go to the triad' }).click();
		await phone.heading(TRIAD).waitFor();
		await phone.claimSeat('keeper');
		await phone.draftProposal(PROPOSAL);
		proposalPath = new URL(phone.page.url()).pathname;
		await phone.openForVote();
		await phone.vote('keeper', 'Agree');
		await phone.expectPill('Synced');

		await phone.page.getByRole('link', { name: 'Triad', exact: true }).click();
		await phone.heading('Hello, Kim').waitFor();
		await phone.page.getByRole('link', { name: 'Use Triad on another device' }).click();
		await phone.heading('Use Triad on another device').waitFor();
		await phone.page.locator('.qr svg').waitFor();
		const warning = phone.page.locator('.notice.danger');
		expect(await warning.textContent()).toContain(
			'Never send it by email, chat, SMS or any other way someone else can read or that keeps a copy.'
		);
		// The link itself waits behind an explicit step, and there is no share sheet to a chat app.
		expect(await phone.page.getByLabel('Device link').count()).toBe(0);
		expect(await phone.page.getByRole('button', { name: /Share/ }).count()).toBe(0);
		const qrWidth = await phone.page.locator('.qr svg').evaluate((svg) => svg.clientWidth);
		expect(qrWidth).toBeGreaterThanOrEqual(300);
		await phone.screen(SHOT, 'another-device');

		await phone.page.getByRole('button', { name: 'Show the link' }).click();
		link = await phone.page.getByLabel('Device link').inputValue();
		expect(link).toMatch(/\/device#d2\.[A-Z2-7]+$/);
		await phone.screen(SHOT, 'another-device-link');
	});

	test('the laptop opens the link, sees who it becomes, and becomes Kim', async () => {
		const context = await harness.newMember();
		laptop = new Member('Laptop', context, await context.newPage());
		await laptop.page.goto(link);
		await laptop.heading('Use Triad here as Kim').waitFor();
		// The secret left the address bar as soon as the screen read it.
		expect(laptop.page.url()).not.toContain('#');
		const triad = laptop.page.getByRole('listitem').filter({ hasText: TRIAD });
		expect(await triad.textContent()).toContain('joins now');
		await laptop.screen(SHOT, 'confirm');

		await laptop.page.getByRole('button', { name: 'Use Triad here as Kim' }).click();
		await laptop.heading('Hello, Kim').waitFor();
		await laptop.page.getByRole('link', { name: new RegExp(`^${TRIAD}`) }).click();
		await laptop.heading(TRIAD).waitFor({ timeout: 30_000 });
		// The same member: the seat Kim took on the phone is held by "you" here.
		await laptop.gotoView('People');
		await laptop.seatHolder('keeper').filter({ hasText: 'Kim (you)' }).waitFor({ timeout: 30_000 });
		await laptop.expectPill('Synced');
		await laptop.screen(SHOT, 'laptop-triad');
	});

	test('a vote changed on the laptop replaces the phone’s: one member, the newer ballot', async () => {
		await phone.page.goto(proposalPath);
		await phone.heading(PROPOSAL).waitFor();
		await laptop.page.goto(proposalPath);
		await laptop.heading(PROPOSAL).waitFor();
		// The laptop shows the phone's ballot as Kim's own.
		await laptop.page.getByText('You voted Agree — it counts.').waitFor({ timeout: 30_000 });
		// Each device sees the other as Kim herself: "you", never a second Kim.
		await expect.poll(() => hereOnProposal(phone), { timeout: 20_000 }).toBe('you');
		await expect.poll(() => hereOnProposal(laptop), { timeout: 20_000 }).toBe('you');

		await laptop.vote('keeper', 'Disagree', 'Fridays clash with the ferry rota.');
		await phone.page
			.locator('.vote[data-seat="keeper"]')
			.getByText('You voted Disagree — it counts.')
			.waitFor({ timeout: 30_000 });
		const outcome = await phone.outcomeText();
		expect(outcome).toContain('Still to vote: Bearer, Navigator.');
		expect(outcome).toContain('Keeper Disagree');
		// Two ballots of one member in the history: the older replaced, none refused as cast by
		// someone who does not hold the seat (as a second member's would be).
		const history = phone.page.locator('.history .ballot');
		await expect.poll(() => history.count()).toBe(2);
		expect(await history.nth(0).textContent()).toContain('Keeper: Disagree by Kim');
		expect(await history.nth(0).textContent()).toContain('counts');
		expect(await history.nth(1).textContent()).toContain(
			'does not count: replaced by a later ballot'
		);
		expect(await phone.page.getByText('not cast by the seat or its cover').count()).toBe(0);
		expect(await phone.page.getByText('a member').count()).toBe(0);
		await phone.screen(SHOT, 'phone-newer-ballot');
	});

	test('a device where someone else has triads refuses the link, and says why', async () => {
		const ana = await Member.open(await harness.newMember(), 'Ana');
		await ana.createTriad({
			name: 'Ana’s triad',
			purpose: 'Her own.',
			level: 'Strategic',
			unit: 'Board'
		});
		await ana.page.goto(link);
		await ana.heading('This device is Ana’s').waitFor();
		expect(await ana.page.getByRole('button', { name: /Use Triad here/ }).count()).toBe(0);
		await ana.screen(SHOT, 'refused');
		await ana.page.getByRole('link', { name: 'Back to Ana’s triads' }).click();
		await ana.heading('Hello, Ana').waitFor();
		expect(await ana.page.getByRole('link', { name: new RegExp(`^${TRIAD}`) }).count()).toBe(0);
	});

	test('more triads than one code holds go into codes scanned one after the other', async () => {
		const lea = await Member.open(await harness.newMember(), 'Lea');
		await addTriadsToDirectory(lea, 20);
		await lea.page.goto('/another-device');
		await lea.page.getByText('Code 1 of 2.').waitFor();
		await lea.page
			.getByRole('img', { name: 'QR code 1 of 2 that sets up another device as you' })
			.waitFor();
		expect(await lea.page.getByRole('button', { name: 'Previous code' }).isDisabled()).toBe(true);
		await lea.page.getByRole('button', { name: 'Next code' }).click();
		await lea.page.getByText('Code 2 of 2.').waitFor();
		expect(await lea.page.getByRole('button', { name: 'Next code' }).isDisabled()).toBe(true);
		await lea.page.getByRole('button', { name: 'Show the link' }).click();
		const second = await lea.page.getByLabel('Device link 2').inputValue();
		await lea.screen(SHOT, 'another-device-parts');

		const context = await harness.newMember();
		const tablet = new Member('Tablet', context, await context.newPage());
		await tablet.page.goto(second);
		await tablet.heading('Use Triad here as Lea').waitFor();
		await tablet.heading('Triads in code 2 of 2').waitFor();
		await tablet.page.getByText('Your other device made 2 codes. Scan the other one').waitFor();
		await tablet.screen(SHOT, 'confirm-part');
	});

	test('a cut-off link is explained, and the dark theme passes the same checks', async () => {
		await laptop.page.goto(link.slice(0, -20));
		await laptop.page.getByText('The link seems cut off.').waitFor();
		await checkScreen(laptop.page, `${SHOT}-laptop-cut-off`);
		await phone.page.emulateMedia({ colorScheme: 'dark' });
		try {
			await phone.page.goto('/another-device');
			await phone.page.locator('.qr svg').waitFor();
			await phone.screen(SHOT, 'another-device-dark');
		} finally {
			await phone.page.emulateMedia({ colorScheme: null });
		}
	});
});
