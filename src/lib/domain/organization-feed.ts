import type { Outcome } from './decision';
import { coverAt } from './cover';
import type { DocumentId, ProposalId } from './ids';
import { ROLE_LABEL } from './labels';
import type { Absence, Action, EpochMs, HlcTimestamp, Proposal, SeatHolders } from './model';
import { ROLES } from './model';
import type {
	EscalationAnswer,
	EscalationId,
	EscalationRaised,
	FeedEntry,
	FeedEntryId,
	PublishedDecision,
	TriadHealth
} from './organization';
import { isDecided, isSettled, type SettledState } from './outcome-state';

/*
 * What a triad's feed says, as pure rules: what would leave the triad (its members see exactly
 * this before they opt in), what is new since the feed was last written, and the state of an
 * escalation from the records of both triads.
 */

/** What a triad would publish at one moment: its final decisions and its health. */
export interface Publication {
	decisions: PublishedDecision[];
	health: TriadHealth;
}

/** What publication reads of a triad. Names of members never leave it: seats stand in for them. */
export interface PublicationInput {
	decided: readonly { proposal: Proposal; outcome: Outcome }[];
	seats: SeatHolders;
	absences: readonly Absence[];
	actions: readonly Action[];
	/** consensus / (consensus + majority) over final decisions (`balanceOf`), null before any. */
	consensusShare: number | null;
	now: EpochMs;
}

/** The longest dissent line published; the full reason stays in the triad. */
export const DISSENT_LINE_MAX = 200;

/** The id of the entry that publishes a proposal's decision: the same on every member's device. */
export function decisionEntryId(proposalId: ProposalId): FeedEntryId {
	return `decision:${proposalId}` as FeedEntryId;
}

/**
 * The feed a triad would publish at `now`. A decision is published once it is decided (settled
 * and final, or its deadline passed): never a draft, an open vote, a withdrawn proposal, the
 * ballots or who cast them. Its dissent is one line: the dissenting seat and the first line of
 * its reason.
 */
export function publicationOf(input: PublicationInput): Publication {
	const decisions: PublishedDecision[] = [];
	for (const { proposal, outcome } of input.decided) {
		if (!isDecided(outcome)) continue;
		const decidedAt = outcome.finalAt ?? outcome.decidedAt;
		if (decidedAt === null) continue;
		decisions.push({
			kind: 'decision',
			id: decisionEntryId(proposal.id),
			proposalId: proposal.id,
			title: proposal.title,
			outcome: outcome.state as SettledState,
			balanceBroken: outcome.balanceBroken,
			dissent: outcome.dissent === null ? '' : dissentLine(outcome.dissent),
			decidedAt
		});
	}
	decisions.sort((a, b) => a.decidedAt - b.decidedAt || compare(a.id, b.id));
	const health: TriadHealth = {
		kind: 'health',
		id: `health:${input.now}` as FeedEntryId,
		seatsFilled: ROLES.filter((role) => input.seats[role] !== null).length,
		consensusShare: input.consensusShare,
		coversActive: coverAt(input.absences, input.now).length,
		actionsOverdue: input.actions.filter(
			(a) => a.due !== null && a.due < input.now && (a.status === 'todo' || a.status === 'doing')
		).length,
		at: input.now
	};
	return { decisions, health };
}

function dissentLine(dissent: NonNullable<Outcome['dissent']>): string {
	const reason = dissent.reason.trim().split('\n', 1)[0]!.trim();
	const line = reason === '' ? ROLE_LABEL[dissent.seat] : `${ROLE_LABEL[dissent.seat]}: ${reason}`;
	return line.length > DISSENT_LINE_MAX ? `${line.slice(0, DISSENT_LINE_MAX - 1)}…` : line;
}

/**
 * What to append to a feed that already holds `published`: the decisions it lacks (by entry id,
 * so two members' devices publishing the same decision write the same id, and a reader keeps the
 * first), and the health when it differs from the latest health in the feed. Publishing the
 * same publication twice appends nothing the second time.
 */
export function newFeedEntries(
	published: readonly FeedEntry[],
	publication: Publication
): FeedEntry[] {
	const ids = new Set(published.map((entry) => entry.id));
	const fresh: FeedEntry[] = publication.decisions.filter((d) => !ids.has(d.id));
	const latest = latestHealth(published);
	if (latest === null || !sameHealth(latest, publication.health)) fresh.push(publication.health);
	return fresh;
}

/** The most recent health entry of a feed, or null. */
export function latestHealth(entries: readonly FeedEntry[]): TriadHealth | null {
	let latest: TriadHealth | null = null;
	for (const entry of entries) {
		if (entry.kind !== 'health') continue;
		if (
			latest === null ||
			entry.at > latest.at ||
			(entry.at === latest.at && entry.id > latest.id)
		) {
			latest = entry;
		}
	}
	return latest;
}

function sameHealth(a: TriadHealth, b: TriadHealth): boolean {
	return (
		a.seatsFilled === b.seatsFilled &&
		a.consensusShare === b.consensusShare &&
		a.coversActive === b.coversActive &&
		a.actionsOverdue === b.actionsOverdue
	);
}

/** An escalation as both triads see it: the join of the raising and the answering feed. */
export interface EscalationState {
	escalation: EscalationId;
	title: string;
	text: string;
	/** The raising triad's proposal it concerns; null for a tension. */
	proposalId: ProposalId | null;
	raisedAt: HlcTimestamp;
	/** raised: not answered yet; accepted: a proposal upstream; decided: with `outcome`. */
	state: 'raised' | 'accepted' | 'decided';
	/** The strategic triad's proposal, once accepted. */
	upstreamProposal: ProposalId | null;
	outcome: SettledState | null;
	reason: string;
	answeredAt: HlcTimestamp | null;
}

