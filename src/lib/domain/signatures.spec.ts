import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from './decision';
import type { Absence, Ballot, SeatClaim, SignatureStatus } from './model';
import { resolveSeats, seatHoldersAt } from './seats';
import type { MemberId, ProposalId } from './ids';
import {
	absenceCancelMessage,
	absenceMessage,
	ballotMessage,
	lensNoteMessage,
	FUTURE_TOLERANCE_MS,
	isDatedInFuture,
	latestNotInFuture,
	seatEntryMessage
} from './signatures';
import {
	absence,
	ballot,
	BEA,
	claim,
	DAY,
	hlc,
	HOLDERS,
	HOUR,
	KIM,
	NOA,
	OUTSIDER,
	proposal,
	T0
} from './testing/fixtures';

const seats = [
	claim('keeper', KIM, T0 - 2 * DAY),
	claim('bearer', BEA, T0 - 2 * DAY),
	claim('navigator', NOA, T0 - 2 * DAY)
];

function outcomeOf(ballots: Ballot[], now = T0 + HOUR) {
	return decide({ proposal: proposal(), seats, ballots, absences: [], now });
}

describe('ballots that do not verify', () => {
	it('a ballot with another member as castBy and castFor, not signed by them, does not count', () => {
		const own = [ballot('keeper', 'agree', T0), ballot('bearer', 'agree', T0)];
		// Noa's seat, written by someone else: the doc layer found no valid signature by Noa.
		const forged = ballot('navigator', 'disagree', T0 + 1, { signature: 'not-verifiable' });
		const outcome = outcomeOf([...own, forged]);
		expect(outcome.unverified).toEqual([forged]);
		expect(outcome.counted.navigator).toBeNull();
		expect(outcome.tally).toEqual({ agree: 2, disagree: 0, abstain: 0, missing: 1 });
		const { unverified: _ignored, ...rest } = outcome;
		const { unverified: _none, ...without } = outcomeOf(own);
		expect(rest).toEqual(without);
	});

	it('a forged ballot cannot replace the member’s own, however late it is stamped', () => {
		const mine = ballot('navigator', 'agree', T0, { signature: 'verified' });
		const forged = ballot('navigator', 'disagree', T0 + 5 * HOUR, {
			signature: 'not-verifiable'
		});
		const outcome = outcomeOf([mine, forged], T0 + 6 * HOUR);
		expect(outcome.counted.navigator).toBe(mine);
		expect(outcome.unverified).toEqual([forged]);
	});

	it('a ballot whose check has not finished waits; verified and unsigned ones count', () => {
		const statuses: SignatureStatus[] = ['pending', 'verified', 'unsigned'];
		const [pending, verified, unsigned] = statuses.map((signature, i) =>
			ballot((['keeper', 'bearer', 'navigator'] as const)[i]!, 'agree', T0, { signature })
		);
		const outcome = outcomeOf([pending!, verified!, unsigned!]);
		expect(outcome.unverified).toEqual([pending]);
		expect(outcome.counted).toEqual({ keeper: null, bearer: verified, navigator: unsigned });
	});

	it('never changes an outcome: adding unverifiable ballots only lists them (property)', () => {
		const arb = fc.record({
			seat: fc.constantFrom('keeper', 'bearer', 'navigator' as const),
			choice: fc.constantFrom('agree', 'disagree', 'abstain' as const),
			offset: fc.integer({ min: -DAY, max: DAY }),
			castBy: fc.constantFrom(KIM, BEA, NOA, OUTSIDER),
			status: fc.constantFrom<SignatureStatus>('not-verifiable', 'pending')
		});
		fc.assert(
			fc.property(
				fc.array(arb, { maxLength: 6 }),
				fc.array(arb, { maxLength: 6 }),
				(honest, forged) => {
					const real = honest.map((r) =>
						ballot(r.seat, r.choice, T0 + r.offset, { signature: 'verified' })
					);
					const fake = forged.map((r) =>
						ballot(r.seat, r.choice, T0 + r.offset, {
							castBy: r.castBy,
							castFor: HOLDERS[r.seat]!,
							signature: r.status
						})
					);
					const withForged = outcomeOf([...fake, ...real], T0 + 2 * DAY);
					const honestOnly = outcomeOf(real, T0 + 2 * DAY);
					expect(withForged.unverified).toHaveLength(fake.length);
					expect({ ...withForged, unverified: [] }).toEqual(honestOnly);
				}
			),
			{ numRuns: 200 }
		);
	});
});

