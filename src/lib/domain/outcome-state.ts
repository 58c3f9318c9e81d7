import type { Outcome, OutcomeState } from './decision';
import type { Role } from './model';

/*
 * What an outcome's state means for the screens and the writers: small rules over `decide`'s
 * result, kept apart from the decision rule so that lists (home included) use them without
 * loading the rule itself.
 */

/** The states in which the votes have settled what a proposal leads to. */
export const SETTLED_STATES = ['consensus', 'majority', 'rejected', 'no-decision'] as const;
export type SettledState = (typeof SETTLED_STATES)[number];

/**
 * Whether the votes have settled the state: consensus, majority, rejected or no-decision. A
 * settled state may show before it is final (see the decision rule's "Final"): lists of
 * decisions show it at once, balance statistics wait until it is final.
 */
export function isSettled(state: OutcomeState): state is SettledState {
	return (SETTLED_STATES as readonly OutcomeState[]).includes(state);
}

/**
 * Whether a proposal is decided: its state is settled and final, or its deadline has passed.
 * Its text and ballots are then the record: it can no longer be amended or withdrawn, and a new
 * ballot is kept but not counted. Drafts and withdrawn proposals are never decided.
 */
export function isDecided(outcome: Pick<Outcome, 'state' | 'final' | 'deadlinePassed'>): boolean {
	return isSettled(outcome.state) && (outcome.final || outcome.deadlinePassed);
}

/** Whether an open proposal still waits for a ballot from one of `seats`. */
export function waitsForAny(
	outcome: Pick<Outcome, 'state' | 'waitingFor'>,
	seats: ReadonlySet<Role>
): boolean {
	return outcome.state === 'open' && outcome.waitingFor.some((seat) => seats.has(seat));
}
