import { describe, expect, it } from 'vitest';
import {
	castTimeOf,
	decide,
	decideWith,
	prepareDecisionContext,
	type DecisionInput,
	type Outcome,
	type OutcomeState
} from './decision';
import type { ProposalId } from './ids';
import type { Ballot, Choice, Proposal, Role } from './model';
import { ROLES } from './model';
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
	MINUTE,
	NOA,
	OUTSIDER,
	proposal,
	T0
} from './testing/fixtures';

function run(
	ballots: readonly Ballot[],
	options: Partial<Omit<DecisionInput, 'proposal' | 'ballots'>> & {
		proposal?: Partial<Proposal>;
	} = {}
): Outcome {
	return decide({
		proposal: proposal(options.proposal),
		seats: options.seats ?? HOLDERS,
		ballots,
		absences: options.absences ?? [],
		now: options.now ?? T0 + HOUR
	});
}

type Vote = Choice | 'none';
type Expectation = [OutcomeState, boolean];

/**
 * Expected outcome for every multiset of three votes, written out by hand from the rule as the
 * triad agrees it (rejected: two or more disagree; majority: two agree and one disagrees;
 * consensus: nobody disagrees and two or more agree; otherwise no decision once every seat has
 * voted or the deadline has passed), not computed. Keyed by the votes' initials sorted
 * a < d < s < n (n: no ballot). A state shown early (ddn, ssn) is not final before the deadline:
 * its voters may still change their ballot.
 */
const EXPECTED: Record<string, { beforeDeadline: Expectation; deadlinePassed: Expectation }> = {
	aaa: { beforeDeadline: ['consensus', true], deadlinePassed: ['consensus', true] },
	aad: { beforeDeadline: ['majority', true], deadlinePassed: ['majority', true] },
	aas: { beforeDeadline: ['consensus', true], deadlinePassed: ['consensus', true] },
	aan: { beforeDeadline: ['open', false], deadlinePassed: ['consensus', true] },
	add: { beforeDeadline: ['rejected', true], deadlinePassed: ['rejected', true] },
	ads: { beforeDeadline: ['no-decision', true], deadlinePassed: ['no-decision', true] },
	adn: { beforeDeadline: ['open', false], deadlinePassed: ['no-decision', true] },
	ass: { beforeDeadline: ['no-decision', true], deadlinePassed: ['no-decision', true] },
	asn: { beforeDeadline: ['open', false], deadlinePassed: ['no-decision', true] },
	ann: { beforeDeadline: ['open', false], deadlinePassed: ['no-decision', true] },
	ddd: { beforeDeadline: ['rejected', true], deadlinePassed: ['rejected', true] },
	dds: { beforeDeadline: ['rejected', true], deadlinePassed: ['rejected', true] },
	ddn: { beforeDeadline: ['rejected', false], deadlinePassed: ['rejected', true] },
	dss: { beforeDeadline: ['no-decision', true], deadlinePassed: ['no-decision', true] },
	dsn: { beforeDeadline: ['open', false], deadlinePassed: ['no-decision', true] },
	dnn: { beforeDeadline: ['open', false], deadlinePassed: ['no-decision', true] },
	sss: { beforeDeadline: ['no-decision', true], deadlinePassed: ['no-decision', true] },
	ssn: { beforeDeadline: ['no-decision', false], deadlinePassed: ['no-decision', true] },
	snn: { beforeDeadline: ['open', false], deadlinePassed: ['no-decision', true] },
	nnn: { beforeDeadline: ['open', false], deadlinePassed: ['no-decision', true] }
};

const VOTES: Vote[] = ['agree', 'disagree', 'abstain', 'none'];
const COMBINATIONS: Array<Record<Role, Vote>> = VOTES.flatMap((keeper) =>
	VOTES.flatMap((bearer) => VOTES.map((navigator) => ({ keeper, bearer, navigator })))
);

function keyOf(votes: Record<Role, Vote>): string {
	const initial: Record<Vote, string> = { agree: 'a', disagree: 'd', abstain: 's', none: 'n' };
	return ROLES.map((r) => initial[votes[r]])
		.sort((x, y) => 'adsn'.indexOf(x) - 'adsn'.indexOf(y))
		.join('');
}

