import type { MemberId } from './ids';
import type { HlcTimestamp, SeatClaim } from './model';

/**
 * The record of a member's removal from a triad: who removed whom, and when (the remover's hybrid
 * logical clock). The triad's log keeps it; removing also releases the removed member's seat.
 */
export interface MemberRemoval {
	member: MemberId;
	by: MemberId;
	at: HlcTimestamp;
}

/**
 * The membership rule. A member is removed when a removal record names them and they have not
 * claimed a seat since (by HLC). The removal also changes the triad's access, so a removed member's
 * device can reach the others again only with a new invite link; a member who comes back that way
 * and takes a seat is a member again. A claim is compared with the latest removal of that member,
 * so removing someone a second time removes them again.
 *
 * Any replica gets the same answer from the same records, whatever order they were synced in.
 */
export function removedMembers(
	removals: readonly MemberRemoval[],
	claims: readonly SeatClaim[]
): Set<MemberId> {
	const lastRemoval = new Map<MemberId, HlcTimestamp>();
	for (const removal of removals) {
		const seen = lastRemoval.get(removal.member);
		if (seen === undefined || removal.at > seen) lastRemoval.set(removal.member, removal.at);
	}
	const removed = new Set(lastRemoval.keys());
	for (const claim of claims) {
		const at = lastRemoval.get(claim.member);
		if (claim.kind === 'claim' && at !== undefined && claim.at > at) removed.delete(claim.member);
	}
	return removed;
}
