import type * as Y from 'yjs';
import type { Outcome } from '$lib/domain/decision';
import type { Ballot, EpochMs, Proposal } from '$lib/domain/model';
import { decideProposals } from '$lib/doc/outcome';
import type { SetAsideTally } from '$lib/doc/set-aside';

/** A proposal as the screens show it: the record, what the decision rule says, its ballots. */
export interface ProposalView {
	proposal: Proposal;
	outcome: Outcome;
	/** Every ballot cast on it, oldest first: the audit trail. */
	ballots: Ballot[];
}

/**
 * Every proposal of the triad with its outcome at `now`, newest first. Ballots are judged by
 * the seat log (who held the seat when they were cast) and the absences (who covered whom).
 * Bodies are not read: lists show titles, and decoding every body of a large triad on each
 * change cost most of a second. `aside` hears of the proposals, amendments and ballots set aside.
 */
export function proposalViews(doc: Y.Doc, now: EpochMs, aside?: SetAsideTally): ProposalView[] {
	return decideProposals(doc, now, aside)
		.map(({ proposal, outcome, ballots }) => ({ proposal, outcome, ballots: [...ballots] }))
		.reverse();
}