function ballotsFor(votes: Record<Role, Vote>): Ballot[] {
	return ROLES.flatMap((role, i) => {
		const vote = votes[role];
		return vote === 'none' ? [] : [ballot(role, vote, T0 + i * MINUTE)];
	});
}

describe('every combination of three seats', () => {
	it('covers 64 combinations and 20 multisets', () => {
		expect(COMBINATIONS).toHaveLength(64);
		expect(new Set(COMBINATIONS.map(keyOf))).toEqual(new Set(Object.keys(EXPECTED)));
	});

	describe.each(COMBINATIONS.map((votes) => [keyOf(votes), votes] as const))(
		'%s (%o)',
		(key, votes) => {
			const expected = EXPECTED[key]!;
			const ballots = ballotsFor(votes);
			const missing = ROLES.filter((r) => votes[r] === 'none');

			it('without a deadline', () => {
				const outcome = run(ballots);
				expect([outcome.state, outcome.final]).toEqual(expected.beforeDeadline);
				expect(outcome.waitingFor).toEqual(outcome.state === 'open' ? missing : []);
				expect(outcome.balanceBroken).toBe(outcome.state === 'majority');
			});

			it('before the deadline', () => {
				const outcome = run(ballots, { proposal: { deadline: T0 + DAY } });
				expect([outcome.state, outcome.final]).toEqual(expected.beforeDeadline);
				expect(outcome.deadlinePassed).toBe(false);
			});

			it('after the deadline', () => {
				const outcome = run(ballots, { proposal: { deadline: T0 + HOUR }, now: T0 + 2 * HOUR });
				expect([outcome.state, outcome.final]).toEqual(expected.deadlinePassed);
				expect(outcome.deadlinePassed).toBe(true);
				expect(outcome.waitingFor).toEqual([]);
				expect(outcome.reachable).toEqual([outcome.state]);
			});
		}
	);
});

describe('early display', () => {
	it('lists what an open proposal may still become', () => {
		const twoAgree = run([ballot('keeper', 'agree', T0), ballot('bearer', 'agree', T0)]);
		expect(twoAgree.state).toBe('open');
		expect(twoAgree.reachable).toEqual(['consensus', 'majority']);
		expect(twoAgree.waitingFor).toEqual(['navigator']);
		expect(run([]).reachable).toEqual(['consensus', 'majority', 'no-decision', 'rejected']);
	});

	it('settles a rejection at the second disagree, however the third seat votes later', () => {
		const first = ballot('keeper', 'disagree', T0);
		const second = ballot('bearer', 'disagree', T0 + 10 * MINUTE);
		const early = run([first, second]);
		expect(early).toMatchObject({ state: 'rejected', final: false, decidedAt: T0 + 10 * MINUTE });
		const complete = run([first, second, ballot('navigator', 'agree', T0 + HOUR)], {
			now: T0 + 2 * HOUR
		});
		expect(complete).toMatchObject({
			state: 'rejected',
			final: true,
			decidedAt: T0 + 10 * MINUTE,
			finalAt: T0 + HOUR
		});
	});

	it('dates a decision settled only by the deadline at the deadline', () => {
		const outcome = run([ballot('keeper', 'agree', T0), ballot('bearer', 'agree', T0 + MINUTE)], {
			proposal: { deadline: T0 + HOUR },
			now: T0 + DAY
		});
		expect(outcome).toMatchObject({ state: 'consensus', decidedAt: T0 + HOUR, finalAt: T0 + HOUR });
	});

	it('reports the tally', () => {
		const outcome = run([ballot('keeper', 'agree', T0), ballot('navigator', 'abstain', T0)]);
		expect(outcome.tally).toEqual({ agree: 1, disagree: 0, abstain: 1, missing: 1 });
	});
});

