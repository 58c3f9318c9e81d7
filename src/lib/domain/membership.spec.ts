import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removedMembers, type MemberRemoval } from './membership';
import { BEA, claim, hlc, KIM, MINUTE, NOA, T0 } from './testing/fixtures';

function removal(member: typeof KIM, by: typeof KIM, time: number, node = 'dev'): MemberRemoval {
	return { member, by, at: hlc(time, 0, node) };
}

describe('membership rule', () => {
	it('counts nobody as removed without a removal record', () => {
		expect(removedMembers([], [claim('keeper', KIM, T0)])).toEqual(new Set());
	});

	it('removes the member a record names, whatever seat they held before', () => {
		const claims = [claim('keeper', KIM, T0), claim('bearer', BEA, T0)];
		expect(removedMembers([removal(BEA, KIM, T0 + MINUTE)], claims)).toEqual(new Set([BEA]));
	});

	it('lets a removed member back once they claim a seat after the removal', () => {
		const removals = [removal(BEA, KIM, T0 + MINUTE)];
		const before = claim('bearer', BEA, T0);
		const after = claim('navigator', BEA, T0 + 2 * MINUTE);
		expect(removedMembers(removals, [before])).toEqual(new Set([BEA]));
		expect(removedMembers(removals, [before, after])).toEqual(new Set());
		// A release is not a return.
		const release = claim('bearer', BEA, T0 + 2 * MINUTE, 'release');
		expect(removedMembers(removals, [before, release])).toEqual(new Set([BEA]));
	});

	it('judges a return against the latest removal of that member', () => {
		const removals = [removal(BEA, KIM, T0 + MINUTE), removal(BEA, NOA, T0 + 3 * MINUTE)];
		const back = claim('bearer', BEA, T0 + 2 * MINUTE);
		expect(removedMembers(removals, [back])).toEqual(new Set([BEA]));
		expect(removedMembers(removals.slice(0, 1), [back])).toEqual(new Set());
	});

	it('does not depend on the order records were synced in', () => {
		const member = fc.constantFrom(KIM, BEA, NOA);
		const removalArb = fc
			.record({ member, by: member, wall: fc.integer({ min: T0, max: T0 + 10 }) })
			.map((r) => removal(r.member, r.by, r.wall));
		const claimArb = fc
			.record({
				member,
				kind: fc.constantFrom('claim' as const, 'release' as const),
				wall: fc.integer({ min: T0, max: T0 + 10 })
			})
			.map((r) => claim('keeper', r.member, r.wall, r.kind, 'other'));
		fc.assert(
			fc.property(fc.array(removalArb), fc.array(claimArb), (removals, claims) => {
				const expected = removedMembers(removals, claims);
				expect(removedMembers([...removals].reverse(), [...claims].reverse())).toEqual(expected);
			})
		);
	});
});
