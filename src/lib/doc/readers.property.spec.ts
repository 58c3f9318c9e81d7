/**
 * The readers' promise as a property: whatever values members' apps write at any key of the
 * schema (`schema.ts`), of any type and size, every reader answers without throwing, loses no
 * record silently (each is read or set aside), lists no id twice, and hands the screens only
 * instants a date formatter can show and text no longer than a writer stores.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeHlc } from '../domain/hlc';
import type { DocumentId, ProposalId } from '../domain/ids';
import { ACTION_STATUSES, CHOICES, LEVELS, PROPOSAL_STATUSES, ROLES } from '../domain/model';
import { listAbsences } from './absences';
import { listActions } from './actions';
import { listBallots } from './ballot-read';
import { exportWorkspace } from './export';
import { listLog } from './keeper-log';
import { DURATION_MAX, INSTANT_MAX, INSTANT_MIN, NAME_MAX, NOTE_MAX, TITLE_MAX } from './limits';
import { readMembers } from './members';
import { decideProposals, outcomeOf } from './outcome';
import { listProposals, readBodyText, readBodyXml, readProposal } from './proposal-read';
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
import { readWith } from './set-aside';
import { latestTimestamp } from './timestamps';
import { readWorkspace } from './workspace';

const NOW = 1_700_000_000_000;
const DOC_ID = 'AAAAAAAAAAAAAAAAAAAAAA' as DocumentId;

/** Stands for a nested Y type, made when the value is written (a Y type lives in one doc). */
class YType {
	constructor(readonly kind: 'map' | 'array' | 'text' | 'xml') {}
}

function materialize(value: unknown): unknown {
	if (!(value instanceof YType)) return value;
	if (value.kind === 'map') return new Y.Map();
	if (value.kind === 'array') return new Y.Array();
	if (value.kind === 'text') return new Y.Text('text');
	return new Y.XmlFragment();
}

/** Any value Yjs can store, as a peer could write it: JSON, odd numbers, bytes, long text, Y types. */
const anything: fc.Arbitrary<unknown> = fc.oneof(
	fc.jsonValue({ maxDepth: 3 }),
	fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e16, -1, 0.5, Number.MAX_VALUE),
	fc.constantFrom(100, 300, 30_000).map((length) => 'x'.repeat(length)),
	fc.uint8Array({ maxLength: 4 }),
	fc.constantFrom('map', 'array', 'text', 'xml').map((kind) => new YType(kind as YType['kind']))
);

/** Mostly a plausible value, sometimes anything at all. */
const maybe = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
	fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anything });

/** Few ids, so that records share them. */
const id = maybe(fc.constantFrom('a', 'b', 'c', 'mal', '', 'i'.repeat(129)));
const proposalKey = fc.constantFrom('p1', 'p2', 'p3', '', 'k'.repeat(129));
const key = fc.oneof(fc.constantFrom('a', 'b', 'c', 'mal'), fc.string({ maxLength: 4 }));
const instant = maybe(fc.integer({ min: INSTANT_MIN - 10, max: INSTANT_MAX + 10 }));
const hlc = maybe(
	fc
		.record({ wall: fc.integer({ min: 0, max: 1e15 - 1 }), counter: fc.nat(3) })
		.map(({ wall, counter }) => encodeHlc({ wall, counter, node: 'n' }))
);
const text = maybe(fc.string({ maxLength: 8 }));
const record = <T>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
	maybe(fc.record(fields, { requiredKeys: [], noNullPrototype: true }));

const ballot = record({
	id,
	proposalId: maybe(proposalKey),
	revision: maybe(fc.integer({ min: 1, max: 3 })),
	seat: maybe(fc.constantFrom(...ROLES)),
	choice: maybe(fc.constantFrom(...CHOICES)),
	reason: text,
	castBy: id,
	castFor: id,
	at: hlc,
	deviceTime: instant
});
const logEntry = record({ id, author: id, at: hlc, text });
const seatEntry = record({
	seat: maybe(fc.constantFrom(...ROLES)),
	member: id,
	kind: maybe(fc.constantFrom('claim', 'release')),
	at: hlc
});
const member = record({ name: text, joinedAt: instant });
const meta = fc.record(
	{
		name: text,
		purpose: text,
		level: maybe(fc.constantFrom(...LEVELS)),
		unit: text,
		createdAt: instant,
		schemaVersion: maybe(fc.constant(1))
	},
	{ requiredKeys: [], noNullPrototype: true }
);
/** Fields of a map-valued record: each set on its own Y.Map, or the whole record a raw value. */
const mapRecord = <T>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
	fc.oneof(
		{
			weight: 4,
			arbitrary: fc
				.record(fields, { requiredKeys: [], noNullPrototype: true })
				.map((f) => ({ fields: f }))
		},
		{ weight: 1, arbitrary: anything.map((raw) => ({ raw })) }
	);
