import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId } from '../domain/ids';
import type { UnitId } from '../domain/organization';
import { InvalidInputError, NotFoundError, WorkspaceStateError } from './errors';
import {
	addResource,
	addUnit,
	initOrganization,
	latestOrganizationStamp,
	listRegister,
	listResources,
	listUnitRecords,
	moveUnit,
	observeOrganization,
	readCulture,
	readOrganization,
	readUnitTree,
	registerTriad,
	removeResource,
	setCulture,
	updateOrganization,
	updateUnit
} from './organization';
import { orgMeta, registerMap, unitsMap } from './organization-schema';
import { SetAsideTally } from './set-aside';
import { stepClock } from './testing/step-clock';

const NOW = 1_700_000_000_000;
const STRATEGY = 'stratstratstratstrat00' as DocumentId;
const OPS = 'opsopsopsopsopsopsops0' as DocumentId;
const FEED_S = 'feedsfeedsfeedsfeeds00' as DocumentId;
const FEED_O = 'feedofeedofeedofeedo00' as DocumentId;

function organization() {
	const doc = new Y.Doc();
	const clock = stepClock('a');
	initOrganization(doc, {
		name: 'Riverside school',
		purpose: 'Every child reads',
		culture: 'We decide together.\n\n  We say no kindly.  ',
		createdAt: NOW
	});
	return { doc, clock };
}

describe('organization identity and culture', () => {
	it('is created once, read back, and updated field by field', () => {
		const { doc } = organization();
		expect(readOrganization(doc)).toEqual({
			name: 'Riverside school',
			purpose: 'Every child reads',
			createdAt: NOW,
			schemaVersion: 1
		});
		expect(() => initOrganization(doc, { name: 'Again', createdAt: NOW })).toThrow(
			WorkspaceStateError
		);
		updateOrganization(doc, { purpose: 'Every child reads and writes' });
		expect(readOrganization(doc)?.name).toBe('Riverside school');
		expect(readOrganization(doc)?.purpose).toBe('Every child reads and writes');
	});

	it('keeps the culture as rich-text paragraphs, replaced as a whole by the plain writer', () => {
		const { doc } = organization();
		const text = () => readCulture(doc).map((b) => ('runs' in b ? b.runs.map((r) => r.text) : []));
		expect(text()).toEqual([['We decide together.'], ['We say no kindly.']]);
		setCulture(doc, 'One agreement');
		expect(text()).toEqual([['One agreement']]);
	});

	it('refuses bad input with errors naming the field, writing nothing', () => {
		const doc = new Y.Doc();
		expect(() => initOrganization(doc, { name: '  ', createdAt: NOW })).toThrow(
			/name must not be empty/
		);
		expect(() => initOrganization(doc, { name: 'x'.repeat(201), createdAt: NOW })).toThrow(
			/longer than 200/
		);
		expect(() => initOrganization(doc, { name: 'X', createdAt: 5 })).toThrow(RangeError);
		expect(() =>
			initOrganization(doc, { name: 'X', createdAt: NOW, culture: 'x'.repeat(20_001) })
		).toThrow(/culture is longer/);
		expect(() =>
			initOrganization(doc, { name: 'X', createdAt: NOW, purpose: 7 as unknown as string })
		).toThrow(/purpose must be text/);
		expect(readOrganization(doc)).toBeNull();
		expect(() => updateOrganization(doc, { name: 'Y' })).toThrow(/not been created/);
	});

	it('refuses to write an organization stamped by a newer schema, and reads it', () => {
		const { doc } = organization();
		orgMeta(doc).set('schemaVersion', 99);
		expect(() => updateOrganization(doc, { name: 'Y' })).toThrow(/newer version/);
		expect(readOrganization(doc)?.schemaVersion).toBe(99);
	});

	it('does not read a triad or a feed as an organization', () => {
		const doc = new Y.Doc();
		orgMeta(doc).set('schemaVersion', 1);
		orgMeta(doc).set('name', 'A triad');
		expect(readOrganization(doc)).toBeNull();
		expect(() => setCulture(doc, 'x')).toThrow(WorkspaceStateError);
	});
});

