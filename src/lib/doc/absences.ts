import * as Y from 'yjs';
import type { AbsenceId, MemberId } from '../domain/ids';
import { parseHlc } from '../domain/hlc';
import type { Absence, EpochMs } from '../domain/model';
import { InvalidInputError, NotFoundError, NotPermittedError } from './errors';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { booleanOr, compareStrings, finiteOr, nonEmptyString, stringOr } from './parse';
import { absencesMap } from './schema';
import { NOTE_MAX, optionalText, requireId, requireInstant } from './validate';
import { transactWrite } from './version';

export interface NewAbsence {
	member: MemberId;
	from: EpochMs;
	to: EpochMs;
	cover: MemberId;
	handover?: string;
	id?: AbsenceId;
}

/**
 * Declares the member's absence and who covers for them. Each absence is its own map, written only
 * by the absent member, so a later cancel or handover edit touches one key without racing anyone.
 */
export function declareAbsence(
	doc: Y.Doc,
	clock: StampSource,
	input: NewAbsence,
	origin: unknown = LOCAL_ORIGIN
): AbsenceId {
	const member = requireId<MemberId>('member', input.member);
	const cover = requireId<MemberId>('cover', input.cover);
	const from = requireInstant('from', input.from);
	const to = requireInstant('to', input.to);
	const handover = optionalText('handover note', input.handover, NOTE_MAX);
	if (to <= from) throw new InvalidInputError('an absence must end after it starts');
	if (cover === member) throw new InvalidInputError('a member cannot cover for themselves');
	const id = input.id === undefined ? newId<AbsenceId>() : requireId<AbsenceId>('id', input.id);
	const absences = absencesMap(doc);
	if (absences.has(id)) throw new InvalidInputError(`an absence with id ${id} already exists`);
	transactWrite(
		doc,
		() => {
			const absence = new Y.Map<unknown>();
			absences.set(id, absence);
			absence.set('member', member);
			absence.set('from', from);
			absence.set('to', to);
			absence.set('cover', cover);
			absence.set('handover', handover);
			absence.set('createdAt', clock.now());
			absence.set('cancelled', false);
			absence.set('cancelledAt', null);
		},
		origin
	);
	return id;
}

/**
 * Cancels an absence at `now` (the device time); only the absent member may, and the record stays
 * for history. The cover keeps what they did before `now` (see the cover rule). Cancelling again
 * keeps the first time, so the span of cover already granted never grows.
 */
export function cancelAbsence(
	doc: Y.Doc,
	input: { absenceId: AbsenceId; by: MemberId; now: EpochMs },
	origin: unknown = LOCAL_ORIGIN
): void {
	const now = requireInstant('now', input.now);
	const absence = ownAbsence(doc, input.absenceId, input.by);
	if (absence.get('cancelled') === true) return;
	transactWrite(
		doc,
		() => {
			absence.set('cancelled', true);
			absence.set('cancelledAt', now);
		},
		origin
	);
}

/** Rewrites the handover note; only the absent member may. */
export function setHandover(
	doc: Y.Doc,
	input: { absenceId: AbsenceId; by: MemberId; handover: string },
	origin: unknown = LOCAL_ORIGIN
): void {
	const handover = optionalText('handover note', input.handover, NOTE_MAX);
	const absence = ownAbsence(doc, input.absenceId, input.by);
	transactWrite(doc, () => absence.set('handover', handover), origin);
}

function ownAbsence(doc: Y.Doc, absenceId: AbsenceId, by: MemberId): Y.Map<unknown> {
	const absence = absencesMap(doc).get(absenceId);
	if (!(absence instanceof Y.Map)) throw new NotFoundError('absence', absenceId);
	if (absence.get('member') !== by) {
		throw new NotPermittedError('only the absent member can change their absence');
	}
	return absence;
}

/** Every absence, cancelled ones included, by start time. */
export function listAbsences(doc: Y.Doc): Absence[] {
	const absences: Absence[] = [];
	for (const [id, absence] of absencesMap(doc).entries()) {
		if (!(absence instanceof Y.Map)) continue;
		const member = nonEmptyString(absence.get('member'));
		const cover = nonEmptyString(absence.get('cover'));
		if (!member || !cover) continue;
		absences.push({
			id: id as AbsenceId,
			member: member as MemberId,
			from: finiteOr(absence.get('from'), 0),
			to: finiteOr(absence.get('to'), 0),
			cover: cover as MemberId,
			handover: stringOr(absence.get('handover'), ''),
			createdAt: parseHlc(absence.get('createdAt')),
			cancelled: booleanOr(absence.get('cancelled'), false),
			cancelledAt: finiteOr(absence.get('cancelledAt'), null)
		});
	}
	return absences.sort((a, b) => a.from - b.from || compareStrings(a.id, b.id));
}
