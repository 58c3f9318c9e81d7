import type { DocumentId, MemberId, ProposalId } from './ids';
import type { EpochMs, HlcTimestamp, Level } from './model';
import type { SettledState } from './outcome-state';

/**
 * The organization layer: many triads replicated across units, at two levels, sharing one
 * identity, culture and set of resources. Three kinds of document hold it, split by who writes
 * them: the organization document (stewards write, everyone else reads), each triad's private
 * document, and a feed per triad that only its members write. These are the plain records the
 * doc layer reads out of the first and the last.
 */

export type UnitId = string & { readonly __brand: 'UnitId' };
export type ResourceId = string & { readonly __brand: 'ResourceId' };
export type FeedEntryId = string & { readonly __brand: 'FeedEntryId' };
export type EscalationId = string & { readonly __brand: 'EscalationId' };

export const UNIT_KINDS = ['team', 'cohort', 'department'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** The organization's identity, as every triad in it shows it. */
export interface OrganizationIdentity {
	name: string;
	purpose: string;
	createdAt: EpochMs;
	schemaVersion: number;
}

/** Something the organization shares (a link, a document, a budget, a tool) and who holds it. */
export interface Resource {
	id: ResourceId;
	title: string;
	/** A link or a description; free text. */
	detail: string;
	/** Who looks after it, as people name them (not necessarily a member id). */
	holder: string;
	createdAt: HlcTimestamp | null;
}

/**
 * A unit as stored: its parent edge carries the stamp of the write that set it, which is what
 * the tree rule (`resolveUnitTree`) uses to break a cycle that concurrent moves made.
 */
export interface UnitRecord {
	id: UnitId;
	name: string;
	kind: UnitKind;
	/** Null for a unit directly under the organization. */
	parent: UnitId | null;
	/** When `parent` was last set; null when the stored value is not a timestamp. */
	parentAt: HlcTimestamp | null;
	createdAt: HlcTimestamp | null;
}

/** A unit placed in the tree: its parent is a unit that exists, and no cycle leads through it. */
export interface Unit extends Omit<UnitRecord, 'parent'> {
	parent: UnitId | null;
	/** Why the stored parent was not followed, if it was not. */
	detached: 'cycle' | 'missing-parent' | null;
	/** Distance from the organization: 0 for a top-level unit. */
	depth: number;
}

/** One triad in the organization's register. */
export interface RegisteredTriad {
	/** The triad's document id. */
	id: DocumentId;
	name: string;
	unit: UnitId | null;
	level: Level;
	/** The strategic triad an operational triad reports to; null for none (or a strategic one). */
	reportsTo: DocumentId | null;
	/** The document id of the triad's feed (see `feedIdFor` in the sync layer). */
	feed: DocumentId;
	registeredAt: HlcTimestamp | null;
}

/** A final decision as a triad publishes it: one line of each, nothing of the deliberation. */
export interface PublishedDecision {
	kind: 'decision';
	id: FeedEntryId;
	proposalId: ProposalId;
	title: string;
	outcome: SettledState;
	balanceBroken: boolean;
	/** The dissent in one line ("Navigator: too early"), empty without one. */
	dissent: string;
	/** When the decision became final (or was settled, when there is no final time). */
	decidedAt: EpochMs;
}

/** How a triad is doing, at one moment. */
export interface TriadHealth {
	kind: 'health';
	id: FeedEntryId;
	/** Seats held, 0 to 3. */
	seatsFilled: number;
	/** consensus / (consensus + majority) over final decisions, null before any. */
	consensusShare: number | null;
	coversActive: number;
	actionsOverdue: number;
	at: EpochMs;
}

/** An operational triad raising something to its strategic triad, written in its own feed. */
export interface EscalationRaised {
	kind: 'escalation';
	id: FeedEntryId;
	escalation: EscalationId;
	title: string;
	/** What the strategic triad is asked to decide, and why. */
	text: string;
	/** The triad's own proposal it comes from, if any. */
	proposalId: ProposalId | null;
	raisedBy: MemberId;
	raisedAt: HlcTimestamp;
}

export const ESCALATION_ANSWERS = ['accepted', 'decided'] as const;
export type EscalationAnswerKind = (typeof ESCALATION_ANSWERS)[number];

/**
 * The strategic triad's answer, written in the strategic triad's own feed: it `accepted` the
 * escalation as one of its proposals, then `decided` it with the usual rule.
 */
export interface EscalationAnswer {
	kind: 'answer';
	id: FeedEntryId;
	escalation: EscalationId;
	/** The feed the escalation was raised in. */
	fromFeed: DocumentId;
	answer: EscalationAnswerKind;
	/** The strategic triad's proposal that decides it. */
	proposalId: ProposalId | null;
	/** On `decided`: the outcome and its reason, as the operational triad shows them. */
	outcome: SettledState | null;
	reason: string;
	at: HlcTimestamp;
}

export type FeedEntry = PublishedDecision | TriadHealth | EscalationRaised | EscalationAnswer;
