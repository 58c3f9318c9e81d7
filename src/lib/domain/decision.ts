import { coverLookup, type CoverLookup } from './cover';
import { parseHlc, wallTimeOf } from './hlc';
import type { MemberId } from './ids';
import type {
	Absence,
	Ballot,
	Choice,
	EpochMs,
	HlcTimestamp,
	Proposal,
	Role,
	SeatClaim,
	SeatHolders
} from './model';
import { CHOICES, ROLES } from './model';
import type { SettledState } from './outcome-state';
import { seatTimeline } from './seats';
import { isFutureInstant, latestNotInFuture, signatureCounts } from './signatures';
/**
 * The decision rule as one pure function of the proposal, its ballot log, the seats
 * and the absences. Every ballot of the proposal lands in exactly one of `counted`, `superseded`,
 * `stale`, `late` or `invalid`, checked in this order:
 *
 * 1. invalid: a malformed ballot (timestamp, seat, choice, revision), a ballot for a revision the
 *    proposal does not have yet (its amendment has not synced).
 *    unverified: a well-formed ballot whose signature does not count (`signatureCounts`): not
 *    signed by `castBy` (a proxy is signed by the cover who cast it), or not checked yet.
 *    invalid again: a ballot whose `castFor` did not hold the seat, or a proxy (`castBy` ≠
 *    `castFor`) whose caster was not `castFor`'s cover at the ballot's cast time.
 *    future: stamped (or cast, by `castTimeOf`) more than a day ahead of `now`: it counts once
 *    `now` is within a day of it (`isDatedInFuture`). Kept and shown, not counted until then.
 * 2. late: cast (by `castTimeOf`) after the deadline, or after the outcome became final without
 *    it (see "Final" below). Kept and shown, never counted.
 * 3. Per seat, among the rest on the current revision: a proxy ballot never overrides a ballot
 *    the member cast themselves on the same revision, whichever is later ("theirs wins", and a
 *    cover does not overrule a member who has spoken); otherwise the latest by HLC counts. The
 *    others are superseded.
 * 4. Ballots on earlier revisions are superseded when their seat has a counted ballot; otherwise
 *    the latest of them (same rule as 3) is `stale` ("voted on an earlier text") and the older
 *    ones are superseded.
 *
 * Seat holders: with `seats` given as the seat log, a ballot is judged by who held the seat at
 * the ballot's HLC, so handing a seat over later does not rewrite decided proposals; the new
 * holder's later ballot supersedes the old holder's like any later ballot. With `seats` given as
 * the current holders, only ballots for those members count.
 *
 * States, from the counted ballots (a = agree, d = disagree):
 * - rejected: d ≥ 2; majority: a = 2 and d = 1; consensus: d = 0 and a ≥ 2; otherwise
 *   no-decision once every seat has a counted ballot or the deadline has passed.
 * - Before that, the state is shown early only when every way the seats without a counted
 *   ballot could still vote leads to the same state; otherwise it is `open` and `reachable`
 *   lists what it may still become. So two disagree is rejected at once, two abstain is
 *   no-decision at once, but two agree stays open (the third seat decides between consensus and
 *   majority). This early state is what the app shows; it is not final, as a member may still
 *   change their ballot and the state follows it.
 * - draft and withdrawn proposals take their status as state; their ballots are still sorted
 *   into the lists for the audit trail.
 *
 * Final means no further counted ballot can change the state, so `balanceOf`, which counts only
 * final outcomes, never has to take one back. A state becomes final
 * - when every seat has a counted ballot on the current revision (at the cast time of the one
 *   that completed them), or
 * - for a majority, once the outvoted `disagree` carries a reason and `reflectionDelayMs` has
 *   passed since the later of `decidedAt` and the reason, with every seat voted: the triad
 *   reflects on the dissent as stated, and ballots cast during the reflection still count
 *   (including the outvoted member's re-cast that adds the reason), or
 * - when the deadline passes (a majority still needs its reason, see below).
 * Ballots cast after the outcome became final are late, exactly like ballots after a deadline:
 * without that, a proposal without a deadline could never be final, since any member could
 * change their ballot at any time. Whether and when that happened is found by replaying the
 * eligible ballots in cast order, so it depends only on the ballots, not on when they arrived.
 *
 * Timing. `decidedAt` is the cast time of the ballot that settled the state: the earliest
 * instant at which the counted ballots cast so far already determined it (or the deadline, when
 * its passing settled it); for an early display it can precede `finalAt`. A reason added after
 * the deadline (a late `disagree` by the same member on the same text) is accepted as the
 * majority's reason, as it changes no vote; otherwise a majority reached just before a deadline
 * could never become final.
 */

