import { parseHlc } from '../domain/hlc';
import type * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import { ROLES, type Role, type SeatClaim, type SeatHolders } from '../domain/model';
import { resolveSeats } from '../domain/seats';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { asRecord, compareStrings, idOr, oneOf } from './parse';
import { seatLog } from './schema';
import type { SetAsideTally } from './set-aside';
import { requireId, requireOneOf } from './validate';
import { transactWrite } from './version';

/**
 * Appends a claim of a seat by a member. Claims are never overwritten: when two members claim the
 * same seat offline, both entries survive the merge and the domain's seat rule picks the holder,
 * the same on every replica.
 */
export function claimSeat(
	doc: Y.Doc,
	clock: StampSource,
	input: { seat: Role; member: MemberId },
	origin: unknown = LOCAL_ORIGIN
): void {
	appendSeatEntry(doc, clock, input, 'claim', origin);
}

/** Appends a release of a seat by a member (leaving it, or handing it on). */
export function releaseSeat(
	doc: Y.Doc,
	clock: StampSource,
	input: { seat: Role; member: MemberId },
	origin: unknown = LOCAL_ORIGIN
): void {
	appendSeatEntry(doc, clock, input, 'release', origin);
}

function appendSeatEntry(
	doc: Y.Doc,
	clock: StampSource,
	input: { seat: Role; member: MemberId },
	kind: SeatClaim['kind'],
	origin: unknown
): void {
	const seat = requireOneOf('seat', ROLES, input.seat);
	const member = requireId<MemberId>('member', input.member);
	const entry: SeatClaim = { seat, member, kind, at: clock.now() };
	transactWrite(doc, () => seatLog(doc).push([entry]), origin);
}

/**
 * The seat log in timestamp order; entries that do not parse are set aside. Entries carry no id:
 * two alike are one claim twice, which the seat rule reads as once.
 */
export function listSeatClaims(doc: Y.Doc, aside?: SetAsideTally): SeatClaim[] {
	const claims: SeatClaim[] = [];
	for (const value of seatLog(doc).toArray()) {
		const record = asRecord(value);
		const seat = oneOf(ROLES, record?.get('seat'));
		const member = idOr(record?.get('member'));
		const kind = oneOf(['claim', 'release'] as const, record?.get('kind'));
		const at = parseHlc(record?.get('at'));
		if (!seat || !member || !kind || !at) {
			aside?.add(record?.get('member'));
			continue;
		}
		claims.push({ seat, member: member as MemberId, kind, at });
	}
	return claims.sort(
		(a, b) =>
			compareStrings(a.at, b.at) ||
			compareStrings(a.seat, b.seat) ||
			compareStrings(a.member, b.member) ||
			compareStrings(a.kind, b.kind)
	);
}

/** Who holds each seat now, by the domain's seat rule over the whole log. */
export function readSeatHolders(doc: Y.Doc): SeatHolders {
	return resolveSeats(listSeatClaims(doc)).holders;
}

/** A claim that lost its seat to someone who held it first. */
export interface LostSeatClaim {
	claim: SeatClaim;
	heldBy: MemberId;
}

/**
 * The claims of `member` that lost to an earlier holder, e.g. when two people claimed the same
 * seat offline: the app tells the member which seat they did not get and who has it.
 */
export function lostSeatClaims(doc: Y.Doc, member: MemberId): LostSeatClaim[] {
	return resolveSeats(listSeatClaims(doc)).lost.filter((lost) => lost.claim.member === member);
}
