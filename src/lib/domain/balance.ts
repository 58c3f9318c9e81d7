import { grantEnd } from './cover';
import type { Outcome } from './decision';
import type { MemberId } from './ids';
import type { Absence, Ballot, EpochMs } from './model';
import { ROLES } from './model';
import { isSettled, type SettledState } from './outcome-state';
import { signatureCounts } from './signatures';

/**
 * Balance statistics: how a triad decides, so that a balance broken by majorities shows rather
 * than hides (share of consensus, who is outvoted, by which pair, who is covered for). Only
 * final outcomes count (consensus,
 * majority, rejected, no-decision); open, draft and withdrawn proposals, and majorities still
 * waiting for a reason or their reflection delay, are left out until they settle.
 *
 * "Outvoted" means a member stood alone against the other two: the disagree of a majority
 * (their objection was passed over) or the agree of a rejection where the other two disagreed
 * (their support was blocked). The two on the other side are the pair that outvoted them.
 * Members are identified by whom each counted ballot was cast for, so a proxy disagree by a
 * cover counts as the absent member being outvoted.
 */

export interface OutvotedCount {
	member: MemberId;
	/** Majorities that passed over this member's disagree. */
	inMajority: number;
	/** Rejections that blocked this member's lone agree. */
	inRejection: number;
	total: number;
}

export interface PairCount {
	/** The two members who outvoted the third, in id order. */
	pair: [MemberId, MemberId];
	outvoted: MemberId;
	count: number;
}

export interface CoveredCount {
	member: MemberId;
	/** Counted ballots a cover cast for this member. */
	proxyBallots: number;
	/** Absences the member marked, except those cancelled before they began. */
	absences: number;
	/** Total length of those absences, each up to its end or its cancelling. */
	absentMs: EpochMs;
}

export interface BalanceStats {
	/** Final outcomes taken into account. */
	decided: number;
	counts: Record<SettledState, number>;
	/** consensus / (consensus + majority): how often a passed decision kept the balance. */
	consensusShare: number | null;
	/** Members outvoted at least once, most often first. */
	outvoted: OutvotedCount[];
	/** Pairs that outvoted a third member at least once, most often first. */
	pairs: PairCount[];
	/** Members covered for at least once, by proxy ballot or absence, in id order. */
	coveredFor: CoveredCount[];
}

/** Whether an outcome counts: settled, and final, so that it is never taken back. */
function countsInBalance(o: Outcome): o is Outcome & { state: SettledState } {
	return o.final && isSettled(o.state);
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Who stood alone against whom in one settled outcome, if anyone did. */
function loneVoice(o: Outcome): { outvoted: Ballot; pair: [Ballot, Ballot] } | null {
	const counted = ROLES.map((r) => o.counted[r]).filter((b): b is Ballot => b !== null);
	const lonely = o.state === 'majority' ? 'disagree' : o.state === 'rejected' ? 'agree' : null;
	const majority = o.state === 'majority' ? 'agree' : 'disagree';
	if (lonely === null || counted.length !== 3) return null;
	const alone = counted.filter((b) => b.choice === lonely);
	const others = counted.filter((b) => b.choice === majority);
	if (alone.length !== 1 || others.length !== 2) return null;
	const members = new Set(counted.map((b) => b.castFor));
	if (members.size !== 3) return null;
	return { outvoted: alone[0]!, pair: [others[0]!, others[1]!] };
}

/** Computes the balance statistics of a triad from its proposals' outcomes and absences. */
export function balanceOf(
	outcomes: readonly Outcome[],
	absences: readonly Absence[] = []
): BalanceStats {
	const settled = outcomes.filter(countsInBalance);
	const counts: Record<SettledState, number> = {
		consensus: 0,
		majority: 0,
		rejected: 0,
		'no-decision': 0
	};
	const outvoted = new Map<MemberId, OutvotedCount>();
	const pairs = new Map<string, PairCount>();
	const covered = new Map<MemberId, CoveredCount>();
	const coveredEntry = (member: MemberId) => {
		let entry = covered.get(member);
		if (!entry) {
			entry = { member, proxyBallots: 0, absences: 0, absentMs: 0 };
			covered.set(member, entry);
		}
		return entry;
	};

	for (const o of settled) {
		counts[o.state] += 1;
		for (const proxy of o.proxies) coveredEntry(proxy.castFor).proxyBallots += 1;

		const lone = loneVoice(o);
		if (!lone) continue;
		const member = lone.outvoted.castFor;
		const entry = outvoted.get(member) ?? { member, inMajority: 0, inRejection: 0, total: 0 };
		if (o.state === 'majority') entry.inMajority += 1;
		else entry.inRejection += 1;
		entry.total += 1;
		outvoted.set(member, entry);

		const pair = lone.pair.map((b) => b.castFor).sort(byId) as [MemberId, MemberId];
		const key = `${pair[0]}+${pair[1]}>${member}`;
		const pairEntry = pairs.get(key) ?? { pair, outvoted: member, count: 0 };
		pairEntry.count += 1;
		pairs.set(key, pairEntry);
	}

	const seenAbsences = new Set<string>();
	for (const a of absences) {
		const end = grantEnd(a);
		// An absence that does not verify made nobody absent (see the cover rule).
		if (!(a.from < end) || seenAbsences.has(a.id) || !signatureCounts(a.signature)) continue;
		seenAbsences.add(a.id);
		const entry = coveredEntry(a.member);
		entry.absences += 1;
		entry.absentMs += end - a.from;
	}

	const passed = counts.consensus + counts.majority;
	return {
		decided: settled.length,
		counts,
		consensusShare: passed === 0 ? null : counts.consensus / passed,
		outvoted: [...outvoted.values()].sort((a, b) => b.total - a.total || byId(a.member, b.member)),
		pairs: [...pairs.values()].sort(
			(a, b) =>
				b.count - a.count ||
				byId(a.pair[0], b.pair[0]) ||
				byId(a.pair[1], b.pair[1]) ||
				byId(a.outvoted, b.outvoted)
		),
		coveredFor: [...covered.values()].sort((a, b) => byId(a.member, b.member))
	};
}
