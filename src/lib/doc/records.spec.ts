import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ActionId, MemberId, ProposalId } from '../domain/ids';
import { cancelAbsence, declareAbsence, listAbsences, setHandover } from './absences';
import { createAction, listActions, updateAction } from './actions';
import { InvalidInputError, NotFoundError, NotPermittedError } from './errors';
import { appendLogEntry, listLog } from './keeper-log';
import { putMember, readMembers } from './members';
import { createProposal } from './proposals';
import { absencesMap, keeperLog, membersMap } from './schema';
import { stepClock } from './testing/step-clock';

const ana = 'ana' as MemberId;
const ben = 'ben' as MemberId;
const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

/** A fresh doc in which Ana is away for a day from NOW, with Ben as her cover. */
function anaAwayForADay(more: { handover?: string } = {}) {
	const doc = new Y.Doc();
	const id = declareAbsence(doc, stepClock('a'), {
		member: ana,
		from: NOW,
		to: NOW + DAY,
		cover: ben,
		...more
	});
	return { doc, id };
}

describe('members', () => {
	it('keys each member by id, oldest first, skipping malformed entries', () => {
		const doc = new Y.Doc();
		putMember(doc, { id: ben, name: 'Ben', joinedAt: NOW + 1 });
		putMember(doc, { id: ana, name: 'Ana', joinedAt: NOW });
		putMember(doc, { id: ana, name: 'Ana B.', joinedAt: NOW });
		membersMap(doc).set('odd', 'not a record');
		expect(readMembers(doc)).toEqual([
			{ id: ana, name: 'Ana B.', joinedAt: NOW },
			{ id: ben, name: 'Ben', joinedAt: NOW + 1 }
		]);
		expect(() => putMember(doc, { id: ana, name: '', joinedAt: NOW })).toThrow(InvalidInputError);
	});
});

describe('absences', () => {
	it('declares an absence with cover and handover note', () => {
		const { doc, id } = anaAwayForADay({ handover: 'budget review on Tuesday' });
		expect(listAbsences(doc)).toEqual([
			{
				id,
				member: ana,
				from: NOW,
				to: NOW + DAY,
				cover: ben,
				handover: 'budget review on Tuesday',
				createdAt: expect.any(String),
				cancelled: false,
				cancelledAt: null,
				signature: 'unsigned'
			}
		]);
	});

	it('refuses an absence that ends before it starts or covers itself', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		expect(() =>
			declareAbsence(doc, clock, { member: ana, from: NOW, to: NOW, cover: ben })
		).toThrow(/end after it starts/);
		expect(() =>
			declareAbsence(doc, clock, { member: ana, from: NOW, to: NOW + DAY, cover: ana })
		).toThrow(/cover for themselves/);
		expect(listAbsences(doc)).toEqual([]);
	});

	it('lets only the absent member cancel or edit the handover, keeping the record', () => {
		const { doc, id } = anaAwayForADay();
		expect(() => cancelAbsence(doc, { absenceId: id, by: ben, now: NOW + 1 })).toThrow(
			NotPermittedError
		);
		expect(() => setHandover(doc, { absenceId: id, by: ben, handover: 'x' })).toThrow(
			NotPermittedError
		);
		setHandover(doc, { absenceId: id, by: ana, handover: 'call the bank' });
		cancelAbsence(doc, { absenceId: id, by: ana, now: NOW + DAY / 2 });
		expect(listAbsences(doc)[0]).toMatchObject({
			cancelled: true,
			cancelledAt: NOW + DAY / 2,
			handover: 'call the bank'
		});
		// Cancelling again does not move the end of the cover already granted.
		cancelAbsence(doc, { absenceId: id, by: ana, now: NOW + DAY - 1 });
		expect(listAbsences(doc)[0]?.cancelledAt).toBe(NOW + DAY / 2);
	});

	it('reads an absence cancelled before the time was recorded as cancelled at its start', () => {
		const { doc, id } = anaAwayForADay();
		const record = absencesMap(doc).get(id) as Y.Map<unknown>;
		record.set('cancelled', true);
		expect(listAbsences(doc)[0]).toMatchObject({ cancelled: true, cancelledAt: null });
	});

	it('keeps a cancel and a concurrent handover edit from the same member’s two devices', () => {
		const phone = new Y.Doc();
		const id = declareAbsence(phone, stepClock('a'), {
			member: ana,
			from: NOW,
			to: NOW + DAY,
			cover: ben
		});
		const laptop = new Y.Doc();
		Y.applyUpdate(laptop, Y.encodeStateAsUpdate(phone));
		cancelAbsence(phone, { absenceId: id, by: ana, now: NOW + 1 });
		setHandover(laptop, { absenceId: id, by: ana, handover: 'notes' });
		Y.applyUpdate(phone, Y.encodeStateAsUpdate(laptop));
		expect(listAbsences(phone)[0]).toMatchObject({ cancelled: true, handover: 'notes' });
	});
});

describe('keeper log', () => {
	it('appends entries in timestamp order and refuses empty ones', () => {
		const doc = new Y.Doc();
		const later = stepClock('b', NOW + 100);
		appendLogEntry(doc, later, { author: ben, text: 'second' });
		appendLogEntry(doc, stepClock('a', NOW), { author: ana, text: 'first' });
		keeperLog(doc).push([{ text: 'no id' }]);
		expect(listLog(doc).map((entry) => entry.text)).toEqual(['first', 'second']);
		expect(() => appendLogEntry(doc, later, { author: ana, text: ' ' })).toThrow(InvalidInputError);
	});
});

describe('actions', () => {
	it('creates an action for a decision and updates fields independently', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		const proposalId = createProposal(doc, clock, { title: 'T', createdBy: ana });
		const id = createAction(doc, clock, { title: 'Draft the memo', proposalId, owner: ana });
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
		updateAction(doc, { actionId: id, status: 'done' });
		updateAction(other, { actionId: id, outcome: 'memo sent', due: NOW + DAY });
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
		expect(listActions(doc)).toEqual([
			{
				id,
				proposalId,
				title: 'Draft the memo',
				owner: ana,
				due: NOW + DAY,
				status: 'done',
				outcome: 'memo sent',
				createdAt: expect.any(String)
			}
		]);
	});

	it('refuses unknown proposals, actions and statuses', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		expect(() =>
			createAction(doc, clock, { title: 'x', proposalId: 'ghost' as ProposalId })
		).toThrow(NotFoundError);
		expect(() => updateAction(doc, { actionId: 'ghost' as ActionId, status: 'done' })).toThrow(
			NotFoundError
		);
		const id = createAction(doc, clock, { title: 'x' });
		expect(() => updateAction(doc, { actionId: id, status: 'finished' as 'done' })).toThrow(
			InvalidInputError
		);
		expect(() => updateAction(doc, { actionId: id, due: -5 })).toThrow(RangeError);
		expect(() => updateAction(doc, { actionId: id, due: 1e16 })).toThrow(/due must be a time/);
		expect(listActions(doc)[0]).toMatchObject({ status: 'todo', due: null, owner: null });
	});
});
