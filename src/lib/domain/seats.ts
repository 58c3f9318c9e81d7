import { hlcParts } from './hlc';
import type { MemberId } from './ids';
import type { EpochMs, HlcTimestamp, Role, SeatClaim, SeatHolders } from './model';
import { ROLES } from './model';
import { isDatedInFuture, signatureCounts } from './signatures';

/**
 * The seat rule. Members claim and release seats by appending to the seat log; the holders are
 * what replaying the log in HLC order gives:
 *
 * - A claim of a free seat takes it. A claim of a seat someone else holds loses (first come,
 *   first served by HLC), and is reported in `lost` so the member who lost it is told.
 * - A member holds at most one seat per triad: claiming a free seat moves them there and frees
 *   the seat they held. A claim that loses leaves them where they were.
 * - A release frees the seat only if the releasing member holds it at that point of the log.
 * - Entries with a malformed timestamp are ignored; identical entries count once.
 * - Entries whose signature does not count (`signatureCounts`: forged, or not checked yet) are
 *   ignored: a claim or release takes effect only when the member it names made it.
 * - Given the reader's clock (`now`), entries stamped more than a day ahead of it are ignored
 *   until then (`isDatedInFuture`).
 * - Causal order first, then the clock: an entry is replayed no earlier than the latest entry its
 *   writer's device had seen (`seen`), right after it, however early its own stamp. A claim from
 *   an app whose clock is behind, or that stamps its claims in the past on purpose, cannot take a
 *   seat from a holder whose claim it had already seen.
 *
 * Replaying in that order makes the result independent of the order entries were synced in.
 */

/** The holders after replaying a seat log, and the claims that lost to an existing holder. */
export interface SeatResolution {
	holders: SeatHolders;
	lost: Array<{ claim: SeatClaim; heldBy: MemberId }>;
}

/** No one in any seat. */
export function emptySeats(): SeatHolders {
	return { keeper: null, bearer: null, navigator: null };
}

/**
 * Where an entry takes its place in the replay: its own stamp, or the latest stamp its writer had
 * seen when that is later (a stamp cannot reach back before what its writer knew).
 */
export function replayAt(c: SeatClaim): HlcTimestamp {
	const seen = c.seen;
	return typeof seen === 'string' && hlcParts(seen) !== null && seen > c.at ? seen : c.at;
}

/**
 * The replay order as one string: the place in the replay, then whether the entry was moved
 * there by what it had seen (after the entry it saw, which has the same place), then the fields.
 */
function claimKey(c: SeatClaim): string {
	const at = replayAt(c);
	return `${at}|${at === c.at ? 0 : 1}|${c.at}|${c.seat}|${c.kind}|${c.member}`;
}

/** The log's well-formed entries that count at `now`, deduplicated, in replay order. */
function replayOrder(claims: readonly SeatClaim[], now: EpochMs | undefined): SeatClaim[] {
	const unique = new Map<string, SeatClaim>();
	for (const c of claims) {
		if (hlcParts(c.at) === null || !ROLES.includes(c.seat)) continue;
		if (c.kind !== 'claim' && c.kind !== 'release') continue;
		if (!signatureCounts(c.signature)) continue;
		if (now !== undefined && isDatedInFuture(replayAt(c), now)) continue;
		unique.set(claimKey(c), c);
	}
	return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

/**
 * Replays the seat log and returns who holds each seat, and whose claims lost. With `now`, the
 * entries dated more than a day ahead of it are left out.
 */
export function resolveSeats(claims: readonly SeatClaim[], now?: EpochMs): SeatResolution {
	const holders = emptySeats();
	const lost: SeatResolution['lost'] = [];
	for (const entry of replayOrder(claims, now)) applyEntry(holders, entry, lost);
	return { holders, lost };
}

function applyEntry(holders: SeatHolders, entry: SeatClaim, lost: SeatResolution['lost']): void {
	const holder = holders[entry.seat];
	if (entry.kind === 'release') {
		if (holder === entry.member) holders[entry.seat] = null;
		return;
	}
	if (holder === entry.member) return;
	if (holder !== null) {
		lost.push({ claim: entry, heldBy: holder });
		return;
	}
	for (const role of ROLES) if (holders[role] === entry.member) holders[role] = null;
	holders[entry.seat] = entry.member;
}

/**
 * The holders at a point of the log: what the entries stamped at or before `at` give. Used to
 * judge a ballot by who held the seat when it was cast, so a later handover does not rewrite a
 * decided proposal.
 */
export function seatHoldersAt(
	claims: readonly SeatClaim[],
	at: HlcTimestamp,
	now?: EpochMs
): SeatHolders {
	return seatTimeline(claims, now)(at);
}

/**
 * Replays the log once and returns a lookup of the holders at any timestamp, for callers that
 * ask about many timestamps (one per ballot). The returned holders must not be mutated.
 */
export function seatTimeline(
	claims: readonly SeatClaim[],
	now?: EpochMs
): (at: HlcTimestamp) => SeatHolders {
	const points: Array<{ at: HlcTimestamp; holders: SeatHolders }> = [];
	const holders = emptySeats();
	const ignored: SeatResolution['lost'] = [];
	for (const entry of replayOrder(claims, now)) {
		applyEntry(holders, entry, ignored);
		const snapshot = { ...holders };
		const at = replayAt(entry);
		if (points.at(-1)?.at === at) points[points.length - 1]!.holders = snapshot;
		else points.push({ at, holders: snapshot });
	}
	const before = emptySeats();
	return (at) => {
		// The last point at or before `at`, by binary search over the replay order.
		let low = 0;
		let high = points.length;
		while (low < high) {
			const mid = (low + high) >> 1;
			if (points[mid]!.at <= at) low = mid + 1;
			else high = mid;
		}
		return low === 0 ? before : points[low - 1]!.holders;
	};
}

/** The seat `member` holds, or null. */
export function seatOf(holders: SeatHolders, member: MemberId): Role | null {
	return ROLES.find((role) => holders[role] === member) ?? null;
}
