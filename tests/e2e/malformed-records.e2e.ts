/**
 * Any member can write any bytes into the document they hold, and every other member's app reads
 * them. This file plays a member whose app was altered: a y-websocket client in this process joins
 * through the real relay with the invite link and writes records no Triad writer would make
 * (ballots and Keeper's log entries with one id twice, dates far past any calendar, a 5 MB log
 * entry, a 1 MB member name, plain garbage). The honest member's triad screen and proposal screen
 * still draw in full, say how many records they set aside and from whom, and stay usable.
 */
import * as Y from 'yjs';
import { afterAll, describe, expect, test } from 'vitest';
import { encodeHlc } from '../../src/lib/domain/hlc';
import type { ProposalId } from '../../src/lib/domain/ids';
import { listProposals } from '../../src/lib/doc/proposal-read';
import {
	PROPOSAL,
	actionsMap,
	ballotLog,
	keeperLog,
	membersMap,
	proposalsMap
} from '../../src/lib/doc/schema';
import { destroyProviders } from '../relay/harness';
import { joinAsAnotherApp } from './altered-app';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Lantern triad';
const TITLE = 'Night shifts';
const SHOT = 'malformed';
/** The altered app's member: a well-formed id, so the set-aside notice can name them. */
const MALLORY = 'Mallory0Mallory0Mallor';
const MALLORY_NAME = `Mallory ${'M'.repeat(1 << 20)}`;
const LOG_LINE = 'Shift handover moved to 7 am.';
const HUGE_LOG = `Night log. ${'x'.repeat(5 * (1 << 20))}`;
const FAR_FUTURE = 1e16;

const PHONE_WIDTH = 360;

afterAll(() => destroyProviders());

/** How wide the page lays out: wider than the phone when a long unbroken name pushes it out. */
function pageWidth(member: Member): Promise<number> {
	return member.page.evaluate(() => document.documentElement.scrollWidth);
}

/** Joins the triad of `invite` as Mallory's altered app and writes the malformed records. */
async function writeAsAlteredApp(invite: string, proposalId: ProposalId): Promise<void> {
	const { doc } = await joinAsAnotherApp(
		harness.server.url,
		invite,
		(doc) => listProposals(doc).some((proposal) => proposal.id === proposalId),
		'the proposal to reach the altered app'
	);
	const now = Date.now();
	const at = (counter: number) => encodeHlc({ wall: now, counter, node: MALLORY });
	const ballot = (id: string, counter: number, extra: object = {}) => ({
		id,
		proposalId,
		revision: 1,
		seat: 'bearer',
		choice: 'disagree',
		reason: 'Not at night.',
		castBy: MALLORY,
		castFor: MALLORY,
		at: at(counter),
		deviceTime: now,
		...extra
	});
	doc.transact(() => {
		membersMap(doc).set(MALLORY, { id: MALLORY, name: MALLORY_NAME, joinedAt: FAR_FUTURE });
		// One ballot id twice, the second with a date no calendar has; a ballot that is garbage.
		ballotLog(doc).push([
			ballot('dup-ballot', 1),
			ballot('dup-ballot', 2, { choice: 'agree', deviceTime: FAR_FUTURE }),
			ballot('far-ballot', 3, { seat: 'navigator', deviceTime: FAR_FUTURE }),
			{ id: { nested: ['garbage'] }, castBy: MALLORY },
			42
		]);
		// One log id twice, and a 5 MB entry.
		keeperLog(doc).push([
			{ id: 'dup-log', author: MALLORY, at: at(4), text: LOG_LINE },
			{ id: 'dup-log', author: MALLORY, at: at(5), text: 'The same id again.' },
			{ id: 'huge-log', author: MALLORY, at: at(6), text: HUGE_LOG }
		]);
		const action = new Y.Map<unknown>();
		actionsMap(doc).set('far-action', action);
		action.set('title', 'Buy lanterns');
		action.set('due', FAR_FUTURE);
		action.set('status', 'todo');
		action.set('createdAt', at(7));
		proposalsMap(doc).get(proposalId)?.set(PROPOSAL.deadline, FAR_FUTURE);
	});
}

describe('a triad with records written by an altered app', () => {
	test('the triad and proposal screens draw, set the malformed records aside and say so', async () => {
		const ana = await Member.open(await harness.newMember(), 'Ana');
		const invite = await ana.createTriad({
			name: TRIAD,
			purpose: 'Keep the lanterns lit.',
			level: 'Operational',
			unit: 'Night crew'
		});
		await ana.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ana.heading(TRIAD).waitFor();
		await ana.claimSeat('keeper');
		await ana.draftProposal(TITLE);
		await ana.openForVote();
		await ana.vote('keeper', 'Agree');
		const proposalId = new URL(ana.page.url()).pathname.split('/').at(-1) as ProposalId;
		await ana.gotoTriad(TRIAD);
		await ana.expectPill('Synced');

		await writeAsAlteredApp(invite, proposalId);

		// Every view of the triad draws to its last section, with what it set aside named.
		await ana.gotoView('People');
		await ana.heading('Export').waitFor();
		expect(await pageWidth(ana)).toBe(PHONE_WIDTH);
		await ana.gotoView('Decisions');
		const log = ana.page.locator('.log');
		await log.getByText(LOG_LINE, { exact: true }).waitFor({ timeout: 30_000 });
		const notice = ana.page.getByTestId('set-aside');
		expect(await notice.locator('summary').textContent()).toContain(
			'4 malformed records set aside'
		);
		expect(await log.getByText('The same id again.').count()).toBe(0);
		// The 5 MB entry shows a few lines, and a button for the rest.
		const huge = log.locator('li').filter({ hasText: 'xxxx' });
		expect((await huge.textContent())!.length).toBeLessThan(2_000);
		await huge.getByRole('button', { name: 'Show all' }).click();
		expect((await huge.textContent())!.length).toBeGreaterThan(10_000);
		await huge.getByRole('button', { name: 'Show less' }).click();
		expect((await huge.textContent())!.length).toBeLessThan(2_000);
		expect(await pageWidth(ana)).toBe(PHONE_WIDTH);
		await ana.gotoView('Actions');
		await ana.page.getByText('Buy lanterns', { exact: true }).waitFor();
		expect(await ana.page.locator('li.action').textContent()).not.toContain('due');
		// A 1 MB name is cut to a name's length wherever it shows.
		const owners = await ana.page.locator('#action-owner option').allTextContents();
		expect(Math.max(...owners.map((name) => name.length))).toBeLessThanOrEqual(61);
		await notice.locator('summary').click();
		await notice.getByText(/Mallory M+…/).waitFor();
		expect(await pageWidth(ana)).toBe(PHONE_WIDTH);
		await ana.screen(SHOT, 'triad');

		// Again from a cold start, where the screen first paints from its saved overview.
		await ana.page.reload();
		await ana.heading(TRIAD).waitFor();
		await notice.waitFor();
		await ana.gotoView('People');
		await ana.heading('Export').waitFor();

		// The proposal screen opens, with every well-formed ballot and the notice of its own reads.
		await ana.openProposal(TITLE);
		await ana.page.getByTestId('set-aside').waitFor();
		const history = ana.page.locator('.history');
		await expect.poll(() => history.locator('li').count()).toBe(3);
		expect(await ana.page.getByTestId('outcome').textContent()).not.toContain('Deadline');
		expect(await pageWidth(ana)).toBe(PHONE_WIDTH);
		await ana.screen(SHOT, 'proposal');
	});
});
