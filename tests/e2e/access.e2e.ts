/**
 * Access end to end, through the real relay: a view-only link opens the triad read-only and
 * follows the members' edits live; removing a member changes the triad's access, so the removed
 * member's device says its access was changed while the remaining two sync on with the new
 * links. Screens are screenshotted (360 px) and checked with axe.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Lighthouse triad';
const SHOT = 'access';
const PROPOSAL = 'Night shift rota';
const ACCESS_CHANGED =
	'Your access to this triad was changed — ask a member for a new invite link.';

/** Waits until `member` sees `text` somewhere on the screen. */
function sees(member: Member, text: string): Promise<void> {
	return member.page.getByText(text).first().waitFor({ timeout: 30_000 });
}

async function addToLog(member: Member, entry: string): Promise<void> {
	await member.gotoView('Decisions');
	await member.page.getByLabel('New entry').fill(entry);
	await member.page.getByRole('button', { name: 'Add to the log' }).click();
	await member.page.getByText(entry).waitFor();
}

/** The number of buttons and fields in the triad's views that would change the triad. */
async function writeControls(member: Member): Promise<number> {
	let total = 0;
	for (const view of ['Proposals', 'Decisions', 'Actions', 'People'] as const) {
		await member.gotoView(view);
		total += await writeControlsInView(member);
	}
	return total;
}

async function writeControlsInView(member: Member): Promise<number> {
	const page = member.page;
	const counts = await Promise.all([
		page.getByRole('button', { name: 'Draft' }).count(),
		page.getByRole('button', { name: /^Take the / }).count(),
		page.getByRole('button', { name: 'Leave seat' }).count(),
		page.getByRole('button', { name: 'Add to the log' }).count(),
		page.getByRole('button', { name: 'Add action' }).count(),
		page.getByRole('button', { name: /^Remove .* from this triad$/ }).count(),
		page.getByRole('link', { name: 'Invite members' }).count()
	]);
	return counts.reduce((sum, count) => sum + count, 0);
}

