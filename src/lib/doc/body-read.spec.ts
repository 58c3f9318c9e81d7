import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import { readBodyBlocks } from './body-read';
import { createProposal, proposalBody } from './proposals';
import { stepClock } from './testing/step-clock';

const ana = 'anaanaanaanaanaanaana0' as MemberId;

function element(name: string, children: (Y.XmlElement | Y.XmlText)[]): Y.XmlElement {
	const node = new Y.XmlElement(name);
	node.insert(0, children);
	return node;
}

function text(...runs: [string, object?][]): Y.XmlText {
	const node = new Y.XmlText();
	let at = 0;
	for (const [insert, marks] of runs) {
		node.insert(at, insert, marks);
		at += insert.length;
	}
	return node;
}

describe('reading a proposal body without an editor', () => {
	it('gives the paragraphs of a body as written', () => {
		const doc = new Y.Doc();
		const id = createProposal(doc, stepClock('a'), {
			title: 'T',
			createdBy: ana,
			paragraphs: ['Why', 'How']
		});
		expect(readBodyBlocks(doc, id)).toEqual([
			{ kind: 'paragraph', runs: [{ text: 'Why', bold: false, italic: false }] },
			{ kind: 'paragraph', runs: [{ text: 'How', bold: false, italic: false }] }
		]);
		expect(readBodyBlocks(doc, 'nope' as ProposalId)).toEqual([]);
	});

	it('keeps bold and italic runs, lists and unknown blocks as the editor writes them', () => {
		const doc = new Y.Doc();
		const id = createProposal(doc, stepClock('a'), { title: 'T', createdBy: ana });
		const body = proposalBody(doc, id);
		doc.transact(() => {
			body.delete(0, body.length);
			body.insert(0, [
				element('paragraph', [
					text(['plain '], ['strong', { bold: {} }], [' both', { bold: {}, italic: {} }])
				]),
				element('bulletList', [
					element('listItem', [element('paragraph', [text(['one'])])]),
					element('listItem', [
						element('paragraph', [text(['two'])]),
						element('paragraph', [text(['lines'])])
					])
				]),
				element('horizontalRule', []),
				element('heading', [text(['Title'])])
			]);
		});
		const plain = (value: string) => ({ text: value, bold: false, italic: false });
		expect(readBodyBlocks(doc, id)).toEqual([
			{
				kind: 'paragraph',
				runs: [
					plain('plain '),
					{ text: 'strong', bold: true, italic: false },
					{ text: ' both', bold: true, italic: true }
				]
			},
			{
				kind: 'list',
				ordered: false,
				items: [[plain('one')], [plain('two'), plain(' '), plain('lines')]]
			},
			{ kind: 'paragraph', runs: [] },
			{ kind: 'heading', runs: [plain('Title')] }
		]);
	});
});
