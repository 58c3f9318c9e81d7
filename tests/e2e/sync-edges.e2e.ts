/**
 * Sync at its edges, through the real relay: a device whose invite the relay does not accept
 * keeps its own work and says why it cannot sync, while the triad's real members sync on; and
 * two tabs of one browser sync with each other directly, offline too, and what one tab wrote
 * offline reaches the other members once the device is back online. Screens are screenshotted
 * and checked with axe.
 */
import { describe, expect, test } from 'vitest';
import { createInviteLink, parseInviteLink } from '../../src/lib/sync/invite-link';
import { newWorkspaceSecret } from '../../src/lib/sync/workspace-secret';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const SHOT = 'edges';
const REFUSAL_NOTICE =
	'The relay does not accept this device’s invite for this triad. Your changes are kept on this ' +
	'device; ask a member for a new invite link.';
const DETAILS_MISSING = 'The triad’s details have not reached this device yet.';

/**
 * The invite link to the same triad with another well-formed secret: a link that was tampered
 * with, or one for a triad the relay already knows under a different key. The app accepts it;
 * only the relay can tell.
 */
function withForeignSecret(invite: string): string {
	const parsed = parseInviteLink(invite);
	if (!parsed.ok) throw parsed.error;
	const forged = createInviteLink(
		{ ...parsed.invite, secret: newWorkspaceSecret() },
		harness.server.url
	);
	const reread = parseInviteLink(forged);
	expect(reread.ok && reread.invite.docId === parsed.invite.docId).toBe(true);
	expect(reread.ok && reread.invite.secret !== parsed.invite.secret).toBe(true);
	return forged;
}

/** Waits until `member` sees `text` somewhere on the screen. */
function sees(member: Member, text: string): Promise<void> {
	return member.page.getByText(text).first().waitFor({ timeout: 30_000 });
}

/**
 * The proposal screen's list of who else has it open ("here now: …": each member once, this
 * member's other tabs as "you"), as its words, or null when nobody else is there.
 */
async function editingHere(member: Member): Promise<string | null> {
	const hint = member.page.locator('p.hint').filter({ hasText: /here now: / });
	if ((await hint.count()) === 0) return null;
	const text = ((await hint.textContent()) ?? '').replace(/\s+/g, ' ');
	return text.slice(text.indexOf('here now: ') + 'here now: '.length).trim();
}

async function addToLog(member: Member, entry: string): Promise<void> {
	await member.gotoView('Decisions');
	await member.page.getByLabel('New entry').fill(entry);
	await member.page.getByRole('button', { name: 'Add to the log' }).click();
	await member.page.getByText(entry).waitFor();
}

