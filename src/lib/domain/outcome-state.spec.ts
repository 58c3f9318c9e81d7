import { describe, expect, it } from 'vitest';
import { decide, type Outcome, type OutcomeState } from './decision';
import type { Ballot, Proposal } from './model';
import { isDecided, isSettled, waitsForAny } from './outcome-state';
import { ballot, DAY, HOLDERS, HOUR, proposal, T0 } from './testing/fixtures';

function outcome(ballots: readonly Ballot[], overrides: Partial<Proposal> = {}, now = T0): Outcome {
	return decide({
		proposal: proposal(overrides),
		seats: HOLDERS,
		ballots,
		absences: [],
		now
	});
}

describe('outcome states', () => {
	it('settled: consensus, majority, rejected and no-decision, nothing else', () => {
		const states: Record<OutcomeState, boolean> = {
			draft: false,
			open: false,
			consensus: true,
			majority: true,
			rejected: true,
			'no-decision': true,
			withdrawn: false
		};
		for (const [state, settled] of Object.entries(states)) {
			expect(isSettled(state as OutcomeState), state).toBe(settled);
		}
	});

	it('decided: a final settled state, or a passed deadline', () => {
		const all = [
			ballot('keeper', 'agree', T0 - HOUR),
			ballot('bearer', 'agree', T0 - HOUR),
			ballot('navigator', 'agree', T0 - HOUR)
		];
		expect(isDecided(outcome(all))).toBe(true);
		// Two disagree settle it as rejected at once, but the third seat may still change it.
		const early = outcome([
			ballot('keeper', 'disagree', T0 - HOUR),
			ballot('bearer', 'disagree', T0 - HOUR)
		]);
		expect([early.state, isDecided(early)]).toEqual(['rejected', false]);
		expect(isDecided(outcome(all.slice(0, 2)))).toBe(false);
		// A majority past its deadline is decided even while its dissent still needs a reason.
		const majority = outcome(
			[...all.slice(0, 2), ballot('navigator', 'disagree', T0 - HOUR, { reason: '' })],
			{ deadline: T0 - 1 }
		);
		expect([majority.state, majority.final, isDecided(majority)]).toEqual([
			'majority',
			false,
			true
		]);
		expect(isDecided(outcome(all, { status: 'draft' }))).toBe(false);
		expect(isDecided(outcome(all, { status: 'withdrawn' }))).toBe(false);
	});

	it('waits for a seat only while open and missing that seat', () => {
		const seats = new Set(['navigator'] as const);
		const voted = [ballot('keeper', 'agree', T0 - DAY), ballot('bearer', 'agree', T0 - DAY)];
		expect(waitsForAny(outcome(voted), seats)).toBe(true);
		expect(waitsForAny(outcome(voted), new Set(['keeper'] as const))).toBe(false);
		expect(waitsForAny(outcome(voted, { status: 'draft' }), seats)).toBe(false);
		expect(waitsForAny(outcome(voted, { deadline: T0 - 1 }), seats)).toBe(false);
	});
});
