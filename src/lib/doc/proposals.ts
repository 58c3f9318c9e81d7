import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import { ROLES, type EpochMs, type Role } from '../domain/model';
import { isDecided } from '../domain/outcome-state';
import { lensNoteMessage } from '../domain/signatures';
import { InvalidInputError, InvalidTransitionError } from './errors';
import { signatureKey } from './lens-notes';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { outcomeOf } from './outcome';
import { proposalMapOf, readProposal, readProposalStatus } from './proposal-read';
import { PROPOSAL, proposalsMap } from './schema';
import type { SigningContext } from './seats';
import { publishKeyIn, rememberSlotVerdict } from './signing-keys';
import { replaceText } from './text-diff';
import {
	NOTE_MAX,
	TITLE_MAX,
	optionalText,
	requireDuration,
	requireId,
	requireInstant,
	requireOneOf,
	requireText
} from './validate';
import { transactWrite } from './version';

export { proposalMapOf } from './proposal-read';

/** The element name TipTap's paragraph node uses inside a Y.XmlFragment. */
const PARAGRAPH = 'paragraph';

export interface NewProposal {
	title: string;
	createdBy: MemberId;
	/**
	 * Initial body as plain paragraphs; the editor takes over from there. Without any, the body
	 * starts as one empty paragraph.
	 */
	paragraphs?: string[];
	/** Lets tests and imports choose the id; a random one is minted otherwise. */
	id?: ProposalId;
}

/**
 * Creates a draft proposal with every nested type it will ever need (title text, body fragment,
 * amendment log, lens notes) in one transaction, so no two devices ever create them lazily and
 * lose one another's content.
 */
export function createProposal(
	doc: Y.Doc,
	clock: StampSource,
	input: NewProposal,
	origin: unknown = LOCAL_ORIGIN
): ProposalId {
	const title = requireText('title', input.title, TITLE_MAX);
	const createdBy = requireId<MemberId>('createdBy', input.createdBy);
	// Never an empty body: the editor's schema needs a block, and if the first keystroke had to
	// create that block, the block would belong to the typist's undo step. Undoing it emptied the
	// body, the editor wrote its filler paragraph back, and redo added a second one: a blank line
	// above the text. Made here, once, with the proposal, the block is nobody's edit to undo, and
	// two members who start typing at once share it instead of each adding their own.
	const given = input.paragraphs ?? [];
	const paragraphs = (given.length > 0 ? given : ['']).map((text, index) =>
		optionalText(`paragraph ${index + 1}`, text, NOTE_MAX)
	);
	const id = input.id === undefined ? newId<ProposalId>() : requireId<ProposalId>('id', input.id);
	const proposals = proposalsMap(doc);
	if (proposals.has(id)) throw new InvalidInputError(`a proposal with id ${id} already exists`);
	transactWrite(
		doc,
		() => {
			const proposal = new Y.Map<unknown>();
			proposals.set(id, proposal);
			const titleText = new Y.Text();
			const body = new Y.XmlFragment();
			const lens = new Y.Map<string>();
			proposal.set(PROPOSAL.id, id);
			proposal.set(PROPOSAL.title, titleText);
			proposal.set(PROPOSAL.body, body);
			proposal.set(PROPOSAL.amendments, new Y.Array<unknown>());
			proposal.set(PROPOSAL.lens, lens);
			proposal.set(PROPOSAL.status, 'draft');
			proposal.set(PROPOSAL.deadline, null);
			proposal.set(PROPOSAL.reflectionDelayMs, 0);
			proposal.set(PROPOSAL.createdBy, createdBy);
			proposal.set(PROPOSAL.createdAt, clock.now());
			proposal.set(PROPOSAL.openedAt, null);
			titleText.insert(0, title);
			body.insert(0, paragraphs.map(paragraphElement));
		},
		origin
	);
	return id;
}

function paragraphElement(text: string): Y.XmlElement {
	const element = new Y.XmlElement(PARAGRAPH);
	const content = new Y.XmlText();
	content.insert(0, text);
	element.insert(0, [content]);
	return element;
}

/**
 * The proposal's rich-text body, for TipTap's Collaboration extension to bind to. This is the one
 * place the doc layer hands out a Yjs type: the editor writes to it directly.
 */
