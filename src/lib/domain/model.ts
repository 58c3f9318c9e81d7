import type { AbsenceId, ActionId, BallotId, LogEntryId, MemberId, ProposalId } from './ids';

/** The three seats of a triad, in the order the app shows them. */
export const ROLES = ['keeper', 'bearer', 'navigator'] as const;
/** Keeper holds information, Bearer innovation, Navigator impact. */
export type Role = (typeof ROLES)[number];

export const CHOICES = ['agree', 'disagree', 'abstain'] as const;
/** `abstain` means "stand aside": it neither supports nor blocks. */
export type Choice = (typeof CHOICES)[number];

export const LEVELS = ['strategic', 'operational'] as const;
export type Level = (typeof LEVELS)[number];

export const PROPOSAL_STATUSES = ['draft', 'open', 'withdrawn'] as const;
/** Whether a proposal collects ballots. Decided-ness is derived by the decision rule, not stored. */
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const ACTION_STATUSES = ['todo', 'doing', 'done', 'dropped'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/**
 * A hybrid logical clock timestamp in its encoded form (see `hlc.ts`). The encoding sorts
 * lexicographically in causal-then-wall-clock order, so it can be compared as a string and stored
 * as one in Yjs.
 */
export type HlcTimestamp = string & { readonly __brand: 'HlcTimestamp' };

/** Milliseconds since the Unix epoch, as read from a device clock. */
export type EpochMs = number;

/** The triad's identity as shown to members. */
export interface WorkspaceMeta {
	name: string;
	purpose: string;
	level: Level;
	/** The organizational unit (team, cohort, department) this triad belongs to. */
	unit: string;
	/** The schema version the document was last written with; readers accept older ones. */
	schemaVersion: number;
	createdAt: EpochMs;
}

export interface Member {
	id: MemberId;
	name: string;
	joinedAt: EpochMs;
}

/**
 * One entry of the seat log. Seats are claimed and released by appending, so two members who
 * claim the same seat offline both keep their entry and a pure rule picks the holder.
 */
export interface SeatClaim {
	seat: Role;
	member: MemberId;
	kind: 'claim' | 'release';
	at: HlcTimestamp;
	/**
	 * The latest seat-log timestamp the writer's device held when it wrote this entry (null when
	 * the log was empty, absent on entries written before it was recorded). The seat rule never
	 * orders an entry before something its writer had seen, whatever its own stamp says.
	 */
	seen?: HlcTimestamp | null;
	signature?: SignatureStatus;
}

/**
 * What the doc layer found out about a record's signature (see `signatures.ts`):
 * - `verified`: signed, and the signature verifies with its writer's published key;
 * - `unsigned`: no signature, by a member with no published key or one their key publication
 *   vouches for (records written before signing existed): it counts;
 * - `not-verifiable`: a signature that does not verify, a signature by a member with no published
 *   key, or no signature from a member whose key is published: it never counts;
 * - `pending`: signed, and the check has not finished yet: it does not count until it has.
 * Absent on records made outside a document (domain tests, fixtures): counts as `unsigned`.
 */
export type SignatureStatus = 'verified' | 'unsigned' | 'not-verifiable' | 'pending';

/** Who holds each seat right now; null when it is free. */
export type SeatHolders = Record<Role, MemberId | null>;

export interface Proposal {
	id: ProposalId;
	title: string;
	status: ProposalStatus;
	/**
	 * 1, plus one per amendment made while the outcome could still change (`effectiveRevision`);
	 * ballots count only for the revision they were cast on.
	 */
	revision: number;
	/** Ballots cast (by the device clock) after this instant are kept but not counted. */
	deadline: EpochMs | null;
	/** How long a majority decision waits before it becomes final, for the triad to reflect. */
	reflectionDelayMs: number;
	createdBy: MemberId;
	/** Null when the stored value is not a timestamp (a corrupt or crafted record). */
	createdAt: HlcTimestamp | null;
	/** When the proposal was last opened for voting; null while a draft. */
	openedAt: HlcTimestamp | null;
	/** Each seat's review of the proposal through its own lens. */
	lensNotes: Record<Role, string>;
	/**
	 * Who signed each seat's note; null for a note without a signature (written before notes were
	 * signed, or by an app that does not sign): shown as unsigned.
	 */
	lensSignatures?: Record<Role, LensNoteSignature | null>;
}

/** One entry of the append-only ballot log. */
export interface Ballot {
	id: BallotId;
	proposalId: ProposalId;
	/** The proposal revision the voter saw. */
	revision: number;
	seat: Role;
	choice: Choice;
	reason: string;
	/** Who pressed the button: the seat holder, or their cover casting a proxy ballot. */
	castBy: MemberId;
	/** The seat holder the ballot is for. Equal to castBy unless it is a proxy ballot. */
	castFor: MemberId;
	/** The voter's hybrid logical clock when the ballot was cast: orders a seat's ballots. */
	at: HlcTimestamp;
	/**
	 * The voter's device clock when the ballot was cast, untouched by HLC merges: judges the
	 * deadline (see `castTimeOf`). Absent when the stored value is not a time (a peer can write
	 * any record); the wall part of `at` stands in for it then.
	 */
	deviceTime?: EpochMs;
	/** Whether `castBy` signed it (see `SignatureStatus`); only verified and unsigned count. */
	signature?: SignatureStatus;
}

/** A member's declared absence, with the member who covers for them. */
export interface Absence {
	id: AbsenceId;
	member: MemberId;
	/** Start of the absence, inclusive. */
	from: EpochMs;
	/** End of the absence, exclusive. */
	to: EpochMs;
	cover: MemberId;
	handover: string;
	/** Null when the stored value is not a timestamp (a corrupt or crafted record). */
	createdAt: HlcTimestamp | null;
	cancelled: boolean;
	/**
	 * When the member cancelled the absence (device time), or null. The cover keeps what they did
	 * before it: a cancelled absence grants cover over [from, min(to, cancelledAt)). A record with
	 * `cancelled: true` and no time (a peer can write one) grants nothing: nobody can tell when it
	 * ended.
	 */
	cancelledAt: EpochMs | null;
	/**
	 * Whether `member` signed the absence as declared (who covers, when, the handover note): an
	 * absence counts for the cover rule only when verified or unsigned (`cover.ts`).
	 */
	signature?: SignatureStatus;
	/**
	 * Whether `member` signed the cancellation; absent while it is not cancelled. A cancellation
	 * that does not count leaves the absence in force as declared.
	 */
	cancellationSignature?: SignatureStatus;
}

/**
 * Who signed a seat's review note on a proposal, and how that checked. The note itself carries no
 * weight in any rule; the screen says whether the member it names wrote it.
 */
export interface LensNoteSignature {
	by: MemberId;
	signature: SignatureStatus;
}

/** An entry of the Keeper's log: the triad's shared record of context and events. */
export interface LogEntry {
	id: LogEntryId;
	author: MemberId;
	at: HlcTimestamp;
	text: string;
	/**
	 * On the record of a member's removal: the member `author` removed (see membership.ts). Its
	 * `text` says the same in words, for versions of the app that show it as a plain entry.
	 */
	removed?: MemberId;
}

/** Something to do because of a decision, owned by one member (the Navigator's lens). */
export interface Action {
	id: ActionId;
	proposalId: ProposalId | null;
	title: string;
	owner: MemberId | null;
	due: EpochMs | null;
	status: ActionStatus;
	outcome: string;
	/** Null when the stored value is not a timestamp (a corrupt or crafted record). */
	createdAt: HlcTimestamp | null;
}
