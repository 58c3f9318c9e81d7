import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SeatClaim } from './model';
import { ROLES } from './model';
import { emptySeats, resolveSeats, seatHoldersAt, seatOf, seatTimeline } from './seats';
import { BEA, claim, hlc, HOUR, KIM, MINUTE, NOA, OUTSIDER, T0 } from './testing/fixtures';

const entryArb = fc
	.record({
		seat: fc.constantFrom(...ROLES),
		member: fc.constantFrom(KIM, BEA, NOA, OUTSIDER),
		kind: fc.constantFrom<SeatClaim['kind']>('claim', 'claim', 'release'),
		wall: fc.integer({ min: T0, max: T0 + 20 }),
		node: fc.constantFrom('a', 'b')
	})
	.map((r) => claim(r.seat, r.member, r.wall, r.kind, r.node));

describe('seat rule', { timeout: 60_000 }, () => {
	it('gives each free seat to its first claimant', () => {
		const log = [claim('keeper', KIM, T0), claim('bearer', BEA, T0), claim('navigator', NOA, T0)];
		expect(resolveSeats(log)).toEqual({
			holders: { keeper: KIM, bearer: BEA, navigator: NOA },
			lost: []
		});
	});

	it('keeps a held seat with its holder and tells the one who lost it', () => {
		const first = claim('keeper', KIM, T0, 'claim', 'phone');
		const second = claim('keeper', BEA, T0 + MINUTE, 'claim', 'laptop'); // offline, synced later
		const { holders, lost } = resolveSeats([second, first]);
		expect(holders.keeper).toBe(KIM);
		expect(holders.bearer).toBeNull();
		expect(lost).toEqual([{ claim: second, heldBy: KIM }]);
	});

	it('breaks a tie in the same millisecond by the HLC node id', () => {
		const a = claim('keeper', KIM, T0, 'claim', 'aaa');
		const b = claim('keeper', BEA, T0, 'claim', 'bbb');
		expect(resolveSeats([b, a]).holders.keeper).toBe(KIM);
	});

	it('frees a seat on release by its holder, so a later claim takes it', () => {
		const log = [
			claim('keeper', KIM, T0),
			claim('keeper', BEA, T0 + MINUTE), // too early: loses
			claim('keeper', KIM, T0 + HOUR, 'release'),
			claim('keeper', BEA, T0 + 2 * HOUR)
		];
		const { holders, lost } = resolveSeats(log);
		expect(holders.keeper).toBe(BEA);
		expect(lost.map((l) => l.claim)).toEqual([log[1]]);
	});

	it('ignores a release by someone who does not hold the seat', () => {
		const log = [claim('keeper', KIM, T0), claim('keeper', BEA, T0 + MINUTE, 'release')];
		expect(resolveSeats(log).holders.keeper).toBe(KIM);
	});

	it('moves a member who claims a second free seat, freeing the first', () => {
		const log = [claim('keeper', KIM, T0), claim('navigator', KIM, T0 + MINUTE)];
		expect(resolveSeats(log).holders).toEqual({ keeper: null, bearer: null, navigator: KIM });
	});

	it('leaves a member in their seat when their claim of another seat loses', () => {
		const log = [
			claim('keeper', KIM, T0),
			claim('bearer', BEA, T0),
			claim('bearer', KIM, T0 + MINUTE)
		];
		const { holders, lost } = resolveSeats(log);
		expect(holders).toEqual({ keeper: KIM, bearer: BEA, navigator: null });
		expect(lost).toEqual([{ claim: log[2], heldBy: BEA }]);
	});

	it('ignores malformed entries and counts identical entries once', () => {
		const good = claim('keeper', KIM, T0);
		const log: SeatClaim[] = [
			{ ...claim('keeper', BEA, T0 - HOUR), at: 'soon' as SeatClaim['at'] },
			{ ...claim('bearer', BEA, T0), seat: 'chair' as SeatClaim['seat'] },
			{ ...claim('bearer', BEA, T0), kind: 'grab' as SeatClaim['kind'] },
			good,
			{ ...good }
		];
		expect(resolveSeats(log)).toEqual({ holders: { ...emptySeats(), keeper: KIM }, lost: [] });
	});

	it('tells who held a seat at a point of the log', () => {
		const log = [
			claim('keeper', KIM, T0),
			claim('keeper', KIM, T0 + HOUR, 'release'),
			claim('keeper', BEA, T0 + 2 * HOUR)
		];
		expect(seatHoldersAt(log, hlc(T0 - 1)).keeper).toBeNull();
		expect(seatHoldersAt(log, hlc(T0 + MINUTE)).keeper).toBe(KIM);
		expect(seatHoldersAt(log, hlc(T0 + 90 * MINUTE)).keeper).toBeNull();
		expect(seatHoldersAt(log, hlc(T0 + 3 * HOUR)).keeper).toBe(BEA);
	});

	it('finds the seat of a member', () => {
		const holders = { keeper: KIM, bearer: null, navigator: NOA };
		expect(seatOf(holders, NOA)).toBe('navigator');
		expect(seatOf(holders, BEA)).toBeNull();
	});

	it('answers every timestamp of the timeline as a replay of the log up to it would', () => {
		fc.assert(
			fc.property(
				fc.array(entryArb, { maxLength: 20 }),
				fc.array(fc.integer({ min: T0 - 1, max: T0 + 21 }), { minLength: 1, maxLength: 8 }),
				fc.constantFrom('a', 'b', 'c'),
				(log, walls, node) => {
					const holdersAt = seatTimeline(log);
					for (const wall of walls) {
						const at = hlc(wall, 0, node);
						const replayed = resolveSeats(log.filter((c) => c.at <= at)).holders;
						expect(holdersAt(at)).toEqual(replayed);
					}
				}
			),
			{ numRuns: 300 }
		);
	});

	it('does not depend on the order the log was synced in', () => {
		fc.assert(
			fc.property(
				fc
					.array(entryArb, { maxLength: 20 })
					.chain((log) =>
						fc.tuple(fc.constant(log), fc.shuffledSubarray(log, { minLength: log.length }))
					),
				([log, shuffled]) => {
					const a = resolveSeats(log);
					const b = resolveSeats([...shuffled, ...shuffled.slice(0, 3)]);
					expect(b).toEqual(a);
					const seated = ROLES.map((r) => a.holders[r]).filter((m) => m !== null);
					expect(new Set(seated).size).toBe(seated.length); // one seat per member
				}
			),
			{ numRuns: 300 }
		);
	});
});
