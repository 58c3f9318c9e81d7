import type * as Y from 'yjs';
import type { Outcome } from '$lib/domain/decision';
import type { Ballot, EpochMs, Proposal } from '$lib/domain/model';
import { decideProposals } from '$lib/doc/outcome';

/** A proposal as the screens show it: the record, what the decision rule says, its ballots. */
export interface ProposalView {
	proposal: Proposal;
	outcome: Outcome;
	/** Every ballot cast on it, oldest first: the audit trail. */
	ballots: Ballot[];
}

/**
 * A proposal as lists show it (the triad screen, home): enough to group, label and link it.
 * Every ProposalView is one; the saved overview keeps only these fields.
 */
export interface ProposalSummary {
	proposal: Omit<Proposal, 'lensNotes'>;
	outcome: Pick<
		Outcome,
		'state' | 'final' | 'decidedAt' | 'balanceBroken' | 'waitingFor' | 'dissent'
	>;
}

/** The summary of a view, with nothing else in it (for storing). */
export function summaryOf({ proposal, outcome }: ProposalView): ProposalSummary {
	const { lensNotes: _lensNotes, ...head } = proposal;
	const { state, final, decidedAt, balanceBroken, waitingFor, dissent } = outcome;
	return {
		proposal: head,
		outcome: { state, final, decidedAt, balanceBroken, waitingFor, dissent }
	};
}

/**
 * Every proposal of the triad with its outcome at `now`, newest first. Ballots are judged by
 * the seat log (who held the seat when they were cast) and the absences (who covered whom).
 * Bodies are not read: lists show titles, and decoding every body of a large triad on each
 * change cost most of a second.
 */
export function proposalViews(doc: Y.Doc, now: EpochMs): ProposalView[] {
	return decideProposals(doc, now)
		.map(({ proposal, outcome, ballots }) => ({ proposal, outcome, ballots: [...ballots] }))
		.reverse();
}