/** What the decision rule says about a proposal. */
export type OutcomeState =
	'draft' | 'open' | 'consensus' | 'majority' | 'rejected' | 'no-decision' | 'withdrawn';

/** The states the votes themselves can lead to. */
export type TallyState = 'open' | 'consensus' | 'majority' | 'rejected' | 'no-decision';

/** The outvoted member's dissent in a majority decision. */
export interface Dissent {
	seat: Role;
	/** The seat holder the dissenting ballot was cast for (the cover may have cast it). */
	member: MemberId;
	/** Empty while the dissenter has not given one. */
	reason: string;
}

export interface DecisionInput {
	proposal: Proposal;
	/** The seat log (preferred: judges each ballot by the holder at its time) or current holders. */
	seats: SeatHolders | readonly SeatClaim[];
	/** The proposal's ballot log, in any order, duplicates allowed; other proposals' are ignored. */
	ballots: readonly Ballot[];
	absences: readonly Absence[];
	now: EpochMs;
}

export interface Outcome {
	state: OutcomeState;
	/** No further counted ballot can change the state (see the rule's "Final"). */
	final: boolean;
	/** When the state was settled; null while open, draft or withdrawn. */
	decidedAt: EpochMs | null;
	/**
	 * When the state became final, or for a majority in reflection when it will; null otherwise
	 * (an early display becomes final only when the last seat votes or the deadline passes).
	 */
	finalAt: EpochMs | null;
	/** The states the proposal may still end in; a single entry once settled. */
	reachable: TallyState[];
	deadlinePassed: boolean;
	tally: Record<Choice, number> & { missing: number };
	/** The ballot that counts for each seat. */
	counted: Record<Role, Ballot | null>;
	/** Cast on an earlier revision, not replaced by a ballot on the current one. */
	stale: Ballot[];
	/** Cast after the deadline, or after the outcome became final. */
	late: Ballot[];
	/** Replaced by a later ballot of the same seat, or a proxy replaced by the member's own. */
	superseded: Ballot[];
	/** Malformed, or cast by someone who neither held nor covered the seat. */
	invalid: Ballot[];
	/** Well-formed, but not (yet) shown to be signed by its `castBy`: "not verifiable". */
	unverified: Ballot[];
	/** Dated more than a day ahead of `now`: not counted until then. */
	future: Ballot[];
	dissent: Dissent | null;
	/** A majority whose outvoted disagree has no reason yet: it cannot become final. */
	missingDissentReason: boolean;
	/** Counted ballots cast by a cover: "cast by X for Y". */
	proxies: Ballot[];
	/** A majority decision: it passes, but two outvoted one. */
	balanceBroken: boolean;
	/** Seats with no counted ballot while the outcome is open. */
	waitingFor: Role[];
}

/**
 * The instant a ballot was cast, as the voter's device saw it: `deviceTime`, else the wall part
 * of its HLC timestamp. Deadlines are judged by it (see `hlc.ts` for what clock skew does).
 */
export function castTimeOf(ballot: Ballot): EpochMs {
	const { deviceTime } = ballot;
	return typeof deviceTime === 'number' && Number.isFinite(deviceTime)
		? deviceTime
		: wallTimeOf(ballot.at);
}