export function proposalBody(doc: Y.Doc, proposalId: ProposalId): Y.XmlFragment {
	const body = proposalMapOf(doc, proposalId).get(PROPOSAL.body);
	if (!(body instanceof Y.XmlFragment)) {
		throw new InvalidInputError(`proposal ${proposalId} has no body fragment`);
	}
	return body;
}

/** Renames a draft or open proposal, merging with concurrent edits to other parts of the title. */
export function setProposalTitle(
	doc: Y.Doc,
	input: { proposalId: ProposalId; title: string },
	origin: unknown = LOCAL_ORIGIN
): void {
	const title = requireText('title', input.title, TITLE_MAX);
	const proposal = proposalMapOf(doc, input.proposalId);
	refuseWithdrawn(proposal, input.proposalId, 'rename');
	transactWrite(doc, () => writeTitle(proposal, title), origin);
}

/**
 * Writes one seat's review note, unsigned (what a device without a signing key writes). Notes live
 * under their seat's own key, so the three seats never overwrite one another. A signature left
 * beside the note by an earlier signed write is removed with it: it would name the earlier writer
 * for a text they did not write.
 */
export function setLensNote(
	doc: Y.Doc,
	input: { proposalId: ProposalId; seat: Role; note: string },
	origin: unknown = LOCAL_ORIGIN
): void {
	const { seat, note, lens } = lensNoteOf(doc, input);
	transactWrite(
		doc,
		() => {
			lens.set(seat, note);
			if (lens.has(signatureKey(seat))) lens.delete(signatureKey(seat));
		},
		origin
	);
}

/**
 * Writes one seat's review note signed by `signing.signer`, who is named as its writer, publishing
 * their key with it if the triad has none for them yet (see `lens-notes.ts`).
 */
export async function setSignedLensNote(
	doc: Y.Doc,
	input: { proposalId: ProposalId; seat: Role; note: string },
	signing: SigningContext,
	origin: unknown = LOCAL_ORIGIN
): Promise<void> {
	const { seat, note } = lensNoteOf(doc, input);
	const by = signing.signer.member;
	const message = { proposalId: input.proposalId, seat, text: note, by };
	const sig = await signing.signer.sign(lensNoteMessage(signing.scope, message));
	const { lens } = lensNoteOf(doc, input);
	transactWrite(
		doc,
		() => {
			publishKeyIn(doc, by, signing.signer.publicKey);
			lens.set(seat, note);
			lens.set(signatureKey(seat), { by, sig });
		},
		origin
	);
	// Signed here, so known good (see `castSignedBallot`).
	const check = { publicKey: signing.signer.publicKey, fingerprint: lensNoteMessage('', message) };
	rememberSlotVerdict(lens, seat, { ...check, signature: sig }, true);
}

function lensNoteOf(
	doc: Y.Doc,
	input: { proposalId: ProposalId; seat: Role; note: string }
): { seat: Role; note: string; lens: Y.Map<unknown> } {
	const seat = requireOneOf('seat', ROLES, input.seat);
	const note = optionalText('lens note', input.note, NOTE_MAX);
	const proposal = proposalMapOf(doc, input.proposalId);
	refuseWithdrawn(proposal, input.proposalId, 'review');
	const lens = proposal.get(PROPOSAL.lens);
	if (!(lens instanceof Y.Map)) {
		throw new InvalidInputError(`proposal ${input.proposalId} has no lens notes`);
	}
	return { seat, note, lens };
}

export interface OpenForVote {
	proposalId: ProposalId;
	/** Ballots cast after this instant are kept but not counted; null for no deadline. */
	deadline: EpochMs | null;
	/** How long a majority decision waits before it is final; 0 for no wait. */
	reflectionDelayMs?: number;
	/** The device's current time, to refuse a deadline that has already passed. */
	now: EpochMs;
}

/** Opens a draft for voting: sets status `open`, the deadline, reflection delay and `openedAt`. */
export function openProposal(
	doc: Y.Doc,
	clock: StampSource,
	input: OpenForVote,
	origin: unknown = LOCAL_ORIGIN
): void {
	const now = requireInstant('now', input.now);
	const deadline = input.deadline === null ? null : requireInstant('deadline', input.deadline);
	if (deadline !== null && deadline <= now) {
		throw new InvalidInputError('the deadline must be in the future');
	}
	const reflectionDelayMs = requireDuration('reflectionDelayMs', input.reflectionDelayMs ?? 0);
	const proposal = proposalMapOf(doc, input.proposalId);
	const status = readProposalStatus(proposal);
	if (status !== 'draft') {
		throw new InvalidTransitionError(
			`only a draft can be opened for voting; proposal ${input.proposalId} is ${status}`
		);
	}
	transactWrite(
		doc,
		() => {
			proposal.set(PROPOSAL.status, 'open');
			proposal.set(PROPOSAL.deadline, deadline);
			proposal.set(PROPOSAL.reflectionDelayMs, reflectionDelayMs);
			proposal.set(PROPOSAL.openedAt, clock.now());
		},
		origin
	);
}

