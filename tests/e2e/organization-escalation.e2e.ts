/**
 * An organization's links and an escalation, through the real relay. Ada, a steward, hands Vic
 * the organization's people link: Vic sees it read-only on his own device. Ada's operational
 * triad raises a tension while her phone is offline; the strategic triad (Ada, Ben, Cy) accepts
 * it as one of its proposals, decides it with the usual rule, and sends the outcome back through
 * its own feed; the operational triad's page shows "Decided upstream" with the reason. New
 * screens are screenshotted at 360 px and checked with axe.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const SHOT = 'organization-escalation';
const ORG = 'Harbour clinic';
const STRATEGIC = 'Board triad';
const OPERATIONAL = 'Night shift';
const TENSION = 'Two more nurses at night';
const WHY = 'Night admissions doubled since spring.';
const REASON = 'Funded from the winter budget.';

describe('organization links and an escalation decided upstream', () => {
	let ada: Member;
	let vic: Member;
	let orgUrl: string;
	let strategicInvite: string;

	test('Ada creates the organization and a strategic and an operational triad', async () => {
		ada = await Member.open(await harness.newMember(), 'Ada');
		await ada.page.goto('/o/new');
		await ada.heading('Create an organization').waitFor();
		await ada.page.getByLabel('Name', { exact: true }).fill(ORG);
		await ada.page.getByLabel('Purpose').fill('Care through the night.');
		await ada.page.getByRole('button', { name: 'Create organization' }).click();
		await ada.heading(ORG).waitFor();
		orgUrl = ada.page.url();

		await ada.page.getByRole('link', { name: 'New triad', exact: true }).click();
		await ada.page.getByLabel('Name', { exact: true }).fill(STRATEGIC);
		await ada.page.getByLabel('Level').selectOption({ label: 'Strategic' });
		await ada.page.getByRole('button', { name: 'Create triad' }).click();
		await ada.heading(`Invite members to ${STRATEGIC}`).waitFor();
		strategicInvite = await ada.page.getByLabel('Invite link', { exact: true }).inputValue();

		await ada.page.goto(orgUrl);
		await ada.page.getByRole('link', { name: 'New triad', exact: true }).click();
		await ada.page.getByLabel('Name', { exact: true }).fill(OPERATIONAL);
		await ada.page.getByLabel('Reports to').selectOption({ label: STRATEGIC });
		await ada.page.getByRole('button', { name: 'Create triad' }).click();
		await ada.heading(`Invite members to ${OPERATIONAL}`).waitFor();
		await ada.page.goto(orgUrl);
		const register = ada.page.getByRole('region', { name: 'Register of triads' });
		await register.getByText(`No unit · reports to ${STRATEGIC}`).waitFor();
		expect(await register.getByRole('link').allTextContents()).toEqual([STRATEGIC, OPERATIONAL]);
	});

	test('Vic joins with the people link and sees the organization read-only', async () => {
		await ada.page.goto(orgUrl);
		const invite = ada.page.getByRole('region', { name: 'Invite', exact: true });
		await invite.getByRole('button', { name: 'Steward link' }).click();
		const stewardLink = await ada.page.getByLabel('Steward link', { exact: true }).inputValue();
		expect(new URL(stewardLink).hash.startsWith('#ov1.')).toBe(true);
		await invite.getByRole('button', { name: 'People link' }).click();
		const peopleLink = await ada.page.getByLabel('People link', { exact: true }).inputValue();
		expect(new URL(peopleLink).hash.startsWith('#or1.')).toBe(true);
		await ada.screen(SHOT, 'people-link');

		vic = await Member.open(await harness.newMember(), 'Vic');
		await vic.page.goto(peopleLink);
		await vic.heading(`Join “${ORG}”`).waitFor();
		await vic.page.getByText('This is a view-only link to an organization').waitFor();
		// The capability leaves the address bar as soon as the join screen has read it.
		await expect.poll(() => new URL(vic.page.url()).hash).toBe('');
		await vic.screen(SHOT, 'join');
		await vic.page.getByRole('button', { name: 'Join organization' }).click();
		await vic.heading(ORG).waitFor();
		await vic.page.getByText('View only: stewards').waitFor();
		const register = vic.page.getByRole('region', { name: 'Register of triads' });
		await register.getByRole('link', { name: STRATEGIC }).waitFor({ timeout: 20_000 });
		await register.getByRole('link', { name: OPERATIONAL }).waitFor();
		// Nothing to write with: no unit form, no links to hand out.
		expect(await vic.page.getByRole('button', { name: 'Add unit' }).count()).toBe(0);
		expect(await vic.page.getByRole('region', { name: 'Invite', exact: true }).count()).toBe(0);
		await vic.screen(SHOT, 'viewer');

		// The organization is kept on Vic's device, apart from his triads.
		await vic.page.goto('/o');
		await vic.page.getByRole('link', { name: ORG }).waitFor();
	});

	test('the operational triad raises a tension while offline', async () => {
		await ada.page.goto(orgUrl);
		await ada.page
			.getByRole('region', { name: 'Register of triads' })
			.getByRole('link', { name: OPERATIONAL })
			.click();
		await ada.heading('Escalations').waitFor();
		await ada.goOffline();
		const section = ada.page.getByRole('region', { name: 'Escalations', exact: true });
		await section.getByRole('button', { name: `Escalate to ${STRATEGIC}` }).click();
		await section.getByRole('alert').filter({ hasText: 'Give the escalation a title.' }).waitFor();
		await section.getByLabel('Title').fill(TENSION);
		await section.getByLabel('Why, in one line').fill(WHY);
		await section.getByRole('button', { name: `Escalate to ${STRATEGIC}` }).click();
		await section.getByText(`Raised; waiting for ${STRATEGIC}.`).waitFor();
		await section.getByText(WHY).waitFor();
		await ada.screen(SHOT, 'raised');
		await ada.goOnline();
	});

	test('the strategic triad accepts it, decides it with the usual rule, sends it back', async () => {
		const [ben, cy] = await Promise.all([
			harness.newMember().then((context) => Member.open(context, 'Ben')),
			harness.newMember().then((context) => Member.open(context, 'Cy'))
		]);
		for (const member of [ben, cy]) {
			await member.joinWith(strategicInvite, STRATEGIC);
			await member.acceptInvite(STRATEGIC);
		}
		await ada.page.goto(orgUrl);
		await ada.page
			.getByRole('region', { name: 'Register of triads' })
			.getByRole('link', { name: STRATEGIC })
			.click();
		const raised = ada.page.getByRole('region', { name: 'Escalations raised here' });
		await raised.getByText(TENSION).waitFor({ timeout: 20_000 });
		await raised.getByText(`From ${OPERATIONAL}, a tension`).waitFor();
		await ada.screen(SHOT, 'raised-here');
		await raised.getByRole('button', { name: 'Accept as a proposal' }).click();
		await raised.getByText(/^Accepted as a proposal \(Draft\)/).waitFor();
		await raised.getByRole('link', { name: 'Open the proposal' }).click();
		await ada.heading(TENSION).waitFor();

		await ada.gotoTriad(STRATEGIC);
		await ada.claimSeat('keeper');
		await ben.claimSeat('bearer');
		await cy.claimSeat('navigator');
		for (const member of [ada, ben, cy]) await member.seesInSeat('navigator', 'Cy');
		await ada.openProposal(TENSION);
		await ada.openForVote();
		await ben.openProposal(TENSION);
		await cy.openProposal(TENSION);
		await ada.vote('keeper', 'Agree');
		await ben.vote('bearer', 'Agree');
		await cy.vote('navigator', 'Agree');
		await ada.outcome('consensus').waitFor({ timeout: 20_000 });

		await ada.page.goto(orgUrl);
		await ada.page
			.getByRole('region', { name: 'Register of triads' })
			.getByRole('link', { name: STRATEGIC })
			.click();
		await raised.getByText('Decided: Consensus').waitFor({ timeout: 20_000 });
		await raised.getByLabel('Reason sent back').fill(REASON);
		await ada.screen(SHOT, 'send-back');
		await raised.getByRole('button', { name: 'Send the decision back' }).click();
		await raised.getByText(`Reason: ${REASON}`).waitFor();
	});

	test('the operational triad sees the answer, offline after a reload too', async () => {
		await ada.page.goto(orgUrl);
		await ada.page
			.getByRole('region', { name: 'Register of triads' })
			.getByRole('link', { name: OPERATIONAL })
			.click();
		const section = ada.page.getByRole('region', { name: 'Escalations', exact: true });
		await section.getByText('Decided upstream: Consensus').waitFor({ timeout: 20_000 });
		await section.getByText(`Reason: ${REASON}`).waitFor();
		await ada.screen(SHOT, 'decided-upstream');
		await ada.goOffline();
		await ada.page.reload();
		await section.getByText('Decided upstream: Consensus').waitFor({ timeout: 20_000 });
		await ada.goOnline();
	});
});
