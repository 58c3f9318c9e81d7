import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HlcTimestamp } from './model';
import type { Unit, UnitId, UnitRecord } from './organization';
import { resolveUnitTree, unitAndDescendants, wouldCycle } from './organization-units';
import { hlc, T0 } from './testing/fixtures';

const A = 'unit-a' as UnitId;
const B = 'unit-b' as UnitId;
const C = 'unit-c' as UnitId;
const D = 'unit-d' as UnitId;

function unit(
	id: UnitId,
	parent: UnitId | null,
	parentAt: HlcTimestamp | null = hlc(T0)
): UnitRecord {
	return { id, name: id, kind: 'team', parent, parentAt, createdAt: hlc(T0) };
}

function parents(tree: readonly Unit[]): Record<string, string | null> {
	return Object.fromEntries(tree.map((u) => [u.id, u.parent]));
}

describe('resolveUnitTree', () => {
	it('keeps a tree as it is, in depth-first order with siblings by name', () => {
		const tree = resolveUnitTree([unit(C, A), unit(B, null), unit(A, null), unit(D, C)]);
		expect(tree.map((u) => [u.id, u.depth, u.detached])).toEqual([
			[A, 0, null],
			[C, 1, null],
			[D, 2, null],
			[B, 0, null]
		]);
	});

	it('undoes the later move of two concurrent moves that made a cycle', () => {
		// One device moved A under B at T0+1, another moved B under A at T0+2.
		const tree = resolveUnitTree([unit(A, B, hlc(T0 + 1)), unit(B, A, hlc(T0 + 2))]);
		expect(parents(tree)).toEqual({ [A]: B, [B]: null });
		expect(tree.find((u) => u.id === B)!.detached).toBe('cycle');
	});

	it('breaks a cycle of three at its latest edge, and a tie of stamps by the greatest id', () => {
		const three = resolveUnitTree([
			unit(A, C, hlc(T0 + 3)),
			unit(B, A, hlc(T0 + 9)),
			unit(C, B, hlc(T0 + 1)),
			unit(D, B, hlc(T0 + 20))
		]);
		expect(parents(three)).toEqual({ [A]: C, [B]: null, [C]: B, [D]: B });
		const tied = resolveUnitTree([unit(A, B, hlc(T0)), unit(B, A, hlc(T0))]);
		expect(parents(tied)).toEqual({ [A]: B, [B]: null });
	});

	it('treats an edge without a stamp as the latest, so a crafted edge cannot outlast real ones', () => {
		const tree = resolveUnitTree([unit(A, B, null), unit(B, A, hlc(T0 + 5))]);
		expect(parents(tree)).toEqual({ [A]: null, [B]: A });
	});

	it('puts units whose parent is missing or themselves directly under the organization', () => {
		const tree = resolveUnitTree([unit(A, 'gone' as UnitId), unit(B, B), unit(C, A)]);
		expect(parents(tree)).toEqual({ [A]: null, [B]: null, [C]: A });
		expect(tree.filter((u) => u.detached === 'missing-parent').map((u) => u.id)).toEqual([A, B]);
	});

	it('keeps the first record of a duplicated id', () => {
		const tree = resolveUnitTree([unit(A, null), { ...unit(A, B), name: 'second' }, unit(B, null)]);
		expect(tree.filter((u) => u.id === A)).toEqual([expect.objectContaining({ name: A })]);
	});
});

describe('wouldCycle and unitAndDescendants', () => {
	const tree = resolveUnitTree([unit(A, null), unit(B, A), unit(C, B), unit(D, null)]);
	it('refuses a move under oneself or one of one’s descendants, and allows others', () => {
		expect(wouldCycle(tree, A, C)).toBe(true);
		expect(wouldCycle(tree, A, A)).toBe(true);
		expect(wouldCycle(tree, C, D)).toBe(false);
		expect(wouldCycle(tree, B, null)).toBe(false);
	});
	it('lists a unit and what lies under it', () => {
		expect(unitAndDescendants(tree, A)).toEqual([A, B, C]);
		expect(unitAndDescendants(tree, D)).toEqual([D]);
	});
});