/**
 * Records an amendment of an open proposal, optionally with a new title, which bumps its revision:
 * ballots cast on the earlier text stop counting until cast again. Amendments are appended to a
 * log rather than counted in a number, so two members amending offline both bump the revision.
 * Refused once the outcome is final or the deadline has passed at `now` (the device time): a
 * decided proposal's text is what was decided. An amendment made offline that races the decision
 * is ignored by the revision rule (`effectiveRevision`) on every replica once it syncs.
 * Returns the revision the proposal is at afterwards.
 */
export function amendProposal(
	doc: Y.Doc,
	clock: StampSource,
	input: { proposalId: ProposalId; by: MemberId; title?: string; now: EpochMs },
	origin: unknown = LOCAL_ORIGIN
): number {
	const by = requireId<MemberId>('by', input.by);
	const now = requireInstant('now', input.now);
	const title = input.title === undefined ? null : requireText('title', input.title, TITLE_MAX);
	const proposal = proposalMapOf(doc, input.proposalId);
	const status = readProposalStatus(proposal);
	if (status !== 'open') {
		throw new InvalidTransitionError(
			status === 'draft'
				? `proposal ${input.proposalId} is a draft: edit it freely, amendments apply once it is open`
				: `proposal ${input.proposalId} is withdrawn and cannot be amended`
		);
	}
	refuseDecided(doc, input.proposalId, now, 'amended');
	const amendments = proposal.get(PROPOSAL.amendments);
	if (!(amendments instanceof Y.Array)) {
		throw new InvalidInputError(`proposal ${input.proposalId} has no amendment log`);
	}
	transactWrite(
		doc,
		() => {
			amendments.push([{ by, at: clock.now(), deviceTime: now }]);
			if (title !== null) writeTitle(proposal, title);
		},
		origin
	);
	return readProposal(doc, input.proposalId)?.revision ?? 1;
}

/**
 * Withdraws a draft or open proposal. Its ballots stay in the log; it no longer collects any.
 * Refused once the outcome is final or the deadline has passed at `now` (the device time): what
 * was decided stays decided.
 */
export function withdrawProposal(
	doc: Y.Doc,
	input: { proposalId: ProposalId; now: EpochMs },
	origin: unknown = LOCAL_ORIGIN
): void {
	const now = requireInstant('now', input.now);
	const proposal = proposalMapOf(doc, input.proposalId);
	refuseWithdrawn(proposal, input.proposalId, 'withdraw');
	if (readProposalStatus(proposal) === 'open') {
		refuseDecided(doc, input.proposalId, now, 'withdrawn');
	}
	transactWrite(doc, () => proposal.set(PROPOSAL.status, 'withdrawn'), origin);
}

/** Refuses to change an open proposal that is decided (`isDecided`) at `now`. */
function refuseDecided(doc: Y.Doc, proposalId: ProposalId, now: EpochMs, verb: string): void {
	const outcome = outcomeOf(doc, proposalId, now);
	if (outcome === null || !isDecided(outcome)) return;
	throw new InvalidTransitionError(
		outcome.deadlinePassed
			? `the deadline of proposal ${proposalId} has passed; it can no longer be ${verb}`
			: `proposal ${proposalId} is decided (${outcome.state}); it can no longer be ${verb}`
	);
}

function refuseWithdrawn(proposal: Y.Map<unknown>, proposalId: ProposalId, verb: string): void {
	if (readProposalStatus(proposal) === 'withdrawn') {
		throw new InvalidTransitionError(`proposal ${proposalId} is withdrawn; cannot ${verb} it`);
	}
}

function writeTitle(proposal: Y.Map<unknown>, title: string): void {
	const current = proposal.get(PROPOSAL.title);
	if (current instanceof Y.Text) replaceText(current, title);
	else proposal.set(PROPOSAL.title, title);
}
