/**
 * Forged votes, seats, absences and lens notes. A member whose app was altered (Mallory: a y-websocket client in this
 * process that joins through the real relay with the invite link) writes records in another
 * member's name straight into the document: a ballot for Ana's seat with Ana as `castBy` and
 * `castFor`, signed with Mallory's own key; the same unsigned, now that Ana's key is published;
 * a release of Ana's seat; an absence of Ana with Mallory as her cover; and a Keeper's lens note in
 * Ana's name, with a second signing key for her. Ana's screens mark them "not verifiable", name who they claim to be from, and count
 * none of them: her outcome and her seat stay as they were, and Mallory covers for nobody.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { encodeHlc } from '../../src/lib/domain/hlc';
import type { BallotId, MemberId, ProposalId } from '../../src/lib/domain/ids';
import type { Ballot, SeatClaim } from '../../src/lib/domain/model';
import {
	absenceMessage,
	ballotMessage,
	lensNoteMessage,
	seatEntryMessage
} from '../../src/lib/domain/signatures';
import { createSigner, generateSigningKey } from '../../src/lib/doc/ed25519';
import { listBallots } from '../../src/lib/doc/ballots';
import * as Y from 'yjs';
import type { AbsenceId } from '../../src/lib/domain/ids';
import { signatureKey } from '../../src/lib/doc/lens-notes';
import { proposalMapOf } from '../../src/lib/doc/proposals';
import { absencesMap, ballotLog, keyLog, PROPOSAL, seatLog } from '../../src/lib/doc/schema';
import { publishKeyIn, readSigningKeys } from '../../src/lib/doc/signing-keys';
import { destroyProviders } from '../relay/harness';
import { joinAsAnotherApp } from './altered-app';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Lighthouse triad';
const TITLE = 'Close the pier at night';
const MALLORY = 'Mallory0Mallory0Mallor' as MemberId;
const FORGED_NOTE = 'Ana: the pier stays open, whatever I voted.';

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
	// Ana away from now for a week, Mallory covering: signed by Mallory, in Ana's name.
	const absence = {
		id: 'forgedAbsenceOfAna000' as AbsenceId,
		member: ana,
		from: now - 60_000,
		to: now + 7 * 24 * 3_600_000,
		cover: MALLORY,
		handover: 'Mallory votes for me.',
		createdAt: at(4)
	};
	const absenceSig = await mallory.sign(absenceMessage(docId, absence));
	const note = { proposalId, seat: 'keeper' as const, text: FORGED_NOTE, by: ana };
	const noteSig = await mallory.sign(lensNoteMessage(docId, note));
	doc.transact(() => {
		publishKeyIn(doc, MALLORY, mallory.publicKey);
		// A second key in Ana's name: hers stands, and the members panel says there are two.
		keyLog(doc).push([{ member: ana, publicKey: mallory.publicKey, vouched: {} }]);
		ballotLog(doc).push([{ ...signed, sig }, { ...unsigned }]);
		seatLog(doc).push([signedRelease]);
		const fields = new Y.Map<unknown>();
		absencesMap(doc).set(absence.id, fields);
		for (const [key, value] of Object.entries(absence)) if (key !== 'id') fields.set(key, value);
		fields.set('cancelled', false);
		fields.set('cancelledAt', null);
		fields.set('sig', absenceSig);
		const lens = proposalMapOf(doc, proposalId).get(PROPOSAL.lens) as Y.Map<unknown>;
		lens.set('keeper', FORGED_NOTE);
		lens.set(signatureKey('keeper'), { by: ana, sig: noteSig });
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
		// The Keeper's note in Ana's name is marked, naming her.
		const keeperNote = ana.page.locator('.lens.seat-keeper');
		await expect
			.poll(() => keeperNote.locator('.signature').textContent(), { timeout: 30_000 })
			.toContain('not verifiable: it names Ana as its writer');
		expect(await keeperNote.locator('textarea').inputValue()).toBe(FORGED_NOTE);
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
		expect((await ana.page.locator('.members').textContent())!.replace(/\s+/g, ' ')).toContain(
			'Two different signing keys were published for Ana (you). The first one stands'
		);
		await ana.screen('signed-records', 'triad');

		// The absence in Ana's name is listed as not verifiable, and Mallory covers for nobody.
		expect(await ana.page.getByText('Nobody is away right now').count()).toBe(1);
		await ana.page.getByRole('link', { name: 'Absences and cover' }).click();
		const listed = ana.page.locator('.absence');
		await expect
			.poll(() => listed.textContent(), { timeout: 30_000 })
			.toContain(
				'not verifiable: it names Ana as absent, who did not sign it, so it gives no cover'
			);
		await ana.screen('signed-records', 'cover');
	});
});