const ANSWER_RANK = { accepted: 1, decided: 2 } as const;

/**
 * The state of each escalation raised in the feed `raisedIn`, from its entries (`raised`) and the
 * answers in the feed of the strategic triad it reports to (`answers`). Only answers that name
 * `raisedIn` and an escalation raised there count, so a strategic triad cannot answer for
 * another feed's escalation by reusing its id. A decision outranks an acceptance; among answers
 * of one kind the earliest stands (a decision upstream is a record, not something a later entry
 * rewrites), ties broken by entry id. The result does not depend on the order of either list.
 * Newest escalation first.
 */
export function escalationStates(
	raisedIn: DocumentId,
	raised: readonly EscalationRaised[],
	answers: readonly EscalationAnswer[]
): EscalationState[] {
	const first = new Map<EscalationId, EscalationRaised>();
	for (const entry of raised) {
		const seen = first.get(entry.escalation);
		if (
			!seen ||
			entry.raisedAt < seen.raisedAt ||
			(entry.raisedAt === seen.raisedAt && entry.id < seen.id)
		) {
			first.set(entry.escalation, entry);
		}
	}
	const standing = new Map<EscalationId, EscalationAnswer>();
	for (const answer of answers) {
		if (answer.fromFeed !== raisedIn || !first.has(answer.escalation)) continue;
		if (answer.answer === 'decided' && answer.outcome === null) continue;
		const held = standing.get(answer.escalation);
		if (!held || outranks(answer, held)) standing.set(answer.escalation, answer);
	}
	return [...first.values()]
		.map((entry): EscalationState => {
			const answer = standing.get(entry.escalation) ?? null;
			return {
				escalation: entry.escalation,
				title: entry.title,
				text: entry.text,
				proposalId: entry.proposalId,
				raisedAt: entry.raisedAt,
				state: answer === null ? 'raised' : answer.answer,
				upstreamProposal: answer?.proposalId ?? null,
				outcome: answer?.answer === 'decided' ? answer.outcome : null,
				reason: answer?.answer === 'decided' ? answer.reason : '',
				answeredAt: answer?.at ?? null
			};
		})
		.sort((a, b) => compare(b.raisedAt, a.raisedAt) || compare(a.escalation, b.escalation));
}

function outranks(a: EscalationAnswer, b: EscalationAnswer): boolean {
	const rank = ANSWER_RANK[a.answer] - ANSWER_RANK[b.answer];
	if (rank !== 0) return rank > 0;
	if (a.at !== b.at) return a.at < b.at;
	return a.id < b.id;
}

/**
 * Who may raise an escalation: any member of the operational triad, from its own feed (only its
 * members hold that feed's secret). The strategic triad then decides it with the usual rule, so
 * no single member of either triad settles it alone.
 *
 * What the strategic triad does next about an escalation, given the outcome of the proposal it
 * accepted it as (null when that proposal is not on this device yet):
 * - `accept`: raised, not answered: make it one of the strategic triad's proposals;
 * - `wait`: accepted, its proposal not decided yet (or not here yet);
 * - `record`: its proposal is decided: send the outcome back;
 * - `done`: the decision went back.
 */
export type UpstreamStep = 'accept' | 'wait' | 'record' | 'done';

export function upstreamStep(
	state: Pick<EscalationState, 'state'>,
	upstream: Pick<Outcome, 'state' | 'final' | 'deadlinePassed'> | null
): UpstreamStep {
	if (state.state === 'raised') return 'accept';
	if (state.state === 'decided') return 'done';
	return upstream !== null && isDecided(upstream) ? 'record' : 'wait';
}

/**
 * The outcome to send back for a decided upstream proposal: its settled state; null while it is
 * not decided, so nothing undecided is ever reported as the answer.
 */
export function upstreamOutcome(
	upstream: Pick<Outcome, 'state' | 'final' | 'deadlinePassed'>
): SettledState | null {
	return isDecided(upstream) && isSettled(upstream.state) ? upstream.state : null;
}

/**
 * The escalations raised to a strategic triad: for each operational feed it reads, that feed's
 * escalations joined with the answers in the strategic triad's own feed. Newest first.
 */
export function escalationsUpstream(
	feeds: readonly { triad: DocumentId; feed: DocumentId; entries: readonly FeedEntry[] }[],
	ownEntries: readonly FeedEntry[]
): (EscalationState & { triad: DocumentId; feed: DocumentId })[] {
	const answers = ownEntries.filter((e): e is EscalationAnswer => e.kind === 'answer');
	return feeds
		.flatMap(({ triad, feed, entries }) =>
			escalationStates(
				feed,
				entries.filter((e): e is EscalationRaised => e.kind === 'escalation'),
				answers
			).map((state) => ({ ...state, triad, feed }))
		)
		.sort((a, b) => compare(b.raisedAt, a.raisedAt) || compare(a.escalation, b.escalation));
}

/** One published decision with the triad it comes from, for a strategic triad's combined feed. */
export interface FeedDecision extends PublishedDecision {
	triad: DocumentId;
}

/** The decisions of several feeds as one list, newest first, each decision once per triad. */
export function combinedDecisions(
	feeds: readonly { triad: DocumentId; entries: readonly FeedEntry[] }[]
): FeedDecision[] {
	const all: FeedDecision[] = [];
	for (const { triad, entries } of feeds) {
		const seen = new Set<FeedEntryId>();
		for (const entry of entries) {
			if (entry.kind !== 'decision' || seen.has(entry.id)) continue;
			seen.add(entry.id);
			all.push({ ...entry, triad });
		}
	}
	return all.sort(
		(a, b) => b.decidedAt - a.decidedAt || compare(a.triad, b.triad) || compare(a.id, b.id)
	);
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
