import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ballotStandings, describeStanding, seatBallotState } from './ballot-standing';
import { decide } from './decision';
import type { BallotId, MemberId } from './ids';
import type { Ballot } from './model';
import { CHOICES, ROLES } from './model';
import {
	absence,
	ballot,
	BEA,
	DAY,
	hlc,
	HOLDERS,
	HOUR,
	KIM,
	MINUTE,
	NOA,
	OUTSIDER,
	proposal,
	PROPOSAL_ID,
	T0
} from './testing/fixtures';

const NAMES = new Map<MemberId, string>([
	[KIM, 'Kim'],
	[BEA, 'Bea'],
	[NOA, 'Noa']
]);
const nameOf = (member: MemberId) => NAMES.get(member) ?? 'a member';

/** Noa is away and Bea covers for her, from a day before T0 to a day after. */
const NOA_AWAY = [absence(NOA, BEA, T0 - DAY, T0 + DAY)];

function standingsFor(ballots: Ballot[], overrides: Parameters<typeof proposal>[0] = {}) {
	const p = proposal(overrides);
	const outcome = decide({
		proposal: p,
		seats: HOLDERS,
		ballots,
		absences: NOA_AWAY,
		now: T0 + HOUR
	});
	return { outcome, standings: ballotStandings(outcome, p) };
}

function wordsFor(ballots: Ballot[], overrides: Parameters<typeof proposal>[0] = {}) {
	const { standings } = standingsFor(ballots, overrides);
	return ballots.map((b) => describeStanding(standings.get(b.id)!, nameOf));
}

describe('ballot standing', () => {
	it('a proxy cast after the member voted themselves: does not count, the member voted', () => {
		const own = ballot('navigator', 'disagree', T0);
		const proxy = ballot('navigator', 'agree', T0 + MINUTE, { castBy: BEA });
		expect(wordsFor([own, proxy])).toEqual(['counts', 'does not count: Noa voted themselves']);
	});

	it('a proxy cast before the member voted: the member voted, not "a later ballot" only', () => {
		const proxy = ballot('navigator', 'agree', T0, { castBy: BEA });
		const own = ballot('navigator', 'abstain', T0 + MINUTE);
		expect(wordsFor([proxy, own])).toEqual(['does not count: Noa voted themselves', 'counts']);
	});

	it('a proxy alone counts; a member changing their own vote replaces the older one', () => {
		const proxy = ballot('navigator', 'agree', T0, { castBy: BEA });
		const first = ballot('keeper', 'agree', T0);
		const second = ballot('keeper', 'abstain', T0 + MINUTE);
		expect(wordsFor([proxy, first, second])).toEqual([
			'counts',
			'does not count: replaced by a later ballot',
			'counts'
		]);
	});

	it('an earlier text: stale alone, replaced once the seat votes on the current text', () => {
		const old = ballot('keeper', 'agree', T0, { revision: 1 });
		expect(wordsFor([old], { revision: 2 })).toEqual(['does not count: voted on an earlier text']);
		const again = ballot('keeper', 'agree', T0 + MINUTE, { revision: 2 });
		expect(wordsFor([old, again], { revision: 2 })).toEqual([
			'does not count: on an earlier text, replaced by a ballot on the current one',
			'counts'
		]);
	});

	it('late: after the deadline, or after the decision was final', () => {
		const deadline = T0 + MINUTE;
		const afterDeadline = ballot('keeper', 'agree', T0 + 2 * MINUTE);
		expect(wordsFor([afterDeadline], { deadline })).toEqual([
			'late: cast after the deadline, not counted'
		]);
		const all = [
			ballot('keeper', 'agree', T0),
			ballot('bearer', 'agree', T0 + MINUTE),
			ballot('navigator', 'agree', T0 + 2 * MINUTE)
		];
		const change = ballot('bearer', 'disagree', T0 + 3 * MINUTE);
		expect(wordsFor([...all, change]).at(-1)).toBe(
			'late: cast after the decision was final, not counted'
		);
	});

	it('names what the rule refused: outsiders, future dates, signatures', () => {
		const outsider = ballot('keeper', 'agree', T0, { castBy: OUTSIDER, castFor: OUTSIDER });
		const future = ballot('bearer', 'agree', T0 + 3 * DAY);
		const pending = ballot('navigator', 'agree', T0, { signature: 'pending' });
		const forged = ballot('navigator', 'agree', T0, { signature: 'not-verifiable' });
		expect(wordsFor([outsider, future, pending, forged])).toEqual([
			'not counted: not cast by the seat or its cover',
			'dated in the future: not counted until then (its device clock may be wrong)',
			'checking its signature: counted once checked',
			'not counted: not verifiable (it names Noa as its writer, who did not sign it)'
		]);
	});

	it("the cover's card: the member's own ballot counts, the cover's newest proxy does not", () => {
		const proxy = ballot('navigator', 'agree', T0 + MINUTE, { castBy: BEA });
		const own = ballot('navigator', 'disagree', T0);
		const { outcome, standings } = standingsFor([own, proxy]);
		const card = seatBallotState(outcome, standings, [own, proxy], 'navigator', BEA);
		expect(card.counted).toBe(own);
		expect(card.latestByActor).toBe(proxy);
		expect(card.latestStanding).toEqual({ counts: false, why: 'member-voted', member: NOA });
		const mine = seatBallotState(outcome, standings, [own, proxy], 'navigator', NOA);
		expect(mine.latestStanding).toEqual({ counts: true, why: 'counted' });
		const none = seatBallotState(outcome, standings, [own, proxy], 'keeper', KIM);
		expect(none).toEqual({ counted: null, latestByActor: null, latestStanding: null });
	});
});

