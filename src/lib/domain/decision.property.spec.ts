import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { castTimeOf, decide, decideWith, prepareDecisionContext, type Outcome } from './decision';
import type { BallotId, ProposalId } from './ids';
import type { Absence, Ballot, Proposal, SignatureStatus } from './model';
import { CHOICES, ROLES } from './model';
import { isDatedInFuture, isFutureInstant } from './signatures';
import {
	absence,
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
	PROPOSAL_ID,
	T0
} from './testing/fixtures';

const members = [KIM, BEA, NOA, OUTSIDER] as const;

/** Ballots from a small pool of ids, seats, members and times, so clashes of every kind occur. */
const ballotArb = fc
	.record({
		id: fc.integer({ min: 0, max: 11 }),
		revision: fc.integer({ min: 0, max: 2 }),
		seat: fc.constantFrom(...ROLES),
		choice: fc.constantFrom(...CHOICES),
		reason: fc.constantFrom('', 'Because.'),
		castBy: fc.constantFrom(...members),
		ownBallot: fc.boolean(),
		castFor: fc.constantFrom(...members),
		// Now and then a ballot dated days ahead, which counts only once its day comes.
		wall: fc.oneof(
			{ weight: 9, arbitrary: fc.integer({ min: T0 - DAY, max: T0 + DAY }) },
			{ weight: 1, arbitrary: fc.integer({ min: T0 + DAY, max: T0 + 5 * DAY }) }
		),
		counter: fc.integer({ min: 0, max: 3 }),
		node: fc.constantFrom('a', 'b', 'c'),
		deviceOffset: fc.option(fc.integer({ min: -DAY, max: DAY }), { nil: undefined }),
		// Mostly records that count, as a document mostly holds; some forged or not checked yet.
		signature: fc.constantFrom<SignatureStatus | undefined>(
			undefined,
			undefined,
			'verified',
			'verified',
			'unsigned',
			'not-verifiable',
			'pending'
		)
	})
	.map((r): Ballot => ({
		id: `ballot${r.id}` as BallotId,
		proposalId: PROPOSAL_ID,
		revision: r.revision,
		seat: r.seat,
		choice: r.choice,
		reason: r.reason,
		castBy: r.castBy,
		castFor: r.ownBallot ? r.castBy : r.castFor,
		at: hlc(r.wall, r.counter, r.node),
		deviceTime: r.deviceOffset === undefined ? undefined : r.wall + r.deviceOffset,
		...(r.signature === undefined ? {} : { signature: r.signature })
	}));

const absenceArb = fc
	.record({
		member: fc.constantFrom(KIM, BEA, NOA),
		cover: fc.constantFrom(KIM, BEA, NOA),
		from: fc.integer({ min: T0 - DAY, max: T0 + DAY }),
		length: fc.integer({ min: 0, max: DAY }),
		cancelled: fc.boolean()
	})
	.map((r): Absence =>
		absence(r.member, r.cover, r.from, r.from + r.length, { cancelled: r.cancelled })
	);

const proposalArb = fc
	.record({
		revision: fc.integer({ min: 1, max: 2 }),
		deadline: fc.option(fc.integer({ min: T0 - HOUR, max: T0 + HOUR }), { nil: null }),
		reflectionDelayMs: fc.constantFrom(0, HOUR)
	})
	.map((p): Proposal => proposal(p));

const seatsArb = fc.constantFrom<Parameters<typeof decide>[0]['seats']>(HOLDERS, [
	claim('keeper', KIM, T0 - 2 * DAY),
	claim('bearer', BEA, T0 - 2 * DAY),
	claim('navigator', NOA, T0 - 2 * DAY),
	claim('navigator', NOA, T0, 'release'),
	claim('navigator', OUTSIDER, T0 + 1)
]);

const byKey = (a: Ballot, b: Ballot) => {
	const x = JSON.stringify(a);
	const y = JSON.stringify(b);
	return x < y ? -1 : x > y ? 1 : 0;
};

/** The outcome with every list in one canonical order, as the property's point of comparison. */
function canonical(o: Outcome): Outcome {
	return {
		...o,
		stale: [...o.stale].sort(byKey),
		late: [...o.late].sort(byKey),
		superseded: [...o.superseded].sort(byKey),
		invalid: [...o.invalid].sort(byKey),
		unverified: [...o.unverified].sort(byKey),
		future: [...o.future].sort(byKey),
		proxies: [...o.proxies].sort(byKey)
	};
}

