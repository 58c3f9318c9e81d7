import * as Y from 'yjs';
import type { ProposalId } from '../domain/ids';
import { PROPOSAL, proposalsMap } from './schema';

/** A run of a proposal's text with the marks the editor offers. */
export interface BodyRun {
	text: string;
	bold: boolean;
	italic: boolean;
}

/**
 * One block of a proposal's text, for showing it without an editor (a view-only device must not
 * bind one: the editor may write to the body on its own, and a viewer writes nothing). Lists keep
 * one line per item; any block this reader does not know reads as a paragraph of its text.
 */
export type BodyBlock =
	| { kind: 'paragraph' | 'heading' | 'quote' | 'code'; runs: BodyRun[] }
	| { kind: 'list'; ordered: boolean; items: BodyRun[][] };

const BLOCK_KIND: Record<string, 'paragraph' | 'heading' | 'quote' | 'code'> = {
	paragraph: 'paragraph',
	heading: 'heading',
	blockquote: 'quote',
	codeBlock: 'code'
};

/** The proposal's text as blocks of marked runs; empty when this replica has no such body. */
export function readBodyBlocks(doc: Y.Doc, proposalId: ProposalId): BodyBlock[] {
	const body = proposalsMap(doc).get(proposalId)?.get(PROPOSAL.body);
	return body instanceof Y.XmlFragment ? readFragmentBlocks(body) : [];
}

/** Any rich-text fragment of the app (a proposal body, an organization's culture) as blocks. */
export function readFragmentBlocks(fragment: Y.XmlFragment): BodyBlock[] {
	return fragment.toArray().map(blockOf);
}

function blockOf(node: Y.XmlElement | Y.XmlText | Y.XmlHook): BodyBlock {
	if (node instanceof Y.XmlElement) {
		const name = node.nodeName;
		if (name === 'bulletList' || name === 'orderedList') {
			return {
				kind: 'list',
				ordered: name === 'orderedList',
				items: node.toArray().map((item) => runsOf(item))
			};
		}
		return { kind: BLOCK_KIND[name] ?? 'paragraph', runs: runsOf(node) };
	}
	return { kind: 'paragraph', runs: runsOf(node) };
}

/** Every run of text inside `node`, nested blocks joined by a space. */
function runsOf(node: Y.XmlElement | Y.XmlText | Y.XmlHook): BodyRun[] {
	if (node instanceof Y.XmlText) {
		const runs: BodyRun[] = [];
		for (const op of node.toDelta() as { insert: unknown; attributes?: object }[]) {
			if (typeof op.insert !== 'string' || op.insert === '') continue;
			const marks = op.attributes ?? {};
			runs.push({ text: op.insert, bold: 'bold' in marks, italic: 'italic' in marks });
		}
		return runs;
	}
	if (!(node instanceof Y.XmlElement)) return [];
	const parts = node.toArray().map(runsOf);
	const runs: BodyRun[] = [];
	for (const part of parts.filter((part) => part.length > 0)) {
		if (runs.length > 0 && node.get(0) instanceof Y.XmlElement) {
			runs.push({ text: ' ', bold: false, italic: false });
		}
		runs.push(...part);
	}
	return runs;
}