const members = [KIM, BEA, NOA, OUTSIDER] as const;
const ballotArb = fc
	.record({
		id: fc.integer({ min: 0, max: 9 }),
		revision: fc.integer({ min: 1, max: 2 }),
		seat: fc.constantFrom(...ROLES),
		choice: fc.constantFrom(...CHOICES),
		reason: fc.constantFrom('', 'Because.'),
		castBy: fc.constantFrom(...members),
		own: fc.boolean(),
		castFor: fc.constantFrom(...members),
		// Often Bea's proxy for Noa, whom she covers: the case the wordings are about.
		coverProxy: fc.boolean(),
		wall: fc.oneof(
			{ weight: 9, arbitrary: fc.integer({ min: T0 - HOUR, max: T0 + HOUR }) },
			{ weight: 1, arbitrary: fc.integer({ min: T0 + 2 * DAY, max: T0 + 3 * DAY }) }
		),
		signature: fc.constantFrom<Ballot['signature']>(
			undefined,
			undefined,
			undefined,
			'verified',
			'pending',
			'not-verifiable'
		)
	})
	.map((r): Ballot => ({
		id: `ballot${r.id}` as BallotId,
		proposalId: PROPOSAL_ID,
		revision: r.revision,
		seat: r.coverProxy ? 'navigator' : r.seat,
		choice: r.choice,
		reason: r.reason,
		castBy: r.coverProxy ? BEA : r.castBy,
		castFor: r.coverProxy ? NOA : r.own ? r.castBy : r.castFor,
		at: hlc(r.wall),
		deviceTime: r.wall,
		...(r.signature === undefined ? {} : { signature: r.signature })
	}));

describe('ballot standing properties', { timeout: 60_000 }, () => {
	it('every ballot has one standing; it counts exactly when the rule counts it; order does not matter', () => {
		fc.assert(
			fc.property(
				fc.array(ballotArb, { maxLength: 10 }),
				fc.option(fc.integer({ min: T0 - HOUR, max: T0 + HOUR }), { nil: null }),
				fc.integer({ min: 1, max: 2 }),
				(ballots, deadline, revision) => {
					const p = proposal({ deadline, revision });
					const input = { proposal: p, seats: HOLDERS, absences: NOA_AWAY, now: T0 + 2 * HOUR };
					const outcome = decide({ ...input, ballots });
					const standings = ballotStandings(outcome, p);
					const ids = new Set(ballots.map((b) => b.id));
					expect(new Set(standings.keys())).toEqual(ids);
					const countedIds = new Set(
						Object.values(outcome.counted).flatMap((b) => (b ? [b.id] : []))
					);
					for (const [id, standing] of standings) {
						expect(standing.counts).toBe(countedIds.has(id));
					}
					const reversed = ballotStandings(
						decide({ ...input, ballots: [...ballots].reverse() }),
						p
					);
					expect(reversed).toEqual(standings);
				}
			),
			{ numRuns: 300 }
		);
	});

	it('"voted themselves" only when the member has a weighed ballot of their own on that text', () => {
		let seen = 0;
		fc.assert(
			fc.property(fc.array(ballotArb, { maxLength: 10 }), (ballots) => {
				const p = proposal({ revision: 2 });
				const outcome = decide({
					proposal: p,
					seats: HOLDERS,
					ballots,
					absences: NOA_AWAY,
					now: T0 + 2 * HOUR
				});
				for (const [id, standing] of ballotStandings(outcome, p)) {
					if (standing.why !== 'member-voted') continue;
					seen++;
					const proxy = outcome.superseded.find((b) => b.id === id)!;
					expect(proxy.castBy).not.toBe(proxy.castFor);
					const own = [
						...outcome.superseded,
						...outcome.stale,
						...Object.values(outcome.counted)
					].some(
						(b) =>
							b !== null &&
							b.castBy === proxy.castFor &&
							b.castFor === proxy.castFor &&
							b.seat === proxy.seat &&
							b.revision === proxy.revision
					);
					expect(own).toBe(true);
				}
			}),
			{ numRuns: 300 }
		);
		expect(seen).toBeGreaterThan(0);
	});
});