describe('final', () => {
	it('is not final on an early display while seats may still change their ballot', () => {
		const early = [ballot('keeper', 'disagree', T0), ballot('bearer', 'disagree', T0 + MINUTE)];
		const shown = run(early, { proposal: { deadline: T0 + DAY } });
		expect(shown).toMatchObject({ state: 'rejected', final: false, finalAt: null });
		// A member changes their mind before the third seat votes: the display follows.
		const changed = [...early, ballot('bearer', 'agree', T0 + 2 * MINUTE)];
		expect(run(changed, { proposal: { deadline: T0 + DAY } }).state).toBe('open');
	});

	it('becomes final when the third seat votes, after which a changed ballot is late', () => {
		const all = [
			ballot('keeper', 'agree', T0),
			ballot('bearer', 'agree', T0 + MINUTE),
			ballot('navigator', 'agree', T0 + 2 * MINUTE)
		];
		const changed = ballot('bearer', 'disagree', T0 + HOUR);
		const outcome = run([...all, changed], { now: T0 + 2 * HOUR });
		expect(outcome).toMatchObject({ state: 'consensus', final: true, finalAt: T0 + 2 * MINUTE });
		expect(outcome.late).toEqual([changed]);
		expect(outcome.counted.bearer).toBe(all[1]);
	});

	it('lets ballots change a majority during its reflection delay, not after', () => {
		const votes = [
			ballot('keeper', 'agree', T0),
			ballot('bearer', 'agree', T0 + MINUTE),
			ballot('navigator', 'disagree', T0 + 2 * MINUTE)
		];
		const proposal = { reflectionDelayMs: HOUR };
		const during = ballot('bearer', 'disagree', T0 + 30 * MINUTE);
		expect(run([...votes, during], { proposal, now: T0 + 2 * HOUR }).state).toBe('rejected');
		const after = ballot('bearer', 'disagree', T0 + 2 * HOUR);
		const outcome = run([...votes, after], { proposal, now: T0 + 3 * HOUR });
		expect(outcome).toMatchObject({ state: 'majority', final: true });
		expect(outcome.finalAt).toBe(T0 + 2 * MINUTE + HOUR);
		expect(outcome.late).toEqual([after]);
	});
});

describe('current ballot of a seat', () => {
	it('is the latest by HLC, not the latest in the log', () => {
		const laptop = ballot('keeper', 'agree', T0 + 2 * HOUR); // changed at 11:00
		const phone = ballot('keeper', 'disagree', T0 + HOUR); // cast at 10:00, synced after
		const outcome = run(
			[
				laptop,
				phone,
				ballot('bearer', 'agree', T0 + 3 * HOUR),
				ballot('navigator', 'agree', T0 + 3 * HOUR)
			],
			{ now: T0 + 4 * HOUR }
		);
		expect(outcome.counted.keeper).toBe(laptop);
		expect(outcome.superseded).toEqual([phone]);
		expect(outcome.state).toBe('consensus');
	});

	it('counts a ballot once however often the log repeats it', () => {
		const k = ballot('keeper', 'agree', T0);
		const outcome = run([k, k, { ...k }, ballot('bearer', 'agree', T0)]);
		expect(outcome.counted.keeper).toEqual(k);
		expect(outcome.superseded).toEqual([]);
	});

	it('ignores ballots of other proposals', () => {
		const other = ballot('keeper', 'disagree', T0, {
			proposalId: 'otherotherotherother00' as Ballot['proposalId']
		});
		const outcome = run([other]);
		expect(outcome.counted.keeper).toBeNull();
		expect([...outcome.invalid, ...outcome.superseded, ...outcome.late]).toEqual([]);
	});
});

describe('revisions', () => {
	it('shows a ballot on an earlier text as stale until it is cast again', () => {
		const onOldText = ballot('keeper', 'agree', T0, { revision: 1 });
		const amended = { revision: 2 };
		const before = run([onOldText], { proposal: amended });
		expect(before.counted.keeper).toBeNull();
		expect(before.stale).toEqual([onOldText]);
		expect(before.waitingFor).toContain('keeper');

		const again = ballot('keeper', 'disagree', T0 + HOUR, { revision: 2 });
		const after = run([onOldText, again], { proposal: amended });
		expect(after.counted.keeper).toBe(again);
		expect(after.stale).toEqual([]);
		expect(after.superseded).toEqual([onOldText]);
	});

	it('shows only the latest earlier-text ballot of a seat as stale', () => {
		const first = ballot('keeper', 'agree', T0, { revision: 0 });
		const second = ballot('keeper', 'disagree', T0 + MINUTE, { revision: 1 });
		const outcome = run([first, second], { proposal: { revision: 2 } });
		expect(outcome.stale).toEqual([second]);
		expect(outcome.superseded).toEqual([first]);
	});

	it('does not count a ballot on a revision the proposal has not reached', () => {
		const ahead = ballot('keeper', 'agree', T0, { revision: 3 });
		expect(run([ahead], { proposal: { revision: 2 } }).invalid).toEqual([ahead]);
	});
});

