import type * as Y from 'yjs';
import { decide, type Outcome } from '../domain/decision';
import type { ProposalId } from '../domain/ids';
import type { Absence, EpochMs, SeatClaim } from '../domain/model';
import { listAbsences } from './absences';
import { ballotsByProposal, listBallots } from './ballots';
import { listProposals, readProposal } from './proposal-read';
import { listSeatClaims } from './seats';

/**
 * What the decision rule says about one proposal at `now`, or null when this replica does not
 * have the proposal. Ballots are judged against the whole seat log, so a seat handed over later
 * does not rewrite a decision already reached.
 */
export function outcomeOf(doc: Y.Doc, proposalId: ProposalId, now: EpochMs): Outcome | null {
	const proposal = readProposal(doc, proposalId);
	if (!proposal) return null;
	return decide({
		proposal,
		seats: listSeatClaims(doc),
		ballots: listBallots(doc, proposalId),
		absences: listAbsences(doc),
		now
	});
}

/**
 * Every proposal's outcome at `now`. Reads the ballot log, seat log and absences once and indexes
 * ballots by proposal, rather than scanning the whole log for each proposal.
 */
export function outcomesOf(doc: Y.Doc, now: EpochMs): Map<ProposalId, Outcome> {
	const seats: SeatClaim[] = listSeatClaims(doc);
	const absences: Absence[] = listAbsences(doc);
	const ballots = ballotsByProposal(doc);
	const outcomes = new Map<ProposalId, Outcome>();
	for (const proposal of listProposals(doc)) {
		const own = ballots.get(proposal.id) ?? [];
		outcomes.set(proposal.id, decide({ proposal, seats, ballots: own, absences, now }));
	}
	return outcomes;
}
