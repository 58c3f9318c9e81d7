/**
 * One simulated member of a triad: a phone-sized browser context and the steps a person takes in
 * the app, written against what the screen shows (labels, roles, headings), not internals.
 */
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { checkScreen } from './harness';
import { bodyTextInExport } from './workspace-export';

export type Seat = 'keeper' | 'bearer' | 'navigator';
export type ChoiceLabel = 'Agree' | 'Disagree' | 'Stand aside';
/** The views of a triad's screen, as its bottom bar names them. */
export type TriadView = 'Proposals' | 'Decisions' | 'Actions' | 'People';

const SEAT_LABEL: Record<Seat, string> = {
	keeper: 'Keeper',
	bearer: 'Bearer',
	navigator: 'Navigator'
};

export class Member {
	constructor(
		readonly name: string,
		readonly context: BrowserContext,
		readonly page: Page
	) {}

	/** Opens the app on a fresh device and goes through first run as `name`. */
	static async open(context: BrowserContext, name: string): Promise<Member> {
		const page = await context.newPage();
		await page.goto('/');
		const member = new Member(name, context, page);
		await page.getByLabel('Your name').fill(name);
		await page.getByRole('button', { name: 'Continue' }).click();
		await member.heading(`Hello, ${name}`).waitFor();
		return member;
	}

	/**
	 * Takes the device off the network, as airplane mode does: Chromium fires `offline` and fails
	 * new connections, and the app itself drops its open sync socket on that event.
	 */
	async goOffline(): Promise<void> {
		await this.context.setOffline(true);
	}

	async goOnline(): Promise<void> {
		await this.context.setOffline(false);
	}

	heading(name: string): Locator {
		return this.page.getByRole('heading', { name, exact: true });
	}

	/** Screenshot plus axe check, named `<prefix>-<member>-<screen>`. */
	screen(prefix: string, screen: string): Promise<void> {
		return checkScreen(this.page, `${prefix}-${this.name.toLowerCase()}-${screen}`);
	}

	/** Creates a triad and returns the invite link shown afterwards. */
	async createTriad(triad: {
		name: string;
		purpose: string;
		level: 'Strategic' | 'Operational';
		unit: string;
	}): Promise<string> {
		await this.page.getByRole('link', { name: 'Create a triad' }).click();
		await this.heading('Create a triad').waitFor();
		await this.page.getByLabel('Name', { exact: true }).fill(triad.name);
		await this.page.getByLabel('Purpose').fill(triad.purpose);
		await this.page.getByLabel(triad.level).check();
		await this.page.getByLabel('Unit').fill(triad.unit);
		await this.page.getByRole('button', { name: 'Create triad' }).click();
		await this.heading(`Invite members to ${triad.name}`).waitFor();
		return this.page.getByLabel('Invite link', { exact: true }).inputValue();
	}

	async joinWith(link: string, triadName: string): Promise<void> {
		await this.page.goto(link);
		await this.heading(`Join “${triadName}”`).waitFor();
	}

	async acceptInvite(triadName: string): Promise<void> {
		await this.page.getByRole('button', { name: 'Join triad' }).click();
		await this.heading(triadName).waitFor();
	}

	/** The bar at the bottom of a triad's views. */
	triadNav(): Locator {
		return this.page.getByRole('navigation', { name: 'Triad views' });
	}

	/** Switches the triad screen to `view` with its bottom bar, unless it shows it already. */
	async gotoView(view: TriadView): Promise<void> {
		const current = this.triadNav().locator('a[aria-current="page"]', { hasText: view });
		if ((await current.count()) > 0) return;
		await this.triadNav()
			.getByRole('link', { name: new RegExp(`^${view}`) })
			.click();
		await current.waitFor();
	}

	/** Takes a free seat, from the People view. */
	async claimSeat(seat: Seat): Promise<void> {
		await this.gotoView('People');
		await this.page.getByRole('button', { name: `Take the ${SEAT_LABEL[seat]} seat` }).click();
		await this.seatHolder(seat).filter({ hasText: '(you)' }).waitFor();
	}

	seatHolder(seat: Seat): Locator {
		return this.page.locator(`.seat[data-seat="${seat}"] .holder`);
	}

	/** Waits until this member sees `name` in `seat` (in the People view). */
	async seesInSeat(seat: Seat, name: string): Promise<void> {
		await this.gotoView('People');
		await this.seatHolder(seat).filter({ hasText: name }).waitFor();
	}

	async gotoTriad(triadName: string): Promise<void> {
		await this.page.getByRole('link', { name: `← ${triadName}` }).click();
		await this.heading(triadName).waitFor();
	}

	/** On a triad's views, switches to Proposals; elsewhere (a proposal's screen) stays. */
	async toProposalsView(): Promise<void> {
		if ((await this.triadNav().count()) > 0) await this.gotoView('Proposals');
	}