describe('deadline', () => {
	const deadline = T0 + HOUR;

	it('keeps late ballots visible but uncounted, and they supersede nothing', () => {
		const onTime = ballot('keeper', 'agree', deadline);
		const late = ballot('keeper', 'disagree', deadline + 1);
		const outcome = run([onTime, late], { proposal: { deadline }, now: deadline + DAY });
		expect(outcome.counted.keeper).toBe(onTime);
		expect(outcome.late).toEqual([late]);
		expect(outcome.superseded).toEqual([]);
	});

	it('counts a ballot cast offline before the deadline that syncs after it', () => {
		const offline = ballot('navigator', 'agree', deadline - MINUTE);
		const outcome = run([ballot('keeper', 'agree', T0), offline], {
			proposal: { deadline },
			now: deadline + DAY
		});
		expect(outcome.counted.navigator).toBe(offline);
		expect(outcome.state).toBe('consensus');
	});

	it('judges by the device time, not an HLC pushed ahead by a fast device', () => {
		// The HLC wall part was dragged a day ahead by a fast phone; the device clock was right.
		const honest = ballot('bearer', 'agree', T0, { at: hlc(T0 + DAY, 3, 'laptop') });
		const outcome = run([honest], { proposal: { deadline }, now: deadline + MINUTE });
		expect(castTimeOf(honest)).toBe(T0);
		expect(outcome.counted.bearer).toBe(honest);
	});

	it('falls back to the HLC wall part for ballots without a device time', () => {
		const timeless = ballot('bearer', 'agree', T0, {
			at: hlc(deadline + 1),
			deviceTime: undefined
		});
		expect(castTimeOf(timeless)).toBe(deadline + 1);
		expect(run([timeless], { proposal: { deadline } }).late).toEqual([timeless]);
	});
});

