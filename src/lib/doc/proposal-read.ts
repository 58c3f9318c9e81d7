import * as Y from 'yjs';
import { parseHlc } from '../domain/hlc';
import type { MemberId, ProposalId } from '../domain/ids';
import {
	PROPOSAL_STATUSES,
	ROLES,
	type Ballot,
	type Proposal,
	type ProposalStatus,
	type Role
} from '../domain/model';
import type { DecisionContext } from '../domain/decision';
import { effectiveRevision, type AmendmentStamp } from '../domain/revision';
import { ballotsByProposal, listBallots } from './ballot-read';
import { decisionContextOf } from './decision-context';
import { NotFoundError } from './errors';
import { NOTE_MAX, TITLE_MAX } from './limits';
import {
	asRecord,
	clip,
	compareStrings,
	durationOr,
	idOr,
	instantOr,
	oneOf,
	textOr
} from './parse';
import { readLensSignatures } from './lens-notes';
import { PROPOSAL, proposalsMap } from './schema';
import { readSigningKeys, type SigningKeys } from './signing-keys';
import type { SetAsideTally } from './set-aside';

/** A proposal's status as stored; an unreadable value reads as `draft`, which collects no ballots. */
export function readProposalStatus(proposal: Y.Map<unknown>): ProposalStatus {
	return oneOf(PROPOSAL_STATUSES, proposal.get(PROPOSAL.status)) ?? 'draft';
}

/** The Y.Map of a proposal, or NotFoundError. */
export function proposalMapOf(doc: Y.Doc, proposalId: ProposalId): Y.Map<unknown> {
	const proposal = proposalsMap(doc).get(proposalId);
	if (!(proposal instanceof Y.Map)) throw new NotFoundError('proposal', proposalId);
	return proposal;
}

/**
 * The amendment log's entries; entries without a well-formed timestamp are set aside, and a device
 * time outside 2000–2200 reads as none (the timestamp's wall time stands in, as for old entries).
 */
function readAmendments(proposal: Y.Map<unknown>, aside?: SetAsideTally): AmendmentStamp[] {
	const log = proposal.get(PROPOSAL.amendments);
	if (!(log instanceof Y.Array)) return [];
	const stamps: AmendmentStamp[] = [];
	for (const entry of log.toArray()) {
		const record = asRecord(entry);
		const at = parseHlc(record?.get('at'));
		if (!record || !at) {
			aside?.add(record?.get('by'));
			continue;
		}
		const deviceTime = instantOr(record.get('deviceTime'), null);
		stamps.push(deviceTime === null ? { at } : { at, deviceTime });
	}
	return stamps;
}

/** Every amendment of every proposal, with a well-formed timestamp; for clock catch-up. */
export function listAmendmentStamps(doc: Y.Doc): AmendmentStamp[] {
	const stamps: AmendmentStamp[] = [];
	for (const proposal of proposalsMap(doc).values()) {
		if (proposal instanceof Y.Map) stamps.push(...readAmendments(proposal));
	}
	return stamps;
}

/**
 * One proposal as a plain record, or null when this replica does not have it. Its revision is
 * the domain's `effectiveRevision`: amendments made after the outcome became final do not count.
 */
export function readProposal(doc: Y.Doc, proposalId: ProposalId): Proposal | null {
	return readProposalWith(doc, proposalId, () => {
		const ballots = listBallots(doc, proposalId);
		return { context: decisionContextOf(doc), ballotsOf: () => ballots };
	});
}

/**
 * Every proposal, oldest first (by creation timestamp, then id, the same on every replica). What
 * is set aside, and why, is `readProposalsWith`'s; ballots are tallied by their own reader.
 */
export function listProposals(doc: Y.Doc, aside?: SetAsideTally): Proposal[] {
	return readProposalsWith(
		doc,
		() => {
			const ballots = ballotsByProposal(doc);
			return { context: decisionContextOf(doc), ballotsOf: (id) => ballots.get(id) ?? [] };
		},
		aside
	);
}

/** What the revision rule needs beyond a proposal's own map: the triad's context and ballots. */
export interface RevisionInputs {
	context: DecisionContext;
	/** The proposal's ballots, in any order. */
	ballotsOf(proposalId: ProposalId): readonly Ballot[];
}

/**
 * `readProposal` for a caller that has read the ballots and context already, or will anyway:
 * `inputs` is called only when the proposal was amended, as most never are.
 */
