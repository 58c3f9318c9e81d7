/**
 * The organization's and the feed's readers under any value a steward's or a member's app can
 * write at any of their keys: they answer without throwing, list no id twice, read or set aside
 * every record, and hand the screens only bounded text and instants within 2000–2200.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeHlc } from '../domain/hlc';
import { LEVELS } from '../domain/model';
import { UNIT_KINDS } from '../domain/organization';
import { SETTLED_STATES } from '../domain/outcome-state';
import { readFeed, readFeedTriad } from './feed';
import { INSTANT_MAX, INSTANT_MIN, NOTE_MAX, TITLE_MAX } from './limits';
import {
	listRegister,
	listResources,
	listUnitRecords,
	readCulture,
	readOrganization,
	readUnitTree
} from './organization';
import {
	feedEntries,
	feedMeta,
	orgMeta,
	registerMap,
	resourcesMap,
	unitsMap
} from './organization-schema';
import { SetAsideTally } from './set-aside';

const DOC_IDS = ['AAAAAAAAAAAAAAAAAAAAAA', 'BBBBBBBBBBBBBBBBBBBBBB', 'CCCCCCCCCCCCCCCCCCCCCC'];

const anything: fc.Arbitrary<unknown> = fc.oneof(
	fc.jsonValue({ maxDepth: 3 }),
	fc.constantFrom(Number.NaN, Infinity, -0, 1e16, -1, 0.5),
	fc.constantFrom(300, 30_000).map((length) => 'x'.repeat(length)),
	fc.uint8Array({ maxLength: 4 })
);
const maybe = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
	fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anything });
const id = maybe(fc.constantFrom('a', 'b', 'c', '', 'i'.repeat(129), ...DOC_IDS));
const key = fc.constantFrom('a', 'b', 'c', '', 'k'.repeat(129), ...DOC_IDS);
const text = maybe(fc.string({ maxLength: 8 }));
const instant = maybe(fc.integer({ min: INSTANT_MIN - 10, max: INSTANT_MAX + 10 }));
const hlc = maybe(
	fc.nat(1e12).map((wall) => encodeHlc({ wall: wall + INSTANT_MIN, counter: 0, node: 'n' }))
);
const fields = <T>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
	fc.oneof(
		{
			weight: 4,
			arbitrary: fc.record(shape, { requiredKeys: [], noNullPrototype: true }).map((f) => ({ f }))
		},
		{ weight: 1, arbitrary: anything.map((raw) => ({ raw })) }
	);

const unit = fields({
	name: text,
	kind: maybe(fc.constantFrom(...UNIT_KINDS)),
	parent: maybe(fc.record({ unit: id, at: hlc }, { noNullPrototype: true })),
	createdAt: hlc
});
const registered = fields({
	name: text,
	unit: id,
	level: maybe(fc.constantFrom(...LEVELS)),
	reportsTo: id,
	feed: id,
	registeredAt: hlc
});
const resource = fields({ title: text, detail: text, holder: text, createdAt: hlc });
const feedEntry = maybe(
	fc.record(
		{
			kind: maybe(fc.constantFrom('decision', 'health', 'escalation', 'answer')),
			id,
			proposalId: id,
			title: text,
			outcome: maybe(fc.constantFrom(...SETTLED_STATES)),
			balanceBroken: maybe(fc.boolean()),
			dissent: text,
			decidedAt: instant,
			seatsFilled: maybe(fc.nat(4)),
			consensusShare: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
			coversActive: maybe(fc.nat(3)),
			actionsOverdue: maybe(fc.nat(9)),
			at: maybe(fc.oneof(hlc, instant)),
			escalation: id,
			text,
			raisedBy: id,
			raisedAt: hlc,
			fromFeed: id,
			answer: maybe(fc.constantFrom('accepted', 'decided'))
		},
		{ requiredKeys: [], noNullPrototype: true }
	)
);

function put(map: Y.Map<unknown>, k: string, value: { f: object } | { raw: unknown }): void {
	if ('raw' in value) {
		map.set(k, value.raw);
		return;
	}
	const nested = new Y.Map<unknown>();
	map.set(k, nested);
	for (const [field, v] of Object.entries(value.f)) nested.set(field, v);
}

function expectBounded(value: string, max: number): void {
	expect(value.length).toBeLessThanOrEqual(max + 1);
}

describe('organization readers, property: any stored value', () => {
	it('read without throwing, each record read or set aside, bounded text, unique ids', () => {
		fc.assert(
			fc.property(
				fc.record(
					{
						name: text,
						purpose: text,
						createdAt: instant,
						schemaVersion: maybe(fc.constant(1)),
						kind: maybe(fc.constant('organization'))
					},
					{ requiredKeys: [], noNullPrototype: true }
				),
				fc.array(fc.tuple(key, unit), { maxLength: 8 }),
				fc.array(fc.tuple(key, registered), { maxLength: 6 }),
				fc.array(fc.tuple(key, resource), { maxLength: 4 }),
				(meta, units, register, resources) => {
					const doc = new Y.Doc();
					for (const [k, v] of Object.entries(meta)) orgMeta(doc).set(k, v);
					for (const [k, v] of units) put(unitsMap(doc), k, v);
					for (const [k, v] of register) put(registerMap(doc), k, v);
					for (const [k, v] of resources) put(resourcesMap(doc), k, v);

					const identity = readOrganization(doc);
					if (identity !== null) {
						expectBounded(identity.name, TITLE_MAX);
						expectBounded(identity.purpose, NOTE_MAX);
					}
					readCulture(doc);

					const aside = new SetAsideTally();
					const records = listUnitRecords(doc, aside);
					expect(records.length + aside.result.count).toBe(unitsMap(doc).size);
					const tree = readUnitTree(doc);
					expect(tree.map((u) => u.id).sort()).toEqual(records.map((u) => u.id).sort());
					const position = new Map(tree.map((u, i) => [u.id, i]));
					tree.forEach((u, i) => {
						expectBounded(u.name, TITLE_MAX);
						if (u.parent !== null) expect(position.get(u.parent)!).toBeLessThan(i);
					});

					const registerAside = new SetAsideTally();
					const triads = listRegister(doc, registerAside);
					expect(triads.length + registerAside.result.count).toBe(registerMap(doc).size);
					for (const triad of triads) {
						expectBounded(triad.name, TITLE_MAX);
						if (triad.unit !== null) expect(position.has(triad.unit)).toBe(true);
						if (triad.reportsTo !== null) {
							expect(triads.find((t) => t.id === triad.reportsTo)?.level).toBe('strategic');
						}
					}
					for (const r of listResources(doc)) {
						expectBounded(r.title, TITLE_MAX);
						expectBounded(r.detail, NOTE_MAX);
					}
				}
			),
			{ numRuns: 300 }
		);
	});
});

describe('feed reader, property: any stored value', () => {
	it('reads without throwing, each entry read or set aside, ids once, instants in range', () => {
		fc.assert(
			fc.property(fc.array(feedEntry, { maxLength: 12 }), anything, (entries, triad) => {
				const doc = new Y.Doc();
				feedMeta(doc).set('kind', 'feed');
				feedMeta(doc).set('triad', triad);
				feedEntries(doc).push(entries);
				readFeedTriad(doc);
				const { records, setAside } = readFeed(doc);
				expect(records.length + setAside.count).toBe(entries.length);
				expect(new Set(records.map((e) => e.id)).size).toBe(records.length);
				for (const entry of records) {
					if (entry.kind === 'decision') {
						expect(entry.decidedAt).toBeGreaterThanOrEqual(INSTANT_MIN);
						expect(entry.decidedAt).toBeLessThanOrEqual(INSTANT_MAX);
						expectBounded(entry.title, TITLE_MAX);
					} else if (entry.kind === 'health') {
						expect(entry.seatsFilled).toBeLessThanOrEqual(3);
						expect(entry.at).toBeGreaterThanOrEqual(INSTANT_MIN);
					} else {
						expectBounded(entry.kind === 'escalation' ? entry.text : entry.reason, NOTE_MAX);
					}
				}
			}),
			{ numRuns: 300 }
		);
	});
});
