import type { AbsenceId, MemberId } from './ids';
import type { Absence, EpochMs, Role, SeatHolders } from './model';
import { ROLES } from './model';
import { signatureCounts } from './signatures';

/**
 * The cover rule. A member who marks an absence names one other member of the triad as cover;
 * from `from` (inclusive) to `to` (exclusive) that cover may act for the absent member's seat,
 * including proxy ballots.
 *
 * - A cancelled absence ends when it was cancelled: it grants cover from `from` to the earlier
 *   of `to` and `cancelledAt`. A member who returns early and cancels does not void what their
 *   cover did meanwhile (a proxy ballot cast on Tuesday stays counted after a Thursday cancel).
 *   A cancelled absence without `cancelledAt` (a peer can write one) grants nothing: nobody can
 *   tell when it ended.
 * - Malformed absences that arrived through sync grant nothing (empty or reversed span, a
 *   member covering themselves).
 * - An absence counts only when its member signed it (or it is unsigned and counts as such, see
 *   `signatureCounts`). Anyone can write an absence into the document naming any member, so one
 *   that does not verify would otherwise hand its named cover a proxy vote for a seat whose holder
 *   never asked for it: it makes nobody absent and gives nobody cover. A cancellation that does
 *   not verify is ignored for the same reason the other way round: anyone could otherwise cut
 *   short a cover the member granted and void their cover's proxy ballots; the absence stays in
 *   force as its member declared it.
 * - Overlapping absences of one member each grant their own cover: if a member names Ann for
 *   Monday–Friday and Ben for Thursday–Sunday, both may act for them on Thursday and Friday.
 *   Absences are appended per member, so two overlapping ones are the member's own doing and
 *   neither can be preferred without guessing.
 * - No chaining: when the cover is absent too, their own cover does not inherit the first
 *   member's seat. Authority to act for someone is given by that person, never passed on. The
 *   covering member may still act while marked absent (an absence declares unavailability; it
 *   does not take rights away), and `validateAbsence` warns when a named cover is away.
 */

/** Permission, from one absence, for `cover` to act for `member`. */
export interface CoverGrant {
	member: MemberId;
	cover: MemberId;
	absence: AbsenceId;
	from: EpochMs;
	to: EpochMs;
}

/** The end (exclusive) of the span the absence grants cover over: `to`, or when it was cancelled. */
export function grantEnd(absence: Absence): EpochMs {
	const { cancelledAt } = absence;
	const wasCancelled =
		(absence.cancelled || cancelledAt !== null) && signatureCounts(absence.cancellationSignature);
	if (!wasCancelled) return absence.to;
	return typeof cancelledAt === 'number' ? Math.min(absence.to, cancelledAt) : absence.from;
}

function grants(absence: Absence): boolean {
	return (
		signatureCounts(absence.signature) &&
		absence.from < grantEnd(absence) &&
		absence.cover !== absence.member
	);
}

/**
 * True when the absence is in force at `time`: well-formed, and `time` lies in the span it
 * grants (from `from` to `to`, or to its cancelling).
 */
export function isActiveAbsence(absence: Absence, time: EpochMs): boolean {
	return grants(absence) && absence.from <= time && time < grantEnd(absence);
}

/**
 * Who may act for whom at `time`, one grant per active absence, sorted by member, cover, then
 * absence id so the result does not depend on the order absences were synced in.
 */
export function coverAt(absences: readonly Absence[], time: EpochMs): CoverGrant[] {
	return absences
		.filter((a) => isActiveAbsence(a, time))
		.map((a) => ({
			member: a.member,
			cover: a.cover,
			absence: a.id,
			from: a.from,
			to: grantEnd(a)
		}))
		.sort((x, y) => cmp(x.member, y.member) || cmp(x.cover, y.cover) || cmp(x.absence, y.absence));
}

/**
 * True when `actor` may act for `member` at `time`: they are the member, or an active absence
 * of the member names them as cover.
 */
export function mayActFor(
	actor: MemberId,
	member: MemberId,
	absences: readonly Absence[],
	time: EpochMs
): boolean {
	if (actor === member) return true;
	return absences.some((a) => a.member === member && a.cover === actor && isActiveAbsence(a, time));
}