// Generous budget: hundreds of runs share two cores with other suites.
describe('decision rule properties', { timeout: 60_000 }, () => {
	it('does not depend on the order ballots arrive in, nor on duplicates', () => {
		fc.assert(
			fc.property(
				fc.array(ballotArb, { maxLength: 14 }),
				fc.array(absenceArb, { maxLength: 3 }),
				proposalArb,
				seatsArb,
				fc.integer({ min: T0 - HOUR, max: T0 + 2 * DAY }),
				fc.array(fc.double({ noNaN: true }), { minLength: 28, maxLength: 28 }),
				fc.array(fc.nat(), { maxLength: 6 }),
				(ballots, absences, p, seats, now, sortKeys, duplicates) => {
					const arrived = [
						...ballots,
						...duplicates.flatMap((i) => ballots.slice(i % 3, 1 + (i % 3)))
					]
						.map((b, i) => ({ b: { ...b }, key: sortKeys[i % sortKeys.length]! + i * 1e-9 }))
						.sort((x, y) => x.key - y.key)
						.map(({ b }) => b);
					const reversedAbsences = [...absences].reverse();
					const a = decide({ proposal: p, seats, ballots, absences, now });
					const b = decide({
						proposal: p,
						seats,
						ballots: arrived,
						absences: reversedAbsences,
						now
					});
					expect(canonical(b)).toEqual(canonical(a));
				}
			),
			{ numRuns: 400 }
		);
	});

	it('sorts every distinct ballot id into exactly one list', () => {
		fc.assert(
			fc.property(
				fc.array(ballotArb, { maxLength: 14 }),
				fc.array(absenceArb, { maxLength: 3 }),
				proposalArb,
				(ballots, absences, p) => {
					const o = decide({ proposal: p, seats: HOLDERS, ballots, absences, now: T0 });
					const listed = [
						...ROLES.map((r) => o.counted[r]).filter((b) => b !== null),
						...o.stale,
						...o.late,
						...o.superseded,
						...o.invalid,
						...o.unverified,
						...o.future
					].map((b) => b.id);
					expect(listed.length).toBe(new Set(listed).size);
					expect(new Set(listed)).toEqual(new Set(ballots.map((b) => b.id)));
				}
			),
			{ numRuns: 300 }
		);
	});

	it('decides every proposal of a triad from one prepared context as decide does', () => {
		const other = proposal({ id: 'otherproposalotherpro0' as ProposalId, revision: 2 });
		fc.assert(
			fc.property(
				fc.array(fc.tuple(ballotArb, fc.boolean()), { maxLength: 20 }),
				fc.array(absenceArb, { maxLength: 3 }),
				proposalArb,
				seatsArb,
				fc.integer({ min: T0 - HOUR, max: T0 + 2 * DAY }),
				(drawn, absences, p, seats, now) => {
					const ballots = drawn.map(([b, onOther]) =>
						onOther ? { ...b, proposalId: other.id } : b
					);
					const context = prepareDecisionContext({ seats, absences });
					for (const q of [p, other, p]) {
						const alone = decide({ proposal: q, seats, ballots, absences, now });
						expect(decideWith(context, q, ballots, now)).toEqual(alone);
					}
				}
			),
			{ numRuns: 200 }
		);
	});

	it('settles early only on the state the completed vote would reach', () => {
		fc.assert(
			fc.property(
				fc.array(ballotArb, { maxLength: 10 }),
				fc.constantFrom(...CHOICES),
				fc.constantFrom(...CHOICES),
				fc.constantFrom(...CHOICES),
				(drawn, k, b, n) => {
					// Cast by the holders: ballots that can never count add nothing here, and with them
					// so few runs settle early that a whole run could pass without one assertion. None
					// dated more than a day ahead of the first look: those count only once their day
					// comes, and may change the state then.
					const ballots = drawn
						.filter((x) => !isDatedInFuture(x.at, T0) && !isFutureInstant(castTimeOf(x), T0))
						.map((x) => ({
							...x,
							castBy: HOLDERS[x.seat]!,
							castFor: HOLDERS[x.seat]!
						}));
					const p = proposal();
					const early = decide({ proposal: p, seats: HOLDERS, ballots, absences: [], now: T0 });
					if (early.state === 'open') return;
					const fill = { keeper: k, bearer: b, navigator: n };
					const completion = ROLES.filter((r) => early.counted[r] === null).map(
						(seat, i): Ballot => ({
							id: `fill${i}` as BallotId,
							proposalId: PROPOSAL_ID,
							revision: p.revision,
							seat,
							choice: fill[seat],
							reason: 'Because.',
							castBy: HOLDERS[seat]!,
							castFor: HOLDERS[seat]!,
							at: hlc(T0 + 2 * DAY),
							deviceTime: T0 + 2 * DAY
						})
					);
					const later = decide({
						proposal: p,
						seats: HOLDERS,
						ballots: [...ballots, ...completion],
						absences: [],
						now: T0 + 3 * DAY
					});
					expect(later.state).toBe(early.state);
				}
			),
			{ numRuns: 400 }
		);
	});
});
