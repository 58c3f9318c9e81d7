import type * as Y from 'yjs';
import type { HybridClock } from '$lib/domain/hlc';
import type { AbsenceId, ActionId, MemberId, ProposalId } from '$lib/domain/ids';
import type { ActionStatus, Choice, EpochMs, Role } from '$lib/domain/model';
import {
	cancelAbsence,
	cancelSignedAbsence,
	declareAbsence,
	declareSignedAbsence
} from '$lib/doc/absences';
import { createAction, updateAction } from '$lib/doc/actions';
import { castBallot, castSignedBallot } from '$lib/doc/ballots';
import { appendLogEntry } from '$lib/doc/keeper-log';
import {
	amendProposal,
	createProposal,
	openProposal,
	proposalBody,
	setLensNote,
	setProposalTitle,
	setSignedLensNote,
	withdrawProposal
} from '$lib/doc/proposals';
import { removeMember } from '$lib/doc/removals';
import { claimSeat, releaseSeat, writeSignedSeatEntry, type SigningContext } from '$lib/doc/seats';
import { latestTimestamp } from '$lib/doc/timestamps';
import { signerOf, type Identity } from '$lib/sync/identity';
import type { WorkspaceHandle } from '$lib/sync/open-workspace';

/** A write attempted before the triad's on-device copy was loaded. */
export class TriadNotLoadedError extends Error {
	constructor() {
		super('This triad is still loading on this device; try again in a moment.');
		this.name = 'TriadNotLoadedError';
	}
}

/**
 * Why a triad takes no writes on this device for good (not just while it loads):
 * - `viewer`: this device holds a view-only link;
 * - `access-changed`: a member changed the triad's access and this device's link is retired;
 *   the local copy stays readable and exportable until a new link brings the device back.
 */
export type ReadOnlyReason = 'viewer' | 'access-changed';

/** A write attempted on a triad this device may only read (see ReadOnlyReason). */
export class TriadReadOnlyError extends Error {
	constructor(readonly reason: ReadOnlyReason) {
		super(
			reason === 'viewer'
				? 'You have view-only access to this triad: you can follow it but not change it.'
				: 'Your access to this triad was changed, so this device can no longer change it. Ask a member for a new invite link.'
		);
		this.name = 'TriadReadOnlyError';
	}
}

/**
 * The writes a member makes in a triad, each one doc-layer call stamped by the device's hybrid
 * logical clock. Before stamping, the clock takes in the latest timestamps of the document, so an
 * event made here after seeing someone's ballot always orders after it, whatever the wall
 * clocks say. Errors from the doc layer (bad input, wrong state) propagate to the caller.
 */
export class TriadWrites {
	readonly #handle: WorkspaceHandle;
	readonly #identity: Identity;
	readonly #clock: HybridClock;
	readonly #readOnly: () => ReadOnlyReason | null;

	/** `readOnly` says why this device may not write, when it may not (see ReadOnlyReason). */
	constructor(
		handle: WorkspaceHandle,
		identity: Identity,
		clock: HybridClock,
		readOnly: () => ReadOnlyReason | null = () => (handle.access === 'viewer' ? 'viewer' : null)
	) {
		this.#handle = handle;
		this.#identity = identity;
		this.#clock = clock;
		this.#readOnly = readOnly;
	}

	/**
	 * The document, once its on-device copy is loaded (stamps need its latest timestamps), and
	 * only on a device that may write: a viewer's write would make the relay close its connection,
	 * and one made with a retired link would never reach anyone.
	 */
	get #doc(): Y.Doc {
		this.#refuseIfReadOnly();
		if (!this.#handle.status.localLoaded) throw new TriadNotLoadedError();
		return this.#handle.doc;
	}