const IDS = Array.from({ length: 8 }, (_, i) => `u${i}` as UnitId);

/** A move a device makes: unit `unit` under `parent` (index into IDS, or null), at its clock. */
const moveArb = fc.record({
	unit: fc.integer({ min: 0, max: IDS.length - 1 }),
	parent: fc.option(fc.integer({ min: 0, max: IDS.length }), { nil: null })
});

/** Applies moves as a device would: it refuses moves that would close a cycle in its own view. */
function moveOnDevice(
	records: Map<UnitId, UnitRecord>,
	moves: readonly { unit: number; parent: number | null }[],
	clock: { wall: number },
	node: string
): void {
	for (const move of moves) {
		const id = IDS[move.unit]!;
		// Index IDS.length stands for a unit deleted on another device (a missing parent).
		const parent = move.parent === null ? null : (IDS[move.parent] ?? ('deleted' as UnitId));
		if (wouldCycle(resolveUnitTree([...records.values()]), id, parent)) continue;
		clock.wall += 1;
		records.set(id, { ...records.get(id)!, parent, parentAt: hlc(clock.wall, 0, node) });
	}
}

describe('resolveUnitTree, property: units moved concurrently on two devices', () => {
	it('yields every unit once, in a tree with no cycle and no orphan, whatever the merge keeps', () => {
		fc.assert(
			fc.property(
				fc.array(moveArb, { maxLength: 10 }),
				fc.array(moveArb, { maxLength: 10 }),
				fc.array(moveArb, { maxLength: 10 }),
				fc.array(fc.boolean(), { minLength: IDS.length, maxLength: IDS.length }),
				fc.integer({ min: 0, max: 50 }),
				(shared, left, right, keepLeft, skew) => {
					const start = new Map(IDS.map((id) => [id, unit(id, null, hlc(T0))]));
					moveOnDevice(start, shared, { wall: T0 }, 'dev-0');
					const here = new Map(start);
					const there = new Map(start);
					moveOnDevice(here, left, { wall: T0 + 100 }, 'dev-a');
					moveOnDevice(there, right, { wall: T0 + 100 + skew }, 'dev-b');
					// Each unit's parent is one register: the merge keeps one side's write per unit.
					const merged = IDS.map((id, i) => (keepLeft[i] ? here : there).get(id)!);
					const tree = resolveUnitTree(merged);

					expect(tree.map((u) => u.id).sort()).toEqual([...IDS].sort());
					const index = new Map(tree.map((u, i) => [u.id, i]));
					for (const u of tree) {
						if (u.parent === null) {
							expect(u.depth).toBe(0);
							continue;
						}
						// The parent exists and comes before its child in the depth-first order.
						const parentIndex = index.get(u.parent);
						expect(parentIndex).toBeDefined();
						expect(parentIndex!).toBeLessThan(index.get(u.id)!);
						expect(u.depth).toBe(tree[parentIndex!]!.depth + 1);
					}
					// A unit follows its stored edge, or sits directly under the organization.
					for (const u of tree) {
						const stored = merged.find((r) => r.id === u.id)!;
						if (u.detached === null) expect(u.parent).toBe(stored.parent);
						else expect(u.parent).toBeNull();
					}
				}
			),
			{ numRuns: 300 }
		);
	});

	it('does not depend on the order in which the units are read', () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						parent: fc.option(fc.integer({ min: 0, max: IDS.length }), { nil: null }),
						at: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null })
					}),
					{ minLength: IDS.length, maxLength: IDS.length }
				),
				fc.func(fc.integer()),
				(edges, key) => {
					const records = IDS.map((id, i) => {
						const edge = edges[i]!;
						const parent = edge.parent === null ? null : (IDS[edge.parent] ?? ('x' as UnitId));
						return unit(id, parent, edge.at === null ? null : hlc(T0 + edge.at));
					});
					const shuffled = [...records].sort((a, b) => key(a.id) - key(b.id));
					expect(resolveUnitTree(shuffled)).toEqual(resolveUnitTree(records));
				}
			),
			{ numRuns: 300 }
		);
	});
});