/**
 * What the rule needs from the triad beyond one proposal: who held which seat when, and who
 * covered whom. Prepared once by `prepareDecisionContext` and shared by every proposal of the
 * triad, so the seat log is replayed and the absences indexed once, not once per proposal. It
 * reflects the seat log and absences as they were when prepared: prepare a new one after either
 * changes.
 */
export interface DecisionContext {
	/** The member who held `seat` when `at` was stamped (or holds it now, for current holders). */
	holderAt(seat: Role, at: HlcTimestamp): MemberId | null;
	/** Whether `actor` may act for `member` at `time` (see `mayActFor`). */
	mayActFor: CoverLookup;
}

/** Prepares the seats and absences of a triad for deciding any number of its proposals. */
export function prepareDecisionContext(
	triad: Pick<DecisionInput, 'seats' | 'absences'> & { now?: EpochMs }
): DecisionContext {
	const { seats } = triad;
	let holderAt: DecisionContext['holderAt'];
	if (isSeatLog(seats)) {
		const holdersAt = seatTimeline(seats, triad.now);
		holderAt = (seat, at) => holdersAt(at)[seat];
	} else {
		holderAt = (seat) => seats[seat];
	}
	return { holderAt, mayActFor: coverLookup(triad.absences) };
}

function isSeatLog(seats: DecisionInput['seats']): seats is readonly SeatClaim[] {
	return Array.isArray(seats);
}

/** Applies the decision rule. Pure: the same input always gives a deep-equal outcome. */
export function decide(input: DecisionInput): Outcome {
	return decideWith(prepareDecisionContext(input), input.proposal, input.ballots, input.now);
}

/** Classifies a tally of complete votes (or votes frozen by a passed deadline). */
function settledState(agree: number, disagree: number): SettledState {
	if (disagree >= 2) return 'rejected';
	if (agree === 2 && disagree === 1) return 'majority';
	if (disagree === 0 && agree >= 2) return 'consensus';
	return 'no-decision';
}

/** Where the counts of agree, disagree and abstain ballots are kept in `REACHABLE`. */
function tallyKey(agree: number, disagree: number, abstain: number): number {
	return agree * 16 + disagree * 4 + abstain;
}

/**
 * Every state the votes may end in, by the counted choices so far (at `tallyKey`), while the
 * deadline has not passed: each seat still missing may vote anything. The outcome depends only
 * on how many missing seats pick each choice, not on which seat picks what, so the table is
 * built from counts. An abstention and no ballot weigh the same in `settledState`, so a seat
 * that never votes is covered by the `abstain` branch. Built once: it is the same for every
 * proposal, and `decide` consults it up to four times per call.
 */
const REACHABLE: readonly (readonly TallyState[])[] = (() => {
	const table: TallyState[][] = [];
	for (let agree = 0; agree <= ROLES.length; agree++) {
		for (let disagree = 0; agree + disagree <= ROLES.length; disagree++) {
			for (let abstain = 0; agree + disagree + abstain <= ROLES.length; abstain++) {
				const missing = ROLES.length - agree - disagree - abstain;
				const states = new Set<TallyState>();
				for (let more = 0; more <= missing; more++) {
					for (let against = 0; more + against <= missing; against++) {
						states.add(settledState(agree + more, disagree + against));
					}
				}
				table[tallyKey(agree, disagree, abstain)] = [...states].sort();
			}
		}
	}
	return table;
})();

function stateOf(reachable: readonly TallyState[]): TallyState {
	return reachable.length === 1 ? reachable[0]! : 'open';
}

function byTime(a: Ballot, b: Ballot): number {
	return compareStrings(a.at, b.at) || compareStrings(a.id, b.id);
}