	#refuseIfReadOnly(): void {
		const readOnly = this.#readOnly();
		if (readOnly !== null) throw new TriadReadOnlyError(readOnly);
	}

	/** The clock, caught up with every timestamp in the document. */
	get #stamps(): HybridClock {
		const latest = latestTimestamp(this.#doc, { notAheadOf: Date.now() });
		if (latest !== null) this.#clock.receive(latest);
		return this.#clock;
	}

	/**
	 * How this member signs in this triad. Seat entries and ballots are signed (the rules count
	 * only those whose signature verifies); WebCrypto signs asynchronously, so those writes return
	 * a promise, and are stamped once the signer is ready.
	 */
	async #signing(): Promise<SigningContext | null> {
		const signer = signerOf(this.#identity);
		return signer === null ? null : { signer: await signer, scope: this.#handle.docId };
	}

	// A member without a key (a page without WebCrypto) writes unsigned entries, which count while
	// the triad knows no key for them (see the signature rules).
	async claimSeat(seat: Role): Promise<void> {
		const signing = await this.#signing();
		const member = this.#identity.memberId;
		if (signing === null) claimSeat(this.#doc, this.#stamps, { seat, member });
		else {
			await writeSignedSeatEntry(this.#doc, this.#stamps, { seat, member, kind: 'claim' }, signing);
		}
	}

	async releaseSeat(seat: Role): Promise<void> {
		const signing = await this.#signing();
		const member = this.#identity.memberId;
		if (signing === null) releaseSeat(this.#doc, this.#stamps, { seat, member });
		else {
			await writeSignedSeatEntry(
				this.#doc,
				this.#stamps,
				{ seat, member, kind: 'release' },
				signing
			);
		}
	}

	/** Drafts a proposal and returns its id. */
	createProposal(title: string): ProposalId {
		return createProposal(this.#doc, this.#stamps, {
			title,
			createdBy: this.#identity.memberId
		});
	}

	/** The rich-text body of a proposal, for the collaborative editor (which writes into it). */
	body(proposalId: ProposalId): Y.XmlFragment {
		return proposalBody(this.#doc, proposalId);
	}

	/**
	 * Removes another member: releases their seat and records the removal in the triad's log.
	 * Changing the triad's access, so that their device is cut off, is TriadAccess's part.
	 */
	removeMember(member: MemberId): void {
		removeMember(this.#doc, this.#stamps, { member, by: this.#identity.memberId });
	}

	setTitle(proposalId: ProposalId, title: string): void {
		setProposalTitle(this.#doc, { proposalId, title });
	}

	/** Writes this member's note for `seat`, signed by them (see `vote` for a page without keys). */
	async setLensNote(proposalId: ProposalId, seat: Role, note: string): Promise<void> {
		const signing = await this.#signing();
		if (signing === null) setLensNote(this.#doc, { proposalId, seat, note });
		else await setSignedLensNote(this.#doc, { proposalId, seat, note }, signing);
	}

	/** Opens a draft for voting, with an optional deadline (epoch ms). */
	openForVote(proposalId: ProposalId, deadline: EpochMs | null, reflectionDelayMs = 0): void {
		openProposal(this.#doc, this.#stamps, {
			proposalId,
			deadline,
			reflectionDelayMs,
			now: Date.now()
		});
	}

	/** Starts a new revision of an open proposal: earlier ballots stop counting. */
	amend(proposalId: ProposalId, title?: string): number {
		return amendProposal(this.#doc, this.#stamps, {
			proposalId,
			by: this.#identity.memberId,
			title,
			now: Date.now()
		});
	}

	withdraw(proposalId: ProposalId): void {
		withdrawProposal(this.#doc, { proposalId, now: Date.now() });
	}

	/**
	 * Casts a ballot for `seat`, on behalf of `castFor` (the seat holder; someone else when this
	 * member covers for them, which makes it a proxy ballot). `revision` is the revision of the
	 * text the member was shown, so the ballot never counts for an amendment they did not see.
	 */
	async vote(input: {
		proposalId: ProposalId;
		seat: Role;
		castFor: MemberId;
		choice: Choice;
		reason: string;
		revision: number;
	}): Promise<void> {
		const signing = await this.#signing();
		const ballot = { ...input, castBy: this.#identity.memberId, deviceTime: Date.now() };
		if (signing === null) castBallot(this.#doc, this.#stamps, ballot);
		else await castSignedBallot(this.#doc, this.#stamps, ballot, signing);
	}

	/**
	 * Marks this member away from `from` to `to`, with a cover and a handover note, signed by them:
	 * the cover rule gives the cover a proxy vote only for an absence that verifies.
	 */
	async declareAbsence(input: {
		from: EpochMs;
		to: EpochMs;
		cover: MemberId;
		handover: string;
	}): Promise<AbsenceId> {
		const signing = await this.#signing();
		const absence = { ...input, member: this.#identity.memberId };
		if (signing === null) return declareAbsence(this.#doc, this.#stamps, absence);
		return declareSignedAbsence(this.#doc, this.#stamps, absence, signing);
	}

	/** Cancels this member's absence now, signed as its declaration is. */
	async cancelAbsence(absenceId: AbsenceId): Promise<void> {
		const signing = await this.#signing();
		const input = { absenceId, by: this.#identity.memberId, now: Date.now() };
		if (signing === null) cancelAbsence(this.#doc, input);
		else await cancelSignedAbsence(this.#doc, input, signing);
	}

	appendLog(text: string): void {
		appendLogEntry(this.#doc, this.#stamps, { author: this.#identity.memberId, text });
	}

	createAction(input: {
		title: string;
		proposalId: ProposalId | null;
		owner: MemberId | null;
		due: EpochMs | null;
	}): ActionId {
		return createAction(this.#doc, this.#stamps, input);
	}

	setActionStatus(actionId: ActionId, status: ActionStatus): void {
		updateAction(this.#doc, { actionId, status });
	}

	/**
	 * Merges a checked workspace file of this same triad (see workspace-file.ts) into it. Yjs
	 * merges are idempotent and commutative, so importing a file twice or an older one is harmless.
	 */
	mergeImported(update: Uint8Array): void {
		this.#refuseIfReadOnly();
		this.#handle.mergeUpdate(update);
	}

	/** Records what came of an action (empty clears it). */
	setActionOutcome(actionId: ActionId, outcome: string): void {
		updateAction(this.#doc, { actionId, outcome });
	}
}
