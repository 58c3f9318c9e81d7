import { parseHlc, wallTimeOf } from '../domain/hlc';
import type * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import { ROLES, type EpochMs, type Role, type SeatClaim, type SeatHolders } from '../domain/model';
import { resolveSeats } from '../domain/seats';
import { seatEntryMessage } from '../domain/signatures';
import { isSignatureText, type RecordSigner } from './ed25519';
import { InvalidInputError } from './errors';
import { isInstant } from './limits';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { asRecord, compareStrings, idOr, oneOf } from './parse';
import { listLog } from './keeper-log';
import { seatLog } from './schema';
import type { SetAsideTally } from './set-aside';
import { publishKeyIn, readSigningKeys, rememberVerdict, signatureStatusOf } from './signing-keys';
import { requireId, requireOneOf } from './validate';
import { transactWrite } from './version';

/** How a signed write signs: as whom, and for which document (the canonical encoding's scope). */
export interface SigningContext {
	signer: RecordSigner;
	/** The document id the record belongs to. */
	scope: string;
}

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
	const entry = seatEntry(doc, clock, input, kind);
	transactWrite(doc, () => seatLog(doc).push([entry]), origin);
}

/**
 * Appends a claim (or release) signed by the member it names, publishing their key with it if the
 * triad has none for them yet. The entry records the latest seat-log stamp this device holds
 * (`seen`), so the seat rule orders it after everything its writer had seen.
 */
export async function writeSignedSeatEntry(
	doc: Y.Doc,
	clock: StampSource,
	input: { seat: Role; member: MemberId; kind: SeatClaim['kind'] },
	signing: SigningContext,
	origin: unknown = LOCAL_ORIGIN
): Promise<void> {
	const kind = requireOneOf('kind', ['claim', 'release'] as const, input.kind);
	const entry = seatEntry(doc, clock, input, kind);
	if (entry.member !== signing.signer.member) {
		throw new InvalidInputError('a seat entry is signed by the member it names');
	}
	const sig = await signing.signer.sign(seatEntryMessage(signing.scope, entry));
	const stored = { ...entry, sig };
	transactWrite(
		doc,
		() => {
			publishKeyIn(doc, entry.member, signing.signer.publicKey);
			seatLog(doc).push([stored]);
		},
		origin
	);
	// Signed here, so known good (see `castSignedBallot`).
	rememberVerdict(stored, signing.signer.publicKey, true);
}

function seatEntry(
	doc: Y.Doc,
	clock: StampSource,
	input: { seat: Role; member: MemberId },
	kind: SeatClaim['kind']
): SeatClaim {
	const seat = requireOneOf('seat', ROLES, input.seat);
	const member = requireId<MemberId>('member', input.member);
	const at = clock.now();
	if (!isInstant(wallTimeOf(at))) {
		throw new RangeError('this device clock is outside 2000–2200; seats cannot be stamped by it');
	}
	let seen: SeatClaim['at'] | null = null;
	for (const value of seatLog(doc).toArray()) {
		const stamp = parseHlc(asRecord(value)?.get('at'));
		if (stamp !== null && (seen === null || stamp > seen)) seen = stamp;
	}
	return { seat, member, kind, at, seen };
}

/**
 * The seat log in timestamp order; entries that do not parse are set aside, and so are entries
 * stamped outside 2000–2200 (a claim stamped in 1970 would take a seat from before anyone held
 * it). Entries carry no id: two alike are one claim twice, which the seat rule reads as once. Each
 * carries its signature status (`signing-keys.ts`); a signed entry is `pending` until
 * `checkSignatures` has checked it.
 */
export function listSeatClaims(doc: Y.Doc, aside?: SetAsideTally): SeatClaim[] {
	const claims: SeatClaim[] = [];
	const keys = readSigningKeys(doc);
	// Any member may remove another (the relay's change of access is what shuts them out), so the
	// release a removal writes for the removed member is vouched for by the removal record in the
	// log, written in the same transaction, rather than by a signature the remover cannot make.
	const removalReleases = new Set(
		listLog(doc).flatMap((entry) => (entry.removed ? [`${entry.removed}|${entry.at}`] : []))
	);
	for (const value of seatLog(doc).toArray()) {
		const parsed = readSeatEntry(value);
		if (parsed === null) {
			aside?.add(asRecord(value)?.get('member'));
			continue;
		}
		const { entry, sig } = parsed;
		if (entry.kind === 'release' && removalReleases.has(`${entry.member}|${entry.at}`)) {
			claims.push({ ...entry, signature: 'verified' });
			continue;
		}
		const signature = signatureStatusOf(value, sig, keys.get(entry.member), (key) =>
			key.vouchedSeatEntries.has(entry.at)
		);
		claims.push({ ...entry, signature });
	}
	return claims.sort(
		(a, b) =>
			compareStrings(a.at, b.at) ||
			compareStrings(a.seat, b.seat) ||
			compareStrings(a.member, b.member) ||
			compareStrings(a.kind, b.kind)
	);
}

/**
 * A seat-log entry as a claim (without signature status) and its signature, for the reader and
 * the signature checks; null when it does not read.
 */
export function readSeatEntry(value: unknown): { entry: SeatClaim; sig: string | null } | null {
	const record = asRecord(value);
	const seat = oneOf(ROLES, record?.get('seat'));
	const member = idOr(record?.get('member'));
	const kind = oneOf(['claim', 'release'] as const, record?.get('kind'));
	const at = parseHlc(record?.get('at'));
	if (!record || !seat || !member || !kind || !at || !isInstant(wallTimeOf(at))) return null;
	const entry: SeatClaim = { seat, member: member as MemberId, kind, at };
	const seen = record.get('seen');
	if (seen !== undefined) entry.seen = parseHlc(seen);
	const sig = record.get('sig');
	return {
		entry,
		sig: sig === undefined ? null : isSignatureText(sig) ? sig : 'malformed'
	};
}

/** Who holds each seat now (or at `now`: entries dated further ahead wait), by the seat rule. */
export function readSeatHolders(doc: Y.Doc, now?: EpochMs): SeatHolders {
	return resolveSeats(listSeatClaims(doc), now).holders;
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
export function lostSeatClaims(doc: Y.Doc, member: MemberId, now?: EpochMs): LostSeatClaim[] {
	return resolveSeats(listSeatClaims(doc), now).lost.filter((lost) => lost.claim.member === member);
}
