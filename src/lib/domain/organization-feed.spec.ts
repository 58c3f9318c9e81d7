import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DocumentId, MemberId, ProposalId } from './ids';
import type {
	EscalationAnswer,
	EscalationId,
	EscalationRaised,
	FeedEntry,
	FeedEntryId,
	PublishedDecision,
	TriadHealth
} from './organization';
import {
	combinedDecisions,
	decisionEntryId,
	escalationStates,
	escalationsUpstream,
	latestHealth,
	newFeedEntries,
	upstreamOutcome,
	upstreamStep
} from './organization-feed';
import { hlc, KIM, T0 } from './testing/fixtures';

const OPS = 'opsopsopsopsopsopsops0' as DocumentId;
const OTHER = 'othothothothothothoth0' as DocumentId;
const E1 = 'esc-1' as EscalationId;
const E2 = 'esc-2' as EscalationId;

function raised(escalation: EscalationId, at: number, id = `r:${escalation}`): EscalationRaised {
	return {
		kind: 'escalation',
		id: id as FeedEntryId,
		escalation,
		title: `Title ${escalation}`,
		text: 'Please decide',
		proposalId: null,
		raisedBy: KIM as MemberId,
		raisedAt: hlc(T0 + at)
	};
}

function answer(
	escalation: EscalationId,
	kind: 'accepted' | 'decided',
	at: number,
	extra: Partial<EscalationAnswer> = {}
): EscalationAnswer {
	return {
		kind: 'answer',
		id: `a:${escalation}:${kind}:${at}` as FeedEntryId,
		escalation,
		fromFeed: OPS,
		answer: kind,
		proposalId: 'upstream' as ProposalId,
		outcome: kind === 'decided' ? 'consensus' : null,
		reason: kind === 'decided' ? 'We agree' : '',
		at: hlc(T0 + at),
		...extra
	};
}

describe('escalationStates', () => {
	it('joins a raised escalation with the answers upstream: raised, accepted, decided', () => {
		const mine = [raised(E1, 1), raised(E2, 2)];
		expect(escalationStates(OPS, mine, []).map((s) => [s.escalation, s.state])).toEqual([
			[E2, 'raised'],
			[E1, 'raised']
		]);
		const states = escalationStates(OPS, mine, [
			answer(E1, 'accepted', 5),
			answer(E1, 'decided', 9),
			answer(E2, 'accepted', 6)
		]);
		expect(states.map((s) => [s.escalation, s.state, s.outcome, s.reason])).toEqual([
			[E2, 'accepted', null, ''],
			[E1, 'decided', 'consensus', 'We agree']
		]);
	});

	it('counts only answers naming this feed and an escalation raised in it', () => {
		const states = escalationStates(
			OPS,
			[raised(E1, 1)],
			[answer(E1, 'decided', 5, { fromFeed: OTHER }), answer(E2, 'decided', 5)]
		);
		expect(states).toEqual([expect.objectContaining({ escalation: E1, state: 'raised' })]);
	});

	it('ignores a decided answer without an outcome, and keeps the earliest decision', () => {
		const states = escalationStates(
			OPS,
			[raised(E1, 1)],
			[
				answer(E1, 'decided', 3, { outcome: null }),
				answer(E1, 'decided', 8, { outcome: 'rejected', reason: 'later' }),
				answer(E1, 'decided', 7, { outcome: 'majority', reason: 'first' })
			]
		);
		expect(states[0]).toMatchObject({ state: 'decided', outcome: 'majority', reason: 'first' });
	});

	it('keeps the first of duplicated raised entries', () => {
		const states = escalationStates(
			OPS,
			[raised(E1, 4, 'x'), { ...raised(E1, 2, 'y'), title: 'first' }],
			[]
		);
		expect(states).toEqual([expect.objectContaining({ title: 'first' })]);
	});

	it('property: the state does not depend on the order of either list, and only moves forward', () => {
		const answerArb = fc.record({
			escalation: fc.constantFrom(E1, E2),
			kind: fc.constantFrom('accepted' as const, 'decided' as const),
			at: fc.integer({ min: 0, max: 20 }),
			outcome: fc.constantFrom('consensus' as const, 'majority' as const, 'rejected' as const)
		});
		fc.assert(
			fc.property(fc.array(answerArb, { maxLength: 8 }), fc.func(fc.integer()), (drawn, key) => {
				const mine = [raised(E1, 1), raised(E2, 2)];
				const answers = drawn.map((a) =>
					answer(a.escalation, a.kind, a.at, { outcome: a.outcome })
				);
				const shuffled = [...answers].sort((a, b) => key(a.id) - key(b.id));
				const states = escalationStates(OPS, mine, answers);
				expect(escalationStates(OPS, [...mine].reverse(), shuffled)).toEqual(states);
				const rank = { raised: 0, accepted: 1, decided: 2 };
				for (let i = 0; i <= answers.length; i++) {
					const before = escalationStates(OPS, mine, answers.slice(0, i));
					const after = escalationStates(OPS, mine, answers.slice(0, i + 1));
					for (const state of after) {
						const earlier = before.find((s) => s.escalation === state.escalation)!;
						expect(rank[state.state]).toBeGreaterThanOrEqual(rank[earlier.state]);
					}
				}
			}),
			{ numRuns: 200 }
		);
	});
});

