import { describe, expect, it } from 'vitest';
import { balanceOf } from './balance';
import { decide, type Outcome } from './decision';
import type { Absence, Choice, Proposal } from './model';
import {
	absence,
	ballot,
	BEA,
	DAY,
	HOLDERS,
	HOUR,
	KIM,
	NOA,
	proposal,
	T0
} from './testing/fixtures';

type Votes = [Choice | null, Choice | null, Choice | null];

function outcomeOf(
	[keeper, bearer, navigator]: Votes,
	options: { proposal?: Partial<Proposal>; absences?: Absence[]; proxyFor?: 'navigator' } = {}
): Outcome {
	const ballots = [
		keeper && ballot('keeper', keeper, T0),
		bearer && ballot('bearer', bearer, T0),
		navigator &&
			ballot(
				'navigator',
				navigator,
				T0,
				options.proxyFor === 'navigator' ? { castBy: KIM, castFor: NOA } : {}
			)
	].filter((b) => b !== null);
	return decide({
		proposal: proposal(options.proposal),
		seats: HOLDERS,
		ballots,
		absences: options.absences ?? [],
		now: T0 + HOUR
	});
}

describe('balance statistics', () => {
	it('is empty for a triad that has decided nothing', () => {
		expect(balanceOf([])).toEqual({
			decided: 0,
			counts: { consensus: 0, majority: 0, rejected: 0, 'no-decision': 0 },
			consensusShare: null,
			outvoted: [],
			pairs: [],
			coveredFor: []
		});
	});

	it('counts only final outcomes by state, and the share of consensus among passed ones', () => {
		const stats = balanceOf([
			outcomeOf(['agree', 'agree', 'agree']),
			outcomeOf(['agree', 'agree', 'abstain']),
			outcomeOf(['agree', 'agree', 'agree']),
			outcomeOf(['agree', 'agree', 'disagree']),
			outcomeOf(['disagree', 'disagree', null]), // shown as rejected, not final
			outcomeOf(['abstain', 'abstain', 'agree']),
			outcomeOf(['agree', 'agree', null]), // open
			outcomeOf(['agree', 'agree', 'agree'], { proposal: { status: 'withdrawn' } }),
			outcomeOf(['agree', 'agree', 'disagree'], { proposal: { reflectionDelayMs: DAY } }) // reflecting
		]);
		expect(stats.decided).toBe(5);
		expect(stats.counts).toEqual({ consensus: 3, majority: 1, rejected: 0, 'no-decision': 1 });
		expect(stats.consensusShare).toBe(3 / 4);
	});

	it('counts who was outvoted, how, and by which pair', () => {
		const stats = balanceOf([
			outcomeOf(['agree', 'agree', 'disagree']), // Noa outvoted by Kim and Bea
			outcomeOf(['agree', 'agree', 'disagree']),
			outcomeOf(['disagree', 'agree', 'agree']), // Kim outvoted by Bea and Noa
			outcomeOf(['disagree', 'disagree', 'agree']), // Noa's agree blocked by Kim and Bea
			outcomeOf(['disagree', 'disagree', 'abstain']), // rejected, but no one stood alone
			outcomeOf(['disagree', 'disagree', 'disagree'])
		]);
		expect(stats.outvoted).toEqual([
			{ member: NOA, inMajority: 2, inRejection: 1, total: 3 },
			{ member: KIM, inMajority: 1, inRejection: 0, total: 1 }
		]);
		const [kimBea, beaNoa] = [[KIM, BEA].sort(), [BEA, NOA].sort()];
		expect(stats.pairs).toEqual([
			{ pair: kimBea, outvoted: NOA, count: 3 },
			{ pair: beaNoa, outvoted: KIM, count: 1 }
		]);
	});

	it('counts how often each member was covered for, by proxy and by absence', () => {
		const away = absence(NOA, KIM, T0 - DAY, T0 + DAY);
		const stats = balanceOf(
			[
				outcomeOf(['agree', 'agree', 'disagree'], { absences: [away], proxyFor: 'navigator' }),
				outcomeOf(['agree', 'agree', 'agree'], { absences: [away], proxyFor: 'navigator' })
			],
			[
				away,
				away, // the same absence read twice
				absence(KIM, BEA, T0, T0 + HOUR),
				absence(BEA, KIM, T0, T0 + HOUR, { cancelled: true }),
				// In Bea's name but not signed by her: she was not away.
				absence(BEA, KIM, T0, T0 + DAY, { signature: 'not-verifiable' })
			]
		);
		expect(stats.coveredFor).toEqual(
			[
				{ member: NOA, proxyBallots: 2, absences: 1, absentMs: 2 * DAY },
				{ member: KIM, proxyBallots: 0, absences: 1, absentMs: HOUR }
			].sort((a, b) => (a.member < b.member ? -1 : 1))
		);
		// A proxy disagree outvotes the absent member, not their cover.
		expect(stats.outvoted).toEqual([{ member: NOA, inMajority: 1, inRejection: 0, total: 1 }]);
	});
});
