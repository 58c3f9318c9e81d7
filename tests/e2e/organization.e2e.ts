/**
 * The organization slice with three people on three devices through the real relay: Ada creates
 * an organization offline-capable from her phone, adds units as a tree, creates a strategic triad
 * and an operational triad in a unit reporting to it; Ben and Cy join the operational triad and
 * the three decide. Ada sees exactly what would leave the triad before opting in, publishes, and
 * the strategic triad's screen shows the decision. Every new screen is screenshotted at 360 px
 * and checked with axe.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const SHOT = 'organization';
const ORG = 'Riverside school';
const STRATEGIC = 'Leadership triad';
const OPERATIONAL = 'Year 1 team';
const DECISION = 'Longer reading time';

describe('an organization of two levels', () => {
	let ada: Member;
	let ben: Member;
	let cy: Member;
	let orgUrl: string;
	let invite: string;

	test('Ada creates an organization and its units, as a tree', async () => {
		ada = await Member.open(await harness.newMember(), 'Ada');
		await ada.screen(SHOT, 'home');
		await ada.page.getByRole('link', { name: 'Organizations' }).click();
		await ada.heading('Organizations').waitFor();
		await ada.page.getByText('This device holds no organization yet.').waitFor();
		await ada.screen(SHOT, 'list-empty');
		await ada.page.getByRole('link', { name: 'Create an organization' }).click();
		await ada.heading('Create an organization').waitFor();
		await ada.page.getByRole('button', { name: 'Create organization' }).click();
		await ada.page
			.getByRole('alert')
			.filter({ hasText: 'Give the organization a name.' })
			.waitFor();
		await ada.page.getByLabel('Name', { exact: true }).fill(ORG);
		await ada.page.getByLabel('Purpose').fill('Every child reads.');
		await ada.page
			.getByLabel('Values and working agreements')
			.fill('We decide together.\nWe say no kindly.');
		await ada.screen(SHOT, 'create');
		await ada.page.getByRole('button', { name: 'Create organization' }).click();
		await ada.heading(ORG).waitFor();
		orgUrl = ada.page.url();
		await ada.page.getByText('We say no kindly.').waitFor();

		const addUnit = async (name: string, kind: string, inside: string) => {
			await ada.page.getByLabel('Name', { exact: true }).fill(name);
			await ada.page.getByLabel('Kind').selectOption({ label: kind });
			await ada.page.getByLabel('Inside').selectOption({ label: inside });
			await ada.page.getByRole('button', { name: 'Add unit' }).click();
			await ada.page.locator('.unit .name', { hasText: name }).waitFor();
		};
		await addUnit('Primary', 'Department', 'The organization itself');
		await addUnit('Year 1', 'Cohort', 'Primary');
		await addUnit('Year 2', 'Cohort', 'Primary');
		expect(await ada.page.locator('.unit .name').allTextContents()).toEqual([
			'Primary',
			'Year 1',
			'Year 2'
		]);
		await ada.page.getByLabel('Name', { exact: true }).fill('   ');
		await ada.page.getByRole('button', { name: 'Add unit' }).click();
		await ada.page.getByRole('alert').filter({ hasText: 'name must not be empty' }).waitFor();
		await ada.screen(SHOT, 'units');
	});

	test('Ada creates a strategic triad, then one in a unit reporting to it', async () => {
		await ada.page.getByRole('link', { name: 'New triad', exact: true }).click();
		await ada.heading('New triad').waitFor();
		await ada.page.getByLabel('Name', { exact: true }).fill(STRATEGIC);
		await ada.page.getByLabel('Level').selectOption({ label: 'Strategic' });
		await ada.page.getByRole('button', { name: 'Create triad' }).click();
		await ada.heading(`Invite members to ${STRATEGIC}`).waitFor();

		await ada.page.goto(orgUrl);
		await ada.page.getByRole('link', { name: /^New triad in Year 1/ }).click();
		await ada.heading('New triad').waitFor();
		expect(await ada.page.getByLabel('Unit').inputValue()).not.toBe('');
		await ada.page.getByLabel('Name', { exact: true }).fill(OPERATIONAL);
		await ada.page.getByLabel('Reports to').selectOption({ label: STRATEGIC });
		await ada.screen(SHOT, 'new-triad');
		await ada.page.getByRole('button', { name: 'Create triad' }).click();
		await ada.heading(`Invite members to ${OPERATIONAL}`).waitFor();
		invite = await ada.page.getByLabel('Invite link', { exact: true }).inputValue();

		await ada.page.goto(orgUrl);
		const register = ada.page.getByRole('region', { name: 'Register of triads' });
		await register.getByRole('link', { name: STRATEGIC }).waitFor();
		await register.getByText(`Year 1 · reports to ${STRATEGIC}`).waitFor();
		await ada.screen(SHOT, 'register');
	});

	test('the operational triad decides; Ada sees what would leave it, then publishes', async () => {
		[ben, cy] = await Promise.all([
			harness.newMember().then((context) => Member.open(context, 'Ben')),
			harness.newMember().then((context) => Member.open(context, 'Cy'))
		]);
		for (const member of [ben, cy]) {
			await member.joinWith(invite, OPERATIONAL);
			await member.acceptInvite(OPERATIONAL);
		}
		await ada.page.goto(orgUrl);
		await ada.page.getByRole('link', { name: OPERATIONAL }).first().click();
		await ada.heading(OPERATIONAL).waitFor();
		await ada.page.getByRole('link', { name: 'Open the triad' }).click();
		await ada.heading(OPERATIONAL).waitFor();
		await ada.claimSeat('keeper');
		await ben.claimSeat('bearer');
		await cy.claimSeat('navigator');
		for (const member of [ada, ben, cy]) await member.seesInSeat('navigator', 'Cy');

		await ada.draftProposal(DECISION);
		await ada.openForVote();
		await ben.openProposal(DECISION);
		await cy.openProposal(DECISION);
		await ada.vote('keeper', 'Agree');
		await ben.vote('bearer', 'Agree');
		await cy.vote('navigator', 'Agree');
		await ada.outcome('consensus').waitFor({ timeout: 20_000 });

		await ada.page.goto(orgUrl);
		await ada.page.getByRole('link', { name: OPERATIONAL }).first().click();
		await ada.heading('What this triad publishes').waitFor();
		await ada.page.getByText('Nothing leaves this triad yet.').waitFor();
		const feed = ada.page.getByRole('region', { name: 'What this triad publishes' });
		await feed.getByText(DECISION).waitFor();
		await feed.getByText('Seats filled 3 of 3').waitFor();
		await ada.screen(SHOT, 'preview');
		await ada.page.getByRole('button', { name: 'Publish', exact: true }).click();
		await ada.page.getByRole('button', { name: 'Stop publishing' }).waitFor();
	});

	test('the strategic triad’s screen shows the operational triad’s decision and health', async () => {
		await ada.page.goto(orgUrl);
		await ada.page
			.getByRole('region', { name: 'Register of triads' })
			.getByRole('link', { name: STRATEGIC })
			.click();
		await ada.heading('Operational triads').waitFor();
		const section = ada.page.getByRole('region', { name: 'Operational triads' });
		await section.getByText(DECISION).waitFor({ timeout: 20_000 });
		await section.getByText(`From ${OPERATIONAL}`).waitFor();
		await section.getByText('Seats 3/3').waitFor();
		await ada.screen(SHOT, 'strategic');

		// Offline and after a reload, the organization and the feed read from the device.
		await ada.goOffline();
		await ada.page.reload();
		await ada.heading('Operational triads').waitFor();
		await section.getByText(DECISION).waitFor({ timeout: 20_000 });
		await ada.goOnline();
	});

	test('a triad made before the organization is attached to a unit and a strategic triad', async () => {
		await ada.page.goto('/');
		await ada.heading('Hello, Ada').waitFor();
		await ada.createTriad({
			name: 'Library triad',
			purpose: 'Books for all.',
			level: 'Operational',
			unit: ''
		});
		await ada.page.goto(orgUrl);
		await ada.heading('Attach a triad of yours').waitFor();
		await ada.page.getByRole('button', { name: 'Attach' }).click();
		await ada.page.getByRole('alert').filter({ hasText: 'Choose one of your triads.' }).waitFor();
		await ada.page.getByLabel('Triad', { exact: true }).selectOption({ label: 'Library triad' });
		await ada.page.getByLabel('Unit', { exact: true }).selectOption({ label: 'Year 2' });
		await ada.page.getByLabel('Reports to (operational triads)').selectOption({ label: STRATEGIC });
		await ada.screen(SHOT, 'attach');
		await ada.page.getByRole('button', { name: 'Attach' }).click();
		const register = ada.page.getByRole('region', { name: 'Register of triads' });
		await register.getByText(`Year 2 · reports to ${STRATEGIC}`).waitFor();
		// Every triad of this device is in the register now: nothing left to attach.
		await ada.heading('Attach a triad of yours').waitFor({ state: 'detached' });
	});
});
