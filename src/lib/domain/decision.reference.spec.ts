import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	decide,
	decideWith,
	prepareDecisionContext,
	type DecisionContext,
	type DecisionInput,
	type Outcome
} from './decision';
import { isDatedInFuture } from './signatures';
import * as reference from './testing/decision-reference';
import type { BallotId, MemberId, ProposalId } from './ids';
import type { Absence, Ballot, Choice, EpochMs, HlcTimestamp, Proposal, SeatClaim } from './model';
import { CHOICES, PROPOSAL_STATUSES, ROLES } from './model';
import {
	absence,
	BEA,
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

/**
 * Differential test of the optimized decision rule against the frozen copy it replaced
 * (`decision.reference.ts`). The other specs check the rule's meaning; this one checks that making
 * it faster changed nothing at all: the same outcome, deep and strict, with every list in the
 * same order, for inputs that reach every branch (revisions, proxies, covers, seat handovers,
 * deadlines, late ballots, dissent reasons, reflection delays, malformed records, id clashes).
 */

const members = [KIM, BEA, NOA, OUTSIDER] as const;
const OTHER_ID = 'otherproposalotherpro0' as ProposalId;
const THIRD_ID = 'thirdproposalthirdpro0' as ProposalId;
const proposalIds = ['propproppropproppropp0' as ProposalId, OTHER_ID, THIRD_ID] as const;

/** The member `shift` places after `member` in `members`, wrapping: another member unless 0. */
function memberAfter(member: MemberId, shift: number): MemberId {
	return members[(members.indexOf(member as (typeof members)[number]) + shift) % members.length]!;
}

/**
 * Times on a coarse grid, so that ballots, deadlines, absences, seat entries and the end of a
 * reflection delay often fall on the same instant (the boundaries where `<` and `<=` differ), with
 * an occasional odd millisecond in between.
 */
const timeArb = fc.oneof(
	{ weight: 4, arbitrary: fc.integer({ min: -8, max: 16 }).map((k) => T0 + k * (HOUR / 2)) },
	{ weight: 1, arbitrary: fc.integer({ min: T0 - DAY, max: T0 + DAY }) }
);

/** Mostly well-formed ballots; one in ten is malformed in one field, as a crafted record may be. */
const malformation = fc.constantFrom<Partial<Record<keyof Ballot, unknown>> | null>(
	null,
	null,
	null,
	null,
	null,
	null,
	null,
	null,
	null,
	{ at: 'not a timestamp' },
	{ seat: 'chair' },
	{ choice: 'maybe' },
	{ revision: 1.5 },
	{ revision: -1 },
	{ revision: Number.NaN },
	{ reason: null },
	{ deviceTime: Number.NaN },
	{ deviceTime: Number.POSITIVE_INFINITY }
);

/** Ballots with ids drawn from `ids` values: few enough that they clash often. */
const ballotWithIds = (ids: number) =>
	fc
		.record({
			id: fc.integer({ min: 0, max: ids - 1 }),
			proposal: fc.constantFrom(0, 0, 0, 1, 2),
			revision: fc.integer({ min: 0, max: 4 }),
			seat: fc.constantFrom(...ROLES),
			choice: fc.constantFrom(...CHOICES),
			reason: fc.constantFrom('', '', 'Because.', '  ', ' It costs too much. '),
			// Mostly the seat's first holder or a proxy for them, so ballots count and covers matter.
			voter: fc.constantFrom('holder', 'holder', 'proxy', 'proxy', 'anyone'),
			castBy: fc.constantFrom(...members),
			castFor: fc.constantFrom(...members),
			wall: timeArb,
			counter: fc.integer({ min: 0, max: 2 }),
			node: fc.constantFrom('a', 'b', 'c'),
			deviceOffset: fc.option(fc.constantFrom(0, 0, -HOUR, HOUR / 2, 1), { nil: undefined }),
			malformed: malformation
		})
		.map(
			(r): Ballot =>
				({
					id: `ballot${r.id}` as BallotId,
					proposalId: proposalIds[r.proposal]!,
					revision: r.revision,
					seat: r.seat,
					choice: r.choice,
					reason: r.reason,
					castBy:
						r.voter === 'holder'
							? HOLDERS[r.seat]!
							: r.voter === 'proxy'
								? memberAfter(HOLDERS[r.seat]!, 1)
								: r.castBy,
					castFor: r.voter === 'anyone' ? r.castFor : HOLDERS[r.seat]!,
					at: hlc(r.wall, r.counter, r.node),
					deviceTime: r.deviceOffset === undefined ? undefined : r.wall + r.deviceOffset,
					...r.malformed
				}) as Ballot
		);

const ballotArb = ballotWithIds(16);

/** `values` with the first one drawn `weight` times as often as each of the others. */
function mostly<T>(weight: number, first: T, ...others: T[]): fc.Arbitrary<T> {
	return fc.oneof({ weight, arbitrary: fc.constant(first) }, ...others.map((v) => fc.constant(v)));
}

/**
 * An absence of `member`, mostly long, in force and covered by `memberAfter(member, 1)`, the
 * member proxy ballots are cast by, so that proxies often count; sometimes short, cancelled (with
 * or without a time), reversed, or covered by the member themselves (granting nothing).
 */
const absenceOf = (member: fc.Arbitrary<MemberId>) =>
	fc
		.record({
			member,
			coverShift: mostly(8, 1, 0, 2),
			from: fc.oneof({ weight: 3, arbitrary: fc.constant(T0 - DAY) }, timeArb),
			length: mostly(8, 2 * DAY, DAY, 3 * HOUR, HOUR, 0, -HOUR),
			cancel: mostly<'no' | 'at' | 'untimed'>(6, 'no', 'at', 'untimed'),
			cancelAfter: fc.constantFrom(DAY, HOUR, 0)
		})
		.map((r): Absence =>
			absence(r.member, memberAfter(r.member, r.coverShift), r.from, r.from + r.length, {
				cancelled: r.cancel !== 'no',
				cancelledAt: r.cancel === 'at' ? r.from + r.cancelAfter : null
			})
		);

/**
 * Often one absence per seat holder, whose cover is usually the member proxy ballots are cast by
 * (`memberAfter(holder, 1)`), so proxies count often enough to matter; then a few of anyone's.
 */
const absencesArb = fc
	.tuple(
		...ROLES.map((seat) =>
			fc.option(absenceOf(fc.constant(HOLDERS[seat]!)), { nil: null, freq: 3 })
		),
		fc.array(absenceOf(fc.constantFrom(...members)), { maxLength: 2 })
	)
	.map(([keeper, bearer, navigator, others]): Absence[] =>
		[keeper, bearer, navigator, ...(others as Absence[])].filter((a): a is Absence => a !== null)
	);

const claimArb = fc
	.record({
		seat: fc.constantFrom(...ROLES),
		member: fc.constantFrom(...members),
		kind: fc.constantFrom<SeatClaim['kind']>('claim', 'claim', 'release'),
		time: fc.oneof(fc.constant(T0 - 2 * DAY), timeArb),
		node: fc.constantFrom('a', 'b'),
		malformed: fc.constantFrom(false, false, false, false, false, false, false, false, false, true)
	})
	.map((r): SeatClaim => ({
		seat: r.seat,
		member: r.member,
		kind: r.kind,
		at: r.malformed ? ('garbage' as HlcTimestamp) : hlc(r.time, 0, r.node)
	}));

/** The three holders from the start, then random handovers, releases and contested claims. */
const seatLogArb = fc.array(claimArb, { maxLength: 6 }).map((later): SeatClaim[] => [
	...ROLES.map((seat) => ({
		seat,
		member: HOLDERS[seat]!,
		kind: 'claim' as const,
		at: hlc(T0 - 3 * DAY, 0, 'a')
	})),
	...later
]);

const seatsArb = fc.oneof(
	fc.constant<DecisionInput['seats']>(HOLDERS),
	fc.constant<DecisionInput['seats']>({ keeper: KIM, bearer: null, navigator: OUTSIDER }),
	seatLogArb
);

const proposalArb = fc
	.record({
		id: fc.constantFrom(...proposalIds),
		status: fc.constantFrom(...PROPOSAL_STATUSES, 'open', 'open', 'open', 'open', 'open'),
		revision: fc.integer({ min: 1, max: 3 }),
		deadline: fc.option(timeArb, { nil: null }),
		reflectionDelayMs: fc.constantFrom(0, 0, HOUR, DAY, -HOUR)
	})
	.map((p): Proposal => proposal(p));

const nowArb: fc.Arbitrary<EpochMs> = fc.oneof(timeArb, fc.constant(T0 + 30 * DAY));

/** The ballots as they arrived: shuffled by the given keys, some of them twice. */
function arrivalOf(ballots: readonly Ballot[], keys: readonly number[], twice: readonly number[]) {
	const repeated = twice.flatMap((i) => (ballots.length > 0 ? [ballots[i % ballots.length]!] : []));
	return [...ballots, ...repeated]
		.map((b, i) => ({ b, key: keys.length > 0 ? keys[i % keys.length]! + i * 1e-9 : i }))
		.sort((x, y) => x.key - y.key)
		.map(({ b }) => b);
}

/**
 * The outcome without the lists the reference copy predates: ballots not signed by their caster
 * (none here: these ballots carry no signature status) and ballots dated more than a day ahead of
 * `now`, which the rule holds back until then. The reference is compared on the input without
 * those (`withoutFuture`), so everything else must match as before.
 */
function current(outcome: Outcome): reference.ReferenceOutcome {
	const { unverified, future: _future, ...rest } = outcome;
	expect(unverified).toEqual([]);
	return rest;
}

/** The input without the ballots (by id: an id clash goes with them) the outcome holds back. */
function withoutFuture<T extends { ballots: readonly Ballot[] }>(input: T, outcome: Outcome): T {
	const future = new Set(outcome.future.map((b) => b.id));
	return { ...input, ballots: input.ballots.filter((b) => !future.has(b.id)) };
}

/** The reference's `decide` on what the current rule counts at `now` (see `current`). */
function referenceDecide(input: DecisionInput, outcome: Outcome): reference.ReferenceOutcome {
	const seats = Array.isArray(input.seats)
		? (input.seats as readonly SeatClaim[]).filter((c) => !isDatedInFuture(c.at, input.now))
		: input.seats;
	return reference.decide({ ...withoutFuture(input, outcome), seats });
}

function referenceDecideWith(
	context: ReturnType<typeof reference.prepareDecisionContext>,
	p: Proposal,
	ballots: readonly Ballot[],
	now: EpochMs,
	outcome: Outcome
): reference.ReferenceOutcome {
	return reference.decideWith(context, p, withoutFuture({ ballots }, outcome).ballots, now);
}

/** `decideWith` and its outcome stripped for comparison. */
function currentWith(
	context: DecisionContext,
	p: Proposal,
	ballots: readonly Ballot[],
	now: EpochMs
): { outcome: Outcome; stripped: reference.ReferenceOutcome } {
	const outcome = decideWith(context, p, ballots, now);
	return { outcome, stripped: current(outcome) };
}

// Generous budget: thousands of runs share two cores with other suites.
describe('optimized decision rule against its reference copy', { timeout: 120_000 }, () => {
	it('decide gives the same outcome as the reference, lists in the same order', () => {
		fc.assert(
			fc.property(
				fc.array(ballotArb, { maxLength: 24 }),
				absencesArb,
				proposalArb,
				seatsArb,
				nowArb,
				fc.array(fc.double({ noNaN: true }), { maxLength: 8 }),
				fc.array(fc.nat(), { maxLength: 4 }),
				(drawn, absences, p, seats, now, keys, twice) => {
					const ballots = arrivalOf(drawn, keys, twice);
					const input = { proposal: p, seats, ballots, absences, now };
					const outcome = decide(input);
					expect(current(outcome)).toStrictEqual(referenceDecide(input, outcome));
				}
			),
			{ numRuns: 3000 }
		);
	});

	it('decideWith over one context gives the reference outcome for each proposal', () => {
		fc.assert(
			fc.property(
				fc.array(ballotArb, { maxLength: 30 }),
				absencesArb,
				fc.array(proposalArb, { minLength: 1, maxLength: 4 }),
				seatsArb,
				nowArb,
				(ballots, absences, proposals, seats, now) => {
					const context = prepareDecisionContext({ seats, absences });
					const expectedContext = reference.prepareDecisionContext({ seats, absences });
					for (const p of proposals) {
						const { outcome, stripped } = currentWith(context, p, ballots, now);
						expect(stripped).toStrictEqual(
							referenceDecideWith(expectedContext, p, ballots, now, outcome)
						);
					}
				}
			),
			{ numRuns: 1000 }
		);
	});

	it('agrees with the reference on complete votes with reasons and reflection delays', () => {
		// Three seats that all vote, often with a dissent, some by their cover: the random ballots
		// above seldom complete a vote or count a proxy, yet finality, reflection, late ballots after
		// it and "theirs wins" are where the rule is subtle.
		// Half of them a majority, whose reflection ends on the grid where other ballots fall.
		const majority = fc.constantFrom<Choice[]>(
			['disagree', 'agree', 'agree'],
			['agree', 'disagree', 'agree'],
			['agree', 'agree', 'disagree']
		);
		const complete = fc
			.tuple(
				fc.oneof(majority, fc.tuple(...ROLES.map(() => fc.constantFrom(...CHOICES)))),
				fc.tuple(...ROLES.map(() => timeArb)),
				fc.tuple(...ROLES.map(() => fc.boolean())),
				fc.array(ballotArb, { maxLength: 8 })
			)
			.map(([choices, times, byCover, extra]): Ballot[] => [
				...ROLES.map((seat, i): Ballot => ({
					id: `vote${i}` as BallotId,
					proposalId: proposalIds[0],
					revision: 1,
					seat,
					choice: choices[i]!,
					reason: choices[i] === 'disagree' && i !== 1 ? 'Too soon.' : '',
					castBy: byCover[i] ? memberAfter(HOLDERS[seat]!, 1) : HOLDERS[seat]!,
					castFor: HOLDERS[seat]!,
					at: hlc(times[i]!, 0, seat),
					deviceTime: times[i]!
				})),
				...extra.map((b) => ({
					...b,
					proposalId: proposalIds[0],
					revision: b.revision % 2
				}))
			]);
		fc.assert(
			fc.property(
				complete,
				absencesArb,
				proposalArb.map((p) => ({
					...p,
					id: proposalIds[0],
					status: 'open' as const,
					revision: 1
				})),
				fc.oneof(fc.constant<DecisionInput['seats']>(HOLDERS), seatLogArb),
				nowArb,
				(ballots, absences, p, seats, now) => {
					const input = { proposal: p, seats, ballots, absences, now };
					const outcome = decide(input);
					expect(current(outcome)).toStrictEqual(referenceDecide(input, outcome));
				}
			),
			{ numRuns: 2000 }
		);
	});

	it('agrees with the reference on proposals with many ballots', () => {
		// Past a few dozen ballots the rule switches to a Map for id clashes and the built-in sort.
		fc.assert(
			fc.property(
				fc.array(ballotWithIds(120), { minLength: 25, maxLength: 150, size: 'max' }),
				absencesArb,
				proposalArb,
				seatsArb,
				nowArb,
				fc.array(fc.nat(), { maxLength: 10 }),
				(drawn, absences, p, seats, now, twice) => {
					const ballots = arrivalOf(drawn, [], twice);
					const input = { proposal: p, seats, ballots, absences, now };
					const outcome = decide(input);
					expect(current(outcome)).toStrictEqual(referenceDecide(input, outcome));
				}
			),
			{ numRuns: 300 }
		);
	});
});
