/**
 * What every reader makes of values no Triad writer stores, written straight into a document as
 * an altered app would: wrong types, one id twice, instants far past any calendar (1e16), NaN and
 * negative ones, a 5 MB log entry, a 1 MB member name, nested garbage. Each reader keeps what it
 * can read, repairs values inside records it keeps, and sets aside the rest, counted by writer.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeHlc } from '../domain/hlc';
import type { MemberId, ProposalId } from '../domain/ids';
import type { Ballot } from '../domain/model';
import { listAbsences } from './absences';
import { listActions } from './actions';
import { listBallots } from './ballot-read';
import { listLog } from './keeper-log';
import { NAME_MAX, NOTE_MAX, TITLE_MAX } from './limits';
import { readMembers } from './members';
import { readMeta } from './meta';
import { decideProposals } from './outcome';
import { listProposals, readProposal } from './proposal-read';
import { createProposal } from './proposals';
import {
	PROPOSAL,
	absencesMap,
	actionsMap,
	ballotLog,
	keeperLog,
	membersMap,
	metaMap,
	proposalsMap,
	seatLog
} from './schema';
import { listSeatClaims } from './seats';
import { readWith, type SetAside } from './set-aside';
import { stepClock } from './testing/step-clock';
import { readWorkspace } from './workspace';

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;
const ana = 'ana' as MemberId;
const ben = 'ben' as MemberId;
const mal = 'mal' as MemberId;
/** Instants no reader hands on: past `Date`'s range, not numbers, before 2000. */
const BAD_INSTANTS = [1e16, Number.NaN, -1, Infinity, NOW + 0.5, '1700000000000', null];
const MB = 1 << 20;

const at = (counter: number, node = 'n') => encodeHlc({ wall: NOW, counter, node });

const nothing: SetAside = { count: 0, byAuthor: [] };

describe("the Keeper's log", () => {
	const entry = (id: unknown, counter: number, more: object = {}) => ({
		id,
		author: mal,
		at: at(counter),
		text: `entry ${counter}`,
		...more
	});

	it('keeps the first entry of an id, in log order, and sets the later ones aside', () => {
		const doc = new Y.Doc();
		// The second entry of `a` sorts first by timestamp; array order still decides.
		keeperLog(doc).push([entry('a', 5), entry('b', 2), entry('a', 1, { author: ben })]);
		const { records, setAside } = readWith((aside) => listLog(doc, aside));
		expect(records.map((e) => [e.id, e.text])).toEqual([
			['b', 'entry 2'],
			['a', 'entry 5']
		]);
		expect(setAside).toEqual({ count: 1, byAuthor: [{ author: ben, count: 1 }] });
	});

	it('sets aside entries without an id, author or timestamp, and garbage of any kind', () => {
		const doc = new Y.Doc();
		const nested = new Y.Map<unknown>();
		keeperLog(doc).push([
			entry('ok', 1),
			entry({ nested: [{ deeper: ['garbage'] }] }, 2),
			entry('', 3),
			entry('x'.repeat(129), 4),
			entry('no-author', 5, { author: 42 }),
			entry('no-time', 6, { at: NOW }),
			42,
			'text',
			null,
			[entry('in-array', 7)],
			new Uint8Array([1, 2, 3]),
			nested
		]);
		const { records, setAside } = readWith((aside) => listLog(doc, aside));
		expect(records.map((e) => e.id)).toEqual(['ok']);
		expect(setAside).toEqual({
			count: 11,
			byAuthor: [
				{ author: null, count: 7 },
				{ author: mal, count: 4 }
			]
		});
	});

	it('cuts a 5 MB entry, and text of the wrong type reads as empty', () => {
		const doc = new Y.Doc();
		keeperLog(doc).push([
			entry('huge', 1, { text: `Handover. ${'x'.repeat(5 * MB)}` }),
			entry('typed', 2, { text: { nested: 'text' } })
		]);
		const { records, setAside } = readWith((aside) => listLog(doc, aside));
		expect(records[0]!.text).toHaveLength(NOTE_MAX + 1);
		expect(records[0]!.text.startsWith('Handover. xxx')).toBe(true);
		expect(records[0]!.text.endsWith('x…')).toBe(true);
		expect(records[1]!.text).toBe('');
		expect(setAside).toEqual(nothing);
	});
});