function compareStrings(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function isProxy(b: Ballot): boolean {
	return b.castBy !== b.castFor;
}

/** A key that differs for any two ballots that differ in any field, used to break id clashes. */
function contentKey(b: Ballot): string {
	return JSON.stringify([
		b.at,
		b.id,
		b.proposalId,
		b.revision,
		b.seat,
		b.choice,
		b.reason,
		b.castBy,
		b.castFor,
		b.deviceTime ?? null,
		b.signature ?? null
	]);
}

/**
 * Up to how many ballots of one proposal an id clash is looked for by scanning the ballots kept
 * so far. A proposal has a handful of ballots: scanning them costs less than a Map for each of
 * a triad's proposals (its allocation, and hashing every id); past this, a Map costs less.
 */
const SCAN_LIMIT = 32;

/**
 * The proposal's ballots, one per id, in HLC order (`byTime`, a total order once ids are unique);
 * should two differ, the same one wins on every replica: the greater content key, else the first
 * seen. (The content key is computed only on a clash, which a healthy log never has.)
 */
function uniqueBallotsOf(proposal: Proposal, ballots: readonly Ballot[]): Ballot[] {
	const kept: Ballot[] = [];
	let indexById: Map<string, number> | null = null;
	for (const b of ballots) {
		if (b.proposalId !== proposal.id) continue;
		const index = indexById ? (indexById.get(b.id) ?? -1) : scanForId(kept, b.id);
		if (index < 0) {
			kept.push(b);
			if (indexById) indexById.set(b.id, kept.length - 1);
			else if (kept.length > SCAN_LIMIT) indexById = new Map(kept.map((k, i) => [k.id, i]));
		} else if (kept[index] !== b && contentKey(b) > contentKey(kept[index]!)) {
			kept[index] = b;
		}
	}
	return sortFew(kept, byTime);
}

function scanForId(ballots: readonly Ballot[], id: string): number {
	for (let i = 0; i < ballots.length; i++) if (ballots[i]!.id === id) return i;
	return -1;
}

/**
 * Where each ballot lands. `eligible` is transient: valid and not late so far; once the seats are
 * counted, each eligible ballot is counted, stale or superseded.
 */
type Fate =
	'eligible' | 'counted' | 'stale' | 'superseded' | 'late' | 'invalid' | 'unverified' | 'future';

/**
 * The proposal's ballots being decided, in HLC order, so that the latest of any group is the one
 * with the greatest index and every list of the outcome is filled in order by one pass at the
 * end rather than sorted. Each ballot's cast time is computed once, not in every comparison.
 */
interface Ledger {
	ballots: readonly Ballot[];
	castAt: readonly EpochMs[];
	fate: Fate[];
	revision: number;
}

/**
 * Whether ballot `i` takes part in picking `seat`'s representative: still eligible, cast by
 * `castUpTo`, for that seat, on the current revision (`onCurrent`) or on an earlier one.
 */
function inGroup(
	ledger: Ledger,
	i: number,
	seat: Role,
	onCurrent: boolean,
	castUpTo: EpochMs
): boolean {
	const b = ledger.ballots[i]!;
	return (
		ledger.fate[i] === 'eligible' &&
		ledger.castAt[i]! <= castUpTo &&
		b.seat === seat &&
		(b.revision === ledger.revision) === onCurrent
	);
}

/**
 * The index of the ballot that represents `seat` among its eligible ballots cast by `castUpTo`
 * on the current revision (`onCurrent`) or on earlier ones: the latest, except that a proxy never
 * overrides a ballot its member cast themselves. -1 when the seat has none there.
 */
function representativeOf(
	ledger: Ledger,
	seat: Role,
	onCurrent: boolean,
	castUpTo: EpochMs
): number {
	const { ballots } = ledger;
	// Members with a ballot of their own in the group: found at the first proxy met, once.
	let spoke: MemberId[] | null = null;
	// Latest first: the first one not overridden is the representative.
	for (let i = ballots.length - 1; i >= 0; i--) {
		if (!inGroup(ledger, i, seat, onCurrent, castUpTo)) continue;
		const b = ballots[i]!;
		if (!isProxy(b)) return i;
		if (spoke === null) {
			spoke = [];
			for (let j = 0; j < ballots.length; j++) {
				const other = ballots[j]!;
				if (inGroup(ledger, j, seat, onCurrent, castUpTo) && !isProxy(other)) {
					spoke.push(other.castFor);
				}
			}
		}
		if (!spoke.includes(b.castFor)) return i;
	}
	return -1;
}

/** `indices` sorted by cast time, then HLC (index): each ballot's cast time is read, not parsed. */
function inCastOrder(ledger: Ledger, indices: number[]): number[] {
	return sortFew(indices, (x, y) => ledger.castAt[x]! - ledger.castAt[y]! || x - y);
}

/** Up to how many items `sortFew` sorts by insertion. */
const FEW = 16;

/**
 * Sorts in place, stably. V8's `Array.prototype.sort` allocates its merge state (about a
 * kilobyte) on every call: for the handful of ballots of a proposal that cost more than the
 * sorting, and was half the memory allocated to decide a whole triad. Insertion sort allocates
 * nothing and is quick at this size; longer arrays still go to the built-in sort.
 */
function sortFew<T>(items: T[], compare: (a: T, b: T) => number): T[] {
	if (items.length > FEW) return items.sort(compare);
	for (let i = 1; i < items.length; i++) {
		const item = items[i]!;
		let j = i - 1;
		for (; j >= 0 && compare(items[j]!, item) > 0; j--) items[j + 1] = items[j]!;
		items[j + 1] = item;
	}
	return items;
}

/**
 * The cast time of the earliest counted ballot at which the counted ballots cast so far already
 * determined `state`; null when they never did on their own (the deadline settled it).
 */
function settledAt(ledger: Ledger, counted: readonly number[], state: TallyState): EpochMs | null {
	const prefix = { agree: 0, disagree: 0, abstain: 0 };
	for (const i of inCastOrder(ledger, counted.slice())) {
		prefix[ledger.ballots[i]!.choice]++;
		if (stateOf(REACHABLE[tallyKey(prefix.agree, prefix.disagree, prefix.abstain)]!) === state) {
			return ledger.castAt[i]!;
		}
	}
	return null;
}

function countChoices(ledger: Ledger, counted: readonly number[]): Record<Choice, number> {
	const count = { agree: 0, disagree: 0, abstain: 0 };
	for (const i of counted) count[ledger.ballots[i]!.choice]++;
	return count;
}

/**
 * When the outcome became final without the deadline's help, or null if it has not: replaying
 * the eligible ballots in cast order, the first instant at which every seat has a counted ballot
 * on the current revision and the state is not a majority; for a majority, once its outvoted
 * disagree carries a reason and the reflection delay has run out with no ballot cast meanwhile.
 * Ballots cast after it are late. Each prefix depends only on the ballots cast up to it, so the
 * answer does not depend on the order ballots arrived in.
 *
 * The replay keeps each seat's counted ballot from one instant to the next and picks it again
 * only for a seat that received a ballot on the current revision at that instant, without new
 * lists or counts at each instant: deciding a triad's proposals runs it for most of them.
 */
function freezeTime(ledger: Ledger, reflectionDelayMs: number): EpochMs | null {
	const { ballots, castAt, revision } = ledger;
	const eligible: number[] = [];
	let onCurrent = 0;
	for (let i = 0; i < ballots.length; i++) {
		if (ledger.fate[i] !== 'eligible') continue;
		eligible.push(i);
		if (ballots[i]!.revision === revision) onCurrent++;
	}
	if (onCurrent < ROLES.length) return null;
	const order = inCastOrder(ledger, eligible);
	const picks: Record<Role, number> = { keeper: -1, bearer: -1, navigator: -1 };
	let seatsWithPick = 0;
	for (let k = 0; k < order.length;) {
		const time = castAt[order[k]!]!;
		for (; k < order.length && castAt[order[k]!] === time; k++) {
			const { seat, revision: castOn } = ballots[order[k]!]!;
			if (castOn !== revision) continue;
			// A seat's representative changes only when it receives a ballot on this revision.
			if (picks[seat] < 0) seatsWithPick++;
			picks[seat] = representativeOf(ledger, seat, true, time);
		}
		if (seatsWithPick < ROLES.length) continue;
		const counted = [picks.keeper, picks.bearer, picks.navigator];
		const { agree, disagree } = countChoices(ledger, counted);
		const state = settledState(agree, disagree);
		if (state !== 'majority') return time;
		const dissenting = counted.find((i) => ballots[i]!.choice === 'disagree')!;
		if (ballots[dissenting]!.reason.trim() === '') continue;
		const reflectionFrom = Math.max(settledAt(ledger, counted, state) ?? time, castAt[dissenting]!);
		const finalAt = reflectionFrom + Math.max(0, reflectionDelayMs);
		const next = k < order.length ? castAt[order[k]!]! : Infinity;
		if (next > finalAt) return finalAt;
	}
	return null;
}

function isWellFormed(b: Ballot, currentRevision: number): boolean {
	return (
		parseHlc(b.at) !== null &&
		ROLES.includes(b.seat) &&
		CHOICES.includes(b.choice) &&
		Number.isInteger(b.revision) &&
		b.revision >= 0 &&
		b.revision <= currentRevision &&
		typeof b.reason === 'string'
	);
}

/**
 * Rules 3 and 4: settles each eligible ballot as counted, stale or superseded, and returns each
 * seat's counted ballot (-1 for none).
 */
function countSeats(ledger: Ledger): Record<Role, number> {
	const picks: Record<Role, number> = { keeper: -1, bearer: -1, navigator: -1 };
	const stale: number[] = [];
	for (const seat of ROLES) {
		picks[seat] = representativeOf(ledger, seat, true, Infinity);
		if (picks[seat] < 0) stale.push(representativeOf(ledger, seat, false, Infinity));
	}
	for (const seat of ROLES) if (picks[seat] >= 0) ledger.fate[picks[seat]] = 'counted';
	for (const i of stale) if (i >= 0) ledger.fate[i] = 'stale';
	for (let i = 0; i < ledger.fate.length; i++) {
		if (ledger.fate[i] === 'eligible') ledger.fate[i] = 'superseded';
	}
	return picks;
}

/**
 * Applies the decision rule to one proposal, with the triad's seats and absences prepared once
 * by `prepareDecisionContext`. Gives the same outcome as `decide` with the same seats, absences,
 * proposal, ballots and `now`; cheaper when deciding many proposals of one triad.
 */
export function decideWith(
	context: DecisionContext,
	proposal: Proposal,
	ballots: readonly Ballot[],
	now: EpochMs
): Outcome {
	const { deadline, revision } = proposal;
	const deadlinePassed = deadline !== null && now > deadline;

	const own = uniqueBallotsOf(proposal, ballots);
	const notInFuture = latestNotInFuture(now);
	const castAt: EpochMs[] = [];
	const fate: Fate[] = [];
	for (const b of own) {
		const wellFormed = isWellFormed(b, revision);
		if (wellFormed && !signatureCounts(b.signature)) {
			castAt.push(NaN);
			fate.push('unverified');
			continue;
		}
		if (!wellFormed || context.holderAt(b.seat, b.at) !== b.castFor) {
			castAt.push(NaN);
			fate.push('invalid');
			continue;
		}
		const cast = castTimeOf(b);
		castAt.push(cast);
		if (!context.mayActFor(b.castBy, b.castFor, cast)) {
			fate.push('invalid');
		} else if (b.at > notInFuture || isFutureInstant(cast, now)) {
			fate.push('future');
		} else if (deadline !== null && cast > deadline) {
			fate.push('late');
		} else {
			fate.push('eligible');
		}
	}
	const ledger: Ledger = { ballots: own, castAt, fate, revision };

	const frozenAt = freezeTime(ledger, proposal.reflectionDelayMs);
	if (frozenAt !== null) {
		fate.forEach((f, i) => {
			if (f === 'eligible' && castAt[i]! > frozenAt) fate[i] = 'late';
		});
	}

	const picks = countSeats(ledger);
	const counted: Record<Role, Ballot | null> = { keeper: null, bearer: null, navigator: null };
	const countedIndices: number[] = [];
	for (const role of ROLES) {
		if (picks[role] < 0) continue;
		counted[role] = own[picks[role]]!;
		countedIndices.push(picks[role]);
	}
	const { agree, disagree, abstain } = countChoices(ledger, countedIndices);

	const reachable = deadlinePassed
		? [settledState(agree, disagree)]
		: REACHABLE[tallyKey(agree, disagree, abstain)]!.slice();
	const tallyState = stateOf(reachable);

	let decidedAt: EpochMs | null = null;
	if (tallyState !== 'open') {
		// Not settled by the ballots alone: the deadline's passing settled it.
		decidedAt = settledAt(ledger, countedIndices, tallyState) ?? deadline;
	}

	let dissent: Dissent | null = null;
	let final = false;
	let finalAt: EpochMs | null = null;
	if (frozenAt !== null) {
		finalAt = frozenAt;
		final = now >= frozenAt;
	} else if (deadlinePassed) {
		finalAt = deadline;
		final = true;
	}
	if (tallyState === 'majority') {
		const dissenting = countedIndices.find((i) => own[i]!.choice === 'disagree')!;
		const reasonIndex =
			own[dissenting]!.reason.trim() !== '' ? dissenting : lateReasonFor(ledger, dissenting);
		dissent = {
			seat: own[dissenting]!.seat,
			member: own[dissenting]!.castFor,
			reason: reasonIndex >= 0 ? own[reasonIndex]!.reason.trim() : ''
		};
		if (reasonIndex >= 0) {
			const reflectionFrom = Math.max(decidedAt!, castAt[reasonIndex]!);
			finalAt = reflectionFrom + Math.max(0, proposal.reflectionDelayMs);
			final = now >= finalAt;
		} else {
			finalAt = null;
			final = false;
		}
	}

	const lists: Record<Exclude<Fate, 'eligible' | 'counted'>, Ballot[]> = {
		stale: [],
		superseded: [],
		late: [],
		invalid: [],
		unverified: [],
		future: []
	};
	const proxies: Ballot[] = [];
	fate.forEach((f, i) => {
		if (f === 'counted') {
			if (isProxy(own[i]!)) proxies.push(own[i]!);
		} else if (f !== 'eligible') {
			lists[f].push(own[i]!);
		}
	});

	const open = proposal.status === 'open';
	return {
		state: open ? tallyState : proposal.status,
		final: open ? final : proposal.status === 'withdrawn',
		decidedAt: open ? decidedAt : null,
		finalAt: open ? finalAt : null,
		reachable: open ? reachable : [],
		deadlinePassed,
		tally: { agree, disagree, abstain, missing: ROLES.length - countedIndices.length },
		counted,
		stale: lists.stale,
		late: lists.late,
		superseded: lists.superseded,
		invalid: lists.invalid,
		unverified: lists.unverified,
		future: lists.future,
		dissent: open ? dissent : null,
		missingDissentReason: open && dissent !== null && dissent.reason === '',
		proxies,
		balanceBroken: open && tallyState === 'majority',
		waitingFor: open && tallyState === 'open' ? ROLES.filter((r) => counted[r] === null) : []
	};
}

/**
 * The latest late `disagree` with a reason by the dissenting member on the same text: a reason
 * given after the deadline changes no vote, so it is accepted as the dissent's reason. -1 if none.
 */
function lateReasonFor(ledger: Ledger, dissenting: number): number {
	const { seat, castFor } = ledger.ballots[dissenting]!;
	for (let i = ledger.ballots.length - 1; i >= 0; i--) {
		const b = ledger.ballots[i]!;
		if (
			ledger.fate[i] === 'late' &&
			b.seat === seat &&
			b.castFor === castFor &&
			b.revision === ledger.revision &&
			b.choice === 'disagree' &&
			b.reason.trim() !== ''
		) {
			return i;
		}
	}
	return -1;
}
