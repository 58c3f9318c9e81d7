import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionId, DocumentId, ProposalId } from './ids';
import type { Action, Role } from './model';
import {
	actionNeeds,
	ballotNeeds,
	countNeeds,
	coverNeeds,
	isOwnNeed,
	noticesToShow,
	parseSeenState,
	SEEN_LIMIT,
	triadNeeds,
	type Need,
	type SeenState,
	type TriadNeedsSource
} from './needs';
import { absence, BEA, DAY, hlc, HOLDERS, HOUR, KIM, NOA, proposal, T0 } from './testing/fixtures';

const TRIAD = 'triadtriadtriadtriadt0' as DocumentId;
const OTHER_TRIAD = 'othertriadothertriado0' as DocumentId;
const P1 = 'proposal1proposal1pro0' as ProposalId;
const P2 = 'proposal2proposal2pro0' as ProposalId;

function openView(
	id: ProposalId,
	waitingFor: Role[],
	overrides: Partial<ReturnType<typeof proposal>> = {}
) {
	return {
		proposal: proposal({ id, title: `Proposal ${id.slice(0, 9)}`, ...overrides }),
		outcome: { state: 'open' as const, waitingFor }
	};
}

function action(overrides: Partial<Action> = {}): Action {
	return {
		id: 'action1action1action10' as ActionId,
		proposalId: null,
		title: 'Book the room',
		owner: KIM,
		due: T0 + DAY,
		status: 'todo',
		outcome: '',
		createdAt: null,
		...overrides
	};
}

function source(overrides: Partial<TriadNeedsSource> = {}): TriadNeedsSource {
	return {
		triad: TRIAD,
		me: KIM,
		holders: HOLDERS,
		absences: [],
		proposals: [],
		actions: [],
		now: T0,
		...overrides
	};
}