describe('the ballot log', () => {
	const proposalId = 'p1' as ProposalId;
	const other = 'p2' as ProposalId;
	const ballot = (id: unknown, counter: number, more: object = {}) => ({
		id,
		proposalId,
		revision: 1,
		seat: 'keeper',
		choice: 'agree',
		reason: '',
		castBy: ana,
		castFor: ana,
		at: at(counter),
		deviceTime: NOW,
		...more
	});
	const ids = (ballots: Ballot[]) => ballots.map((b) => `${b.id}:${b.choice}`);

	it('keeps the first ballot of an id, in log order, on every proposal', () => {
		const doc = new Y.Doc();
		ballotLog(doc).push([
			ballot('b1', 5),
			ballot('b1', 1, { choice: 'disagree', castBy: mal }),
			ballot('b2', 2, { proposalId: other }),
			ballot('b2', 3, { choice: 'abstain', castBy: mal }),
			ballot('b3', 4)
		]);
		const { records, setAside } = readWith((aside) => listBallots(doc, undefined, aside));
		expect(ids(records)).toEqual(['b2:agree', 'b3:agree', 'b1:agree']);
		expect(setAside).toEqual({ count: 2, byAuthor: [{ author: mal, count: 2 }] });
		// One proposal's ballots agree with the whole log's, though `b2` was first cast elsewhere.
		expect(ids(listBallots(doc, proposalId))).toEqual(['b3:agree', 'b1:agree']);
		expect(ids(listBallots(doc, other))).toEqual(['b2:agree']);
	});

	it('lets a well-formed ballot keep its id when an earlier entry of that id does not parse', () => {
		const doc = new Y.Doc();
		ballotLog(doc).push([ballot('b1', 1, { seat: 'chair', castBy: mal }), ballot('b1', 2)]);
		const { records, setAside } = readWith((aside) => listBallots(doc, undefined, aside));
		expect(ids(records)).toEqual(['b1:agree']);
		expect(setAside).toEqual({ count: 1, byAuthor: [{ author: mal, count: 1 }] });
		expect(ids(listBallots(doc, proposalId))).toEqual(['b1:agree']);
	});

	it('ignores a device time outside 2000–2200: the timestamp judges the deadline then', () => {
		const doc = new Y.Doc();
		ballotLog(doc).push(BAD_INSTANTS.map((deviceTime, i) => ballot(`b${i}`, i, { deviceTime })));
		const { records, setAside } = readWith((aside) => listBallots(doc, undefined, aside));
		expect(records).toHaveLength(BAD_INSTANTS.length);
		for (const read of records) expect(read).not.toHaveProperty('deviceTime');
		expect(setAside).toEqual(nothing);
	});

	it('sets garbage aside, names its writer where it has one, and cuts a huge reason', () => {
		const doc = new Y.Doc();
		ballotLog(doc).push([
			ballot('ok', 1, { reason: 'r'.repeat(MB) }),
			ballot({ nested: ['id'] }, 2, { castBy: mal }),
			ballot('no-voter', 3, { castBy: 'v'.repeat(200) }),
			{ castBy: mal, garbage: { deeper: [1, 2, { deepest: null }] } },
			7,
			[ballot('in-array', 4)],
			new Y.Array()
		]);
		const { records, setAside } = readWith((aside) => listBallots(doc, undefined, aside));
		expect(records.map((b) => b.id)).toEqual(['ok']);
		expect(records[0]!.reason).toHaveLength(NOTE_MAX + 1);
		expect(setAside).toEqual({
			count: 6,
			byAuthor: [
				{ author: null, count: 4 },
				{ author: mal, count: 2 }
			]
		});
	});

	it('counts no duplicate twice in the decision rule', () => {
		const doc = new Y.Doc();
		createProposal(doc, stepClock('a'), { title: 'T', createdBy: ana, id: proposalId });
		proposalsMap(doc).get(proposalId)!.set(PROPOSAL.status, 'open');
		ballotLog(doc).push([ballot('b1', 1), ballot('b1', 2, { choice: 'disagree' })]);
		const { records, setAside } = readWith((aside) => decideProposals(doc, NOW, aside));
		expect(records[0]!.ballots.map((b) => b.choice)).toEqual(['agree']);
		expect(setAside.count).toBe(1);
	});
});

describe('members', () => {
	it('cuts a 1 MB name, orders a join time that is no whole number first, sets aside what is no member', () => {
		const doc = new Y.Doc();
		const members = membersMap(doc);
		members.set(ana, { name: `Ana ${'a'.repeat(MB)}`, joinedAt: 1e16 });
		members.set('kim', { name: 'Kim', joinedAt: 1 });
		members.set(ben, { name: { first: 'Ben' }, joinedAt: NOW });
		members.set(mal, 'not a record');
		members.set('m'.repeat(129), { name: 'Long id', joinedAt: NOW });
		members.set('', { name: 'No id', joinedAt: NOW });
		const { records, setAside } = readWith((aside) => readMembers(doc, aside));
		expect(records).toEqual([
			{ id: ana, name: `Ana ${'a'.repeat(NAME_MAX - 4)}…`, joinedAt: 0 },
			{ id: 'kim', name: 'Kim', joinedAt: 1 },
			{ id: ben, name: '', joinedAt: NOW }
		]);
		expect(setAside).toEqual({
			count: 3,
			byAuthor: [
				{ author: null, count: 2 },
				{ author: mal, count: 1 }
			]
		});
	});
});

