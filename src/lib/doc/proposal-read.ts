import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import {
	PROPOSAL_STATUSES,
	ROLES,
	type HlcTimestamp,
	type Proposal,
	type ProposalStatus,
	type Role
} from '../domain/model';
import { compareStrings, finiteOr, nonEmptyString, oneOf, stringOr } from './parse';
import { PROPOSAL, proposalsMap } from './schema';

/** A proposal's status as stored; an unreadable value reads as `draft`, which collects no ballots. */
export function readProposalStatus(proposal: Y.Map<unknown>): ProposalStatus {
	return oneOf(PROPOSAL_STATUSES, proposal.get(PROPOSAL.status)) ?? 'draft';
}

/** The proposal's current revision: 1, plus one per recorded amendment. */
export function readRevision(proposal: Y.Map<unknown>): number {
	const amendments = proposal.get(PROPOSAL.amendments);
	return 1 + (amendments instanceof Y.Array ? amendments.length : 0);
}

/** One proposal as a plain record, or null when this replica does not have it. */
export function readProposal(doc: Y.Doc, proposalId: ProposalId): Proposal | null {
	const proposal = proposalsMap(doc).get(proposalId);
	return proposal instanceof Y.Map ? toProposal(proposalId, proposal) : null;
}

/** Every proposal, oldest first (by creation timestamp, then id, the same on every replica). */
export function listProposals(doc: Y.Doc): Proposal[] {
	const proposals: Proposal[] = [];
	for (const [id, proposal] of proposalsMap(doc).entries()) {
		if (proposal instanceof Y.Map) proposals.push(toProposal(id as ProposalId, proposal));
	}
	return proposals.sort(
		(a, b) => compareStrings(a.createdAt, b.createdAt) || compareStrings(a.id, b.id)
	);
}

function toProposal(id: ProposalId, proposal: Y.Map<unknown>): Proposal {
	const title = proposal.get(PROPOSAL.title);
	return {
		id,
		title: title instanceof Y.Text ? title.toString() : stringOr(title, ''),
		status: readProposalStatus(proposal),
		revision: readRevision(proposal),
		deadline: finiteOr(proposal.get(PROPOSAL.deadline), null),
		reflectionDelayMs: finiteOr(proposal.get(PROPOSAL.reflectionDelayMs), 0),
		createdBy: stringOr(proposal.get(PROPOSAL.createdBy), '') as MemberId,
		createdAt: stringOr(proposal.get(PROPOSAL.createdAt), '') as HlcTimestamp,
		openedAt: nonEmptyString(proposal.get(PROPOSAL.openedAt)) as HlcTimestamp | null,
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