describe('a device the relay refuses', () => {
	const TRIAD = 'Quay triad';
	const PURPOSE = 'Keep the quay moving.';
	const PROPOSAL = 'Tide tables on the wall';
	const ADA_LOG = 'Crane two is back in service.';
	const EVE_LOG = 'Noted on a device the relay refused.';

	let ada: Member;
	let eve: Member;
	let invite: string;

	test('the creator registers the triad on the relay with her first edits', async () => {
		ada = await Member.open(await harness.newMember(), 'Ada');
		invite = await ada.createTriad({
			name: TRIAD,
			purpose: PURPOSE,
			level: 'Operational',
			unit: 'Port'
		});
		await ada.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ada.heading(TRIAD).waitFor();
		await ada.claimSeat('keeper');
		await ada.draftProposal(PROPOSAL);
		await ada.expectPill('Synced');
	});

	test('a tampered invite joins locally; the relay refuses it and the triad screen says so', async () => {
		eve = await Member.open(await harness.newMember(), 'Eve');
		await eve.joinWith(withForeignSecret(invite), TRIAD);
		await eve.acceptInvite(TRIAD);
		await eve.expectPill('Relay refused access');
		await eve.page.getByRole('alert').filter({ hasText: REFUSAL_NOTICE }).waitFor();

		// Refused before any document byte: nothing of Ada's triad is on this device. The screen
		// does not promise that the details will arrive: the refusal notice says what to do.
		expect(await eve.page.getByText(DETAILS_MISSING).count()).toBe(0);
		expect(await eve.page.getByRole('link', { name: new RegExp(PROPOSAL) }).count()).toBe(0);
		await eve.gotoView('People');
		await eve.seatHolder('keeper').waitFor();
		expect(await eve.page.getByText(PURPOSE).count()).toBe(0);
		expect(await eve.seatHolder('keeper').textContent()).toContain('Free');

		// Local-first: the refused device still takes its member's work.
		await eve.claimSeat('bearer');
		await addToLog(eve, EVE_LOG);
		await eve.expectPill('Relay refused access');
		await eve.screen(SHOT, 'refused');
	});

	test('after a reload the refused device still has its own work and is still refused', async () => {
		await eve.page.reload();
		await eve.heading(TRIAD).waitFor();
		// The reload keeps the view that was open (it is in the address).
		await eve.page.getByText(EVE_LOG).waitFor();
		expect(await eve.page.getByText(ADA_LOG).count()).toBe(0);
		await eve.gotoView('People');
		await eve.seatHolder('bearer').filter({ hasText: '(you)' }).waitFor();
		await eve.expectPill('Relay refused access');
		await eve.page.getByRole('alert').filter({ hasText: REFUSAL_NOTICE }).waitFor();
		expect(await eve.page.getByText(DETAILS_MISSING).count()).toBe(0);
		expect(await eve.page.getByText(PURPOSE).count()).toBe(0);
		await eve.screen(SHOT, 'refused-reloaded');
	});

	test('the creator syncs on: a member with the real invite gets her work and none of the refused device’s', async () => {
		await ada.gotoTriad(TRIAD);
		await addToLog(ada, ADA_LOG);
		await ada.expectPill('Synced');

		const bo = await Member.open(await harness.newMember(), 'Bo');
		await bo.joinWith(invite, TRIAD);
		await bo.acceptInvite(TRIAD);
		await bo.expectPill('Synced');
		await bo.page
			.getByRole('link', { name: new RegExp(PROPOSAL) })
			.first()
			.waitFor();
		await bo.gotoView('Decisions');
		await sees(bo, ADA_LOG);
		// Bo has what the relay holds (Ada's last entry came after Eve's), and Eve's work is not in it.
		expect(await bo.page.getByText(EVE_LOG).count()).toBe(0);
		await bo.seesInSeat('keeper', 'Ada');
		await sees(bo, PURPOSE);
		expect(await bo.seatHolder('bearer').textContent()).toContain('Free');
		await ada.expectPill('Synced');
		// Eve, still open all along, got none of it either.
		await eve.gotoView('Decisions');
		expect(await eve.page.getByText(ADA_LOG).count()).toBe(0);
		await eve.expectPill('Relay refused access');
		await bo.screen(SHOT, 'genuine-member');
	});
});