const proposal = mapRecord({
	[PROPOSAL.title]: maybe(fc.string({ maxLength: 8 }).map((t) => ({ text: t }))),
	[PROPOSAL.body]: maybe(fc.constant(new YType('xml'))),
	[PROPOSAL.status]: maybe(fc.constantFrom(...PROPOSAL_STATUSES)),
	[PROPOSAL.amendments]: maybe(fc.array(record({ by: id, at: hlc, deviceTime: instant }))),
	[PROPOSAL.deadline]: instant,
	[PROPOSAL.reflectionDelayMs]: maybe(fc.integer({ min: -1, max: DURATION_MAX + 1 })),
	[PROPOSAL.createdBy]: id,
	[PROPOSAL.createdAt]: hlc,
	[PROPOSAL.openedAt]: hlc,
	[PROPOSAL.lens]: maybe(fc.dictionary(fc.constantFrom(...ROLES), text, { noNullPrototype: true }))
});
const absence = mapRecord({
	member: id,
	cover: id,
	from: instant,
	to: instant,
	handover: text,
	createdAt: hlc,
	cancelled: maybe(fc.boolean()),
	cancelledAt: instant
});
const action = mapRecord({
	proposalId: maybe(proposalKey),
	title: text,
	owner: id,
	due: instant,
	status: maybe(fc.constantFrom(...ACTION_STATUSES)),
	outcome: text,
	createdAt: hlc
});

const workspace = fc.record({
	meta,
	members: fc.array(fc.tuple(key, member), { maxLength: 4 }),
	seats: fc.array(seatEntry, { maxLength: 4 }),
	proposals: fc.array(fc.tuple(proposalKey, proposal), { maxLength: 4 }),
	ballots: fc.array(ballot, { maxLength: 10 }),
	absences: fc.array(fc.tuple(key, absence), { maxLength: 3 }),
	log: fc.array(logEntry, { maxLength: 5 }),
	actions: fc.array(fc.tuple(key, action), { maxLength: 3 })
});
type Written = typeof workspace extends fc.Arbitrary<infer T> ? T : never;
type MapRecord = { fields: Record<string, unknown> } | { raw: unknown };

/** A Y.Map holding `fields` (a title as a Y.Text, a list as a Y.Array, a dictionary as a Y.Map). */
function putRecord(map: Y.Map<unknown>, key: string, value: MapRecord): void {
	if ('raw' in value) {
		map.set(key, materialize(value.raw));
		return;
	}
	const record = new Y.Map<unknown>();
	map.set(key, record);
	for (const [field, stored] of Object.entries(value.fields)) {
		if (field === PROPOSAL.title && isTitle(stored)) record.set(field, new Y.Text(stored.text));
		else if (field === PROPOSAL.amendments && Array.isArray(stored)) {
			const amendments = new Y.Array<unknown>();
			record.set(field, amendments);
			amendments.push(stored.map(materialize));
		} else if (field === PROPOSAL.lens && isDictionary(stored)) {
			const lens = new Y.Map<unknown>();
			record.set(field, lens);
			for (const [seat, note] of Object.entries(stored)) lens.set(seat, materialize(note));
		} else record.set(field, materialize(stored));
	}
}

const isTitle = (value: unknown): value is { text: string } =>
	typeof value === 'object' &&
	value !== null &&
	typeof (value as { text?: unknown }).text === 'string';
const isDictionary = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' &&
	value !== null &&
	!Array.isArray(value) &&
	!(value instanceof Uint8Array);

function write(doc: Y.Doc, written: Written): void {
	doc.transact(() => {
		for (const [field, value] of Object.entries(written.meta)) {
			metaMap(doc).set(field, materialize(value));
		}
		for (const [id, value] of written.members) membersMap(doc).set(id, materialize(value));
		seatLog(doc).push(written.seats.map(materialize));
		const raw = (map: Y.Map<Y.Map<unknown>>) => map as unknown as Y.Map<unknown>;
		for (const [id, value] of written.proposals) putRecord(raw(proposalsMap(doc)), id, value);
		ballotLog(doc).push(written.ballots.map(materialize));
		for (const [id, value] of written.absences) putRecord(raw(absencesMap(doc)), id, value);
		keeperLog(doc).push(written.log.map(materialize));
		for (const [id, value] of written.actions) putRecord(raw(actionsMap(doc)), id, value);
	});
}

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/** An instant the screens format: in the stored range, and `Intl` takes it. */
function expectShowable(instant: number | null, what: string): void {
	if (instant === null) return;
	expect(instant >= INSTANT_MIN && instant <= INSTANT_MAX, `${what}: ${instant}`).toBe(true);
	expect(() => dateTime.format(instant)).not.toThrow();
}

