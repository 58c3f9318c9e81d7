import type * as Y from 'yjs';
import { MAX_ADOPT_AHEAD_MS, wallTimeOf } from '../domain/hlc';
import type { EpochMs, HlcTimestamp } from '../domain/model';
import { listAbsences } from './absences';
import { listActions } from './actions';
import { listBallots } from './ballot-read';
import { listLog } from './keeper-log';
import { listAmendmentStamps, listProposals } from './proposal-read';
import { listSeatClaims } from './seats';

/**
 * The largest well-formed HLC timestamp in the workspace, or null when it has none: what a
 * device's clock takes in before it stamps a write, so the write orders after everything seen.
 * Only values that parse as timestamps count (the readers skip the rest), so a garbage string
 * that happens to sort above real timestamps cannot hide them. With `notAheadOf` (the device's
 * time), timestamps more than `MAX_ADOPT_AHEAD_MS` ahead of it are left out too: the clock would
 * refuse them, and they must not hide the latest one it can take in.
 */
export function latestTimestamp(
	doc: Y.Doc,
	options: { notAheadOf?: EpochMs } = {}
): HlcTimestamp | null {
	const limit =
		options.notAheadOf === undefined ? Infinity : options.notAheadOf + MAX_ADOPT_AHEAD_MS;
	let latest: HlcTimestamp | null = null;
	const consider = (at: HlcTimestamp | null) => {
		if (at !== null && (latest === null || at > latest) && wallTimeOf(at) <= limit) latest = at;
	};
	for (const claim of listSeatClaims(doc)) consider(claim.at);
	for (const ballot of listBallots(doc)) consider(ballot.at);
	for (const entry of listLog(doc)) consider(entry.at);
	for (const proposal of listProposals(doc)) {
		consider(proposal.createdAt);
		consider(proposal.openedAt);
	}
	for (const amendment of listAmendmentStamps(doc)) consider(amendment.at);
	for (const absence of listAbsences(doc)) consider(absence.createdAt);
	for (const action of listActions(doc)) consider(action.createdAt);
	return latest;
}