describe('what waits for a member', () => {
	it('an open proposal still waiting for their seat is a ballot to cast, with its deadline', () => {
		const needs = ballotNeeds(
			source({
				proposals: [
					openView(P1, ['keeper', 'navigator'], { deadline: T0 + HOUR }),
					openView(P2, ['bearer'])
				]
			})
		);
		expect(needs).toMatchObject([
			{ kind: 'ballot', proposal: P1, seat: 'keeper', forMember: null, due: T0 + HOUR }
		]);
	});

	it('settled, draft-state and withdrawn proposals wait for nobody', () => {
		const settled = {
			...openView(P1, ['keeper']),
			outcome: { state: 'consensus' as const, waitingFor: ['keeper' as Role] }
		};
		const draft = {
			...openView(P2, ['keeper']),
			outcome: { state: 'draft' as const, waitingFor: ['keeper' as Role] }
		};
		expect(ballotNeeds(source({ proposals: [settled, draft] }))).toEqual([]);
	});

	it('a cover owes the ballot of the member they cover, named, while the absence lasts', () => {
		const away = absence(NOA, KIM, T0 - HOUR, T0 + DAY);
		const proposals = [openView(P1, ['navigator', 'keeper'])];
		const during = ballotNeeds(source({ absences: [away], proposals }));
		expect(during.map((need) => [need.seat, need.forMember])).toEqual([
			['keeper', null],
			['navigator', NOA]
		]);
		expect(countNeeds(during)).toBe(1);
		const after = ballotNeeds(source({ absences: [away], proposals, now: T0 + 2 * DAY }));
		expect(after.map((need) => need.seat)).toEqual(['keeper']);
	});

	it('a member without a seat owes no ballot', () => {
		const holders = { ...HOLDERS, keeper: null };
		expect(ballotNeeds(source({ holders, proposals: [openView(P1, ['keeper'])] }))).toEqual([]);
	});

	it('covers: held now until their end, upcoming within a week from their start, not others', () => {
		const now = absence(NOA, KIM, T0 - HOUR, T0 + DAY);
		const soon = absence(BEA, KIM, T0 + 2 * DAY, T0 + 3 * DAY);
		const far = absence(BEA, KIM, T0 + 30 * DAY, T0 + 31 * DAY);
		const past = absence(NOA, KIM, T0 - 3 * DAY, T0 - 2 * DAY);
		const notMine = absence(NOA, BEA, T0 - HOUR, T0 + DAY);
		const cancelled = absence(BEA, KIM, T0 - 2 * HOUR, T0 + DAY, {
			cancelled: true,
			cancelledAt: T0 - HOUR
		});
		const needs = coverNeeds(source({ absences: [now, soon, far, past, notMine, cancelled] }));
		expect(needs.map((need) => [need.absence, need.started, need.due])).toEqual([
			[now.id, true, T0 + DAY],
			[soon.id, false, T0 + 2 * DAY]
		]);
	});

	it('actions: owned, open, due within a week or overdue; not done, dropped or undated ones', () => {
		const mine = action({ id: 'a1a1a1a1a1a1a1a1a1a1a0' as ActionId, due: T0 + DAY });
		const overdue = action({ id: 'a2a2a2a2a2a2a2a2a2a2a0' as ActionId, due: T0 - DAY });
		const done = action({ id: 'a3a3a3a3a3a3a3a3a3a3a0' as ActionId, status: 'done' });
		const dropped = action({ id: 'a4a4a4a4a4a4a4a4a4a4a0' as ActionId, status: 'dropped' });
		const undated = action({ id: 'a5a5a5a5a5a5a5a5a5a5a0' as ActionId, due: null });
		const later = action({ id: 'a6a6a6a6a6a6a6a6a6a6a0' as ActionId, due: T0 + 30 * DAY });
		const others = action({ id: 'a7a7a7a7a7a7a7a7a7a7a0' as ActionId, owner: BEA });
		const crafted = action({ id: 'a8a8a8a8a8a8a8a8a8a8a0' as ActionId, due: Number.NaN });
		const needs = actionNeeds(
			source({ actions: [mine, overdue, done, dropped, undated, later, others, crafted] })
		);
		expect(needs.map((need) => [need.action, need.overdue])).toEqual([
			[mine.id, false],
			[overdue.id, true]
		]);
	});

	it('lists the most urgent first, ballots before covers before actions on the same instant', () => {
		const needs = triadNeeds(
			source({
				proposals: [openView(P1, ['keeper']), openView(P2, ['keeper'], { deadline: T0 + DAY })],
				absences: [absence(NOA, KIM, T0 - HOUR, T0 + DAY)],
				actions: [action({ due: T0 - HOUR })]
			})
		);
		expect(needs.map((need) => need.kind + ':' + String(need.due))).toEqual([
			`action:${T0 - HOUR}`,
			`ballot:${T0 + DAY}`,
			`cover:${T0 + DAY}`,
			'ballot:null'
		]);
	});
});