describe('resources', () => {
	it('are added, listed oldest first, and removed', () => {
		const { doc, clock } = organization();
		const wiki = addResource(doc, clock, { title: 'Wiki', detail: 'https://wiki', holder: 'Kim' });
		addResource(doc, clock, { title: 'Budget' });
		expect(listResources(doc).map((r) => [r.title, r.detail, r.holder])).toEqual([
			['Wiki', 'https://wiki', 'Kim'],
			['Budget', '', '']
		]);
		removeResource(doc, wiki);
		expect(listResources(doc).map((r) => r.title)).toEqual(['Budget']);
		expect(() => removeResource(doc, wiki)).toThrow(NotFoundError);
		expect(() => addResource(doc, clock, { title: '' })).toThrow(InvalidInputError);
	});
});

describe('units', () => {
	it('form a tree; a move inside itself is refused; a missing parent is refused', () => {
		const { doc, clock } = organization();
		const school = addUnit(doc, clock, { name: 'Primary', kind: 'department' });
		const year1 = addUnit(doc, clock, { name: 'Year 1', kind: 'cohort', parent: school });
		const teachers = addUnit(doc, clock, { name: 'Teachers', kind: 'team', parent: year1 });
		expect(readUnitTree(doc).map((u) => [u.name, u.depth])).toEqual([
			['Primary', 0],
			['Year 1', 1],
			['Teachers', 2]
		]);
		expect(() => moveUnit(doc, clock, school, teachers)).toThrow(/inside itself/);
		expect(() => moveUnit(doc, clock, school, school)).toThrow(/inside itself/);
		expect(() =>
			addUnit(doc, clock, { name: 'X', kind: 'team', parent: 'nope' as UnitId })
		).toThrow(NotFoundError);
		expect(() => addUnit(doc, clock, { name: 'X', kind: 'squad' as 'team' })).toThrow(
			/kind must be/
		);
		moveUnit(doc, clock, teachers, null);
		updateUnit(doc, teachers, { name: 'All teachers' });
		expect(readUnitTree(doc).map((u) => [u.name, u.depth])).toEqual([
			['All teachers', 0],
			['Primary', 0],
			['Year 1', 1]
		]);
	});

	it('two devices moving two units under each other offline merge into a tree', () => {
		const { doc: here, clock } = organization();
		const a = addUnit(here, clock, { name: 'A', kind: 'team' });
		const b = addUnit(here, clock, { name: 'B', kind: 'team' });
		const there = new Y.Doc();
		Y.applyUpdate(there, Y.encodeStateAsUpdate(here));
		moveUnit(here, stepClock('h', NOW + 10), a, b);
		moveUnit(there, stepClock('t', NOW + 20), b, a);
		Y.applyUpdate(there, Y.encodeStateAsUpdate(here));
		Y.applyUpdate(here, Y.encodeStateAsUpdate(there));
		const tree = readUnitTree(here);
		expect(tree).toEqual(readUnitTree(there));
		// The later move (B under A, at +20) is the one undone.
		expect(
			tree.map((u) => [u.name, u.parent === null ? null : u.parent === a ? 'A' : 'B'])
		).toEqual([
			['B', null],
			['A', 'B']
		]);
	});

	it('reads units any steward could write: wrong types are set aside or fall back', () => {
		const { doc, clock } = organization();
		const a = addUnit(doc, clock, { name: 'A', kind: 'team' });
		unitsMap(doc).set('plain', 'not a map');
		const odd = new Y.Map<unknown>();
		unitsMap(doc).set('odd', odd);
		odd.set('name', 42);
		odd.set('kind', 'squad');
		odd.set('parent', { unit: a, at: 'not a stamp' });
		const huge = new Y.Map<unknown>();
		unitsMap(doc).set('huge', huge);
		huge.set('name', 'n'.repeat(100_000));
		huge.set('parent', 'odd');
		const aside = new SetAsideTally();
		const records = listUnitRecords(doc, aside);
		expect(aside.result.count).toBe(1);
		expect(records.find((u) => u.id === 'odd')).toMatchObject({
			name: '',
			kind: 'team',
			parent: a,
			parentAt: null
		});
		expect(records.find((u) => u.id === 'huge')).toMatchObject({ parent: null });
		expect(records.find((u) => u.id === 'huge')!.name.length).toBe(201);
		expect(
			readUnitTree(doc)
				.map((u) => u.id)
				.sort()
		).toEqual([a, 'huge', 'odd'].sort());
	});
});

