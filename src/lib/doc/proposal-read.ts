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
import { asRecord, compareStrings, finiteOr, oneOf, stringOr } from './parse';
import { PROPOSAL, proposalsMap } from './schema';

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

/** The amendment log's entries; entries without a well-formed timestamp are skipped. */
function readAmendments(proposal: Y.Map<unknown>): AmendmentStamp[] {
	const log = proposal.get(PROPOSAL.amendments);
	if (!(log instanceof Y.Array)) return [];
	const stamps: AmendmentStamp[] = [];
	for (const entry of log.toArray()) {
		const record = asRecord(entry);
		const at = parseHlc(record?.get('at'));
		if (!record || !at) continue;
		const deviceTime = finiteOr(record.get('deviceTime'), null);
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

/** Every proposal, oldest first (by creation timestamp, then id, the same on every replica). */
export function listProposals(doc: Y.Doc): Proposal[] {
	return readProposalsWith(doc, () => {
		const ballots = ballotsByProposal(doc);
		return { context: decisionContextOf(doc), ballotsOf: (id) => ballots.get(id) ?? [] };
	});
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
	if (!(proposal instanceof Y.Map)) return null;
	const read = toProposal(proposalId, proposal);
	const amendments = readAmendments(proposal);
	if (amendments.length > 0) {
		const { context, ballotsOf } = inputs();
		read.revision = effectiveRevision(context, read, amendments, ballotsOf(proposalId));
	}
	return read;
}

/**
 * `listProposals` for a caller that has read the ballots and context already, or will anyway:
 * `inputs` is called at most once, and only when some proposal was amended.
 */
export function readProposalsWith(doc: Y.Doc, inputs: () => RevisionInputs): Proposal[] {
	const proposals: Proposal[] = [];
	let revisionInputs: RevisionInputs | undefined;
	for (const [key, proposal] of proposalsMap(doc).entries()) {
		if (!(proposal instanceof Y.Map)) continue;
		const id = key as ProposalId;
		const read = toProposal(id, proposal);
		const amendments = readAmendments(proposal);
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

/** The proposal's fields as stored, at revision 1: the callers apply the amendment log. */
function toProposal(id: ProposalId, proposal: Y.Map<unknown>): Proposal {
	const title = proposal.get(PROPOSAL.title);
	return {
		id,
		title: title instanceof Y.Text ? title.toString() : stringOr(title, ''),
		status: readProposalStatus(proposal),
		revision: 1,
		deadline: finiteOr(proposal.get(PROPOSAL.deadline), null),
		reflectionDelayMs: finiteOr(proposal.get(PROPOSAL.reflectionDelayMs), 0),
		createdBy: stringOr(proposal.get(PROPOSAL.createdBy), '') as MemberId,
		createdAt: parseHlc(proposal.get(PROPOSAL.createdAt)),
		openedAt: parseHlc(proposal.get(PROPOSAL.openedAt)),
		lensNotes: readLens(proposal.get(PROPOSAL.lens))
	};
}

function readLens(lens: unknown): Record<Role, string> {
	const notes = { keeper: '', bearer: '', navigator: '' };
	if (!(lens instanceof Y.Map)) return notes;
	for (const seat of ROLES) notes[seat] = stringOr(lens.get(seat), '');
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