describe('which needs notify', () => {
	const emptySeen: SeenState = { triads: [], keys: [] };
	const notOwn = () => false;
	const ballotFor = (id: ProposalId, overrides = {}) =>
		triadNeeds(source({ proposals: [openView(id, ['keeper'], overrides)] }));

	it('own: a proposal the member drafted, or opened for vote on this page; not on other pages', () => {
		const [drafted] = ballotFor(P1, { createdBy: KIM });
		const [openedHere] = ballotFor(P1, { createdBy: BEA, openedAt: hlc(T0, 0, 'thispage') });
		const [openedElsewhere] = ballotFor(P1, { createdBy: BEA, openedAt: hlc(T0, 0, 'laptop') });
		const [notOpened] = ballotFor(P1, { createdBy: BEA, openedAt: null });
		expect(isOwnNeed(drafted!, KIM, 'thispage')).toBe(true);
		expect(isOwnNeed(openedHere!, KIM, 'thispage')).toBe(true);
		expect(isOwnNeed(openedElsewhere!, KIM, 'thispage')).toBe(false);
		expect(isOwnNeed(notOpened!, KIM, 'thispage')).toBe(false);
		const [cover] = triadNeeds(source({ absences: [absence(NOA, KIM, T0 - HOUR, T0 + DAY)] }));
		expect(isOwnNeed(cover!, KIM, 'thispage')).toBe(false);
	});

	it('a triad looked at for the first time notifies nothing, and remembers what it holds', () => {
		const first = noticesToShow({
			needs: ballotFor(P1),
			seen: emptySeen,
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(first.show).toEqual([]);
		expect(first.seen.triads).toEqual([TRIAD]);
		const again = noticesToShow({
			needs: ballotFor(P1),
			seen: first.seen,
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(again.show).toEqual([]);
	});

	it('a vote opened by another member notifies once', () => {
		const known = { triads: [TRIAD], keys: [] };
		const first = noticesToShow({
			needs: ballotFor(P1),
			seen: known,
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(first.show.map((notice) => notice.reason)).toEqual(['vote-opened']);
		const second = noticesToShow({
			needs: ballotFor(P1),
			seen: first.seen,
			triads: [TRIAD],
			now: T0 + HOUR,
			isOwn: notOwn
		});
		expect(second.show).toEqual([]);
	});

	it('the member’s own proposal notifies nothing, and stays quiet afterwards', () => {
		const known = { triads: [TRIAD], keys: [] };
		const own = noticesToShow({
			needs: ballotFor(P1),
			seen: known,
			triads: [TRIAD],
			now: T0,
			isOwn: (need) => need.kind === 'ballot' && need.createdBy === KIM
		});
		expect(own.show).toEqual([]);
		expect(own.seen.keys).toContain(`vote-opened:${TRIAD}:${P1}`);
	});

	it('a deadline coming within a day notifies once more; one notification per proposal', () => {
		const known = { triads: [TRIAD], keys: [] };
		const opened = noticesToShow({
			needs: ballotFor(P1, { deadline: T0 + 3 * DAY }),
			seen: known,
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(opened.show.map((notice) => notice.reason)).toEqual(['vote-opened']);
		const nearer = noticesToShow({
			needs: ballotFor(P1, { deadline: T0 + 3 * DAY }),
			seen: opened.seen,
			triads: [TRIAD],
			now: T0 + 2 * DAY + HOUR,
			isOwn: notOwn
		});
		expect(nearer.show.map((notice) => notice.reason)).toEqual(['deadline-soon']);
		const both = noticesToShow({
			needs: ballotFor(P2, { deadline: T0 + HOUR }),
			seen: known,
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(both.show.map((notice) => notice.reason)).toEqual(['vote-opened']);
		expect(both.seen.keys).toContain(`deadline-soon:${TRIAD}:${P2}`);
	});

	it('an amended text asks again for the vote it lost; the first text keeps its key', () => {
		const known = { triads: [TRIAD], keys: [] };
		const first = noticesToShow({
			needs: ballotFor(P1),
			seen: known,
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(first.show.map((notice) => notice.key)).toEqual([`vote-opened:${TRIAD}:${P1}`]);
		const amended = noticesToShow({
			needs: ballotFor(P1, { revision: 2 }),
			seen: first.seen,
			triads: [TRIAD],
			now: T0 + HOUR,
			isOwn: notOwn
		});
		expect(amended.show.map((notice) => notice.key)).toEqual([`vote-opened:${TRIAD}:${P1}:2`]);
		const again = noticesToShow({
			needs: ballotFor(P1, { revision: 2 }),
			seen: amended.seen,
			triads: [TRIAD],
			now: T0 + 2 * HOUR,
			isOwn: notOwn
		});
		expect(again.show).toEqual([]);
	});

	it('survives what a peer can write: absurd dates, a member covering themselves', () => {
		const selfCover = absence(KIM, KIM, T0, T0 + DAY);
		const reversed = absence(NOA, KIM, T0 + HOUR, T0 - DAY);
		const nan = { ...absence(NOA, KIM, T0, T0 + DAY), from: Number.NaN, to: Number.NaN };
		expect(coverNeeds(source({ absences: [selfCover, reversed, nan] }))).toEqual([]);
		const nanDeadline = ballotFor(P1, { deadline: Number.NaN });
		expect(nanDeadline.map((need) => need.kind)).toEqual(['ballot']);
		const shown = noticesToShow({
			needs: nanDeadline,
			seen: { triads: [TRIAD], keys: [] },
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(shown.show.map((notice) => notice.reason)).toEqual(['vote-opened']);
		expect(shown.seen.keys).toEqual([`vote-opened:${TRIAD}:${P1}`]);
	});

	it('a cover notifies when it starts, not while it is upcoming', () => {
		const known = { triads: [TRIAD], keys: [] };
		const away = absence(NOA, KIM, T0 + HOUR, T0 + DAY);
		const before = noticesToShow({
			needs: triadNeeds(source({ absences: [away] })),
			seen: known,
			triads: [TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(before.show).toEqual([]);
		const started = noticesToShow({
			needs: triadNeeds(source({ absences: [away], now: T0 + 2 * HOUR })),
			seen: before.seen,
			triads: [TRIAD],
			now: T0 + 2 * HOUR,
			isOwn: notOwn
		});
		expect(started.show.map((notice) => notice.reason)).toEqual(['cover-starting']);
	});

	it('leaves triads that are not loaded alone', () => {
		const result = noticesToShow({
			needs: ballotFor(P1),
			seen: { triads: [TRIAD], keys: [] },
			triads: [OTHER_TRIAD],
			now: T0,
			isOwn: notOwn
		});
		expect(result.show).toEqual([]);
		expect(result.seen.keys).toEqual([]);
		expect(result.seen.triads).toEqual([TRIAD, OTHER_TRIAD]);
	});

	it('over any sequence of evaluations, each notice shows at most once and never for own needs', () => {
		const needArb = fc.record({
			proposal: fc.constantFrom(P1, P2),
			seat: fc.constantFrom<Role>('keeper', 'bearer', 'navigator'),
			own: fc.boolean(),
			deadline: fc.option(fc.integer({ min: 0, max: 4 }).map((days) => T0 + days * DAY))
		});
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.array(needArb, { maxLength: 4 }), fc.integer({ min: 0, max: 3 })), {
					maxLength: 6
				}),
				(rounds) => {
					let seen: SeenState = { triads: [TRIAD], keys: [] };
					const shown: string[] = [];
					for (const [round, days] of rounds) {
						const needs: Need[] = round.map((entry) => ({
							kind: 'ballot',
							key: `ballot:${TRIAD}:${entry.proposal}:${entry.seat}`,
							triad: TRIAD,
							due: entry.deadline,
							proposal: entry.proposal,
							title: 'A proposal',
							seat: entry.seat,
							revision: 1,
							forMember: null,
							createdBy: entry.own ? KIM : BEA,
							openedAt: null
						}));
						const result = noticesToShow({
							needs,
							seen,
							triads: [TRIAD],
							now: T0 + days * DAY,
							isOwn: (need) => need.kind === 'ballot' && need.createdBy === KIM
						});
						for (const notice of result.show) {
							expect(notice.need.kind === 'ballot' && notice.need.createdBy).toBe(BEA);
							shown.push(notice.key);
						}
						seen = result.seen;
					}
					expect(new Set(shown).size).toBe(shown.length);
				}
			)
		);
	});
});

describe('the stored seen state', () => {
	it('reads back what was stored', () => {
		const seen = { triads: [TRIAD], keys: ['vote-opened:x'] };
		expect(parseSeenState(JSON.parse(JSON.stringify(seen)))).toEqual(seen);
	});

	it('reads anything malformed as empty, and drops values that are not strings', () => {
		for (const value of [null, 7, 'x', [], { triads: 'a', keys: [] }, { triads: [] }]) {
			expect(parseSeenState(value)).toEqual({ triads: [], keys: [] });
		}
		expect(parseSeenState({ triads: [TRIAD, 3, null], keys: [{}, 'k'] })).toEqual({
			triads: [TRIAD],
			keys: ['k']
		});
	});

	it('keeps only the newest keys', () => {
		const keys = Array.from({ length: SEEN_LIMIT + 5 }, (_, index) => `k${index}`);
		const parsed = parseSeenState({ triads: [], keys });
		expect(parsed.keys).toHaveLength(SEEN_LIMIT);
		expect(parsed.keys[0]).toBe('k5');
	});
});
