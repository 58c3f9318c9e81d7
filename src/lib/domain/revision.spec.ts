import { describe, expect, it } from 'vitest';
import { decideWith, prepareDecisionContext } from './decision';
import { effectiveRevision } from './revision';
import { ballot, hlc, HOLDERS, HOUR, MINUTE, proposal, T0 } from './testing/fixtures';

const context = prepareDecisionContext({ seats: HOLDERS, absences: [] });

describe('effectiveRevision', () => {
	it('counts every amendment made while the outcome could still change', () => {
		const ballots = [ballot('keeper', 'agree', T0)];
		const amendments = [{ at: hlc(T0 + MINUTE) }, { at: hlc(T0 + 2 * MINUTE, 0, 'other') }];
		expect(effectiveRevision(context, proposal(), amendments, ballots)).toBe(3);
	});

	it('ignores an amendment stamped after the outcome became final (an offline race)', () => {
		const deadline = T0 + HOUR;
		const ballots = [
			ballot('keeper', 'agree', T0),
			ballot('bearer', 'agree', T0 + MINUTE),
			ballot('navigator', 'agree', T0 + 2 * MINUTE)
		];
		// Made offline at 9:30 by a member who had not seen the third agree at 9:02.
		const late = [{ at: hlc(T0 + 30 * MINUTE, 0, 'offline'), deviceTime: T0 + 30 * MINUTE }];
		const p = proposal({ deadline });
		const revision = effectiveRevision(context, p, late, ballots);
		expect(revision).toBe(1);
		const outcome = decideWith(context, { ...p, revision }, ballots, T0 + 3 * HOUR);
		expect(outcome).toMatchObject({ state: 'consensus', final: true });
	});

	it('ignores an amendment made after the deadline, and one with a malformed stamp', () => {
		const p = proposal({ deadline: T0 + HOUR });
		const ballots = [ballot('keeper', 'agree', T0)];
		const amendments = [
			{ at: hlc(T0 + 3 * HOUR), deviceTime: T0 + 3 * HOUR },
			{ at: 'zzz' as ReturnType<typeof hlc> }
		];
		expect(effectiveRevision(context, p, amendments, ballots)).toBe(1);
	});

	it('judges each amendment by the ballots cast up to it, whatever arrived later', () => {
		const ballots = [
			ballot('keeper', 'agree', T0),
			ballot('bearer', 'agree', T0 + MINUTE),
			// Cast after the amendment on the old text: it cannot void the amendment.
			ballot('navigator', 'agree', T0 + 10 * MINUTE)
		];
		const amendment = [{ at: hlc(T0 + 5 * MINUTE), deviceTime: T0 + 5 * MINUTE }];
		expect(effectiveRevision(context, proposal(), amendment, ballots)).toBe(2);
	});
});
