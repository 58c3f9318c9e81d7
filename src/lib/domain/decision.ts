import { mayActFor } from './cover';
import { hlcParts, wallTimeOf } from './hlc';
import type { MemberId } from './ids';
import type {
	Absence,
	Ballot,
	Choice,
	EpochMs,
	Proposal,
	Role,
	SeatClaim,
	SeatHolders
} from './model';
import { CHOICES, ROLES } from './model';
import { seatTimeline } from './seats';

/**
 * The decision rule of DESIGN §1 as one pure function of the proposal, its ballot log, the seats
 * and the absences. Every ballot of the proposal lands in exactly one of `counted`, `superseded`,
 * `stale`, `late` or `invalid`, checked in this order:
 *
 * 1. invalid: a malformed ballot (timestamp, seat, choice, revision), a ballot for a revision the
 *    proposal does not have yet (its amendment has not synced), a ballot whose `castFor` did not
 *    hold the seat, or a proxy (`castBy` ≠ `castFor`) whose caster was not `castFor`'s cover at
 *    the ballot's cast time.
 * 2. late: cast (by `castTimeOf`) after the deadline. Kept and shown, never counted.
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
 *   majority). "Final" is about seats still to vote: a member may change their own ballot until
 *   the deadline, and the outcome follows it.
 * - draft and withdrawn proposals take their status as state; their ballots are still sorted
 *   into the lists for the audit trail.
 *
 * Timing. `decidedAt` is the cast time of the ballot that settled the state: the earliest
 * instant at which the counted ballots cast so far already determined it (or the deadline, when
 * its passing settled it). A majority is final once the outvoted `disagree` carries a reason and
 * `reflectionDelayMs` has passed since the later of `decidedAt` and the reason: the triad
 * reflects on the dissent as stated. A reason added after the deadline (a late `disagree` by the
 * same member on the same text) is accepted as the reason, as it changes no vote; otherwise a
 * majority reached just before a deadline could never become final. Every other settled state
 * is final at `decidedAt`.
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
	/** No seat still to vote, and no passing of time, can change the state. */
	final: boolean;
	/** When the state was settled; null while open, draft or withdrawn. */
	decidedAt: EpochMs | null;
	/** When the state became (or, for a majority in reflection, will become) final. */
	finalAt: EpochMs | null;
	/** The states the proposal may still end in; a single entry once settled. */
	reachable: TallyState[];
	deadlinePassed: boolean;
	tally: Record<Choice, number> & { missing: number };
	/** The ballot that counts for each seat. */
	counted: Record<Role, Ballot | null>;
	/** Cast on an earlier revision, not replaced by a ballot on the current one. */
	stale: Ballot[];
	/** Cast after the deadline. */
	late: Ballot[];
	/** Replaced by a later ballot of the same seat, or a proxy replaced by the member's own. */
	superseded: Ballot[];
	/** Malformed, or cast by someone who neither held nor covered the seat. */
	invalid: Ballot[];
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

/** Classifies a tally of complete votes (or votes frozen by a passed deadline). */
function settledState(agree: number, disagree: number): Exclude<TallyState, 'open'> {
	if (disagree >= 2) return 'rejected';
	if (agree === 2 && disagree === 1) return 'majority';
	if (disagree === 0 && agree >= 2) return 'consensus';
	return 'no-decision';
}

/**
 * Every state the votes may end in, given the choices counted so far. Missing seats may still
 * vote anything unless the deadline has passed. An abstention and no ballot weigh the same in
 * `settledState`, so a seat that never votes is covered by the `abstain` branch.
 */
function reachableStates(choices: readonly Choice[], deadlinePassed: boolean): TallyState[] {
	const count = (c: Choice, list: readonly Choice[]) => list.filter((x) => x === c).length;
	const missing = ROLES.length - choices.length;
	if (missing === 0 || deadlinePassed) {
		return [settledState(count('agree', choices), count('disagree', choices))];
	}
	const states = new Set<TallyState>();
	const extend = (list: Choice[]) => {
		if (list.length === ROLES.length) {
			states.add(settledState(count('agree', list), count('disagree', list)));
			return;
		}
		for (const choice of CHOICES) extend([...list, choice]);
	};
	extend([...choices]);
	return [...states].sort();
}

function stateOf(reachable: readonly TallyState[]): TallyState {
	return reachable.length === 1 ? reachable[0]! : 'open';
}

const byTime = (a: Ballot, b: Ballot) => compareStrings(a.at, b.at) || compareStrings(a.id, b.id);

function compareStrings(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
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
		b.deviceTime ?? null
	]);
}

/** One ballot per id; should two differ, the same one wins on every replica. */
function dedupe(ballots: readonly Ballot[]): Ballot[] {
	const byId = new Map<string, Ballot>();
	for (const b of ballots) {
		const kept = byId.get(b.id);
		if (!kept || contentKey(b) > contentKey(kept)) byId.set(b.id, b);
	}
	return [...byId.values()];
}

/** The ballot a group of one seat's ballots is represented by, and the ones it supersedes. */
function pickLatest(group: readonly Ballot[]): { pick: Ballot | null; rest: Ballot[] } {
	const ownFor = new Set(group.filter((b) => b.castBy === b.castFor).map((b) => b.castFor));
	const overridden = group.filter((b) => b.castBy !== b.castFor && ownFor.has(b.castFor));
	const contenders = group.filter((b) => !overridden.includes(b)).sort(byTime);
	const pick = contenders.at(-1) ?? null;
	return { pick, rest: [...overridden, ...contenders.slice(0, -1)] };
}

