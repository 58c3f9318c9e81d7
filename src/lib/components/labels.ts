import type { OutcomeState } from '$lib/domain/decision';
import type { Choice, Role } from '$lib/domain/model';

/** Seat names as the app shows them. */
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

export const OUTCOME_LABEL: Record<OutcomeState, string> = {
	draft: 'Draft',
	open: 'Open for vote',
	consensus: 'Consensus',
	majority: 'Majority',
	rejected: 'Rejected',
	'no-decision': 'No decision',
	withdrawn: 'Withdrawn'
};

/*
 * Made on first use, not when this module loads: the first formatter of a page loads the
 * locale's data, about 55 ms of a triad screen's opening in a profile, and the screen's first
 * paint shows no date.
 */
let dateTime: Intl.DateTimeFormat | undefined;
let dateOnly: Intl.DateTimeFormat | undefined;

/** A moment as the user's locale writes it, e.g. "3 Mar 2026, 14:05". */
export function formatDateTime(epochMs: number): string {
	dateTime ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
	return dateTime.format(epochMs);
}

/** A day as the user's locale writes it. */
export function formatDate(epochMs: number): string {
	dateOnly ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
	return dateOnly.format(epochMs);
}