	async draftProposal(title: string): Promise<void> {
		await this.toProposalsView();
		await this.page.getByLabel('New proposal').fill(title);
		await this.page.getByRole('button', { name: 'Draft' }).click();
		await this.heading(title).waitFor();
		await this.editor().waitFor();
	}

	async openProposal(title: string): Promise<void> {
		await this.toProposalsView();
		await this.page
			.getByRole('link', { name: new RegExp(title) })
			.first()
			.click();
		await this.heading(title).waitFor();
		await this.editor().waitFor();
	}

	editor(): Locator {
		return this.page.locator('.proposal-body');
	}

	/**
	 * The text of each block of the proposal as drawn on this screen. The other members' carets
	 * are left out: their name labels are drawn inside the text but are not part of it.
	 */
	editorBlocks(): Promise<string[]> {
		return this.editor().evaluate((editor) =>
			Array.from(editor.children, (block) => {
				const copy = block.cloneNode(true) as Element;
				for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
				return copy.textContent ?? '';
			})
		);
	}

	/** Waits until this screen draws exactly `blocks` as the proposal text. */
	async seesBlocks(blocks: string[]): Promise<void> {
		await expect.poll(() => this.editorBlocks(), { timeout: 30_000 }).toEqual(blocks);
	}

	/**
	 * Types at the end of the proposal's block number `index` (from 0), as a person does who
	 * clicks into their own line while the others write theirs.
	 */
	async typeInBlock(index: number, text: string): Promise<void> {
		await this.editor().locator(':scope > *').nth(index).click();
		await this.page.keyboard.press('End');
		await this.page.keyboard.type(text, { delay: 15 });
	}

	/**
	 * The body of proposal `title` as this member's own document holds it, read from the workspace
	 * file the triad screen downloads. Goes through the triad screen and back to the proposal.
	 */
	async storedBodyText(triadName: string, title: string): Promise<string> {
		await this.gotoTriad(triadName);
		await this.gotoView('People');
		const [download] = await Promise.all([
			this.page.waitForEvent('download'),
			this.page.getByRole('button', { name: 'Download workspace file (.json)' }).click()
		]);
		const json = await readFile(await download.path(), 'utf8');
		await this.gotoView('Proposals');
		await this.openProposal(title);
		return bodyTextInExport(json, title);
	}

	/** Types at the end of the proposal text, as a person would after clicking into it. */
	async typeInEditor(text: string): Promise<void> {
		const editor = this.editor();
		await editor.click();
		await this.page.keyboard.press('Control+End');
		await this.page.keyboard.type(text, { delay: 15 });
	}

	async openForVote(): Promise<void> {
		await this.page.getByRole('button', { name: 'Open for vote' }).click();
		await this.outcome('open').waitFor();
	}

	/**
	 * Casts a ballot in the form of `seat` (this member's own seat, or one they cover): switches
	 * the ballot area to that seat when the member acts for more than one, and opens the form when
	 * it shows an earlier ballot of theirs that counts.
	 */
	async vote(seat: Seat, choice: ChoiceLabel, reason = ''): Promise<void> {
		const card = await this.ballotFor(seat);
		const form = card.locator('form');
		const change = card.getByRole('button', { name: 'Change vote' });
		if ((await change.count()) > 0) await change.click();
		await form.getByLabel(choice, { exact: true }).check();
		if (reason) await form.getByLabel(/^Reason/).fill(reason);
		await form.getByRole('button', { name: 'Cast ballot' }).click();
		await card.getByText(/^Ballot cast/).waitFor();
	}

	/** Shows the ballot card of `seat`, switching to it when the member acts for several seats. */
	async ballotFor(seat: Seat): Promise<Locator> {
		const card = this.page.locator(`.vote[data-seat="${seat}"]`);
		const switcher = this.page.getByRole('group', { name: 'Vote for' });
		if ((await switcher.count()) > 0) {
			await switcher.locator(`button[data-seat="${seat}"]`).click();
		}
		await card.waitFor();
		return card;
	}

	outcome(state: string): Locator {
		return this.page.locator(`[data-testid="outcome"] [data-outcome="${state}"]`);
	}

	async outcomeText(): Promise<string> {
		return (await this.page.getByTestId('outcome').textContent()) ?? '';
	}

	/** The words on the sync pill of the screen's triad (or the header when there is none). */
	async syncPill(): Promise<string> {
		const pills = this.page.locator('main .sync-status');
		const pill = (await pills.count()) > 0 ? pills.first() : this.page.locator('.sync-status');
		return ((await pill.first().textContent()) ?? '').trim();
	}

	async expectPill(text: string): Promise<void> {
		await expect.poll(() => this.syncPill(), { timeout: 20_000 }).toBe(text);
	}
}