describe('access: member, viewer, removed', () => {
	let ada: Member;
	let bo: Member;
	let cy: Member;
	let vi: Member;
	let invite: string;

	test('three members take their seats; Ada drafts a proposal', async () => {
		ada = await Member.open(await harness.newMember(), 'Ada');
		invite = await ada.createTriad({
			name: TRIAD,
			purpose: 'Keep the light on.',
			level: 'Operational',
			unit: 'Coast'
		});
		[bo, cy] = await Promise.all([
			harness.newMember().then((context) => Member.open(context, 'Bo')),
			harness.newMember().then((context) => Member.open(context, 'Cy'))
		]);
		for (const member of [bo, cy]) {
			await member.joinWith(invite, TRIAD);
			await member.acceptInvite(TRIAD);
		}
		await ada.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ada.heading(TRIAD).waitFor();
		await ada.claimSeat('keeper');
		await bo.claimSeat('bearer');
		await cy.claimSeat('navigator');
		for (const member of [ada, bo, cy]) {
			await member.seesInSeat('navigator', 'Cy');
			await member.expectPill('Synced');
		}
		await ada.draftProposal(PROPOSAL);
		await ada.typeInEditor('Two keepers each night.');
		await ada.gotoTriad(TRIAD);
	});

	test('a view-only link opens the triad read-only, marked so, and follows live edits', async () => {
		await ada.gotoView('People');
		await ada.page.getByRole('link', { name: 'Invite members' }).click();
		await ada.page.getByRole('button', { name: 'Show view-only link' }).click();
		const viewerLink = await ada.page.getByLabel('View-only link', { exact: true }).inputValue();
		expect(viewerLink).toMatch(/\/join#r1\./);
		await ada.page.locator('.invite.viewer .qr svg').waitFor();
		await ada.screen(SHOT, 'invite-with-view-only-link');

		// A member who opens it stays a member, and is told so.
		await bo.page.goto(viewerLink);
		await bo.page.getByRole('button', { name: 'Join triad' }).click();
		await sees(bo, 'You are already a member of this triad on this device');
		await bo.screen(SHOT, 'join-view-only-as-member');
		await bo.page.getByRole('link', { name: 'Open the triad' }).click();
		await bo.heading(TRIAD).waitFor();
		expect(await bo.page.locator('.view-only').count()).toBe(0);
		await bo.gotoView('People');
		await bo.page.getByRole('link', { name: 'Invite members' }).waitFor();

		vi = await Member.open(await harness.newMember(), 'Vi');
		await vi.joinWith(viewerLink, TRIAD);
		await vi.page.getByText('This is a view-only link').waitFor();
		await vi.screen(SHOT, 'join-view-only');
		await vi.acceptInvite(TRIAD);
		await vi.page.locator('.triad-head .view-only').waitFor();
		await vi.expectPill('Synced');
		await vi.gotoView('People');
		await sees(vi, 'Keep the light on.');
		await vi.seesInSeat('navigator', 'Cy');
		await sees(vi, 'You have view-only access');
		expect(await writeControls(vi)).toBe(0);
		await vi.screen(SHOT, 'view-only-triad');
		await vi.gotoView('Proposals');

		// The viewer announced nothing: the members do not list it anywhere.
		await ada.page.getByRole('link', { name: `← ${TRIAD}` }).click();
		expect(await ada.page.getByText('Vi', { exact: true }).count()).toBe(0);

		// The proposal: its text without an editor, no controls, no vote, and Ada's edits live.
		await vi.page
			.getByRole('link', { name: new RegExp(PROPOSAL) })
			.first()
			.click();
		await vi.heading(PROPOSAL).waitFor();
		await vi.page.locator('.title-row .view-only').waitFor();
		await expect
			.poll(() => vi.page.locator('.proposal-body').textContent())
			.toContain('Two keepers each night.');
		expect(await vi.page.locator('.proposal-body[contenteditable]').count()).toBe(0);
		expect(await vi.page.getByRole('button', { name: 'Open for vote' }).count()).toBe(0);
		expect(await vi.page.getByRole('button', { name: 'Proposal actions' }).count()).toBe(0);

		await ada.openProposal(PROPOSAL);
		await ada.typeInEditor(' And a third on Fridays.');
		await expect
			.poll(() => vi.page.locator('.proposal-body').textContent(), { timeout: 20_000 })
			.toContain('And a third on Fridays.');
		await ada.openForVote();
		await vi.page.getByText('you cannot cast a ballot').waitFor();
		expect(await vi.page.locator('.vote').count()).toBe(0);
		await vi.expectPill('Synced');
		await vi.screen(SHOT, 'view-only-proposal');

		// Home lists it with its mark.
		await vi.page.getByRole('link', { name: 'Triad', exact: true }).click();
		await vi.page
			.getByRole('link', { name: new RegExp(`^${TRIAD}`) })
			.locator('.view-only')
			.waitFor();
		await vi.screen(SHOT, 'view-only-home');
		await ada.gotoTriad(TRIAD);
	});

	let newInvite: string;

	test('Ada removes Cy: a confirmation first, then new links once the relay changed access', async () => {
		await ada.gotoView('People');
		const remove = ada.page.getByRole('button', { name: 'Remove Cy from this triad' });
		await remove.scrollIntoViewIfNeeded();
		await remove.click();
		const dialog = ada.page.getByRole('dialog', { name: 'Remove Cy from this triad?' });
		await dialog.waitFor();
		// The safe choice has the focus.
		expect(await ada.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
			'Cancel'
		);
		await ada.screen(SHOT, 'remove-member-confirmation');
		await dialog.getByRole('button', { name: 'Remove Cy', exact: true }).click();

		const panel = ada.page.getByRole('region', { name: `New links for ${TRIAD}` });
		await panel.waitFor({ timeout: 30_000 });
		newInvite = await panel.getByLabel('Invite link', { exact: true }).inputValue();
		expect(newInvite).toMatch(/\/join#v1\./);
		expect(newInvite).not.toBe(invite);
		await panel.getByRole('button', { name: 'Show view-only link' }).click();
		await panel.locator('.invite.viewer .qr svg').waitFor();
		const newViewerLink = await panel.getByLabel('View-only link', { exact: true }).inputValue();
		expect(newViewerLink).toMatch(/\/join#r1\./);
		await ada.expectPill('Synced');
		await panel.scrollIntoViewIfNeeded();
		await ada.screen(SHOT, 'new-links');

		// The removal is on record and Cy's seat is free.
		await ada.gotoView('Decisions');
		await sees(ada, 'Removed Cy from the triad.');
		await ada.gotoView('People');
		expect(await ada.seatHolder('navigator').textContent()).toContain('Free');
		expect(await ada.page.getByRole('button', { name: 'Remove Cy from this triad' }).count()).toBe(
			0
		);
	});

	test('Cy’s device says its access was changed, keeps its copy readable and exportable', async () => {
		await cy.page.getByRole('alert').filter({ hasText: ACCESS_CHANGED }).waitFor({
			timeout: 30_000
		});
		await cy.expectPill('Access changed');
		// Cy's device had the removal before it was cut off, so it says who removed Cy.
		await sees(cy, 'Ada removed you from this triad.');
		expect(await writeControls(cy)).toBe(0);
		await sees(cy, 'Keep the light on.');
		const [download] = await Promise.all([
			cy.page.waitForEvent('download'),
			cy.page.getByRole('button', { name: 'Download workspace file (.json)' }).click()
		]);
		expect(JSON.parse(await readFile(await download.path(), 'utf8'))).toMatchObject({
			format: 'triad-workspace'
		});
		await cy.screen(SHOT, 'access-changed');

		// Cy's old link no longer works for anyone: Bo and the old viewer link are refused too.
		await bo.page.getByRole('alert').filter({ hasText: ACCESS_CHANGED }).waitFor();
		await bo.expectPill('Access changed');
		await vi.page.getByRole('link', { name: new RegExp(`^${TRIAD}`) }).click();
		await vi.expectPill('Access changed');
	});

	test('Bo comes back with the new link; Ada and Bo sync on, Cy gets nothing more', async () => {
		await bo.joinWith(newInvite, TRIAD);
		await bo.acceptInvite(TRIAD);
		await bo.expectPill('Synced');
		expect(await bo.page.getByRole('alert').filter({ hasText: ACCESS_CHANGED }).count()).toBe(0);
		await bo.gotoView('Decisions');
		await sees(bo, 'Removed Cy from the triad.');

		await addToLog(ada, 'Lamp replaced on the north side.');
		await sees(bo, 'Lamp replaced on the north side.');
		await addToLog(bo, 'Fog horn tested.');
		await sees(ada, 'Fog horn tested.');
		for (const member of [ada, bo]) await member.expectPill('Synced');

		await cy.expectPill('Access changed');
		await cy.gotoView('Decisions');
		expect(await cy.page.getByText('Lamp replaced on the north side.').count()).toBe(0);
		expect(await cy.page.getByText('Fog horn tested.').count()).toBe(0);
		await bo.screen(SHOT, 'back-with-new-link');
	});

	test('the viewer opens the new member link and becomes a member', async () => {
		await vi.joinWith(newInvite, TRIAD);
		await vi.acceptInvite(TRIAD);
		await vi.expectPill('Synced');
		await vi.gotoView('Decisions');
		await sees(vi, 'Fog horn tested.');
		expect(await vi.page.locator('.view-only').count()).toBe(0);
		await vi.claimSeat('navigator');
		for (const member of [ada, bo]) await member.seesInSeat('navigator', 'Vi');
	});

	test('offline, a removal waits for the relay; the new links appear once it changed access', async () => {
		await ada.goOffline();
		try {
			await ada.expectPill('Offline');
			await ada.gotoView('People');
			const remove = ada.page.getByRole('button', { name: 'Remove Vi from this triad' });
			await remove.scrollIntoViewIfNeeded();
			await remove.click();
			const dialog = ada.page.getByRole('dialog', { name: 'Remove Vi from this triad?' });
			await dialog.getByText('You are offline').waitFor();
			await dialog.getByRole('button', { name: 'Remove Vi', exact: true }).click();
			await sees(ada, 'Waiting for the relay to change access…');
			// The document part is done at once.
			expect(await ada.seatHolder('navigator').textContent()).toContain('Free');
			await ada.screen(SHOT, 'removal-waiting');
			// Meanwhile the links sent so far still work.
			await vi.expectPill('Synced');
		} finally {
			await ada.goOnline();
		}
		const panel = ada.page.getByRole('region', { name: `New links for ${TRIAD}` });
		await panel.waitFor({ timeout: 30_000 });
		const latest = await panel.getByLabel('Invite link', { exact: true }).inputValue();
		expect(latest).not.toBe(newInvite);
		await ada.expectPill('Synced');
		for (const member of [bo, vi]) {
			await member.page.getByRole('alert').filter({ hasText: ACCESS_CHANGED }).waitFor();
		}
		await sees(vi, 'Ada removed you from this triad.');
	});
});