describe('cover and proxy ballots', () => {
	const away = absence(NOA, KIM, T0 - DAY, T0 + DAY);
	const proxy = (choice: Choice, time: number, overrides: Partial<Ballot> = {}) =>
		ballot('navigator', choice, time, { castBy: KIM, castFor: NOA, ...overrides });

	it("counts a cover's proxy ballot during the absence, labelled as a proxy", () => {
		const p = proxy('agree', T0);
		const outcome = run([p, ballot('keeper', 'agree', T0), ballot('bearer', 'agree', T0)], {
			absences: [away]
		});
		expect(outcome.counted.navigator).toBe(p);
		expect(outcome.proxies).toEqual([p]);
		expect(outcome.state).toBe('consensus');
	});

	it("lets the member's own later ballot win over the proxy", () => {
		const p = proxy('agree', T0);
		const own = ballot('navigator', 'disagree', T0 + HOUR);
		const outcome = run([p, own], { absences: [away] });
		expect(outcome.counted.navigator).toBe(own);
		expect(outcome.superseded).toEqual([p]);
		expect(outcome.proxies).toEqual([]);
	});

	it("never lets a later proxy override the member's own ballot on the same text", () => {
		const own = ballot('navigator', 'disagree', T0);
		const p = proxy('agree', T0 + HOUR);
		const outcome = run([own, p], { absences: [away] });
		expect(outcome.counted.navigator).toBe(own);
		expect(outcome.superseded).toEqual([p]);
	});

	it("counts a proxy on an amended text over the member's own ballot on the old one", () => {
		const own = ballot('navigator', 'disagree', T0, { revision: 1 });
		const p = proxy('agree', T0 + HOUR, { revision: 2 });
		const outcome = run([own, p], { absences: [away], proposal: { revision: 2 } });
		expect(outcome.counted.navigator).toBe(p);
		expect(outcome.superseded).toEqual([own]);
	});

	it('rejects proxies outside the absence, by someone else, or under a cancelled absence', () => {
		const tooLate = proxy('agree', T0 + DAY); // `to` is exclusive
		const byOutsider = proxy('agree', T0, { castBy: BEA });
		expect(run([tooLate], { absences: [away] }).invalid).toEqual([tooLate]);
		expect(run([byOutsider], { absences: [away] }).invalid).toEqual([byOutsider]);
		// Cancelled with no time of cancelling: nobody can tell when it ended, so it grants nothing.
		const cancelled = { ...away, cancelled: true, cancelledAt: null };
		expect(run([proxy('agree', T0)], { absences: [cancelled] }).counted.navigator).toBeNull();
	});

	it('keeps a proxy cast before the absence was cancelled (the member came back early)', () => {
		// Noa away Monday to Friday; Kim casts a proxy on Tuesday; Noa is back and cancels Thursday.
		const monday = T0;
		const weekAway = absence(NOA, KIM, monday, monday + 5 * DAY, {
			cancelled: true,
			cancelledAt: monday + 3 * DAY
		});
		const tuesday = proxy('agree', monday + DAY);
		const friday = proxy('agree', monday + 4 * DAY);
		const outcome = run(
			[ballot('keeper', 'agree', monday), ballot('bearer', 'agree', monday), tuesday, friday],
			{ absences: [weekAway], now: monday + 6 * DAY }
		);
		expect(outcome.counted.navigator).toBe(tuesday);
		expect(outcome.invalid).toEqual([friday]);
		expect(outcome).toMatchObject({ state: 'consensus', final: true });
	});

	it('rejects a ballot for someone who does not hold the seat', () => {
		const impostor = ballot('keeper', 'agree', T0, { castBy: OUTSIDER, castFor: OUTSIDER });
		const wrongSeat = ballot('keeper', 'agree', T0, { castBy: BEA, castFor: BEA });
		const outcome = run([impostor, wrongSeat]);
		expect(outcome.invalid).toEqual([impostor, wrongSeat].sort((a, b) => (a.at < b.at ? -1 : 1)));
		expect(outcome.counted.keeper).toBeNull();
	});

	it('rejects malformed ballots from the log', () => {
		const garbage = [
			ballot('keeper', 'agree', T0, { at: 'yesterday' as Ballot['at'] }),
			ballot('keeper', 'maybe' as Choice, T0),
			ballot('chair' as Role, 'agree', T0),
			ballot('keeper', 'agree', T0, { revision: -1 })
		];
		const outcome = run(garbage);
		expect(outcome.invalid).toHaveLength(4);
		expect(outcome.counted.keeper).toBeNull();
	});
});

describe('seats judged by the seat log', () => {
	const log = [claim('keeper', KIM, T0 - DAY), claim('bearer', BEA, T0 - DAY)];
	const navigatorLog = [...log, claim('navigator', NOA, T0 - DAY)];

	it('keeps counting a former holder after the seat is handed over', () => {
		const handover = [
			...navigatorLog,
			claim('navigator', NOA, T0 + DAY, 'release'),
			claim('navigator', OUTSIDER, T0 + DAY + 1)
		];
		const votes = [
			ballot('keeper', 'agree', T0),
			ballot('bearer', 'agree', T0),
			ballot('navigator', 'agree', T0)
		];
		expect(run(votes, { seats: handover })).toMatchObject({ state: 'consensus', final: true });
		const newHolder = ballot('navigator', 'disagree', T0 + 2 * DAY, {
			castBy: OUTSIDER,
			castFor: OUTSIDER
		});
		// Everyone had voted: the outcome was final, and the new holder's ballot is late.
		const afterFinal = run([...votes, newHolder], { seats: handover, now: T0 + 3 * DAY });
		expect(afterFinal).toMatchObject({ state: 'consensus', late: [newHolder] });
		// With the bearer yet to vote, the new holder's later ballot supersedes the old holder's.
		const stillOpen = [votes[0]!, votes[2]!, newHolder];
		const changed = run(stillOpen, { seats: handover, now: T0 + 3 * DAY });
		expect(changed.counted.navigator).toBe(newHolder);
		expect(changed.superseded).toEqual([votes[2]]);
	});

	it('does not count a ballot cast before its caster claimed the seat', () => {
		const early = ballot('navigator', 'agree', T0 - 2 * DAY);
		expect(run([early], { seats: navigatorLog }).invalid).toEqual([early]);
	});
});

