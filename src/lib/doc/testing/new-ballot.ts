import type { MemberId, ProposalId } from '../../domain/ids';
import type { Choice, EpochMs, Role } from '../../domain/model';
import type { NewBallot } from '../ballots';

/** The device time doc specs cast ballots at unless they pass another `deviceTime`. */
export const BALLOT_TIME: EpochMs = 1_700_000_000_000;

/**
 * The ballot most specs cast: `castBy` votes for their own `seat` on revision 1 at `BALLOT_TIME`.
 * `more` adds or replaces fields: a reason, a proxy's `castFor`, a later revision or time.
 */
export function newBallot(
	proposalId: ProposalId,
	seat: Role,
	choice: Choice,
	castBy: MemberId,
	more: Partial<NewBallot> = {}
): NewBallot {
	return { proposalId, seat, choice, castBy, revision: 1, deviceTime: BALLOT_TIME, ...more };
}