function isWellFormed(b: Ballot, currentRevision: number): boolean {
	return (
		hlcParts(b.at) !== null &&
		ROLES.includes(b.seat) &&
		CHOICES.includes(b.choice) &&
		Number.isInteger(b.revision) &&
		b.revision >= 0 &&
		b.revision <= currentRevision &&
		typeof b.reason === 'string'
	);
}

/** Applies the decision rule. Pure: the same input always gives a deep-equal outcome. */
export function decide(input: DecisionInput): Outcome {
	const { proposal, absences, now } = input;
	const holderOf = holderLookup(input.seats);
	const deadline = proposal.deadline;
	const deadlinePassed = deadline !== null && now > deadline;

	const invalid: Ballot[] = [];
	const late: Ballot[] = [];
	const superseded: Ballot[] = [];
	const stale: Ballot[] = [];
	const eligible = new Map<Role, Ballot[]>(ROLES.map((r) => [r, []]));

	for (const b of dedupe(input.ballots.filter((b) => b.proposalId === proposal.id))) {
		if (
			!isWellFormed(b, proposal.revision) ||
			holderOf(b) !== b.castFor ||
			!mayActFor(b.castBy, b.castFor, absences, castTimeOf(b))
		) {
			invalid.push(b);
		} else if (deadline !== null && castTimeOf(b) > deadline) {
			late.push(b);
		} else {
			eligible.get(b.seat)!.push(b);
		}
	}

	const counted = { keeper: null, bearer: null, navigator: null } as Record<Role, Ballot | null>;
	for (const role of ROLES) {
		const group = eligible.get(role)!;
		const current = pickLatest(group.filter((b) => b.revision === proposal.revision));
		const earlier = group.filter((b) => b.revision !== proposal.revision);
		counted[role] = current.pick;
		superseded.push(...current.rest);
		if (current.pick) {
			superseded.push(...earlier);
		} else {
			const older = pickLatest(earlier);
			if (older.pick) stale.push(older.pick);
			superseded.push(...older.rest);
		}
	}

	const countedBallots = ROLES.map((r) => counted[r]).filter((b): b is Ballot => b !== null);
	const choices = countedBallots.map((b) => b.choice);
	const reachable = reachableStates(choices, deadlinePassed);
	const tallyState = stateOf(reachable);

	let decidedAt: EpochMs | null = null;
	if (tallyState !== 'open') {
		const inCastOrder = [...countedBallots].sort(
			(a, b) => castTimeOf(a) - castTimeOf(b) || byTime(a, b)
		);
		for (let k = 1; k <= inCastOrder.length && decidedAt === null; k++) {
			const prefix = inCastOrder.slice(0, k).map((b) => b.choice);
			if (stateOf(reachableStates(prefix, false)) === tallyState) {
				decidedAt = castTimeOf(inCastOrder[k - 1]!);
			}
		}
		// Not settled by the ballots alone: the deadline's passing settled it.
		decidedAt ??= deadline;
	}

	let dissent: Dissent | null = null;
	let final = tallyState !== 'open';
	let finalAt: EpochMs | null = decidedAt;
	if (tallyState === 'majority') {
		const dissenting = countedBallots.find((b) => b.choice === 'disagree')!;
		const lateReason = late
			.filter(
				(b) =>
					b.seat === dissenting.seat &&
					b.castFor === dissenting.castFor &&
					b.revision === proposal.revision &&
					b.choice === 'disagree' &&
					b.reason.trim() !== ''
			)
			.sort(byTime)
			.at(-1);
		const reasonBallot = dissenting.reason.trim() !== '' ? dissenting : lateReason;
		dissent = {
			seat: dissenting.seat,
			member: dissenting.castFor,
			reason: reasonBallot?.reason.trim() ?? ''
		};
		if (reasonBallot) {
			const reflectionFrom = Math.max(decidedAt!, castTimeOf(reasonBallot));
			finalAt = reflectionFrom + Math.max(0, proposal.reflectionDelayMs);
			final = now >= finalAt;
		} else {
			finalAt = null;
			final = false;
		}
	}

	const tally = {
		agree: choices.filter((c) => c === 'agree').length,
		disagree: choices.filter((c) => c === 'disagree').length,
		abstain: choices.filter((c) => c === 'abstain').length,
		missing: ROLES.length - choices.length
	};
	const lists = {
		counted,
		stale: stale.sort(byTime),
		late: late.sort(byTime),
		superseded: superseded.sort(byTime),
		invalid: invalid.sort(byTime),
		proxies: countedBallots.filter((b) => b.castBy !== b.castFor).sort(byTime),
		tally,
		deadlinePassed
	};

	if (proposal.status !== 'open') {
		return {
			...lists,
			state: proposal.status,
			final: proposal.status === 'withdrawn',
			decidedAt: null,
			finalAt: null,
			reachable: [],
			dissent: null,
			missingDissentReason: false,
			balanceBroken: false,
			waitingFor: []
		};
	}
	return {
		...lists,
		state: tallyState,
		final,
		decidedAt,
		finalAt,
		reachable,
		dissent,
		missingDissentReason: dissent !== null && dissent.reason === '',
		balanceBroken: tallyState === 'majority',
		waitingFor: tallyState === 'open' ? ROLES.filter((r) => counted[r] === null) : []
	};
}

/** Who a ballot's seat belonged to when it was cast, by the form the seats were given in. */
function holderLookup(seats: DecisionInput['seats']): (b: Ballot) => MemberId | null {
	if (isSeatLog(seats)) {
		const holdersAt = seatTimeline(seats);
		return (b) => holdersAt(b.at)[b.seat];
	}
	return (b) => seats[b.seat];
}

function isSeatLog(seats: DecisionInput['seats']): seats is readonly SeatClaim[] {
	return Array.isArray(seats);
}