describe('majority and dissent', () => {
	const agreeK = ballot('keeper', 'agree', T0);
	const agreeB = ballot('bearer', 'agree', T0 + MINUTE);

	it('passes with balance broken and shows the dissent with its reason', () => {
		const d = ballot('navigator', 'disagree', T0 + 2 * MINUTE, { reason: 'Too costly.' });
		const outcome = run([agreeK, agreeB, d]);
		expect(outcome).toMatchObject({
			state: 'majority',
			final: true,
			balanceBroken: true,
			dissent: { seat: 'navigator', member: NOA, reason: 'Too costly.' },
			missingDissentReason: false,
			decidedAt: T0 + 2 * MINUTE
		});
	});

	it('is not final while the outvoted disagree has no reason', () => {
		const bare = ballot('navigator', 'disagree', T0 + 2 * MINUTE, { reason: '  ' });
		const outcome = run([agreeK, agreeB, bare], { now: T0 + DAY });
		expect(outcome).toMatchObject({
			state: 'majority',
			final: false,
			finalAt: null,
			missingDissentReason: true,
			dissent: { seat: 'navigator', member: NOA, reason: '' }
		});
		const withReason = ballot('navigator', 'disagree', T0 + HOUR, { reason: 'Too costly.' });
		const fixed = run([agreeK, agreeB, bare, withReason], { now: T0 + DAY });
		expect(fixed).toMatchObject({ final: true, missingDissentReason: false, finalAt: T0 + HOUR });
	});

	it('becomes final only after the reflection delay', () => {
		const d = ballot('navigator', 'disagree', T0 + 2 * MINUTE);
		const delay = { reflectionDelayMs: DAY };
		const during = run([agreeK, agreeB, d], { proposal: delay, now: T0 + HOUR });
		expect(during).toMatchObject({
			state: 'majority',
			final: false,
			finalAt: T0 + 2 * MINUTE + DAY
		});
		const after = run([agreeK, agreeB, d], { proposal: delay, now: T0 + 2 * MINUTE + DAY });
		expect(after.final).toBe(true);
	});

	it('accepts a reason added after the deadline without counting it as a vote', () => {
		const deadline = T0 + HOUR;
		const bare = ballot('navigator', 'disagree', T0 + 2 * MINUTE, { reason: '' });
		const reason = ballot('navigator', 'disagree', deadline + HOUR, { reason: 'Too costly.' });
		const outcome = run([agreeK, agreeB, bare, reason], {
			proposal: { deadline, reflectionDelayMs: HOUR },
			now: deadline + 3 * HOUR
		});
		expect(outcome.counted.navigator).toBe(bare);
		expect(outcome.late).toEqual([reason]);
		expect(outcome).toMatchObject({ final: true, finalAt: deadline + 2 * HOUR });
		expect(outcome.dissent?.reason).toBe('Too costly.');
	});

	it('names the absent member, not the cover, as the dissenter of a proxy disagree', () => {
		const p = ballot('navigator', 'disagree', T0 + 2 * MINUTE, { castBy: KIM, castFor: NOA });
		const outcome = run([agreeK, agreeB, p], { absences: [absence(NOA, KIM, T0 - DAY, T0 + DAY)] });
		expect(outcome.dissent?.member).toBe(NOA);
		expect(outcome.proxies).toEqual([p]);
	});
});

