import * as Y from 'yjs';
import type { AbsenceId, MemberId } from '../domain/ids';
import { parseHlc } from '../domain/hlc';
import type { Absence, EpochMs } from '../domain/model';
import { InvalidInputError, NotFoundError, NotPermittedError } from './errors';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { booleanOr, compareStrings, idOr, instantOr, textOr } from './parse';
import { absencesMap } from './schema';
import type { SetAsideTally } from './set-aside';
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

/**
 * Every absence, cancelled ones included, by start time. An absence is set aside when it is not a
 * map, its key is not an id, it names no member or cover, or its span is not two instants within
 * 2000–2200 in order. A cancellation time outside that range reads as none (the absence grants
 * nothing once cancelled); a handover note longer than a writer stores is cut.
 */
export function listAbsences(doc: Y.Doc, aside?: SetAsideTally): Absence[] {
	const absences: Absence[] = [];
	for (const [key, absence] of absencesMap(doc).entries()) {
		const fields = absence instanceof Y.Map ? absence : null;
		const id = idOr(key);
		const member = idOr(fields?.get('member'));
		const cover = idOr(fields?.get('cover'));
		const from = instantOr(fields?.get('from'), null);
		const to = instantOr(fields?.get('to'), null);
		if (!fields || !id || !member || !cover || from === null || to === null || to <= from) {
			aside?.add(fields?.get('member'));
			continue;
		}
		absences.push({
			id: id as AbsenceId,
			member: member as MemberId,
			from,
			to,
			cover: cover as MemberId,
			handover: textOr(fields.get('handover'), NOTE_MAX),
			createdAt: parseHlc(fields.get('createdAt')),
			cancelled: booleanOr(fields.get('cancelled'), false),
			cancelledAt: instantOr(fields.get('cancelledAt'), null)
		});
	}
	return absences.sort((a, b) => a.from - b.from || compareStrings(a.id, b.id));
}
