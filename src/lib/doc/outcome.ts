import type * as Y from 'yjs';
import { decideWith, prepareDecisionContext, type Outcome } from '../domain/decision';
import type { ProposalId } from '../domain/ids';
import type { Absence, Ballot, EpochMs, Proposal, SeatClaim } from '../domain/model';
import { ballotsByProposal, listBallots } from './ballot-read';
import { decisionContextOf } from './decision-context';
import { readProposalWith, readProposalsWith, type RevisionInputs } from './proposal-read';
import type { SetAsideTally } from './set-aside';

/**
 * What the decision rule says about one proposal at `now`, or null when this replica does not
 * have the proposal. Ballots are judged against the whole seat log, so a seat handed over later
 * does not rewrite a decision already reached.
 */
export function outcomeOf(doc: Y.Doc, proposalId: ProposalId, now: EpochMs): Outcome | null {
	const ballots = listBallots(doc, proposalId);
	const context = decisionContextOf(doc, now);
	const proposal = readProposalWith(doc, proposalId, () => ({ context, ballotsOf: () => ballots }));
	if (!proposal) return null;
	return decideWith(context, proposal, ballots, now);
}

/** Every proposal's outcome at `now`, keyed by proposal id. */
export function outcomesOf(doc: Y.Doc, now: EpochMs): Map<ProposalId, Outcome> {
	const outcomes = new Map<ProposalId, Outcome>();
	for (const { proposal, outcome } of decideProposals(doc, now)) outcomes.set(proposal.id, outcome);
	return outcomes;
}

/** A proposal with its ballots and what the decision rule says about it. */
export interface DecidedProposal {
	proposal: Proposal;
	outcome: Outcome;
	/** Every ballot cast on it, in timestamp order: the audit trail. */
	ballots: readonly Ballot[];
}

/**
 * Every proposal (oldest first, as `listProposals`) with its ballots and its outcome at `now`.
 * Reads the ballot log, the seat log and the absences once each, and shares them between the
 * revision rule of amended proposals and the decision rule, so a list of every proposal costs
 * one pass over each log rather than one per proposal or per use. `aside` hears of the proposals,
 * amendments and ballots set aside; the seat log and absences are left to their own readers.
 */
export function decideProposals(
	doc: Y.Doc,
	now: EpochMs,
	aside?: SetAsideTally
): DecidedProposal[] {
	const index = ballotsByProposal(doc, aside);
	const inputs: RevisionInputs = {
		context: decisionContextOf(doc, now),
		ballotsOf: (id) => index.get(id) ?? []
	};
	return readProposalsWith(doc, () => inputs, aside).map((proposal) => {
		const ballots = inputs.ballotsOf(proposal.id);
		return { proposal, outcome: decideWith(inputs.context, proposal, ballots, now), ballots };
	});
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
		absences: records.absences,
		now
	});
	return records.proposals.map((proposal) => ({
		proposal,
		outcome: decideWith(context, proposal, byProposal.get(proposal.id) ?? [], now)
	}));
}
