/**
 * Forged votes and seats. A member whose app was altered (Mallory: a y-websocket client in this
 * process that joins through the real relay with the invite link) writes records in another
 * member's name straight into the document: a ballot for Ana's seat with Ana as `castBy` and
 * `castFor`, signed with Mallory's own key; the same unsigned, now that Ana's key is published;
 * and a release of Ana's seat. Ana's screens mark them "not verifiable", name who they claim to
 * be from, and count none of them: her outcome and her seat stay as they were.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { encodeHlc } from '../../src/lib/domain/hlc';
import type { BallotId, MemberId, ProposalId } from '../../src/lib/domain/ids';
import type { Ballot, SeatClaim } from '../../src/lib/domain/model';
import { ballotMessage, seatEntryMessage } from '../../src/lib/domain/signatures';
import { createSigner, generateSigningKey } from '../../src/lib/doc/ed25519';
import { listBallots } from '../../src/lib/doc/ballots';
import { ballotLog, seatLog } from '../../src/lib/doc/schema';
import { publishKeyIn, readSigningKeys } from '../../src/lib/doc/signing-keys';
import { destroyProviders } from '../relay/harness';
import { joinAsAnotherApp } from './altered-app';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Lighthouse triad';
const TITLE = 'Close the pier at night';
const MALLORY = 'Mallory0Mallory0Mallor' as MemberId;

afterAll(() => destroyProviders());

/**
 * Joins the triad of `invite` as Mallory's altered app, once Ana's ballot on `proposalId` has
 * arrived, and writes the forged records. Returns the ids of the forged ballots.
 */
async function forgeAsAlteredApp(invite: string, proposalId: ProposalId): Promise<string[]> {
	const { doc, docId } = await joinAsAnotherApp(
		harness.server.url,
		invite,
		(doc) => listBallots(doc, proposalId).length > 0,
		'Ana’s ballot to arrive'
	);
	const [anas] = listBallots(doc, proposalId);
	const ana = anas!.castBy;
	expect(readSigningKeys(doc).has(ana)).toBe(true);

	const mallory = await createSigner(MALLORY, await generateSigningKey());
	const now = Date.now();
	// Stamped after Ana's ballot, so each would replace it, were it counted.
	const at = (counter: number) => encodeHlc({ wall: now + 60_000, counter, node: 'mallory' });
	const inAnasName = (id: string, counter: number): Ballot => ({
		id: id as BallotId,
		proposalId,
		revision: 1,
		seat: 'keeper',
		choice: 'disagree',
		reason: 'Ana would never close the pier.',
		castBy: ana,
		castFor: ana,
		at: at(counter),
		deviceTime: now
	});
	const signed = inAnasName('forged-signed-by-mallory', 1);
	const unsigned = inAnasName('forged-unsigned', 2);
	const release: SeatClaim = {
		seat: 'keeper',
		member: ana,
		kind: 'release',
		at: at(3),
		seen: null
	};
	const signedRelease = { ...release, sig: await mallory.sign(seatEntryMessage(docId, release)) };
	const sig = await mallory.sign(ballotMessage(docId, signed));
	doc.transact(() => {
		publishKeyIn(doc, MALLORY, mallory.publicKey);
		ballotLog(doc).push([{ ...signed, sig }, { ...unsigned }]);
		seatLog(doc).push([signedRelease]);
	});
	return [signed.id, unsigned.id];
}

describe('records written in another member’s name', () => {
	test('show as not verifiable and change neither the outcome nor the seat', async () => {
		const ana = await Member.open(await harness.newMember(), 'Ana');
		const invite = await ana.createTriad({
			name: TRIAD,
			purpose: 'Keep the light on.',
			level: 'Operational',
			unit: 'Harbour'
		});
		await ana.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ana.heading(TRIAD).waitFor();
		await ana.claimSeat('keeper');
		await ana.draftProposal(TITLE);
		await ana.openForVote();
		await ana.vote('keeper', 'Agree');
		const proposalId = new URL(ana.page.url()).pathname.split('/').at(-1) as ProposalId;
		await ana.expectPill('Synced');
		const outcome = ana.page.getByTestId('outcome');
		const before = await outcome.textContent();
		// Ana's agree counts: a consensus is still within reach (a counted disagree would rule it out).
		expect(before).toContain('Still to vote: Bearer, Navigator');
		expect(before).toContain('Consensus');

		const forged = await forgeAsAlteredApp(invite, proposalId);

		// Both forged ballots arrive, are checked, and are marked; Ana's own is not.
		const history = ana.page.locator('.history');
		await expect.poll(() => history.locator('li').count(), { timeout: 30_000 }).toBe(3);
		const marked = history.locator('li').filter({ hasText: 'not verifiable' });
		await expect.poll(() => marked.count(), { timeout: 30_000 }).toBe(forged.length);
		for (const text of await marked.allTextContents()) {
			expect(text).toContain('Disagree');
			expect(text).toContain('names Ana as its writer');
		}
		expect(
			await history.locator('li').filter({ hasNotText: 'not verifiable' }).textContent()
		).toContain('Agree');
		expect(await outcome.textContent()).toBe(before);
		await ana.screen('signed-records', 'proposal');

		// The forged release leaves Ana in her seat, and the seats panel says why.
		await ana.gotoTriad(TRIAD);
		await ana.gotoView('People');
		const keeper = ana.page.locator('[data-seat="keeper"]');
		await expect.poll(() => keeper.textContent()).toContain('Ana');
		const notCounted = ana.page.getByRole('list', { name: 'Seat entries that do not count' });
		await expect
			.poll(() => notCounted.textContent(), { timeout: 30_000 })
			.toContain('not verifiable');
		expect((await notCounted.textContent())!.replace(/\s+/g, ' ')).toContain(
			'A release of the Keeper seat naming Ana: not verifiable'
		);
		await ana.screen('signed-records', 'triad');
	});
});
