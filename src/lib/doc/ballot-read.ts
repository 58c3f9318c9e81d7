import type * as Y from 'yjs';
import { parseHlc } from '../domain/hlc';
import type { BallotId, MemberId, ProposalId } from '../domain/ids';
import { CHOICES, ROLES, type Ballot, type Choice, type Role } from '../domain/model';
import { compareStrings } from './parse';
import { ballotLog } from './schema';

/**
 * Ballots in timestamp order (then id, so every replica lists them alike): all of them, or those
 * on one proposal. Entries that do not parse are skipped rather than failing the whole read.
 * The returned ballots are frozen and shared between calls (see `readEntry`); the array is new.
 */
export function listBallots(doc: Y.Doc, proposalId?: ProposalId): Ballot[] {
	const ballots: Ballot[] = [];
	for (const entry of ballotLog(doc).toArray()) {
		// Writers read one proposal's ballots out of the whole log, so most entries belong to other
		// proposals: pass them over on the stored field alone. This only skips entries: one whose
		// field differs cannot parse to a ballot on this proposal (an own field is the one read,
		// and without one it does not parse at all). Those that match are parsed in full.
		if (
			proposalId !== undefined &&
			(entry as { proposalId?: unknown })?.proposalId !== proposalId
		) {
			continue;
		}
		const ballot = readEntry(entry);
		if (ballot && (proposalId === undefined || ballot.proposalId === proposalId)) {
			ballots.push(ballot);
		}
	}
	return ballots.sort(byTimestamp);
}

/** Every proposal's ballots in one pass over the log, for computing many outcomes at once. */
export function ballotsByProposal(doc: Y.Doc): Map<ProposalId, Ballot[]> {
	const index = new Map<ProposalId, Ballot[]>();
	for (const ballot of listBallots(doc)) {
		const list = index.get(ballot.proposalId);
		if (list) list.push(ballot);
		else index.set(ballot.proposalId, [ballot]);
	}
	return index;
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
	const id = ownNonEmptyString(entry, 'id');
	const proposalId = ownNonEmptyString(entry, 'proposalId');
	const seat = ownOneOf(entry, 'seat', ROLES);
	const choice = ownOneOf(entry, 'choice', CHOICES);
	const castBy = ownNonEmptyString(entry, 'castBy');
	const at = parseHlc(own(entry, 'at'));
	if (!id || !proposalId || !seat || !choice || !castBy || !at) return null;
	const revision = own(entry, 'revision');
	const reason = own(entry, 'reason');
	const ballot: Ballot = {
		id: id as BallotId,
		proposalId: proposalId as ProposalId,
		revision: isFiniteNumber(revision) ? revision : 1,
		seat,
		choice,
		reason: typeof reason === 'string' ? reason : '',
		castBy: castBy as MemberId,
		castFor: (ownNonEmptyString(entry, 'castFor') ?? castBy) as MemberId,
		at
	};
	const deviceTime = own(entry, 'deviceTime');
	if (isFiniteNumber(deviceTime)) ballot.deviceTime = deviceTime;
	return Object.freeze(ballot);
}

function own(entry: object, key: string): unknown {
	return Object.hasOwn(entry, key) ? (entry as Record<string, unknown>)[key] : undefined;
}

function ownNonEmptyString(entry: object, key: string): string | null {
	const value = own(entry, key);
	return typeof value === 'string' && value.length > 0 ? value : null;
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