describe('ballots dated in the future', () => {
	it('a ballot stamped far ahead counts only once its time comes', () => {
		const k = ballot('keeper', 'agree', T0);
		const b = ballot('bearer', 'agree', T0);
		const farAhead = T0 + 365 * DAY;
		const future = ballot('navigator', 'disagree', farAhead, { reason: 'Never.' });
		const now = outcomeOf([k, b, future], T0 + HOUR);
		expect(now.future).toEqual([future]);
		expect(now.counted.navigator).toBeNull();
		expect(now.state).toBe('open');
		// The real navigator votes today; the ballot from next year does not out-vote it.
		const today = ballot('navigator', 'agree', T0 + 2 * HOUR);
		expect(outcomeOf([k, b, future, today], T0 + 3 * HOUR).state).toBe('consensus');
		// Within a day of its stamp it is an ordinary ballot again.
		const then = outcomeOf([k, b, future], farAhead - FUTURE_TOLERANCE_MS);
		expect(then.future).toEqual([]);
		expect(then.counted.navigator).toBe(future);
	});

	it('a device time far ahead holds a ballot back too, a day ahead does not', () => {
		const skewed = ballot('keeper', 'agree', T0, { deviceTime: T0 + 3 * DAY });
		expect(outcomeOf([skewed], T0).future).toEqual([skewed]);
		const fast = ballot('keeper', 'agree', T0, { deviceTime: T0 + DAY - 1 });
		expect(outcomeOf([fast], T0).counted.keeper).toBe(fast);
	});
});

describe('seat entries', () => {
	it('a claim stamped before the holder’s, by a writer who had seen it, does not take the seat', () => {
		const holder = claim('keeper', KIM, T0);
		// Written after seeing Kim's claim, stamped the day before it.
		const backdated: SeatClaim = { ...claim('keeper', OUTSIDER, T0 - DAY), seen: holder.at };
		const { holders, lost } = resolveSeats([backdated, holder]);
		expect(holders.keeper).toBe(KIM);
		expect(lost).toEqual([{ claim: backdated, heldBy: KIM }]);
		// Kim's ballots cast in between still count.
		expect(seatHoldersAt([backdated, holder], hlc(T0 + HOUR)).keeper).toBe(KIM);
	});

	it('a claim or release that does not verify is ignored', () => {
		const holder = claim('keeper', KIM, T0);
		const release: SeatClaim = { ...claim('keeper', KIM, T0 + 1, 'release'), signature: 'pending' };
		const forged: SeatClaim = {
			...claim('keeper', OUTSIDER, T0 + 2),
			signature: 'not-verifiable'
		};
		expect(resolveSeats([holder, release, forged]).holders.keeper).toBe(KIM);
		expect(resolveSeats([holder, forged]).lost).toEqual([]);
	});

	it('a claim dated more than a day ahead takes effect only once its time comes', () => {
		const early: SeatClaim = claim('bearer', OUTSIDER, T0 + 10 * DAY);
		const holder = claim('bearer', BEA, T0 + HOUR);
		expect(resolveSeats([early], T0).holders.bearer).toBeNull();
		expect(resolveSeats([early, holder], T0).holders.bearer).toBe(BEA);
		expect(resolveSeats([early], T0 + 9 * DAY).holders.bearer).toBe(OUTSIDER);
	});
});

