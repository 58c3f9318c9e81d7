import type { OutcomeState } from './decision';
import type { ActionStatus, Choice, Level, Role } from './model';

/*
 * The words people read for the domain's values, in the app and in the exported register alike,
 * so that a seat or an outcome has one name wherever it is shown.
 */

/** Seat names. */
export const ROLE_LABEL: Record<Role, string> = {
	keeper: 'Keeper',
	bearer: 'Bearer',
	navigator: 'Navigator'
};

/** What each seat is responsible for. */
export const ROLE_DUTY: Record<Role, string> = {
	keeper: 'information',
	bearer: 'innovation',
	navigator: 'impact'
};

/** The question each seat asks of a proposal. */
export const ROLE_LENS: Record<Role, string> = {
	keeper: 'Is the information complete?',
	bearer: 'Is it new enough?',
	navigator: 'What impact, which actions?'
};

export const CHOICE_LABEL: Record<Choice, string> = {
	agree: 'Agree',
	disagree: 'Disagree',
	abstain: 'Stand aside'
};

export const LEVEL_LABEL: Record<Level, string> = {
	strategic: 'Strategic',
	operational: 'Operational'
};

export const ACTION_STATUS_LABEL: Record<ActionStatus, string> = {
	todo: 'To do',
	doing: 'Doing',
	done: 'Done',
	dropped: 'Dropped'
};

export const OUTCOME_LABEL: Record<OutcomeState, string> = {
	draft: 'Draft',
	open: 'Open for vote',
	consensus: 'Consensus',
	majority: 'Majority',
	rejected: 'Rejected',
	'no-decision': 'No decision',
	withdrawn: 'Withdrawn'
};
