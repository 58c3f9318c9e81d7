/**
 * A frozen copy of the decision rule as it was before it was optimized (commit cae2cd7), kept
 * only as the oracle of `decision.reference.spec.ts`: the optimized `decide`/`decideWith` must
 * return deep-equal outcomes, lists in the same order, for any input. Imported by that spec
 * alone; do not use it in the app, and do not "fix" it: it is the behaviour to preserve.
 */
import { coverLookup, type CoverLookup } from '../cover';
import type { DecisionInput, Dissent, Outcome, TallyState } from '../decision';
import { parseHlc, wallTimeOf } from '../hlc';
import type { MemberId } from '../ids';
import type { Ballot, EpochMs, HlcTimestamp, Proposal, Role, SeatClaim } from '../model';
import { CHOICES, ROLES } from '../model';
import { seatTimeline } from '../seats';

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
	triad: Pick<DecisionInput, 'seats' | 'absences'>
): DecisionContext {
	const { seats } = triad;
	let holderAt: DecisionContext['holderAt'];
	if (isSeatLog(seats)) {
		const holdersAt = seatTimeline(seats);
		holderAt = (seat, at) => holdersAt(at)[seat];
	} else {
		holderAt = (seat) => seats[seat];
	}
	return { holderAt, mayActFor: coverLookup(triad.absences) };
}

/**
 * The outcome as this copy gives it: it predates signatures and dates in the future, so it has
 * no lists for them (the spec compares it with inputs that have neither).
 */
export type ReferenceOutcome = Omit<Outcome, 'unverified' | 'future'>;

function isSeatLog(seats: DecisionInput['seats']): seats is readonly SeatClaim[] {
	return Array.isArray(seats);
}

/** Applies the decision rule. Pure: the same input always gives a deep-equal outcome. */
export function decide(input: DecisionInput): ReferenceOutcome {
	return decideWith(prepareDecisionContext(input), input.proposal, input.ballots, input.now);
}

/** Classifies a tally of complete votes (or votes frozen by a passed deadline). */
function settledState(agree: number, disagree: number): Exclude<TallyState, 'open'> {
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

function byCastTime(a: Ballot, b: Ballot): number {
	return castTimeOf(a) - castTimeOf(b) || byTime(a, b);
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
		b.deviceTime ?? null
	]);
}

/**
 * The proposal's ballots, one per id; should two differ, the same one wins on every replica.
 * (The content key is computed only on a clash, which a healthy log never has.)
 */
function uniqueBallotsOf(proposal: Proposal, ballots: readonly Ballot[]): Iterable<Ballot> {
	const byId = new Map<string, Ballot>();
	for (const b of ballots) {
		if (b.proposalId !== proposal.id) continue;
		const kept = byId.get(b.id);
		if (!kept || contentKey(b) > contentKey(kept)) byId.set(b.id, b);
	}
	return byId.values();
}

/**
 * The ballot that represents one seat's group of ballots: the latest by HLC, except that a proxy
 * never overrides a ballot its member cast themselves. The others go to `superseded`.
 */
function pickLatest(group: readonly Ballot[], superseded: Ballot[]): Ballot | null {
	let spoke: Set<MemberId> | null = null;
	if (group.some(isProxy)) {
		spoke = new Set();
		for (const b of group) if (!isProxy(b)) spoke.add(b.castFor);
	}
	let pick: Ballot | null = null;
	for (const b of group) {
		if (spoke !== null && isProxy(b) && spoke.has(b.castFor)) {
			superseded.push(b);
		} else if (pick === null || byTime(pick, b) < 0) {
			if (pick !== null) superseded.push(pick);
			pick = b;
		} else {
			superseded.push(b);
		}
	}
	return pick;
}

/**
 * The cast time of the earliest counted ballot at which the counted ballots cast so far already
 * determined `state`; null when they never did on their own (the deadline settled it).
 */
function settledAt(countedBallots: readonly Ballot[], state: TallyState): EpochMs | null {
	const prefix = { agree: 0, disagree: 0, abstain: 0 };
	for (const b of countedBallots.slice().sort(byCastTime)) {
		prefix[b.choice]++;
		if (stateOf(REACHABLE[tallyKey(prefix.agree, prefix.disagree, prefix.abstain)]!) === state) {
			return castTimeOf(b);
		}
	}
	return null;
}

function emptyGroups(): Record<Role, SeatGroups> {
	return {
		keeper: { current: [], earlier: [] },
		bearer: { current: [], earlier: [] },
		navigator: { current: [], earlier: [] }
	};
}

/** The ballot that counts for each seat, and the tally of those ballots. */
interface SeatCount {
	counted: Record<Role, Ballot | null>;
	countedBallots: Ballot[];
	agree: number;
	disagree: number;
	abstain: number;
}

/** Picks each seat's counted ballot (rules 3 and 4), sorting the rest into the given lists. */
function countSeats(
	groups: Record<Role, SeatGroups>,
	superseded: Ballot[],
	stale: Ballot[]
): SeatCount {
	const count: SeatCount = {
		counted: { keeper: null, bearer: null, navigator: null },
		countedBallots: [],
		agree: 0,
		disagree: 0,
		abstain: 0
	};
	for (const role of ROLES) {
		const { current, earlier } = groups[role];
		const pick = pickLatest(current, superseded);
		if (pick) {
			for (const b of earlier) superseded.push(b);
			count.counted[role] = pick;
			count.countedBallots.push(pick);
			count[pick.choice]++;
		} else {
			const older = pickLatest(earlier, superseded);
			if (older) stale.push(older);
		}
	}
	return count;
}

