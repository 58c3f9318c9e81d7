/**
 * Who is here, through the real relay: two members, each with the same proposal open in two tabs
 * of one browser. Presence is announced per tab, but the screens name people: each member once,
 * and the viewer's own other tab as "you". Screens are screenshotted and checked with axe.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const SHOT = 'presence';
const TRIAD = 'Lock triad';
const PROPOSAL = 'Night opening of the lock';

/**
 * The names after "here now:" on the proposal screen, or null when the line is not shown (nobody
 * else has the proposal open).
 */
async function hereOnProposal(member: Member): Promise<string | null> {
	const hint = member.page.locator('p.hint').filter({ hasText: /here now: / });
	if ((await hint.count()) === 0) return null;
	const text = ((await hint.textContent()) ?? '').replace(/\s+/g, ' ');
	return text.slice(text.indexOf('here now: ') + 'here now: '.length).trim();
}

/** Another tab of the same browser (same profile and device database) on `path`. */
async function secondTab(member: Member, path: string): Promise<Member> {
	const tab = new Member(member.name, member.context, await member.context.newPage());
	await tab.page.goto(path);
	return tab;
}

describe('members with several tabs', () => {
	let kai: Member;
	let kaiTab2: Member;
	let lea: Member;
	let leaTab2: Member;

	test('two members open one proposal, each in two tabs', async () => {
		kai = await Member.open(await harness.newMember(), 'Kai');
		const invite = await kai.createTriad({
			name: TRIAD,
			purpose: 'Keep the canal open at night.',
			level: 'Operational',
			unit: 'Canal'
		});
		await kai.page.getByRole('link', { name: 'Go to the triad' }).click();
		await kai.heading(TRIAD).waitFor();
		await kai.claimSeat('keeper');

		lea = await Member.open(await harness.newMember(), 'Lea');
		await lea.joinWith(invite, TRIAD);
		await lea.acceptInvite(TRIAD);
		await lea.claimSeat('bearer');

		await kai.draftProposal(PROPOSAL);
		const proposalPath = new URL(kai.page.url()).pathname;
		expect(proposalPath).toMatch(/^\/t\/[\w-]{22}\/p\/[\w-]+$/);
		await lea.gotoView('Proposals');
		await lea.page
			.getByRole('link', { name: new RegExp(PROPOSAL) })
			.first()
			.waitFor({
				timeout: 30_000
			});
		await lea.openProposal(PROPOSAL);
		kaiTab2 = await secondTab(kai, proposalPath);
		leaTab2 = await secondTab(lea, proposalPath);
		for (const tab of [kaiTab2, leaTab2]) await tab.heading(PROPOSAL).waitFor();
	});

	test('each tab names every member once, its own member as "you"', async () => {
		for (const tab of [kai, kaiTab2]) {
			await expect.poll(() => hereOnProposal(tab), { timeout: 20_000 }).toBe('you, Lea');
		}
		for (const tab of [lea, leaTab2]) {
			await expect.poll(() => hereOnProposal(tab), { timeout: 20_000 }).toBe('you, Kai');
		}
		await kai.screen(SHOT, 'proposal-two-tabs-each');
	});

	test('a member stays listed while one of their tabs is still here', async () => {
		await leaTab2.gotoTriad(TRIAD);
		// Lea's other tab left the proposal, so her first tab has nobody of hers to list any more.
		await expect.poll(() => hereOnProposal(lea), { timeout: 20_000 }).toBe('Kai');
		// Kai hears of that tab through the relay. Nothing on his screen changes when it arrives, so
		// give it time to arrive (a relay round trip here takes milliseconds) before checking that
		// Lea is still listed; a check made at once could pass before the news got there.
		await new Promise((resolve) => setTimeout(resolve, 2000));
		expect(await hereOnProposal(kai)).toBe('you, Lea');

		await kaiTab2.gotoTriad(TRIAD);
		await expect.poll(() => hereOnProposal(kai), { timeout: 20_000 }).toBe('Lea');
		await expect.poll(() => hereOnProposal(lea), { timeout: 20_000 }).toBe('Kai');
	});

	test('the triad screen lists members too, not tabs', async () => {
		// Kai has the triad screen open in his second tab and the proposal in his first.
		const here = kaiTab2.page.locator('.here');
		await expect
			.poll(async () => (await here.textContent())?.replace(/\s+/g, ' ').trim(), {
				timeout: 20_000
			})
			.toBe('Here now: you, Lea');
		await kaiTab2.screen(SHOT, 'triad-two-tabs-each');
	});
});