describe('the seat log', () => {
	it('sets aside entries that do not parse, by the member they name', () => {
		const doc = new Y.Doc();
		seatLog(doc).push([
			{ seat: 'keeper', member: ana, kind: 'claim', at: at(1) },
			{ seat: 'keeper', member: ana, kind: 'claim', at: at(1) },
			{ seat: 'chair', member: mal, kind: 'claim', at: at(2) },
			{ seat: 'bearer', member: mal, kind: 'claim', at: NOW },
			{ seat: 'bearer', member: ['mal'], kind: 'claim', at: at(3) },
			'claim'
		]);
		const { records, setAside } = readWith((aside) => listSeatClaims(doc, aside));
		expect(records).toHaveLength(2);
		expect(setAside).toEqual({
			count: 4,
			byAuthor: [
				{ author: mal, count: 2 },
				{ author: null, count: 2 }
			]
		});
	});
});

describe('proposals', () => {
	it('ignores deadlines and reflection delays out of range, and cuts long text', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		const ids = BAD_INSTANTS.map((deadline, i) => {
			const id = createProposal(doc, clock, { title: `P${i}`, createdBy: ana });
			const proposal = proposalsMap(doc).get(id)!;
			proposal.set(PROPOSAL.deadline, deadline);
			proposal.set(PROPOSAL.reflectionDelayMs, i % 2 === 0 ? 1e16 : -DAY);
			return id;
		});
		const titled = createProposal(doc, clock, { title: 'T', createdBy: ana });
		const map = proposalsMap(doc).get(titled)!;
		(map.get(PROPOSAL.title) as Y.Text).insert(1, 't'.repeat(MB));
		(map.get(PROPOSAL.lens) as Y.Map<unknown>).set('keeper', 'k'.repeat(MB));
		(map.get(PROPOSAL.lens) as Y.Map<unknown>).set('bearer', 17);
		const plain = createProposal(doc, clock, { title: 'T', createdBy: ana });
		proposalsMap(doc).get(plain)!.set(PROPOSAL.title, 'p'.repeat(MB));
		proposalsMap(doc).get(plain)!.set(PROPOSAL.createdBy, 'c'.repeat(MB));

		const { records, setAside } = readWith((aside) => listProposals(doc, aside));
		for (const id of ids) {
			expect(records.find((p) => p.id === id)).toMatchObject({
				deadline: null,
				reflectionDelayMs: 0
			});
		}
		const long = records.find((p) => p.id === titled)!;
		expect(long.title).toHaveLength(TITLE_MAX + 1);
		expect(long.lensNotes).toEqual({
			keeper: `${'k'.repeat(NOTE_MAX)}…`,
			bearer: '',
			navigator: ''
		});
		expect(readProposal(doc, plain)).toMatchObject({
			title: `${'p'.repeat(TITLE_MAX)}…`,
			createdBy: ''
		});
		expect(setAside).toEqual(nothing);
	});

	it('sets aside what is not a proposal, and amendments without a timestamp', () => {
		const doc = new Y.Doc();
		const id = createProposal(doc, stepClock('a'), { title: 'Kept', createdBy: ana });
		const amendments = proposalsMap(doc).get(id)!.get(PROPOSAL.amendments) as Y.Array<unknown>;
		amendments.push([
			{ by: mal, at: 'yesterday' },
			'amended',
			{ by: ana, at: at(9), deviceTime: 1e16 }
		]);
		const raw = proposalsMap(doc) as unknown as Y.Map<unknown>;
		raw.set('a-string', 'not a map');
		raw.set('an-array', new Y.Array());
		const long = new Y.Map<unknown>();
		raw.set('k'.repeat(129), long);
		long.set(PROPOSAL.createdBy, mal);
		const { records, setAside } = readWith((aside) => listProposals(doc, aside));
		expect(records.map((p) => p.title)).toEqual(['Kept']);
		expect(readProposal(doc, 'k'.repeat(129) as ProposalId)).toBeNull();
		expect(setAside).toEqual({
			count: 5,
			byAuthor: [
				{ author: null, count: 3 },
				{ author: mal, count: 2 }
			]
		});
	});
});