describe('the register', () => {
	it('registers triads with unit, level and the strategic triad they report to', () => {
		const { doc, clock } = organization();
		const unit = addUnit(doc, clock, { name: 'Year 1', kind: 'cohort' });
		registerTriad(doc, clock, {
			id: STRATEGY,
			name: 'Leadership',
			unit: null,
			level: 'strategic',
			reportsTo: null,
			feed: FEED_S
		});
		registerTriad(doc, clock, {
			id: OPS,
			name: 'Year 1 team',
			unit,
			level: 'operational',
			reportsTo: STRATEGY,
			feed: FEED_O
		});
		expect(listRegister(doc).map((t) => [t.name, t.level, t.unit, t.reportsTo, t.feed])).toEqual([
			['Leadership', 'strategic', null, null, FEED_S],
			['Year 1 team', 'operational', unit, STRATEGY, FEED_O]
		]);
		// Updating keeps the feed and may relink.
		registerTriad(doc, clock, {
			id: OPS,
			name: 'Year 1',
			unit: null,
			level: 'operational',
			reportsTo: null,
			feed: FEED_O
		});
		expect(listRegister(doc).find((t) => t.id === OPS)).toMatchObject({
			name: 'Year 1',
			unit: null
		});
	});

	it('refuses a bad registration', () => {
		const { doc, clock } = organization();
		const base = {
			id: OPS,
			name: 'Ops',
			unit: null,
			level: 'operational' as const,
			reportsTo: null,
			feed: FEED_O
		};
		expect(() => registerTriad(doc, clock, { ...base, id: 'short' as DocumentId })).toThrow(
			/id must be a document id/
		);
		expect(() => registerTriad(doc, clock, { ...base, feed: OPS })).toThrow(/document of its own/);
		expect(() => registerTriad(doc, clock, { ...base, reportsTo: STRATEGY })).toThrow(
			NotFoundError
		);
		expect(() => registerTriad(doc, clock, { ...base, unit: 'gone' as UnitId })).toThrow(
			NotFoundError
		);
		registerTriad(doc, clock, base);
		expect(() => registerTriad(doc, clock, { ...base, feed: FEED_S })).toThrow(/keeps its feed/);
		registerTriad(doc, clock, { ...base, id: STRATEGY, feed: FEED_S });
		// STRATEGY is operational, so nothing can report to it; a strategic triad reports to none.
		expect(() => registerTriad(doc, clock, { ...base, reportsTo: STRATEGY })).toThrow(
			/reports to a strategic/
		);
		expect(() =>
			registerTriad(doc, clock, { ...base, level: 'strategic', reportsTo: STRATEGY })
		).toThrow(/reports to no other/);
		expect(listRegister(doc)).toHaveLength(2);
	});

	it('reads entries any steward could write: set aside what has no id or feed, drop dangling links', () => {
		const { doc, clock } = organization();
		registerTriad(doc, clock, {
			id: OPS,
			name: 'Ops',
			unit: null,
			level: 'operational',
			reportsTo: null,
			feed: FEED_O
		});
		const entry = registerMap(doc).get(OPS) as Y.Map<unknown>;
		entry.set('reportsTo', OPS);
		entry.set('unit', 'gone');
		entry.set('level', 'galactic');
		registerMap(doc).set('not-an-id', new Y.Map());
		registerMap(doc).set(STRATEGY, 'text');
		const noFeed = new Y.Map<unknown>();
		registerMap(doc).set(FEED_S, noFeed);
		noFeed.set('feed', 12);
		const aside = new SetAsideTally();
		expect(listRegister(doc, aside)).toEqual([
			expect.objectContaining({ id: OPS, reportsTo: null, unit: null, level: 'operational' })
		]);
		expect(aside.result.count).toBe(3);
	});
});

describe('observing and stamps', () => {
	it('tells of each transaction once and gives the latest stamp held', () => {
		const { doc, clock } = organization();
		expect(latestOrganizationStamp(doc)).toBeNull();
		let changes = 0;
		const stop = observeOrganization(doc, () => changes++);
		const a = addUnit(doc, clock, { name: 'A', kind: 'team' });
		setCulture(doc, 'x');
		stop();
		addUnit(doc, clock, { name: 'B', kind: 'team' });
		expect(changes).toBe(2);
		const later = stepClock('z', NOW + 1_000_000);
		moveUnit(doc, later, a, null);
		expect(latestOrganizationStamp(doc)).toBe(
			listUnitRecords(doc).find((u) => u.id === a)!.parentAt
		);
	});
});