function expectUnique(ids: readonly string[], what: string): void {
	expect(new Set(ids).size, what).toBe(ids.length);
}

describe('every reader, on whatever members write at every key of the schema', () => {
	it('answers, reads or sets aside each record, and hands on only what screens can show', () => {
		fc.assert(
			fc.property(workspace, (written) => {
				const doc = new Y.Doc();
				write(doc, written);

				const snapshot = readWorkspace(doc);
				const decided = decideProposals(doc, NOW);
				exportWorkspace(doc, DOC_ID, NOW);
				latestTimestamp(doc, { notAheadOf: NOW });
				for (const { proposal, outcome } of decided) {
					readProposal(doc, proposal.id);
					outcomeOf(doc, proposal.id, NOW);
					readBodyText(doc, proposal.id);
					readBodyXml(doc, proposal.id);
					expectShowable(outcome.decidedAt, 'decided at');
					if (outcome.finalAt !== null) dateTime.format(outcome.finalAt);
				}

				// Nothing is lost without a count: each entry is read or set aside.
				const entries = (read: (aside: never) => unknown[], stored: number, what: string) => {
					const { records, setAside } = readWith(read as never);
					expect(records.length + setAside.count, what).toBe(stored);
					expect(setAside.byAuthor.reduce((sum, { count }) => sum + count, 0)).toBe(setAside.count);
				};
				entries((aside) => listLog(doc, aside), keeperLog(doc).length, 'log');
				entries((aside) => listBallots(doc, undefined, aside), ballotLog(doc).length, 'ballots');
				entries((aside) => listSeatClaims(doc, aside), seatLog(doc).length, 'seat log');
				entries((aside) => readMembers(doc, aside), membersMap(doc).size, 'members');
				entries((aside) => listAbsences(doc, aside), absencesMap(doc).size, 'absences');
				entries((aside) => listActions(doc, aside), actionsMap(doc).size, 'actions');
				const proposals = readWith((aside) => listProposals(doc, aside));
				expect(proposals.records.length + proposals.setAside.count).toBeGreaterThanOrEqual(
					proposalsMap(doc).size
				);

				// No id twice (screens key their lists by id), and one proposal's ballots as all's.
				expectUnique(
					snapshot.log.map((entry) => entry.id),
					'log ids'
				);
				expectUnique(
					snapshot.ballots.map((ballot) => ballot.id),
					'ballot ids'
				);
				for (const key of ['p1', 'p2', 'p3'] as ProposalId[]) {
					expect(listBallots(doc, key)).toEqual(
						snapshot.ballots.filter((ballot) => ballot.proposalId === key)
					);
				}

				// Instants a formatter takes, and text no longer than a writer stores.
				for (const p of snapshot.proposals) {
					expectShowable(p.deadline, 'deadline');
					expect(p.reflectionDelayMs).toBeLessThanOrEqual(DURATION_MAX);
					expect(p.title.length).toBeLessThanOrEqual(TITLE_MAX + 1);
					for (const note of Object.values(p.lensNotes)) {
						expect(note.length).toBeLessThanOrEqual(NOTE_MAX + 1);
					}
				}
				for (const b of snapshot.ballots) {
					expectShowable(b.deviceTime ?? null, 'device time');
					expect(b.reason.length).toBeLessThanOrEqual(NOTE_MAX + 1);
				}
				for (const a of snapshot.absences) {
					expectShowable(a.from, 'from');
					expectShowable(a.to, 'to');
					expectShowable(a.cancelledAt, 'cancelled at');
				}
				for (const a of snapshot.actions) {
					expectShowable(a.due, 'due');
					expect(a.title.length).toBeLessThanOrEqual(TITLE_MAX + 1);
				}
				for (const m of snapshot.members) {
					expect(m.name.length).toBeLessThanOrEqual(NAME_MAX + 1);
					expect(Number.isSafeInteger(m.joinedAt) && m.joinedAt >= 0).toBe(true);
				}
				for (const entry of snapshot.log) {
					expect(entry.text.length).toBeLessThanOrEqual(NOTE_MAX + 1);
				}
				doc.destroy();
			}),
			{ numRuns: 300 }
		);
	});
});
