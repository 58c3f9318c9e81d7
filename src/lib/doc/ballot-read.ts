import type * as Y from 'yjs';
import { parseHlc } from '../domain/hlc';
import type { BallotId, MemberId, ProposalId } from '../domain/ids';
import { CHOICES, ROLES, type Ballot, type Choice, type Role } from '../domain/model';
import { NOTE_MAX, isInstant } from './limits';
import { compareStrings, idOr, textOr } from './parse';
import { ballotLog } from './schema';
import type { SetAsideTally } from './set-aside';

/**
 * Ballots in timestamp order (then id, so every replica lists them alike): all of them, or those
 * on one proposal. Entries that do not parse are set aside rather than failing the whole read,
 * and so is every entry whose id an earlier entry of the log that parses (in array order, which
 * every replica shares) already has: the first one stands for the id, on every proposal. The
 * returned ballots are frozen and shared between calls (see `readEntry`); the array is new.
 * `aside` hears of the whole log's set-aside entries, so it is only for a read of all ballots.
 */
export function listBallots(doc: Y.Doc, proposalId?: ProposalId, aside?: SetAsideTally): Ballot[] {
	const log = ballotLog(doc);
	const entries = log.toArray();
	const ballots =
		proposalId === undefined ? readAll(log, entries, aside) : readOne(entries, proposalId);
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
	aside: SetAsideTally | undefined
): Ballot[] {
	const ballots: Ballot[] = [];
	const claims = claimsOf(log);
	const read = ++claims.read;
	for (const entry of entries) {
		const ballot = readEntry(entry);
		if (ballot !== null && claims.byId.get(ballot.id) !== read) {
			claims.byId.set(ballot.id, read);
			ballots.push(ballot);
		} else {
			aside?.add(ballot?.castBy ?? ownField(entry, 'castBy'));
		}
	}
	return ballots;
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
function readOne(entries: readonly unknown[], proposalId: ProposalId): Ballot[] {
	const ballots: Ballot[] = [];
	// The log position each kept ballot's id was first read at.
	const firstAt = new Map<string, number>();
	let last = -1;
	for (let i = 0; i < entries.length; i++) {
		const entry = entries[i];
		if ((entry as { proposalId?: unknown })?.proposalId !== proposalId) continue;
		const ballot = readEntry(entry);
		if (ballot === null || ballot.proposalId !== proposalId || firstAt.has(ballot.id)) continue;
		firstAt.set(ballot.id, i);
		ballots.push(ballot);
		last = i;
	}
	let taken: Set<string> | null = null;
	for (let i = 0; i < last; i++) {
		const id = ownField(entries[i], 'id');
		if (typeof id !== 'string') continue;
		const kept = firstAt.get(id);
		if (kept === undefined || kept <= i) continue;
		if (readEntry(entries[i])?.id === id) (taken ??= new Set()).add(id);
	}
	return taken === null ? ballots : ballots.filter((ballot) => !taken.has(ballot.id));
}

function byTimestamp(a: Ballot, b: Ballot): number {
	return compareStrings(a.at, b.at) || compareStrings(a.id, b.id);
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
const parsedEntries = new WeakMap<object, Ballot | null>();

function readEntry(entry: unknown): Ballot | null {
	if (typeof entry !== 'object' || entry === null) return null;
	if (Object.getPrototypeOf(entry) !== Object.prototype) return toBallot(entry);
	let ballot = parsedEntries.get(entry);
	if (ballot === undefined) {
		ballot = toBallot(entry);
		parsedEntries.set(entry, ballot);
	}
	return ballot;
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
