import type * as Y from 'yjs';
import { parseHlc } from '../domain/hlc';
import type { BallotId, MemberId, ProposalId } from '../domain/ids';
import { CHOICES, ROLES, type Ballot, type Choice, type Role } from '../domain/model';
import { NOTE_MAX, isInstant } from './limits';
import { compareStrings, idOr, textOr } from './parse';
import { isSignatureText } from './ed25519';
import { ballotLog } from './schema';
import type { SetAsideTally } from './set-aside';
import {
	readSigningKeys,
	signatureStatusOf,
	type PublishedKey,
	type SigningKeys
} from './signing-keys';

/**
 * Ballots in timestamp order (then id, so every replica lists them alike): all of them, or those
 * on one proposal. Entries that do not parse are set aside rather than failing the whole read,
 * and so is every entry whose id an earlier entry of the log that parses (in array order, which
 * every replica shares) already has: the first one stands for the id, on every proposal. The
 * returned ballots are frozen and shared between calls (see `readEntry`); the array is new.
 * `aside` hears of the whole log's set-aside entries, so it is only for a read of all ballots.
 * Each ballot carries its signature status as far as it is known (`signing-keys.ts`): a signed
 * ballot is `pending` until `checkSignatures` has checked it.
 */
export function listBallots(doc: Y.Doc, proposalId?: ProposalId, aside?: SetAsideTally): Ballot[] {
	const log = ballotLog(doc);
	const entries = log.toArray();
	const keys = readSigningKeys(doc);
	const ballots =
		proposalId === undefined
			? readAll(log, entries, keys, aside)
			: readOne(entries, proposalId, keys);
	return ballots.sort(byTimestamp);
}

/** Every proposal's ballots in one pass over the log, for computing many outcomes at once. */
export function ballotsByProposal(doc: Y.Doc, aside?: SetAsideTally): Map<ProposalId, Ballot[]> {
	const index = new Map<ProposalId, Ballot[]>();
	for (const ballot of listBallots(doc, undefined, aside)) {
		const list = index.get(ballot.proposalId);
		if (list) list.push(ballot);
		else index.set(ballot.proposalId, [ballot]);
	}
	return index;
}

function readAll(
	log: Y.Array<unknown>,
	entries: readonly unknown[],
	keys: SigningKeys,
	aside: SetAsideTally | undefined
): Ballot[] {
	const ballots: Ballot[] = [];
	const claims = claimsOf(log);
	const read = ++claims.read;
	for (const entry of entries) {
		const parsed = readEntry(entry);
		if (parsed !== null && claims.byId.get(parsed.ballot.id) !== read) {
			claims.byId.set(parsed.ballot.id, read);
			ballots.push(shown(entry, parsed, keys));
		} else {
			aside?.add(parsed?.ballot.castBy ?? ownField(entry, 'castBy'));
		}
	}
	return ballots;
}

/**
 * The ballot with its signature status. A status changes rarely (once its check is done, or when
 * its writer's key arrives), so the ballot shown with it is kept with the parse and made anew only
 * then: a read hands out the same frozen objects, change after change.
 */
function shown(entry: unknown, parsed: ParsedEntry, keys: SigningKeys): Ballot {
	const { ballot, sig } = parsed;
	const key = keys.size === 0 ? undefined : keys.get(ballot.castBy);
	// Most ballots of a large triad take the first branch (written before keys) or have a shown
	// ballot whose status still holds; only the rest pay for a status lookup with its closure.
	const status =
		sig === null && key === undefined
			? 'unsigned'
			: signatureStatusOf(entry, sig, key, vouchesFor(ballot.id));
	if (parsed.shown?.signature !== status) {
		parsed.shown = Object.freeze({ ...ballot, signature: status });
	}
	return parsed.shown;
}

/**
 * Which ids a read of a log has met, kept with the log from one read to the next: each id maps
 * to the number of the last read that met it, so a read tells a taken id without a set of its
 * own. A new set of every id on each read of a large log costs about as much as the rest of the
 * read, in growing the set and collecting it afterwards; this map grows once and holds the ids
 * of the log's entries for as long as the log lives.
 */
const logClaims = new WeakMap<Y.Array<unknown>, { read: number; byId: Map<string, number> }>();

function claimsOf(log: Y.Array<unknown>): { read: number; byId: Map<string, number> } {
	let claims = logClaims.get(log);
	if (claims === undefined) {
		claims = { read: 0, byId: new Map() };
		logClaims.set(log, claims);
	}
	return claims;
}

/**
 * One proposal's ballots, as `readAll` would list them. Writers read one proposal's ballots out
 * of the whole log, so most entries belong to other proposals: pass them over on the stored field
 * alone. This only skips entries: one whose field differs cannot parse to a ballot on this
 * proposal (an own field is the one read, and without one it does not parse at all). Those that
 * match are parsed in full. An entry of another proposal can still have taken a ballot's id
 * earlier in the log, which only a second look at the passed-over entries' ids can tell.
 */