/** `mayActFor` over one fixed set of absences. */
export type CoverLookup = (actor: MemberId, member: MemberId, time: EpochMs) => boolean;

/**
 * `mayActFor` with the absences indexed once by member and cover, for callers that ask about
 * many ballots: each question then reads only the absences of that one pair.
 */
export function coverLookup(absences: readonly Absence[]): CoverLookup {
	const byMember = new Map<MemberId, Map<MemberId, Absence[]>>();
	for (const absence of absences) {
		if (!grants(absence)) continue;
		let byCover = byMember.get(absence.member);
		if (!byCover) byMember.set(absence.member, (byCover = new Map()));
		const own = byCover.get(absence.cover);
		if (own) own.push(absence);
		else byCover.set(absence.cover, [absence]);
	}
	return (actor, member, time) => {
		if (actor === member) return true;
		const granted = byMember.get(member)?.get(actor);
		if (!granted) return false;
		for (const absence of granted) {
			if (absence.from <= time && time < grantEnd(absence)) return true;
		}
		return false;
	};
}

/** The seats `actor` may act for at `time`: their own, plus those of members they cover. */
export function seatsActorMayActFor(
	actor: MemberId,
	seats: SeatHolders,
	absences: readonly Absence[],
	time: EpochMs
): Role[] {
	return ROLES.filter((role) => {
		const holder = seats[role];
		return holder !== null && mayActFor(actor, holder, absences, time);
	});
}

/** An absence as entered in the form, before it gets an id and a timestamp. */
export interface AbsenceDraft {
	member: MemberId;
	from: EpochMs;
	to: EpochMs;
	cover: MemberId | null;
	handover: string;
}

/** One problem with an absence draft. Errors block saving; warnings are shown alongside. */
export interface AbsenceIssue {
	field: 'member' | 'from' | 'to' | 'cover';
	severity: 'error' | 'warning';
	message: string;
}

/**
 * Checks a new absence against the triad's members and its existing absences. Returns no issues
 * for a draft that can be saved as is.
 */
export function validateAbsence(
	draft: AbsenceDraft,
	context: { members: readonly MemberId[]; absences: readonly Absence[] }
): AbsenceIssue[] {
	const issues: AbsenceIssue[] = [];
	const error = (field: AbsenceIssue['field'], message: string) =>
		issues.push({ field, severity: 'error', message });

	if (!context.members.includes(draft.member)) {
		error('member', 'Only a member of this triad can mark an absence here.');
	}
	if (!Number.isFinite(draft.from)) error('from', 'Choose when the absence starts.');
	if (!Number.isFinite(draft.to)) error('to', 'Choose when the absence ends.');
	if (Number.isFinite(draft.from) && Number.isFinite(draft.to) && draft.from >= draft.to) {
		error('to', 'The absence must end after it starts.');
	}
	if (draft.cover === null) {
		error('cover', 'Name a member who covers your seat while you are away.');
	} else if (draft.cover === draft.member) {
		error('cover', 'You cannot cover for yourself; name another member of the triad.');
	} else if (!context.members.includes(draft.cover)) {
		error('cover', 'The cover must be a member of this triad.');
	}
	if (issues.length > 0) return issues;

	const cover = draft.cover as MemberId;
	const coverAway = context.absences.some(
		(a) => a.member === cover && grants(a) && a.from < draft.to && draft.from < grantEnd(a)
	);
	if (coverAway) {
		issues.push({
			field: 'cover',
			severity: 'warning',
			message:
				'Your cover is also away during part of this time; their own cover will not act for your seat.'
		});
	}
	const overlapsOwn = context.absences.some(
		(a) => a.member === draft.member && grants(a) && a.from < draft.to && draft.from < grantEnd(a)
	);
	if (overlapsOwn) {
		issues.push({
			field: 'from',
			severity: 'warning',
			message: 'This overlaps an absence you already marked; both covers may act in the overlap.'
		});
	}
	return issues;
}

function cmp(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
