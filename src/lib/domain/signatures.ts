import { encodeHlc, wallTimeOf } from './hlc';
import type { MemberId, ProposalId } from './ids';
import type {
	Absence,
	Ballot,
	EpochMs,
	HlcTimestamp,
	Role,
	SeatClaim,
	SignatureStatus
} from './model';

/*
 * Signed records. Every member's app can write anything into the document it holds, so a record
 * that names a member as its writer proves nothing by itself. Each member has an Ed25519 key; the
 * public half is published in the triad (first key of a member wins, see the doc layer's
 * `signing-keys.ts`) and the records the decision and seat rules count carry their writer's
 * signature over the encoding below. The doc layer checks signatures (WebCrypto is asynchronous,
 * so it does that once per record, off the reading path) and hands the rules a `SignatureStatus`.
 *
 * The canonical encoding is a JSON array: a tag naming the kind of record and its version, the
 * document the record belongs to (so a record signed in one triad cannot be replayed into another
 * that the same member is in), then the record's fields in a fixed order. JSON of strings and
 * safe integers is deterministic: no keys to order, one spelling per number, and one escaping of
 * every string (lone surrogates included) in every engine. A field a writer did not set is null.
 */

/** The canonical text a ballot's signature covers, for the document `scope`. */
export function ballotMessage(scope: string, ballot: Ballot): string {
	return JSON.stringify([
		'triad-ballot-1',
		scope,
		ballot.id,
		ballot.proposalId,
		ballot.revision,
		ballot.seat,
		ballot.choice,
		ballot.reason,
		ballot.castBy,
		ballot.castFor,
		ballot.at,
		ballot.deviceTime ?? null
	]);
}

/** The canonical text a seat claim's or release's signature covers, for the document `scope`. */
export function seatEntryMessage(scope: string, entry: SeatClaim): string {
	return JSON.stringify([
		'triad-seat-1',
		scope,
		entry.kind,
		entry.seat,
		entry.member,
		entry.at,
		entry.seen ?? null
	]);
}

/**
 * The canonical text an absence's signature covers: everything its member declares (who covers,
 * when, the handover note). Cancelling is signed apart (`absenceCancelMessage`), so a declaration
 * stays verifiable after it is cancelled, and a cancellation cannot be moved to another absence.
 */
export function absenceMessage(
	scope: string,
	absence: Pick<Absence, 'id' | 'member' | 'from' | 'to' | 'cover' | 'handover' | 'createdAt'>
): string {
	return JSON.stringify([
		'triad-absence-1',
		scope,
		absence.id,
		absence.member,
		absence.from,
		absence.to,
		absence.cover,
		absence.handover,
		absence.createdAt
	]);
}

/** The canonical text the signature of an absence's cancellation covers. */
export function absenceCancelMessage(
	scope: string,
	absence: Pick<Absence, 'id' | 'member' | 'cancelledAt'>
): string {
	return JSON.stringify([
		'triad-absence-cancel-1',
		scope,
		absence.id,
		absence.member,
		absence.cancelledAt
	]);
}

/** The canonical text the signature of a seat's review note on a proposal covers. */
export function lensNoteMessage(
	scope: string,
	note: { proposalId: ProposalId; seat: Role; text: string; by: MemberId }
): string {
	return JSON.stringify(['triad-lens-1', scope, note.proposalId, note.seat, note.text, note.by]);
}

/**
 * Whether a record with this signature status may count. A record made outside a document (no
 * status) counts like an unsigned one: the rules are tested on plain records.
 */
export function signatureCounts(status: SignatureStatus | undefined): boolean {
	return status === undefined || status === 'verified' || status === 'unsigned';
}

/**
 * How far ahead of the reader's clock a record may be stamped and still count now: one day.
 * Honest clocks agree to within seconds, and a phone set to the wrong day is still within it; a
 * record stamped further ahead counts once the reader's clock reaches a day before its stamp, and
 * is shown as "dated in the future" until then. Without this bound a ballot stamped years ahead
 * could never be out-voted: every clock refuses to adopt a timestamp that far ahead
 * (`MAX_ADOPT_AHEAD_MS`), so no later ballot would ever order after it.
 */
export const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/** Whether an instant lies more than `FUTURE_TOLERANCE_MS` ahead of `now`. */
export function isFutureInstant(instant: EpochMs, now: EpochMs): boolean {
	return instant - now > FUTURE_TOLERANCE_MS;
}

/** Whether a timestamp's wall part lies more than `FUTURE_TOLERANCE_MS` ahead of `now`. */
export function isDatedInFuture(at: HlcTimestamp, now: EpochMs): boolean {
	return isFutureInstant(wallTimeOf(at), now);
}

/**
 * The greatest timestamp not dated in the future at `now`: a timestamp is dated in the future
 * exactly when it compares greater (encoded timestamps sort as they order). Lets a caller judge
 * thousands of timestamps without decoding one.
 */
export function latestNotInFuture(now: EpochMs): string {
	// Deciding a triad asks once per proposal, with one `now`: the last answer is kept.
	if (now === limitFor) return limit;
	const wall = Math.max(0, Math.floor(now + FUTURE_TOLERANCE_MS));
	// The last counter, and a node above every base64url character; past the last encodable
	// instant, above every timestamp.
	limit =
		Number.isSafeInteger(wall) && wall <= MAX_WALL
			? `${encodeHlc({ wall, counter: 0, node: 'x' }).slice(0, 16)}999999.\uffff`
			: '\uffff';
	limitFor = now;
	return limit;
}

/** The last wall time a timestamp can encode (`hlc.ts`). */
const MAX_WALL = 10 ** 15 - 1;
let limitFor: EpochMs = NaN;
let limit = '';