function readOne(entries: readonly unknown[], proposalId: ProposalId, keys: SigningKeys): Ballot[] {
	const ballots: Ballot[] = [];
	// The log position each kept ballot's id was first read at.
	const firstAt = new Map<string, number>();
	let last = -1;
	for (let i = 0; i < entries.length; i++) {
		const entry = entries[i];
		if ((entry as { proposalId?: unknown })?.proposalId !== proposalId) continue;
		const parsed = readEntry(entry);
		if (parsed === null) continue;
		const { ballot } = parsed;
		if (ballot.proposalId !== proposalId || firstAt.has(ballot.id)) continue;
		firstAt.set(ballot.id, i);
		ballots.push(shown(entry, parsed, keys));
		last = i;
	}
	let taken: Set<string> | null = null;
	for (let i = 0; i < last; i++) {
		const id = ownField(entries[i], 'id');
		if (typeof id !== 'string') continue;
		const kept = firstAt.get(id);
		if (kept === undefined || kept <= i) continue;
		if (readEntry(entries[i])?.ballot.id === id) (taken ??= new Set()).add(id);
	}
	return taken === null ? ballots : ballots.filter((ballot) => !taken.has(ballot.id));
}

function byTimestamp(a: Ballot, b: Ballot): number {
	return compareStrings(a.at, b.at) || compareStrings(a.id, b.id);
}

function vouchesFor(id: string): (key: PublishedKey) => boolean {
	return (key) => key.vouchedBallots.has(id);
}

/**
 * What each log entry parsed to, by the entry itself. Yjs keeps a plain object it stores in an
 * array as that same object for as long as the entry exists, hands out that object on every read,
 * and never changes it: a remote edit can only delete the entry or insert another object. So an
 * entry's parse cannot go stale, and each ballot is parsed once per replica instead of on every
 * read (which made reading a large log mostly garbage collection). Held weakly, so entries leave
 * with their document or when Yjs drops a deleted item's content.
 *
 * Only plain objects are cached: anything else in the log is garbage written by a faulty or
 * hostile replica, parsed afresh (and rejected) every time. A Y type, say, is mutable, and an
 * object with a tampered prototype has no business being remembered. Parsed ballots are frozen,
 * so a caller that tries to change a shared one fails loudly instead of corrupting later reads.
 */
const parsedEntries = new WeakMap<object, ParsedEntry | null>();

/** A log entry read as a ballot, with its signature field and the ballot last shown for it. */
interface ParsedEntry {
	/** The ballot without its signature status. */
	readonly ballot: Ballot;
	/** The stored signature, or null when the entry has none (or one that is not 64 bytes). */
	readonly sig: string | null;
	shown: Ballot | null;
}

function readEntry(entry: unknown): ParsedEntry | null {
	if (typeof entry !== 'object' || entry === null) return null;
	if (Object.getPrototypeOf(entry) !== Object.prototype) return toParsed(entry);
	let parsed = parsedEntries.get(entry);
	if (parsed === undefined) {
		parsed = toParsed(entry);
		parsedEntries.set(entry, parsed);
	}
	return parsed;
}

/**
 * A log entry as a ballot and its signature, for the signature checks; null when it is no
 * ballot. A `sig` field that is not a signature's shape reads as a signature that fails.
 */
export function readBallotEntry(entry: unknown): { ballot: Ballot; sig: string | null } | null {
	return readEntry(entry);
}

function toParsed(entry: object): ParsedEntry | null {
	const ballot = toBallot(entry);
	if (ballot === null) return null;
	const sig = own(entry, 'sig');
	return {
		ballot,
		sig: sig === undefined ? null : isSignatureText(sig) ? sig : 'malformed',
		shown: null
	};
}

/**
 * The entry as a ballot, or null when it lacks a field the decision rule needs. Reads only own
 * properties (an inherited `seat` is not the entry's), field by field without intermediate
 * objects: this runs once per ballot of every log a replica loads.
 */
function toBallot(entry: object): Ballot | null {
	if (Array.isArray(entry)) return null;
	const id = idOr(own(entry, 'id'));
	const proposalId = idOr(own(entry, 'proposalId'));
	const seat = ownOneOf(entry, 'seat', ROLES);
	const choice = ownOneOf(entry, 'choice', CHOICES);
	const castBy = idOr(own(entry, 'castBy'));
	const at = parseHlc(own(entry, 'at'));
	if (!id || !proposalId || !seat || !choice || !castBy || !at) return null;
	const revision = own(entry, 'revision');
	const ballot: Ballot = {
		id: id as BallotId,
		proposalId: proposalId as ProposalId,
		revision: isFiniteNumber(revision) ? revision : 1,
		seat,
		choice,
		reason: textOr(own(entry, 'reason'), NOTE_MAX),
		castBy: castBy as MemberId,
		castFor: (idOr(own(entry, 'castFor')) ?? castBy) as MemberId,
		at
	};
	// Outside 2000–2200 the device time reads as none: the deadline is judged by `at` then.
	const deviceTime = own(entry, 'deviceTime');
	if (isInstant(deviceTime)) ballot.deviceTime = deviceTime;
	return Object.freeze(ballot);
}

function own(entry: object, key: string): unknown {
	return Object.hasOwn(entry, key) ? (entry as Record<string, unknown>)[key] : undefined;
}

/** An own field of a log entry of any type (undefined for anything but an object). */
function ownField(entry: unknown, key: string): unknown {
	return typeof entry === 'object' && entry !== null ? own(entry, key) : undefined;
}

function ownOneOf<T extends Role | Choice>(
	entry: object,
	key: string,
	allowed: readonly T[]
): T | null {
	const value = own(entry, key);
	return typeof value === 'string' && (allowed as readonly string[]).includes(value)
		? (value as T)
		: null;
}

function isFiniteNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}
