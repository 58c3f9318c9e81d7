import { castTimeOf, type Outcome } from './decision';
import type { BallotId, MemberId } from './ids';
import type { Ballot, Proposal, Role } from './model';

/**
 * Whether one ballot counts, and why not when it does not: the words a member reads beside every
 * ballot, on the ballot card and in the history. It restates the decision rule's sorting
 * (`decide` puts each ballot in exactly one list) in terms a person can act on, and splits the
 * lists whose single name would mislead:
 *
 * - superseded: a proxy whose member cast a ballot of their own on the same text is
 *   `member-voted` (theirs wins whether it came before or after the proxy: saying "replaced by a
 *   later ballot" of a proxy cast last would be untrue); a ballot on an earlier text whose seat has
 *   a counted ballot on the current one is `replaced-on-current-text`; the rest are `replaced`.
 * - late: cast after the deadline (`late-deadline`), or else after the outcome became final
 *   without it (`late-final`).
 * - unverified: `checking` while its signature has not been checked, else `unverified`.
 */
export type BallotStanding =
	| { counts: true; why: 'counted' }
	| { counts: false; why: 'member-voted'; member: MemberId }
	| { counts: false; why: 'replaced' }
	| { counts: false; why: 'replaced-on-current-text' }
	| { counts: false; why: 'earlier-text' }
	| { counts: false; why: 'late-deadline' }
	| { counts: false; why: 'late-final' }
	| { counts: false; why: 'not-entitled' }
	| { counts: false; why: 'checking' }
	| { counts: false; why: 'unverified'; writer: MemberId }
	| { counts: false; why: 'future' };

export type StandingReason = BallotStanding['why'];

function isProxy(ballot: Ballot): boolean {
	return ballot.castBy !== ballot.castFor;
}

/**
 * The standing of every ballot the outcome sorted, by ballot id. Pure: it reads only the outcome
 * and the proposal's deadline, so it is as independent of arrival order as `decide` is.
 */
export function ballotStandings(
	outcome: Outcome,
	proposal: Pick<Proposal, 'deadline'>
): Map<BallotId, BallotStanding> {
	const standings = new Map<BallotId, BallotStanding>();
	for (const ballot of Object.values(outcome.counted)) {
		if (ballot) standings.set(ballot.id, { counts: true, why: 'counted' });
	}
	// The ballots the rule weighed against each other for a seat: only these can have outranked a
	// proxy, so a member's own ballot that was itself refused (late, invalid) never explains one.
	const weighed = [
		...Object.values(outcome.counted).filter((ballot): ballot is Ballot => ballot !== null),
		...outcome.superseded,
		...outcome.stale
	];
	const memberSpoke = (proxy: Ballot) =>
		weighed.some(
			(other) =>
				!isProxy(other) &&
				other.castFor === proxy.castFor &&
				other.seat === proxy.seat &&
				other.revision === proxy.revision
		);
	for (const ballot of outcome.superseded) {
		if (isProxy(ballot) && memberSpoke(ballot)) {
			standings.set(ballot.id, { counts: false, why: 'member-voted', member: ballot.castFor });
		} else if (ballot.revision < (outcome.counted[ballot.seat]?.revision ?? -1)) {
			standings.set(ballot.id, { counts: false, why: 'replaced-on-current-text' });
		} else {
			standings.set(ballot.id, { counts: false, why: 'replaced' });
		}
	}
	for (const ballot of outcome.stale) {
		standings.set(ballot.id, { counts: false, why: 'earlier-text' });
	}
	for (const ballot of outcome.late) {
		const afterDeadline = proposal.deadline !== null && castTimeOf(ballot) > proposal.deadline;
		standings.set(ballot.id, {
			counts: false,
			why: afterDeadline ? 'late-deadline' : 'late-final'
		});
	}
	for (const ballot of outcome.invalid) {
		standings.set(ballot.id, { counts: false, why: 'not-entitled' });
	}
	for (const ballot of outcome.future) standings.set(ballot.id, { counts: false, why: 'future' });
	for (const ballot of outcome.unverified) {
		standings.set(
			ballot.id,
			ballot.signature === 'pending'
				? { counts: false, why: 'checking' }
				: { counts: false, why: 'unverified', writer: ballot.castBy }
		);
	}
	return standings;
}

/**
 * The standing in words, as the history and the ballot cards show it. `nameOf` gives a member's
 * name as this screen knows it.
 */
export function describeStanding(
	standing: BallotStanding,
	nameOf: (member: MemberId) => string
): string {
	switch (standing.why) {
		case 'counted':
			return 'counts';
		case 'member-voted':
			return `does not count: ${nameOf(standing.member)} voted themselves`;
		case 'replaced':
			return 'does not count: replaced by a later ballot';
		case 'replaced-on-current-text':
			return 'does not count: on an earlier text, replaced by a ballot on the current one';
		case 'earlier-text':
			return 'does not count: voted on an earlier text';
		case 'late-deadline':
			return 'late: cast after the deadline, not counted';
		case 'late-final':
			return 'late: cast after the decision was final, not counted';
		case 'not-entitled':
			return 'not counted: not cast by the seat or its cover';
		case 'checking':
			return 'checking its signature: counted once checked';
		case 'unverified':
			return `not counted: not verifiable (it names ${nameOf(standing.writer)} as its writer, who did not sign it)`;
		case 'future':
			return 'dated in the future: not counted until then (its device clock may be wrong)';
	}
}

/** What a ballot card shows for one seat, from the side of the member acting for it. */
export interface SeatBallotState {
	/** The ballot that counts for the seat, or null. */
	counted: Ballot | null;
	/** The newest ballot `actor` cast for the seat (by HLC), whatever its standing, or null. */
	latestByActor: Ballot | null;
	/** That ballot's standing; null when there is none. */
	latestStanding: BallotStanding | null;
}

/**
 * The state of `seat`'s ballot card for `actor`: what counts, and what became of the actor's own
 * newest ballot for the seat, so a cover learns that their proxy stopped counting when the member
 * voted themselves, and a late ballot is never taken for a counted one.
 */
export function seatBallotState(
	outcome: Outcome,
	standings: ReadonlyMap<BallotId, BallotStanding>,
	ballots: readonly Ballot[],
	seat: Role,
	actor: MemberId
): SeatBallotState {
	let latestByActor: Ballot | null = null;
	for (const ballot of ballots) {
		if (ballot.seat !== seat || ballot.castBy !== actor || !standings.has(ballot.id)) continue;
		if (
			latestByActor === null ||
			ballot.at > latestByActor.at ||
			(ballot.at === latestByActor.at && ballot.id > latestByActor.id)
		) {
			latestByActor = ballot;
		}
	}
	return {
		counted: outcome.counted[seat],
		latestByActor,
		latestStanding: latestByActor ? standings.get(latestByActor.id)! : null
	};
}