describe('canonical encoding', () => {
	it('covers every field and the document, and nothing else', () => {
		const b = ballot('keeper', 'disagree', T0, { reason: 'a "quoted"\n\u{d800} reason' });
		const text = ballotMessage('doc1', b);
		expect(JSON.parse(text)).toEqual([
			'triad-ballot-1',
			'doc1',
			b.id,
			b.proposalId,
			1,
			'keeper',
			'disagree',
			b.reason,
			KIM,
			KIM,
			b.at,
			T0
		]);
		expect(ballotMessage('doc1', { ...b, signature: 'verified' })).toBe(text);
		expect(ballotMessage('doc2', b)).not.toBe(text);
		for (const change of [
			{ choice: 'agree' },
			{ castFor: BEA },
			{ revision: 2 },
			{ deviceTime: undefined }
		] as Partial<Ballot>[]) {
			expect(ballotMessage('doc1', { ...b, ...change })).not.toBe(text);
		}
		const entry = claim('keeper', KIM, T0);
		expect(seatEntryMessage('doc1', entry)).not.toBe(
			seatEntryMessage('doc1', { ...entry, seen: hlc(T0 - 1) })
		);
		expect(seatEntryMessage('doc1', entry)).not.toBe(
			seatEntryMessage('doc1', { ...entry, kind: 'release' })
		);
	});

	it('an absence’s covers what its member declares and the document; its cancellation apart', () => {
		const away = absence(NOA, KIM, T0, T0 + DAY, { handover: 'keys under "the" mat' });
		const text = absenceMessage('doc1', away);
		expect(JSON.parse(text)).toEqual([
			'triad-absence-1',
			'doc1',
			away.id,
			NOA,
			T0,
			T0 + DAY,
			KIM,
			away.handover,
			away.createdAt
		]);
		// What the reader adds, and the cancellation, are not part of the declaration.
		const read = { ...away, signature: 'verified' as const, cancelled: true, cancelledAt: T0 + 1 };
		expect(absenceMessage('doc1', read)).toBe(text);
		expect(absenceMessage('doc2', away)).not.toBe(text);
		for (const change of [
			{ member: BEA },
			{ cover: BEA },
			{ from: T0 + 1 },
			{ to: T0 + DAY + 1 },
			{ handover: 'other' },
			{ createdAt: hlc(T0) },
			{ id: 'absence000000000000other' }
		] as Partial<Absence>[]) {
			expect(absenceMessage('doc1', { ...away, ...change })).not.toBe(text);
		}
		const cancel = absenceCancelMessage('doc1', { ...away, cancelledAt: T0 + HOUR });
		expect(JSON.parse(cancel)).toEqual(['triad-absence-cancel-1', 'doc1', away.id, NOA, T0 + HOUR]);
		expect(absenceCancelMessage('doc1', { ...away, cancelledAt: T0 + HOUR + 1 })).not.toBe(cancel);
		expect(absenceCancelMessage('doc1', { ...away, id: 'other' as Absence['id'] })).not.toBe(
			cancel
		);
	});

	it('a lens note’s covers the proposal, seat, text, writer and document', () => {
		const note = { proposalId: proposal().id, seat: 'bearer' as const, text: 'new', by: BEA };
		const text = lensNoteMessage('doc1', note);
		expect(JSON.parse(text)).toEqual([
			'triad-lens-1',
			'doc1',
			note.proposalId,
			'bearer',
			'new',
			BEA
		]);
		expect(lensNoteMessage('doc2', note)).not.toBe(text);
		for (const change of [
			{ proposalId: 'other' },
			{ seat: 'keeper' },
			{ text: 'new ' },
			{ by: KIM }
		] as Partial<typeof note>[]) {
			expect(lensNoteMessage('doc1', { ...note, ...change })).not.toBe(text);
		}
	});

	it('no two different absences, cancellations or lens notes share a message (property)', () => {
		const field = fc.string({ maxLength: 6 });
		const at = fc.integer({ min: T0, max: T0 + 10 });
		fc.assert(
			fc.property(
				fc.tuple(field, field, at, at, field, field),
				fc.tuple(field, field, at, at, field, field),
				(a, b) => {
					const of = ([id, member, from, to, cover, handover]: typeof a) =>
						absence(member as MemberId, cover as MemberId, from, to, {
							id: id as Absence['id'],
							handover,
							createdAt: null
						});
					const same = JSON.stringify(a) === JSON.stringify(b);
					expect(absenceMessage('d', of(a)) === absenceMessage('d', of(b))).toBe(same);
					const lens = ([id, member, , , cover, text]: typeof a) => ({
						proposalId: id as ProposalId,
						seat: 'keeper' as const,
						text: `${cover}${text}`,
						by: member as MemberId
					});
					// The three kinds never share a message either.
					expect(absenceMessage('d', of(a))).not.toBe(lensNoteMessage('d', lens(b)));
					expect(absenceMessage('d', of(a))).not.toBe(absenceCancelMessage('d', of(b)));
				}
			),
			{ numRuns: 500 }
		);
	});
});

describe('latestNotInFuture', () => {
	it('orders after exactly the timestamps not dated in the future (property)', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 10 ** 15 - 1 }),
				fc.integer({ min: -2 * DAY, max: 2 * DAY }),
				fc.integer({ min: 0, max: 999_999 }),
				fc.constantFrom('a', 'zz', '___', '-'),
				(now, offset, counter, node) => {
					const wall = Math.min(10 ** 15 - 1, Math.max(0, now + offset));
					const at = hlc(wall, counter, node);
					expect(at > latestNotInFuture(now)).toBe(isDatedInFuture(at, now));
				}
			),
			{ numRuns: 500 }
		);
		expect(latestNotInFuture(10 ** 15)).toBe('\uffff');
	});
});