describe('proposal status', () => {
	const votes = [ballot('keeper', 'disagree', T0), ballot('bearer', 'disagree', T0)];

	it('shows a draft as a draft', () => {
		const outcome = run(votes, { proposal: { status: 'draft' } });
		expect(outcome).toMatchObject({
			state: 'draft',
			final: false,
			decidedAt: null,
			waitingFor: []
		});
	});

	it('shows a withdrawn proposal as withdrawn and keeps its ballots for the record', () => {
		const outcome = run(votes, { proposal: { status: 'withdrawn' } });
		expect(outcome).toMatchObject({ state: 'withdrawn', final: true, balanceBroken: false });
		expect(outcome.counted.keeper).toBe(votes[0]);
	});
});

describe('sorting ballots into lists', () => {
	it('puts every ballot of the proposal in exactly one list', () => {
		const away = absence(NOA, KIM, T0 - DAY, T0 + DAY);
		const ballots = [
			ballot('keeper', 'agree', T0, { revision: 0 }),
			ballot('keeper', 'agree', T0 + 1),
			ballot('keeper', 'disagree', T0 + 2),
			ballot('bearer', 'agree', T0 + 3, { castBy: OUTSIDER }),
			ballot('bearer', 'abstain', T0 + 2 * HOUR),
			ballot('navigator', 'agree', T0 + 4, { castBy: KIM, castFor: NOA }),
			ballot('navigator', 'agree', T0 + 5, { revision: 0 })
		];
		const outcome = run(ballots, { absences: [away], proposal: { deadline: T0 + HOUR } });
		const listed = [
			...ROLES.map((r) => outcome.counted[r]).filter((b) => b !== null),
			...outcome.stale,
			...outcome.late,
			...outcome.superseded,
			...outcome.invalid
		];
		expect(listed).toHaveLength(ballots.length);
		expect(new Set(listed)).toEqual(new Set(ballots));
	});
});

describe('deciding many proposals with one prepared context', () => {
	const seats = [
		claim('keeper', KIM, T0 - DAY),
		claim('bearer', BEA, T0 - DAY),
		claim('navigator', NOA, T0 - DAY),
		claim('navigator', NOA, T0 + DAY, 'release'),
		claim('navigator', OUTSIDER, T0 + DAY + 1)
	];
	const absences = [absence(NOA, KIM, T0 - HOUR, T0 + HOUR)];
	const first = proposal();
	const second = proposal({ id: 'secondproposalsecondp0' as ProposalId, revision: 2 });
	const on = (p: Proposal, seat: Role, choice: Choice, time: number, extra: Partial<Ballot> = {}) =>
		ballot(seat, choice, time, { proposalId: p.id, revision: p.revision, ...extra });
	const ballots = [
		on(first, 'keeper', 'agree', T0),
		on(second, 'keeper', 'disagree', T0),
		on(first, 'navigator', 'agree', T0, { castBy: KIM }),
		on(second, 'bearer', 'disagree', T0 + MINUTE),
		on(first, 'bearer', 'agree', T0 + 2 * MINUTE),
		on(second, 'navigator', 'agree', T0 + 2 * DAY, { castBy: OUTSIDER, castFor: OUTSIDER })
	];
	const now = T0 + 3 * DAY;

	it('gives each proposal the outcome decide gives it, from the whole ballot log', () => {
		const context = prepareDecisionContext({ seats, absences });
		const outcomes = [first, second].map((p) => decideWith(context, p, ballots, now));
		expect(outcomes.map((o) => o.state)).toEqual(['consensus', 'rejected']);
		expect(outcomes[0]!.proxies).toEqual([ballots[2]]);
		expect(outcomes[1]!.counted.navigator).toBe(ballots[5]);
		for (const [i, p] of [first, second].entries()) {
			expect(outcomes[i]).toEqual(decide({ proposal: p, seats, ballots, absences, now }));
		}
	});

	it('hands each outcome a list of reachable states of its own', () => {
		const context = prepareDecisionContext({ seats: HOLDERS, absences: [] });
		const agreed = [ballot('keeper', 'agree', T0)];
		decideWith(context, first, agreed, T0).reachable.splice(0, Infinity, 'open');
		expect(decideWith(context, first, agreed, T0).reachable).toEqual([
			'consensus',
			'majority',
			'no-decision',
			'rejected'
		]);
	});
});