export function readProposalWith(
	doc: Y.Doc,
	proposalId: ProposalId,
	inputs: () => RevisionInputs
): Proposal | null {
	const proposal = proposalsMap(doc).get(proposalId);
	if (!(proposal instanceof Y.Map) || !idOr(proposalId)) return null;
	const read = toProposal(proposalId, proposal, readSigningKeys(doc));
	const amendments = readAmendments(proposal);
	if (amendments.length > 0) {
		const { context, ballotsOf } = inputs();
		read.revision = effectiveRevision(context, read, amendments, ballotsOf(proposalId));
	}
	return read;
}

/**
 * `listProposals` for a caller that has read the ballots and context already, or will anyway:
 * `inputs` is called at most once, and only when some proposal was amended. A proposal that is
 * not a map, or whose key is not an id, is set aside, and so is each amendment without a
 * timestamp; fields that do not read fall back as `toProposal` says.
 */
export function readProposalsWith(
	doc: Y.Doc,
	inputs: () => RevisionInputs,
	aside?: SetAsideTally
): Proposal[] {
	const proposals: Proposal[] = [];
	let revisionInputs: RevisionInputs | undefined;
	const keys = readSigningKeys(doc);
	for (const [key, proposal] of proposalsMap(doc).entries()) {
		if (!(proposal instanceof Y.Map) || !idOr(key)) {
			aside?.add(proposal instanceof Y.Map ? proposal.get(PROPOSAL.createdBy) : null);
			continue;
		}
		const id = key as ProposalId;
		const read = toProposal(id, proposal, keys);
		const amendments = readAmendments(proposal, aside);
		if (amendments.length > 0) {
			revisionInputs ??= inputs();
			const { context, ballotsOf } = revisionInputs;
			read.revision = effectiveRevision(context, read, amendments, ballotsOf(id));
		}
		proposals.push(read);
	}
	return proposals.sort(
		(a, b) => compareStrings(a.createdAt ?? '', b.createdAt ?? '') || compareStrings(a.id, b.id)
	);
}

/**
 * The proposal's fields as stored, at revision 1: the callers apply the amendment log. A deadline
 * outside 2000–2200 reads as none and a reflection delay outside 0–200 years as none; text longer
 * than a writer stores is cut; a creator that is not an id reads as '' (shown as "a member").
 */
function toProposal(id: ProposalId, proposal: Y.Map<unknown>, keys: SigningKeys): Proposal {
	const title = proposal.get(PROPOSAL.title);
	return {
		id,
		title: title instanceof Y.Text ? clip(title.toString(), TITLE_MAX) : textOr(title, TITLE_MAX),
		status: readProposalStatus(proposal),
		revision: 1,
		deadline: instantOr(proposal.get(PROPOSAL.deadline), null),
		reflectionDelayMs: durationOr(proposal.get(PROPOSAL.reflectionDelayMs), 0),
		createdBy: (idOr(proposal.get(PROPOSAL.createdBy)) ?? '') as MemberId,
		createdAt: parseHlc(proposal.get(PROPOSAL.createdAt)),
		openedAt: parseHlc(proposal.get(PROPOSAL.openedAt)),
		lensNotes: readLens(proposal.get(PROPOSAL.lens)),
		lensSignatures: readLensSignatures(proposal.get(PROPOSAL.lens), id, keys)
	};
}

function readLens(lens: unknown): Record<Role, string> {
	const notes = { keeper: '', bearer: '', navigator: '' };
	if (!(lens instanceof Y.Map)) return notes;
	for (const seat of ROLES) notes[seat] = textOr(lens.get(seat), NOTE_MAX);
	return notes;
}

/** The body as XML text: for exports, tests and search, not for editing. */
export function readBodyXml(doc: Y.Doc, proposalId: ProposalId): string {
	const body = proposalsMap(doc).get(proposalId)?.get(PROPOSAL.body);
	return body instanceof Y.XmlFragment ? body.toString() : '';
}

/** The body as plain text, one line per block. */
export function readBodyText(doc: Y.Doc, proposalId: ProposalId): string {
	const body = proposalsMap(doc).get(proposalId)?.get(PROPOSAL.body);
	if (!(body instanceof Y.XmlFragment)) return '';
	const lines: string[] = [];
	for (const child of body.toArray()) lines.push(plainText(child));
	return lines.join('\n');
}

function plainText(node: Y.XmlElement | Y.XmlText | Y.XmlHook): string {
	if (node instanceof Y.XmlText) {
		// The delta holds the bare text; toString() would wrap formatted runs in tags.
		return (node.toDelta() as { insert: unknown }[])
			.map((op) => (typeof op.insert === 'string' ? op.insert : ''))
			.join('');
	}
	if (node instanceof Y.XmlElement) return node.toArray().map(plainText).join('');
	return '';
}
