import type { Outcome } from './decision';
import type { ProposalId, AbsenceId, MemberId } from './ids';
import type { Absence, EpochMs, Proposal, SeatHolders } from './model';
import { grantEnd, isActiveAbsence, seatsActorMayActFor } from './cover';

/*
 * What, after a push woke the service worker, is worth a notification to this member: a
 * proposal open for their vote (in their own seat or one they cover), that vote's deadline
 * within a day, a cover of theirs starting within a day. Kept apart from the screens' "what
 * needs me" so the two can be merged; this one only decides whether to interrupt.
 */

/** How far ahead a deadline or a cover's start is worth a notification. */
export const ATTENTION_HORIZON_MS = 24 * 60 * 60 * 1000;

/** One thing that waits for the member; `key` names it, to notify about it only once. */
export type Attention =
	| {
			kind: 'vote';
			key: string;
			proposal: ProposalId;
			title: string;
			deadline: EpochMs | null;
	  }
	| { kind: 'deadline'; key: string; proposal: ProposalId; title: string; deadline: EpochMs }
	| { kind: 'cover'; key: string; absence: AbsenceId; member: MemberId; from: EpochMs };

/** What the rule reads of a triad. */
export interface AttentionInput {
	me: MemberId;
	now: EpochMs;
	holders: SeatHolders;
	proposals: readonly {
		proposal: Pick<Proposal, 'id' | 'title' | 'status' | 'revision' | 'deadline'>;
		outcome: Pick<Outcome, 'state' | 'waitingFor'>;
	}[];
	absences: readonly Absence[];
}

/**
 * Everything that waits for `me` at `now`. A vote waits while the proposal is open, undecided,
 * before its deadline, and a seat `me` may act for (theirs, or one they cover now) has no
 * counted ballot. Its key carries the revision: an amended text asks again.
 */
export function attentionFor(input: AttentionInput): Attention[] {
	const { me, now, holders, absences } = input;
	const items: Attention[] = [];
	const mySeats = seatsActorMayActFor(me, holders, absences, now);
	for (const { proposal, outcome } of input.proposals) {
		if (proposal.status !== 'open' || outcome.state !== 'open') continue;
		const { deadline } = proposal;
		if (deadline !== null && deadline <= now) continue;
		if (!outcome.waitingFor.some((seat) => mySeats.includes(seat))) continue;
		const title = proposal.title;
		items.push({
			kind: 'vote',
			key: `vote:${proposal.id}:${proposal.revision}`,
			proposal: proposal.id,
			title,
			deadline
		});
		if (deadline !== null && deadline - now <= ATTENTION_HORIZON_MS) {
			items.push({
				kind: 'deadline',
				key: `deadline:${proposal.id}:${deadline}`,
				proposal: proposal.id,
				title,
				deadline
			});
		}
	}
	for (const absence of absences) {
		if (absence.cover !== me || absence.member === me) continue;
		const startsSoon = absence.from - now <= ATTENTION_HORIZON_MS;
		const notOver = now < grantEnd(absence);
		if (!startsSoon || !notOver) continue;
		// A cancelled or malformed absence grants nothing: never worth waking anyone for.
		if (!isActiveAbsence(absence, Math.max(now, absence.from))) continue;
		items.push({
			kind: 'cover',
			key: `cover:${absence.id}:${absence.from}`,
			absence: absence.id,
			member: absence.member,
			from: absence.from
		});
	}
	return items;
}

/** The items not notified yet, given the keys notified before. */
export function unnotified(
	items: readonly Attention[],
	notified: ReadonlySet<string>
): Attention[] {
	return items.filter((item) => !notified.has(item.key));
}
