import { castTimeOf, decideWith, type DecisionContext } from './decision';
import { parseHlc, wallTimeOf } from './hlc';
import type { Ballot, EpochMs, HlcTimestamp, Proposal } from './model';
import { isDecided } from './outcome-state';

/** One entry of a proposal's amendment log: when the amendment was made. */
export interface AmendmentStamp {
	/** The amender's hybrid logical clock: orders the amendments. */
	at: HlcTimestamp;
	/**
	 * The amender's device clock, untouched by HLC merges, like `Ballot.deviceTime`; when it is
	 * absent (a peer can write any record), the wall part of `at` stands in for it.
	 */
	deviceTime?: EpochMs;
}

/** The instant an amendment was made, judged like a ballot's cast time (see `castTimeOf`). */
export function amendedTimeOf(amendment: AmendmentStamp): EpochMs {
	const { deviceTime } = amendment;
	return typeof deviceTime === 'number' && Number.isFinite(deviceTime)
		? deviceTime
		: wallTimeOf(amendment.at);
}

/**
 * The revision a proposal is at: 1, plus one for each amendment made while the outcome could
 * still change. An amendment made after the deadline, or after the outcome had become final, is
 * ignored: the doc layer refuses such writes, but a member offline since before the decision
 * cannot know, and their amendment must not reopen a decided proposal once it syncs.
 *
 * "Final at the amendment's time" is judged from the ballots cast (by `castTimeOf`) up to that
 * instant, on the revision reached by the earlier amendments; ballots cast later cannot have
 * been known to the amender and cannot make an earlier amendment void. Amendments are replayed
 * in HLC order; one with a malformed timestamp is ignored. The result is a pure function of the
 * amendment log, the ballot log, seats and absences, so every replica that has the same records
 * computes the same revision. `proposal.revision` is not read.
 */
export function effectiveRevision(
	context: DecisionContext,
	proposal: Proposal,
	amendments: readonly AmendmentStamp[],
	ballots: readonly Ballot[]
): number {
	const ordered = amendments
		.filter((a) => parseHlc(a.at) !== null)
		.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
	// Judged as if open: a proposal withdrawn later keeps the revisions it reached while open.
	const asOpen: Proposal = { ...proposal, status: 'open' };
	let revision = 1;
	for (const amendment of ordered) {
		const time = amendedTimeOf(amendment);
		const known = ballots.filter((b) => castTimeOf(b) <= time);
		const outcome = decideWith(context, { ...asOpen, revision }, known, time);
		if (!isDecided(outcome)) revision += 1;
	}
	return revision;
}
