import type { Outcome } from '$lib/domain/decision';
import type { Proposal } from '$lib/domain/model';
import type { ProposalView } from './proposal-views';

// Kept apart from proposal-views, which reads the document: the device state (first load) reads
// saved overviews made of these, and must not pull Yjs into the first load with them.

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
