import type * as Y from 'yjs';
import { parseHlc } from '../domain/hlc';
import type { BallotId, MemberId, ProposalId } from '../domain/ids';
import { CHOICES, ROLES, type Ballot, type EpochMs } from '../domain/model';
import { asRecord, compareStrings, finiteOr, nonEmptyString, oneOf, stringOr } from './parse';
import { ballotLog } from './schema';

/**
 * Ballots in timestamp order (then id, so every replica lists them alike): all of them, or those
 * on one proposal. Entries that do not parse are skipped rather than failing the whole read.
 */
export function listBallots(doc: Y.Doc, proposalId?: ProposalId): Ballot[] {
	const ballots: Ballot[] = [];
	for (const entry of ballotLog(doc).toArray()) {
		const ballot = toBallot(entry);
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

function toBallot(entry: unknown): Ballot | null {
	const record = asRecord(entry);
	if (!record) return null;
	const id = nonEmptyString(record.get('id'));
	const proposalId = nonEmptyString(record.get('proposalId'));
	const seat = oneOf(ROLES, record.get('seat'));
	const choice = oneOf(CHOICES, record.get('choice'));
	const castBy = nonEmptyString(record.get('castBy'));
	const at = parseHlc(record.get('at'));
	if (!id || !proposalId || !seat || !choice || !castBy || !at) return null;
	return {
		id: id as BallotId,
		proposalId: proposalId as ProposalId,
		revision: finiteOr(record.get('revision'), 1),
		seat,
		choice,
		reason: stringOr(record.get('reason'), ''),
		castBy: castBy as MemberId,
		castFor: (nonEmptyString(record.get('castFor')) ?? castBy) as MemberId,
		at,
		...optionalDeviceTime(record.get('deviceTime'))
	};
}

function optionalDeviceTime(value: unknown): { deviceTime?: EpochMs } {
	return typeof value === 'number' && Number.isFinite(value) ? { deviceTime: value } : {};
}