describe('two tabs of one browser', () => {
	const TRIAD = 'Ferry triad';
	const OFFLINE_LOG = 'Written in the first tab with no network.';
	const PROPOSAL = 'Ferry timetable';
	const BODY = 'Sailings every hour.';

	let kai: Member;
	let kaiTab2: Member;
	let lea: Member;
	let triadPath: string;

	test('one member has the triad open in two tabs; another member is in it too', async () => {
		kai = await Member.open(await harness.newMember(), 'Kai');
		const invite = await kai.createTriad({
			name: TRIAD,
			purpose: 'Run the crossings.',
			level: 'Operational',
			unit: 'Ferries'
		});
		await kai.page.getByRole('link', { name: 'Go to the triad' }).click();
		await kai.heading(TRIAD).waitFor();
		await kai.claimSeat('keeper');
		triadPath = new URL(kai.page.url()).pathname;

		lea = await Member.open(await harness.newMember(), 'Lea');
		await lea.joinWith(invite, TRIAD);
		await lea.acceptInvite(TRIAD);
		await lea.claimSeat('bearer');
		await lea.seesInSeat('keeper', 'Kai');

		// The same browser context: same profile, same device database, another tab.
		kaiTab2 = new Member('Kai', kai.context, await kai.context.newPage());
		await kaiTab2.page.goto(triadPath);
		await kaiTab2.heading(TRIAD).waitFor();
		await kaiTab2.seesInSeat('bearer', 'Lea');
		for (const tab of [kai, kaiTab2]) await tab.expectPill('Synced');
	});

	test('offline, what one tab writes appears in the other, and the tabs see each other', async () => {
		await kai.goOffline();
		// Back online whatever happens, so a failure here does not leave Kai offline for the rest.
		try {
			for (const tab of [kai, kaiTab2]) await tab.expectPill('Offline');

			await addToLog(kai, OFFLINE_LOG);
			await kaiTab2.gotoView('Decisions');
			await sees(kaiTab2, OFFLINE_LOG);
			// Updates from another tab are not on the relay either, so both tabs say so.
			for (const tab of [kai, kaiTab2]) await tab.expectPill('Changes not yet on the relay');
			// The triad screen lists members, not devices: Kai's second tab adds nobody there.
			const here = await kai.page.locator('.here').textContent();
			expect(here?.replace(/\s+/g, ' ').trim()).toBe('Here now: you');
			await checkBothTabs('offline-log');

			await kai.draftProposal(PROPOSAL);
			await kaiTab2.openProposal(PROPOSAL);
			// The proposal screen names who else has it open; another tab of Kai's is "you".
			for (const tab of [kai, kaiTab2]) {
				await expect.poll(() => editingHere(tab), { timeout: 20_000 }).toBe('you');
			}
			await kai.typeInEditor(BODY);
			await kaiTab2.seesBlocks([BODY]);
			await checkBothTabs('offline-proposal');

			// Leaving the proposal in one tab takes that tab off the other tab's list.
			await kaiTab2.gotoTriad(TRIAD);
			await expect.poll(() => editingHere(kai), { timeout: 20_000 }).toBe(null);

			// Lea's device is online, but Kai's device has not reached the relay since.
			await lea.gotoView('Decisions');
			expect(await lea.page.getByText(OFFLINE_LOG).count()).toBe(0);
		} finally {
			await kai.goOnline();
		}
	});

	test('back online, the other member receives what the tab wrote offline', async () => {
		await sees(lea, OFFLINE_LOG);
		await lea.gotoView('Proposals');
		await lea.page
			.getByRole('link', { name: new RegExp(PROPOSAL) })
			.first()
			.waitFor({ timeout: 30_000 });
		await lea.openProposal(PROPOSAL);
		await lea.seesBlocks([BODY]);
		for (const tab of [kai, kaiTab2]) await tab.expectPill('Synced');
		// Online, Kai’s first tab lists his second tab as "you" and Lea (through the relay).
		await kaiTab2.openProposal(PROPOSAL);
		await expect.poll(() => editingHere(kai), { timeout: 20_000 }).toBe('you, Lea');
		await lea.screen(SHOT, 'received-from-tab');
	});

	/*
	 * y-websocket's close handler removes every presence but the tab's own, other tabs' included
	 * (their entries came through the tab channel and are still valid); the tab channel asks them
	 * to announce themselves again, so they stay listed instead of vanishing for ~15 s.
	 */
	test('going offline does not lose the other tab: it stays "here now", the relay’s peers go', async () => {
		await kai.goOffline();
		try {
			await kai.expectPill('Offline');
			expect(await editingHere(kai)).toBe('you');
			expect(await editingHere(kaiTab2)).toBe('you');
		} finally {
			await kai.goOnline();
		}
	});

	/** Screenshot and axe check of both of Kai's tabs, as `edges-kai-tab1-…` and `…-tab2-…`. */
	async function checkBothTabs(screen: string): Promise<void> {
		await kai.screen(SHOT, `tab1-${screen}`);
		await kaiTab2.screen(SHOT, `tab2-${screen}`);
	}
});
