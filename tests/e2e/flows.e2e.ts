/**
 * The flows around deciding, with three members on three devices through the real relay: the
 * invite link copied to the clipboard, the empty-text placeholder, undo and redo, each seat's
 * lens note, rejected and no-decision outcomes, a ballot cast after the deadline, withdrawing,
 * the Keeper's log, actions, and export and import of the workspace. Every new screen is
 * screenshotted and checked with axe.
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Lighthouse triad';
const SHOT = 'flows';

/** Clicks `button` and waits for the download it starts. */
async function downloadFrom(page: Page, button: string): Promise<Download> {
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('button', { name: button }).click()
	]);
	return download;
}

describe('deciding flows of a triad', () => {
	let ivy: Member;
	let max: Member;
	let sol: Member;
	let all: Member[];

	test('Ivy copies the invite link; Max and Sol join and all take seats', async () => {
		ivy = await Member.open(await harness.newMember(), 'Ivy');
		await ivy.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
			origin: harness.server.url
		});
		const invite = await ivy.createTriad({
			name: TRIAD,
			purpose: 'Keep the light on.',
			level: 'Operational',
			unit: 'Coast'
		});
		await ivy.page.getByRole('button', { name: 'Copy link' }).click();
		await ivy.page.getByRole('button', { name: 'Copied' }).waitFor();
		expect(await ivy.page.evaluate(() => navigator.clipboard.readText())).toBe(invite);
		await ivy.screen(SHOT, 'invite-copied');
		await ivy.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ivy.heading(TRIAD).waitFor();

		[max, sol] = await Promise.all([
			harness.newMember().then((context) => Member.open(context, 'Max')),
			harness.newMember().then((context) => Member.open(context, 'Sol'))
		]);
		all = [ivy, max, sol];
		for (const member of [max, sol]) {
			await member.joinWith(invite, TRIAD);
			await member.acceptInvite(TRIAD);
		}
		await ivy.claimSeat('keeper');
		await max.claimSeat('bearer');
		await sol.claimSeat('navigator');
		for (const member of all) await member.seesInSeat('navigator', 'Sol');
	});

	test('an empty proposal invites writing; undo and redo work by keyboard and buttons', async () => {
		await ivy.draftProposal('Night shift rota');
		const placeholder = ivy.page.locator('.proposal-body p.is-editor-empty');
		await placeholder.waitFor();
		expect(await placeholder.getAttribute('data-placeholder')).toBe('Write the proposal here…');
		await ivy.screen(SHOT, 'proposal-empty');

		await ivy.typeInEditor('Two people on every night.');
		await expect.poll(() => ivy.editor().textContent()).toBe('Two people on every night.');
		expect(await placeholder.count()).toBe(0);
		await ivy.page.keyboard.press('Control+z');
		await expect.poll(() => ivy.editor().textContent()).not.toContain('every night.');
		await ivy.page.keyboard.press('Control+Shift+z');
		await expect.poll(() => ivy.editor().textContent()).toBe('Two people on every night.');

		await ivy.page.getByRole('button', { name: 'Undo' }).click();
		await expect.poll(() => ivy.editor().textContent()).not.toContain('every night.');
		await ivy.page.getByRole('button', { name: 'Redo' }).click();
		await expect.poll(() => ivy.editor().textContent()).toBe('Two people on every night.');
		// Undo must not have emptied the body: redo then left a blank paragraph above the text.
		expect(await ivy.editorBlocks()).toEqual(['Two people on every night.']);
		await ivy.screen(SHOT, 'proposal-redone');
	});

	test('each seat writes its lens note and the others read all three', async () => {
		await max.openProposal('Night shift rota');
		await sol.openProposal('Night shift rota');
		const notes: [Member, 'Keeper' | 'Bearer' | 'Navigator', string][] = [
			[ivy, 'Keeper', 'The rota of last year is in the log.'],
			[max, 'Bearer', 'Same as last year, nothing new.'],
			[sol, 'Navigator', 'Needs a swap list as an action.']
		];
		for (const [member, seat, note] of notes) {
			await member.page.getByLabel(`Your note as ${seat}`).fill(note);
			await member.page.getByRole('button', { name: 'Save note' }).click();
			await member.page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
		}
		for (const member of all) {
			for (const [author, , note] of notes) {
				if (author === member) continue;
				await member.page.getByText(note).waitFor({ timeout: 20_000 });
			}
		}
		await max.screen(SHOT, 'lens-notes');
	});

	test('two disagree: rejected, on every device', async () => {
		await ivy.openForVote();
		for (const member of [max, sol]) await member.outcome('open').waitFor();
		await ivy.vote('keeper', 'Agree');
		await max.vote('bearer', 'Disagree', 'Nights are fine as they are.');
		await sol.vote('navigator', 'Disagree', 'Not enough people.');
		for (const member of all) {
			await member.outcome('rejected').waitFor({ timeout: 20_000 });
			expect(await member.outcomeText()).toContain('Rejected: two or more disagree.');
		}
		await sol.screen(SHOT, 'rejected');
	});

	test('one agrees and two stand aside: no decision', async () => {
		await ivy.gotoTriad(TRIAD);
		await ivy.draftProposal('Buy a second boat');
		await ivy.openForVote();
		for (const member of [max, sol]) {
			await member.gotoTriad(TRIAD);
			await member.openProposal('Buy a second boat');
		}
		await ivy.vote('keeper', 'Agree');
		await max.vote('bearer', 'Stand aside');
		await sol.vote('navigator', 'Stand aside');
		for (const member of all) {
			await member.outcome('no-decision').waitFor({ timeout: 20_000 });
			expect(await member.outcomeText()).toContain('No decision: not enough support either way.');
		}
		await max.screen(SHOT, 'no-decision');
	});

	test('a ballot cast after the deadline is shown as late and does not count', async () => {
		await ivy.gotoTriad(TRIAD);
		await ivy.draftProposal('Paint the pier');
		// A whole minute one to two minutes ahead: the deadline field has minute precision.
		const deadline = await ivy.page.evaluate(() => {
			const at = new Date(Date.now() + 2 * 60_000);
			at.setSeconds(0, 0);
			const two = (n: number) => String(n).padStart(2, '0');
			const day = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
			return { value: `${day}T${two(at.getHours())}:${two(at.getMinutes())}`, at: at.getTime() };
		});
		await ivy.page.getByLabel('Deadline (optional)').fill(deadline.value);
		await ivy.openForVote();
		for (const member of [max, sol]) {
			await member.gotoTriad(TRIAD);
			await member.openProposal('Paint the pier');
		}
		await ivy.vote('keeper', 'Agree');
		await sol.vote('navigator', 'Agree');
		// Max's phone lives a minute past the deadline: his ballot is stamped after it.
		await max.page.clock.setFixedTime(deadline.at + 60_000);
		await max.vote('bearer', 'Disagree', 'Too late, I know.');
		for (const member of all) {
			await member.page
				.getByText('cast after the deadline, not counted')
				.first()
				.waitFor({ timeout: 20_000 });
		}
		// On Ivy's device the deadline is still ahead, and the Bearer has not voted in time.
		expect(await ivy.outcomeText()).toContain('Still to vote: Bearer (Max)');
		await ivy.screen(SHOT, 'late-ballot');
	});

	test('a drafted proposal is withdrawn, and the others see it withdrawn', async () => {
		await ivy.gotoTriad(TRIAD);
		await ivy.draftProposal('Cancel the regatta');
		await ivy.page.getByRole('button', { name: 'Proposal actions' }).click();
		await ivy.page.getByRole('button', { name: 'Withdraw proposal' }).click();
		await ivy.page.getByRole('dialog', { name: 'Withdraw this proposal?' }).waitFor();
		await ivy.screen(SHOT, 'withdraw-confirm');
		await ivy.page.getByRole('button', { name: 'Withdraw', exact: true }).click();
		await ivy.outcome('withdrawn').waitFor();
		await sol.gotoTriad(TRIAD);
		await sol.page
			.getByRole('link', { name: /Cancel the regatta/ })
			.first()
			.click();
		await sol.outcome('withdrawn').waitFor({ timeout: 20_000 });
		expect(await sol.outcomeText()).toContain('Withdrawn.');
		await sol.screen(SHOT, 'withdrawn');
	});

	test("the Keeper's log and the Navigator's actions reach everyone", async () => {
		await ivy.gotoTriad(TRIAD);
		await ivy.gotoView('Decisions');
		await ivy.page.getByLabel('New entry').fill('Lamp replaced on the north tower.');
		await ivy.page.getByRole('button', { name: 'Add to the log' }).click();
		await sol.gotoTriad(TRIAD);
		await sol.gotoView('Decisions');
		await sol.page.getByText('Lamp replaced on the north tower.').waitFor({ timeout: 20_000 });
		await sol.page.getByText(/^Ivy · /).waitFor();

		await sol.gotoView('Actions');
		const newAction = sol.page.getByLabel('New action');
		const owner = sol.page.getByLabel('Owner');
		const ownerShown = () => owner.locator('option:checked').textContent();
		const due = sol.page.getByLabel('Due (optional)');
		// A refused action keeps what was entered, so fixing the title is all it takes.
		await newAction.fill('   ');
		await owner.selectOption({ label: 'Max' });
		await due.fill('2030-03-15');
		await sol.page.getByRole('button', { name: 'Add action' }).click();
		await sol.page.getByRole('alert').filter({ hasText: 'title must not be empty' }).waitFor();
		expect(await ownerShown()).toBe('Max');
		expect(await due.inputValue()).toBe('2030-03-15');
		await newAction.fill('Write the swap list');
		await sol.page.getByRole('button', { name: 'Add action' }).click();
		// Once added, the form is blank again for the next action, owner included.
		await sol.page.getByLabel('Status of Write the swap list').waitFor();
		expect([await newAction.inputValue(), await ownerShown(), await due.inputValue()]).toEqual([
			'',
			'Nobody yet',
			''
		]);
		await max.gotoTriad(TRIAD);
		await max.gotoView('Actions');
		const status = max.page.getByLabel('Status of Write the swap list');
		await status.waitFor({ timeout: 20_000 });
		await max.page.getByText(/^Max · due 15 Mar 2030$/).waitFor();
		await status.selectOption({ label: 'Done' });
		await max.page
			.getByLabel('Outcome of Write the swap list')
			.fill('Swap list pinned in the hut.');
		await max.page.getByRole('button', { name: 'Save outcome' }).click();
		for (const member of all) {
			await member.gotoView('Actions');
			await member.page
				.getByText('Outcome: Swap list pinned in the hut.')
				.waitFor({ timeout: 20_000 });
		}
		await expect
			.poll(() => sol.page.getByLabel('Status of Write the swap list').inputValue())
			.toBe('done');
		await sol.screen(SHOT, 'log-and-actions');
	});

	test('the register and the workspace download; a garbage file is refused on import', async () => {
		await ivy.gotoView('People');
		const register = await downloadFrom(ivy.page, 'Download decision register (Markdown)');
		expect(register.suggestedFilename()).toBe('lighthouse-triad-decisions.md');
		const markdown = await readFile(await register.path(), 'utf8');
		expect(markdown).toContain('Night shift rota');
		expect(markdown).toContain('Buy a second boat');

		const workspace = await downloadFrom(ivy.page, 'Download workspace file (.json)');
		expect(workspace.suggestedFilename()).toBe('lighthouse-triad.triad.json');
		const json = await readFile(await workspace.path(), 'utf8');
		expect(JSON.parse(json)).toMatchObject({ format: 'triad-workspace', version: 1 });
		await ivy.screen(SHOT, 'triad-export');

		await ivy.page.getByRole('link', { name: 'Triad', exact: true }).click();
		await ivy.heading('Hello, Ivy').waitFor();
		const picker = ivy.page.getByLabel('Import a workspace file');
		await picker.setInputFiles({
			name: 'shopping.json',
			mimeType: 'application/json',
			buffer: Buffer.from('milk, eggs, bread')
		});
		await ivy.page
			.getByRole('alert')
			.filter({ hasText: 'This is not a Triad workspace file: it is not JSON.' })
			.waitFor();
		await ivy.screen(SHOT, 'import-refused');

		await picker.setInputFiles({
			name: 'lighthouse-triad.triad.json',
			mimeType: 'application/json',
			buffer: Buffer.from(json)
		});
		await ivy.page
			.getByRole('status')
			.filter({ hasText: `Merged into ${TRIAD}.` })
			.waitFor();
		await ivy.screen(SHOT, 'import-merged');
	});
});
