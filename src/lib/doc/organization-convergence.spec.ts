import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createClock, type HybridClock } from '../domain/hlc';
import type { DocumentId, MemberId } from '../domain/ids';
import { LEVELS } from '../domain/model';
import { UNIT_KINDS, type FeedEntryId, type UnitId } from '../domain/organization';
import { DocError } from './errors';
import { appendFeedEntries, initFeed, raiseEscalation, readFeed } from './feed';
import {
	addResource,
	addUnit,
	initOrganization,
	listRegister,
	listResources,
	listUnitRecords,
	moveUnit,
	readCulture,
	readOrganization,
	readUnitTree,
	registerTriad,
	removeResource,
	setCulture,
	updateOrganization,
	updateUnit
} from './organization';
import { SimulatedNetwork } from './testing/network';

/**
 * Three stewards' replicas of one organization make random edits (units added, moved and
 * renamed, resources, registrations and relinks, the culture and the name) while a lossy network
 * reorders, duplicates, withholds and partitions their updates. Once it heals they must read the
 * same organization, and the unit tree must hold every unit once with no cycle and no orphan.
 */

const RUNS = Number(process.env.CONVERGENCE_RUNS ?? 300);
const T0 = 1_700_000_000_000;
const TRIADS = Array.from({ length: 5 }, (_, i) => `triad${i}`.padEnd(22, 'x') as DocumentId);
const FEEDS = TRIADS.map((id) => id.replace('triad', 'feedd') as DocumentId);

const replica = fc.nat(2);
const pick = fc.nat(50);
const word = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 });
const hold = fc.nat(9).map((n) => n === 0);

const opArbitrary = fc.oneof(
	{
		weight: 4,
		arbitrary: fc.record({
			kind: fc.constant('unit' as const),
			by: replica,
			parent: fc.option(pick),
			name: word,
			hold
		})
	},
	{
		weight: 5,
		arbitrary: fc.record({
			kind: fc.constant('move' as const),
			by: replica,
			unit: pick,
			parent: fc.option(pick),
			hold
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('rename' as const),
			by: replica,
			unit: pick,
			name: word,
			unitKind: fc.constantFrom(...UNIT_KINDS)
		})
	},
	{
		weight: 2,
		arbitrary: fc.record({ kind: fc.constant('resource' as const), by: replica, title: word })
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('unresource' as const), by: replica, pick })
	},
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('register' as const),
			by: replica,
			triad: fc.nat(TRIADS.length - 1),
			level: fc.constantFrom(...LEVELS),
			unit: fc.option(pick),
			reportsTo: fc.option(fc.nat(TRIADS.length - 1)),
			name: word
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('culture' as const),
			by: replica,
			text: fc.array(word, { maxLength: 3 })
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('name' as const), by: replica, name: word })
	},
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant('deliver' as const),
			from: replica,
			to: replica,
			pick: fc.nat(200)
		})
	},
	{
		weight: 2,
		arbitrary: fc.record({ kind: fc.constant('diff' as const), from: replica, to: replica })
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('partition' as const), from: replica, to: replica })
	}
);
type Op = typeof opArbitrary extends fc.Arbitrary<infer T> ? T : never;

function unitIds(doc: Y.Doc): UnitId[] {
	return readUnitTree(doc).map((u) => u.id);
}

function pickFrom<T>(list: readonly T[], n: number | null): T | null {
	return n === null || list.length === 0 ? null : list[n % list.length]!;
}

function apply(op: Op, docs: Y.Doc[], clocks: HybridClock[], net: SimulatedNetwork): void {
	if (op.kind === 'deliver') return net.deliverOne(op.from, op.to, op.pick);
	if (op.kind === 'diff') return net.syncDiff(op.from, op.to);
	if (op.kind === 'partition') return net.togglePartition(op.from, op.to);
	const doc = docs[op.by]!;
	const clock = clocks[op.by]!;
	const write = () => {
		switch (op.kind) {
			case 'unit':
				addUnit(doc, clock, {
					name: op.name,
					kind: 'team',
					parent: pickFrom(unitIds(doc), op.parent)
				});
				return;
			case 'move': {
				const units = unitIds(doc);
				const unit = pickFrom(units, op.unit);
				if (unit !== null) moveUnit(doc, clock, unit, pickFrom(units, op.parent));
				return;
			}
			case 'rename': {
				const unit = pickFrom(unitIds(doc), op.unit);
				if (unit !== null) updateUnit(doc, unit, { name: op.name, kind: op.unitKind });
				return;
			}
			case 'resource':
				addResource(doc, clock, { title: op.title });
				return;
			case 'unresource': {
				const resource = pickFrom(listResources(doc), op.pick);
				if (resource !== null) removeResource(doc, resource.id);
				return;
			}
			case 'register':
				registerTriad(doc, clock, {
					id: TRIADS[op.triad]!,
					name: op.name,
					level: op.level,
					unit: pickFrom(unitIds(doc), op.unit),
					reportsTo: op.reportsTo === null ? null : TRIADS[op.reportsTo]!,
					feed: FEEDS[op.triad]!
				});
				return;
			case 'culture':
				setCulture(doc, op.text.join('\n'));
				return;
			case 'name':
				updateOrganization(doc, { name: op.name });
				return;
		}
	};
	try {
		if ('hold' in op && op.hold) net.withholding(write);
		else write();
	} catch (error) {
		// A write this replica's view refuses (a move into itself, a link to a triad it does not
		// know as strategic, a blank name) is a normal outcome of random edits; anything else fails.
		if (!(error instanceof DocError)) throw error;
	}
}