function decision(proposal: string, decidedAt: number): PublishedDecision {
	return {
		kind: 'decision',
		id: decisionEntryId(proposal as ProposalId),
		proposalId: proposal as ProposalId,
		title: proposal,
		outcome: 'consensus',
		balanceBroken: false,
		dissent: '',
		decidedAt: T0 + decidedAt
	};
}

function health(at: number, seatsFilled = 3): TriadHealth {
	return {
		kind: 'health',
		id: `health:${T0 + at}` as FeedEntryId,
		seatsFilled,
		consensusShare: 1,
		coversActive: 0,
		actionsOverdue: 0,
		at: T0 + at
	};
}

describe('newFeedEntries', () => {
	it('appends the decisions a feed lacks and the health when it changed, and nothing twice', () => {
		const first = newFeedEntries([], { decisions: [decision('p1', 1)], health: health(10) });
		expect(first.map((e) => e.id)).toEqual([
			decisionEntryId('p1' as ProposalId),
			'health:' + (T0 + 10)
		]);
		const feed: FeedEntry[] = [...first];
		const again = newFeedEntries(feed, {
			decisions: [decision('p1', 1), decision('p2', 2)],
			health: health(20)
		});
		expect(again.map((e) => e.id)).toEqual([decisionEntryId('p2' as ProposalId)]);
		feed.push(...again);
		expect(newFeedEntries(feed, { decisions: [decision('p1', 1)], health: health(30, 2) })).toEqual(
			[health(30, 2)]
		);
	});

	it('reads the latest health by time', () => {
		expect(latestHealth([health(5), health(9, 1), health(2, 2)])).toEqual(health(9, 1));
		expect(latestHealth([decision('p', 1)])).toBeNull();
	});
});

describe('combinedDecisions', () => {
	it('lists the decisions of several feeds newest first, each once', () => {
		const list = combinedDecisions([
			{ triad: OPS, entries: [decision('a', 1), decision('b', 5), decision('a', 1)] },
			{ triad: OTHER, entries: [health(3), decision('c', 3)] }
		]);
		expect(list.map((d) => [d.triad, d.proposalId])).toEqual([
			[OPS, 'b'],
			[OTHER, 'c'],
			[OPS, 'a']
		]);
	});
});

describe('the strategic side of an escalation', () => {
	const decided = { state: 'majority', final: true, deadlinePassed: false } as const;
	const settledEarly = { state: 'consensus', final: false, deadlinePassed: false } as const;
	const open = { state: 'open', final: false, deadlinePassed: false } as const;
	const pastDeadline = { state: 'no-decision', final: false, deadlinePassed: true } as const;

	it('accepts what is raised, waits on an undecided proposal, records a decided one', () => {
		expect(upstreamStep({ state: 'raised' }, null)).toBe('accept');
		expect(upstreamStep({ state: 'raised' }, decided)).toBe('accept');
		expect(upstreamStep({ state: 'accepted' }, null)).toBe('wait');
		expect(upstreamStep({ state: 'accepted' }, open)).toBe('wait');
		expect(upstreamStep({ state: 'accepted' }, settledEarly)).toBe('wait');
		expect(upstreamStep({ state: 'accepted' }, decided)).toBe('record');
		expect(upstreamStep({ state: 'accepted' }, pastDeadline)).toBe('record');
		expect(upstreamStep({ state: 'decided' }, open)).toBe('done');
	});

	it('sends back only the settled state of a decided proposal', () => {
		expect(upstreamOutcome(decided)).toBe('majority');
		expect(upstreamOutcome(pastDeadline)).toBe('no-decision');
		expect(upstreamOutcome(settledEarly)).toBeNull();
		expect(upstreamOutcome(open)).toBeNull();
		expect(upstreamOutcome({ state: 'withdrawn', final: true, deadlinePassed: true })).toBeNull();
	});

	it('lists the escalations of every feed it reads, each answered only for its own feed', () => {
		const OPS_TRIAD = 'opstriadopstriadopstr0' as DocumentId;
		const OTHER_TRIAD = 'othtriadothtriadothtr0' as DocumentId;
		const list = escalationsUpstream(
			[
				{ triad: OPS_TRIAD, feed: OPS, entries: [raised(E1, 1)] },
				// The same escalation id in another feed: the answer for OPS does not answer it.
				{ triad: OTHER_TRIAD, feed: OTHER, entries: [raised(E1, 3), raised(E2, 2)] }
			],
			[answer(E1, 'decided', 9), raised(E2, 50)]
		);
		expect(list.map((s) => [s.triad, s.escalation, s.state])).toEqual([
			[OTHER_TRIAD, E1, 'raised'],
			[OTHER_TRIAD, E2, 'raised'],
			[OPS_TRIAD, E1, 'decided']
		]);
		expect(escalationsUpstream([], [answer(E1, 'decided', 9)])).toEqual([]);
		const aboutProposal = { ...raised(E1, 1), proposalId: 'own-proposal' as ProposalId };
		expect(escalationStates(OPS, [aboutProposal], []).map((s) => s.proposalId)).toEqual([
			'own-proposal'
		]);
	});
});
