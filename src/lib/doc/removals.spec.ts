import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import { removedMembers } from '../domain/membership';
import { InvalidInputError, WorkspaceStateError } from './errors';
import { appendLogEntry, listLog } from './keeper-log';
import { putMember } from './members';
import { initWorkspace } from './meta';
import { listRemovals, removeMember } from './removals';
import { keeperLog, metaMap, SCHEMA_VERSION } from './schema';
import { claimSeat, listSeatClaims, readSeatHolders } from './seats';
import { stepClock } from './testing/step-clock';

const ana = 'anaanaanaanaanaanaana0' as MemberId;
const ben = 'benbenbenbenbenbenben0' as MemberId;
const cai = 'caicaicaicaicaicaicai0' as MemberId;
const NOW = 1_750_000_000_000;

/** A triad of three members in their seats, as one device holds it. */
function seatedTriad() {
	const doc = new Y.Doc();
	const clock = stepClock('a');
	initWorkspace(doc, { name: 'T', purpose: '', level: 'operational', unit: '', createdAt: NOW });
	putMember(doc, { id: ana, name: 'Ana', joinedAt: NOW });
	putMember(doc, { id: ben, name: 'Ben', joinedAt: NOW + 1 });
	putMember(doc, { id: cai, name: 'Cai', joinedAt: NOW + 2 });
	claimSeat(doc, clock, { seat: 'keeper', member: ana });
	claimSeat(doc, clock, { seat: 'bearer', member: ben });
	claimSeat(doc, clock, { seat: 'navigator', member: cai });
	return { doc, clock };
}

describe('removing a member', () => {
	it('releases their seat and records who removed whom and when, in one transaction', () => {
		const { doc, clock } = seatedTriad();
		// Yjs integrates a root type in an empty transaction of its own the first time it is read:
		// read them all first, so that only the removal's writes are counted below.
		readSeatHolders(doc);
		listLog(doc);
		const origins: unknown[] = [];
		doc.on('afterTransaction', (transaction: Y.Transaction) => origins.push(transaction.origin));
		const origin = Symbol('test');
		const id = removeMember(doc, clock, { member: cai, by: ana }, origin);
		expect(origins).toEqual([origin]);

		expect(readSeatHolders(doc)).toEqual({ keeper: ana, bearer: ben, navigator: null });
		const [entry] = listLog(doc);
		expect(entry).toEqual({
			id,
			author: ana,
			at: expect.any(String),
			text: 'Removed Cai from the triad.',
			removed: cai
		});
		expect(listRemovals(doc)).toEqual([{ member: cai, by: ana, at: entry!.at }]);
		// The release carries the removal's own timestamp, and the removal record vouches for it:
		// the remover cannot sign in the removed member's name.
		expect(listSeatClaims(doc).at(-1)).toEqual({
			seat: 'navigator',
			member: cai,
			kind: 'release',
			at: entry!.at,
			signature: 'verified'
		});
		expect(removedMembers(listRemovals(doc), listSeatClaims(doc))).toEqual(new Set([cai]));
	});

	it('records the removal of a member who holds no seat, releasing nothing', () => {
		const { doc, clock } = seatedTriad();
		const outsider = 'outoutoutoutoutoutout0' as MemberId;
		const claims = listSeatClaims(doc).length;
		removeMember(doc, clock, { member: outsider, by: ben });
		expect(listSeatClaims(doc)).toHaveLength(claims);
		expect(listLog(doc).map((entry) => entry.text)).toEqual(['Removed a member from the triad.']);
		expect(listRemovals(doc).map((removal) => removal.member)).toEqual([outsider]);
	});

	it('refuses a member removing themselves, writing nothing', () => {
		const { doc, clock } = seatedTriad();
		const before = Y.encodeStateVector(doc);
		expect(() => removeMember(doc, clock, { member: ana, by: ana })).toThrow(InvalidInputError);
		expect(() => removeMember(doc, clock, { member: '' as MemberId, by: ana })).toThrow(
			InvalidInputError
		);
		expect(Y.encodeStateVector(doc)).toEqual(before);
	});

	it('refuses in a triad written by a newer version', () => {
		const { doc, clock } = seatedTriad();
		metaMap(doc).set('schemaVersion', SCHEMA_VERSION + 1);
		expect(() => removeMember(doc, clock, { member: cai, by: ana })).toThrow(WorkspaceStateError);
		expect(listRemovals(doc)).toEqual([]);
	});

	it('is a plain log entry to a reader that knows no kinds of entry', () => {
		const { doc, clock } = seatedTriad();
		appendLogEntry(doc, clock, { author: ben, text: 'Budget agreed.' });
		removeMember(doc, clock, { member: cai, by: ana });
		const stored = keeperLog(doc).toArray() as Record<string, unknown>[];
		// What a reader of plain entries looks for: id, author, at and text, with their types.
		for (const record of stored) {
			expect(typeof record.id).toBe('string');
			expect(typeof record.author).toBe('string');
			expect(typeof record.at).toBe('string');
			expect(typeof record.text).toBe('string');
		}
		expect(listLog(doc).map((entry) => entry.text)).toEqual([
			'Budget agreed.',
			'Removed Cai from the triad.'
		]);
	});

	it('reads a removal record without a member as a plain entry', () => {
		const { doc, clock } = seatedTriad();
		keeperLog(doc).push([
			{ id: 'x', author: ana, at: clock.now(), text: 'odd', kind: 'removal', member: 7 },
			{ id: 'y', author: ana, at: clock.now(), text: 'odd too', kind: 'removal' }
		]);
		expect(listLog(doc).map((entry) => entry.removed)).toEqual([undefined, undefined]);
		expect(listRemovals(doc)).toEqual([]);
	});

	it('merges with what the removed member did offline: every replica agrees', () => {
		const { doc: anaDoc, clock: anaClock } = seatedTriad();
		const caiDoc = new Y.Doc();
		Y.applyUpdate(caiDoc, Y.encodeStateAsUpdate(anaDoc));
		const caiClock = stepClock('c', NOW + 10_000);
		// Offline on both sides: Ana removes Cai while Cai writes in the log.
		removeMember(anaDoc, anaClock, { member: cai, by: ana });
		appendLogEntry(caiDoc, caiClock, { author: cai, text: 'Written offline.' });
		Y.applyUpdate(caiDoc, Y.encodeStateAsUpdate(anaDoc));
		Y.applyUpdate(anaDoc, Y.encodeStateAsUpdate(caiDoc));
		for (const doc of [anaDoc, caiDoc]) {
			expect(listLog(doc).map((entry) => entry.text)).toEqual([
				'Removed Cai from the triad.',
				'Written offline.'
			]);
			expect(readSeatHolders(doc).navigator).toBeNull();
			expect(removedMembers(listRemovals(doc), listSeatClaims(doc))).toEqual(new Set([cai]));
		}
	});
});