/**
 * When the outcome became final without the deadline's help, or null if it has not: replaying
 * the eligible ballots in cast order, the first instant at which every seat has a counted ballot
 * on the current revision and the state is not a majority; for a majority, once its outvoted
 * disagree carries a reason and the reflection delay has run out with no ballot cast meanwhile.
 * Ballots cast after it are late. Each prefix depends only on the ballots cast up to it, so the
 * answer does not depend on the order ballots arrived in.
 */
function freezeTime(
	eligible: readonly Ballot[],
	revision: number,
	reflectionDelayMs: number
): EpochMs | null {
	if (eligible.filter((b) => b.revision === revision).length < ROLES.length) return null;
	const inCastOrder = eligible.slice().sort(byCastTime);
	const groups = emptyGroups();
	for (let i = 0; i < inCastOrder.length;) {
		const time = castTimeOf(inCastOrder[i]!);
		for (; i < inCastOrder.length && castTimeOf(inCastOrder[i]!) === time; i++) {
			const b = inCastOrder[i]!;
			const group = groups[b.seat];
			(b.revision === revision ? group.current : group.earlier).push(b);
		}
		const count = countSeats(groups, [], []);
		if (count.countedBallots.length < ROLES.length) continue;
		const state = settledState(count.agree, count.disagree);
		if (state !== 'majority') return time;
		const dissenting = count.countedBallots.find((b) => b.choice === 'disagree')!;
		if (dissenting.reason.trim() === '') continue;
		const reflectionFrom = Math.max(
			settledAt(count.countedBallots, state) ?? time,
			castTimeOf(dissenting)
		);
		const finalAt = reflectionFrom + Math.max(0, reflectionDelayMs);
		const next = i < inCastOrder.length ? castTimeOf(inCastOrder[i]!) : Infinity;
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

/** One seat's eligible ballots, split by whether they were cast on the current revision. */
interface SeatGroups {
	current: Ballot[];
	earlier: Ballot[];
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
): ReferenceOutcome {
	const { deadline, revision } = proposal;
	const deadlinePassed = deadline !== null && now > deadline;

	const invalid: Ballot[] = [];
	const late: Ballot[] = [];
	const superseded: Ballot[] = [];
	const stale: Ballot[] = [];
	const groups = emptyGroups();
	const eligible: Ballot[] = [];

	for (const b of uniqueBallotsOf(proposal, ballots)) {
		if (!isWellFormed(b, revision) || context.holderAt(b.seat, b.at) !== b.castFor) {
			invalid.push(b);
			continue;
		}
		const castAt = castTimeOf(b);
		if (!context.mayActFor(b.castBy, b.castFor, castAt)) {
			invalid.push(b);
		} else if (deadline !== null && castAt > deadline) {
			late.push(b);
		} else {
			eligible.push(b);
		}
	}

	const frozenAt = freezeTime(eligible, revision, proposal.reflectionDelayMs);
	for (const b of eligible) {
		if (frozenAt !== null && castTimeOf(b) > frozenAt) {
			late.push(b);
		} else {
			const group = groups[b.seat];
			(b.revision === revision ? group.current : group.earlier).push(b);
		}
	}

	const { counted, countedBallots, agree, disagree, abstain } = countSeats(
		groups,
		superseded,
		stale
	);

	const reachable = deadlinePassed
		? [settledState(agree, disagree)]
		: REACHABLE[tallyKey(agree, disagree, abstain)]!.slice();
	const tallyState = stateOf(reachable);

	let decidedAt: EpochMs | null = null;
	if (tallyState !== 'open') {
		// Not settled by the ballots alone: the deadline's passing settled it.
		decidedAt = settledAt(countedBallots, tallyState) ?? deadline;
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
		const dissenting = countedBallots.find((b) => b.choice === 'disagree')!;
		const reasonBallot =
			dissenting.reason.trim() !== '' ? dissenting : lateReasonFor(dissenting, late, revision);
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

	const open = proposal.status === 'open';
	return {
		state: open ? tallyState : proposal.status,
		final: open ? final : proposal.status === 'withdrawn',
		decidedAt: open ? decidedAt : null,
		finalAt: open ? finalAt : null,
		reachable: open ? reachable : [],
		deadlinePassed,
		tally: { agree, disagree, abstain, missing: ROLES.length - countedBallots.length },
		counted,
		stale: stale.sort(byTime),
		late: late.sort(byTime),
		superseded: superseded.sort(byTime),
		invalid: invalid.sort(byTime),
		dissent: open ? dissent : null,
		missingDissentReason: open && dissent !== null && dissent.reason === '',
		proxies: countedBallots.filter(isProxy).sort(byTime),
		balanceBroken: open && tallyState === 'majority',
		waitingFor: open && tallyState === 'open' ? ROLES.filter((r) => counted[r] === null) : []
	};
}

/**
 * The latest late `disagree` with a reason by the dissenting member on the same text: a reason
 * given after the deadline changes no vote, so it is accepted as the dissent's reason.
 */
function lateReasonFor(
	dissenting: Ballot,
	late: readonly Ballot[],
	revision: number
): Ballot | undefined {
	let latest: Ballot | undefined;
	for (const b of late) {
		if (
			b.seat === dissenting.seat &&
			b.castFor === dissenting.castFor &&
			b.revision === revision &&
			b.choice === 'disagree' &&
			b.reason.trim() !== '' &&
			(latest === undefined || byTime(latest, b) < 0)
		) {
			latest = b;
		}
	}
	return latest;
}