function view(doc: Y.Doc) {
	return {
		organization: readOrganization(doc),
		culture: readCulture(doc),
		units: readUnitTree(doc),
		resources: listResources(doc),
		register: listRegister(doc)
	};
}

describe('organization convergence over partitioned replicas', () => {
	it('three stewards converge to one organization with a tree of units', () => {
		fc.assert(
			fc.property(fc.array(opArbitrary, { maxLength: 60 }), fc.integer(), (ops, seed) => {
				const creator = new Y.Doc();
				initOrganization(creator, { name: 'Org', createdAt: T0 });
				// Units every replica holds from the start, so that concurrent moves of them (the
				// ones that make cycles) happen in most runs.
				const setUp = createClock('setup', () => T0);
				for (const name of ['A', 'B', 'C', 'D']) addUnit(creator, setUp, { name, kind: 'team' });
				const docs = [0, 1, 2].map(() => {
					const doc = new Y.Doc();
					Y.applyUpdate(doc, Y.encodeStateAsUpdate(creator));
					return doc;
				});
				const clocks = docs.map((_, i) => {
					let device = T0 + i * 7;
					return createClock(`r${i}`, () => (device += 1000));
				});
				const net = new SimulatedNetwork(docs);
				for (const op of ops) apply(op, docs, clocks, net);
				let state = seed;
				net.healAll(() => {
					state = (state * 1103515245 + 12345) & 0x7fffffff;
					return state / 0x80000000;
				});
				const first = view(docs[0]!);
				for (const doc of docs.slice(1)) expect(view(doc)).toEqual(first);
				const ids = first.units.map((u) => u.id);
				expect(new Set(ids).size).toBe(ids.length);
				expect(ids.length).toBe(listUnitRecords(docs[0]!).length);
				const position = new Map(ids.map((id, i) => [id, i]));
				for (const [i, unit] of first.units.entries()) {
					if (unit.parent !== null) expect(position.get(unit.parent)!).toBeLessThan(i);
				}
				for (const triad of first.register) {
					if (triad.reportsTo !== null) {
						expect(first.register.find((t) => t.id === triad.reportsTo)?.level).toBe('strategic');
					}
					if (triad.unit !== null) expect(position.has(triad.unit)).toBe(true);
				}
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('feed convergence', () => {
	it('members appending concurrently read the same feed, each id once', () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						by: replica,
						entry: fc.nat(6),
						escalate: fc.boolean(),
						deliver: fc.boolean()
					}),
					{ maxLength: 30 }
				),
				fc.integer(),
				(ops, seed) => {
					const creator = new Y.Doc();
					initFeed(creator, TRIADS[0]!);
					const docs = [0, 1, 2].map(() => {
						const doc = new Y.Doc();
						Y.applyUpdate(doc, Y.encodeStateAsUpdate(creator));
						return doc;
					});
					const clocks = docs.map((_, i) => createClock(`f${i}`, () => T0 + i));
					const net = new SimulatedNetwork(docs);
					for (const op of ops) {
						if (op.deliver) net.syncDiff(op.by, (op.by + 1) % 3);
						if (op.escalate) {
							raiseEscalation(docs[op.by]!, clocks[op.by]!, {
								title: 'Up',
								raisedBy: 'kim' as MemberId
							});
						} else {
							appendFeedEntries(docs[op.by]!, [
								{
									kind: 'health',
									id: `h${op.entry}` as FeedEntryId,
									seatsFilled: op.entry % 4,
									consensusShare: null,
									coversActive: 0,
									actionsOverdue: op.by,
									at: T0 + op.entry
								}
							]);
						}
					}
					let state = seed;
					net.healAll(() => {
						state = (state * 1103515245 + 12345) & 0x7fffffff;
						return state / 0x80000000;
					});
					const first = readFeed(docs[0]!).records;
					for (const doc of docs.slice(1)) expect(readFeed(doc).records).toEqual(first);
					expect(new Set(first.map((e) => e.id)).size).toBe(first.length);
				}
			),
			{ numRuns: RUNS }
		);
	});
});
