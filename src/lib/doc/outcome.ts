import type * as Y from 'yjs';
import { decideWith, prepareDecisionContext, type Outcome } from '../domain/decision';
import type { ProposalId } from '../domain/ids';
import type { Absence, Ballot, EpochMs, Proposal, SeatClaim } from '../domain/model';
import { listAbsences } from './absences';
import { listBallots } from './ballot-read';
import { decisionContextOf } from './decision-context';
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
	return decideWith(decisionContextOf(doc), proposal, listBallots(doc, proposalId), now);
}

/** Every proposal's outcome at `now`, keyed by proposal id. */
export function outcomesOf(doc: Y.Doc, now: EpochMs): Map<ProposalId, Outcome> {
	const decided = decideEach(
		{
			proposals: listProposals(doc),
			ballots: listBallots(doc),
			seatClaims: listSeatClaims(doc),
			absences: listAbsences(doc)
		},
		now
	);
	return new Map(decided.map(({ proposal, outcome }) => [proposal.id, outcome]));
}

/** The records the decision rule needs, as read from a workspace (a snapshot has them all). */
export interface DecisionRecords {
	proposals: readonly Proposal[];
	ballots: readonly Ballot[];
	seatClaims: readonly SeatClaim[];
	absences: readonly Absence[];
}

/**
 * Each proposal with its outcome at `now`, in the order given. Ballots are indexed by proposal in
 * one pass, and the seat log and absences prepared once, rather than once per proposal.
 */
export function decideEach(
	records: DecisionRecords,
	now: EpochMs
): { proposal: Proposal; outcome: Outcome }[] {
	const byProposal = new Map<ProposalId, Ballot[]>();
	for (const ballot of records.ballots) {
		const list = byProposal.get(ballot.proposalId);
		if (list) list.push(ballot);
		else byProposal.set(ballot.proposalId, [ballot]);
	}
	const context = prepareDecisionContext({
		seats: records.seatClaims,
		absences: records.absences
	});
	return records.proposals.map((proposal) => ({
		proposal,
		outcome: decideWith(context, proposal, byProposal.get(proposal.id) ?? [], now)
	}));
}