describe('absences', () => {
	/** Writes an absence of Ana's with `fields` over a well-formed one, as its own Y.Map. */
	function putAbsence(doc: Y.Doc, id: string, fields: Record<string, unknown>): void {
		const absence = new Y.Map<unknown>();
		absencesMap(doc).set(id, absence);
		const all = { member: ana, cover: ben, from: NOW, to: NOW + DAY, handover: '', ...fields };
		for (const [key, value] of Object.entries(all)) absence.set(key, value);
	}

	it('sets aside spans that are not two instants within range in order; ignores a bad cancel', () => {
		const doc = new Y.Doc();
		doc.transact(() => {
			putAbsence(doc, 'ok', { handover: 'h'.repeat(MB), cancelled: true, cancelledAt: 1e16 });
			putAbsence(doc, 'far', { to: 1e16, member: mal });
			putAbsence(doc, 'nan', { from: Number.NaN, member: mal });
			putAbsence(doc, 'negative', { from: -DAY, to: NOW });
			putAbsence(doc, 'reversed', { from: NOW + DAY, to: NOW });
			putAbsence(doc, 'no-cover', { cover: { id: ben } });
			putAbsence(doc, 'i'.repeat(129), {});
			(absencesMap(doc) as unknown as Y.Map<unknown>).set('plain', { member: mal });
		});
		const { records, setAside } = readWith((aside) => listAbsences(doc, aside));
		expect(records).toHaveLength(1);
		expect(records[0]).toMatchObject({ id: 'ok', cancelled: true, cancelledAt: null });
		expect(records[0]!.handover).toHaveLength(NOTE_MAX + 1);
		expect(setAside).toEqual({
			count: 7,
			byAuthor: [
				{ author: ana, count: 4 },
				{ author: mal, count: 2 },
				{ author: null, count: 1 }
			]
		});
	});
});

describe('actions', () => {
	it('ignores due times out of range and cuts long text; sets aside what is no action', () => {
		const doc = new Y.Doc();
		doc.transact(() => {
			BAD_INSTANTS.forEach((due, i) => {
				const action = new Y.Map<unknown>();
				actionsMap(doc).set(`a${i}`, action);
				action.set('title', i === 0 ? 't'.repeat(MB) : `Action ${i}`);
				action.set('due', due);
				action.set('owner', i === 1 ? 'o'.repeat(MB) : ana);
				action.set('outcome', i === 2 ? 'o'.repeat(MB) : ['done']);
				action.set('createdAt', at(i));
			});
			(actionsMap(doc) as unknown as Y.Map<unknown>).set('plain', { title: 'Not a map' });
			actionsMap(doc).set('', new Y.Map());
		});
		const { records, setAside } = readWith((aside) => listActions(doc, aside));
		expect(records).toHaveLength(BAD_INSTANTS.length);
		for (const action of records) expect(action.due).toBeNull();
		expect(records[0]!.title).toHaveLength(TITLE_MAX + 1);
		expect(records[1]!.owner).toBeNull();
		expect(records[2]!.outcome).toHaveLength(NOTE_MAX + 1);
		expect(records[3]!.outcome).toBe('');
		expect(setAside).toEqual({ count: 2, byAuthor: [{ author: null, count: 2 }] });
	});
});

describe('the triad itself', () => {
	it('cuts a huge name, purpose and unit, and ignores a creation time out of range', () => {
		const doc = new Y.Doc();
		const meta = metaMap(doc);
		meta.set('schemaVersion', 1);
		meta.set('name', 'n'.repeat(MB));
		meta.set('purpose', 'p'.repeat(5 * MB));
		meta.set('unit', { unit: 'u' });
		meta.set('level', 42);
		meta.set('createdAt', 1e16);
		expect(readMeta(doc)).toEqual({
			name: `${'n'.repeat(TITLE_MAX)}…`,
			purpose: `${'p'.repeat(NOTE_MAX)}…`,
			level: 'operational',
			unit: '',
			schemaVersion: 1,
			createdAt: 0
		});
	});

	it('counts what every reader set aside, once each, by writer', () => {
		const doc = new Y.Doc();
		keeperLog(doc).push([
			{ id: 'l', author: mal, at: at(1), text: '' },
			{ id: 'l', author: mal, at: at(2), text: '' }
		]);
		ballotLog(doc).push([{ id: 'b', castBy: ben }]);
		seatLog(doc).push([{ member: mal }]);
		membersMap(doc).set(ana, 'Ana');
		expect(readWorkspace(doc).setAside).toEqual({
			count: 4,
			byAuthor: [
				{ author: mal, count: 2 },
				{ author: ana, count: 1 },
				{ author: ben, count: 1 }
			]
		});
	});
});
