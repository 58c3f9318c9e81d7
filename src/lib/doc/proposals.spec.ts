import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import { InvalidInputError, InvalidTransitionError, NotFoundError } from './errors';
import { LOCAL_ORIGIN } from './origin';
import { listProposals, readBodyText, readBodyXml, readProposal } from './proposal-read';
import {
	amendProposal,
	createProposal,
	openProposal,
	proposalBody,
	setLensNote,
	setProposalTitle,
	withdrawProposal
} from './proposals';
import { stepClock } from './testing/step-clock';

const ana = 'ana' as MemberId;
const NOW = 1_700_000_000_000;

function fresh() {
	return { doc: new Y.Doc(), clock: stepClock('a') };
}

describe('createProposal', () => {
	it('creates a draft at revision 1 with its body, title and lens notes', () => {
		const { doc, clock } = fresh();
		const id = createProposal(doc, clock, {
			title: '  Four-day week  ',
			createdBy: ana,
			paragraphs: ['Why', 'How']
		});
		expect(readProposal(doc, id)).toEqual({
			id,
			title: 'Four-day week',
			status: 'draft',
			revision: 1,
			deadline: null,
			reflectionDelayMs: 0,
			createdBy: ana,
			createdAt: expect.any(String),
			openedAt: null,
			lensNotes: { keeper: '', bearer: '', navigator: '' },
			lensSignatures: { keeper: null, bearer: null, navigator: null }
		});
		expect(readBodyXml(doc, id)).toBe('<paragraph>Why</paragraph><paragraph>How</paragraph>');
		expect(readBodyText(doc, id)).toBe('Why\nHow');
	});

	it('starts a body without paragraphs as one empty paragraph, so no edit has to create it', () => {
		const { doc, clock } = fresh();
		const id = createProposal(doc, clock, { title: 'T', createdBy: ana });
		expect(readBodyXml(doc, id)).toBe('<paragraph></paragraph>');
		expect(readBodyText(doc, id)).toBe('');
	});

	it('writes everything in one transaction with the given origin', () => {
		const { doc, clock } = fresh();
		const origins: unknown[] = [];
		doc.on('afterTransaction', (transaction: Y.Transaction) => origins.push(transaction.origin));
		createProposal(doc, clock, { title: 'T', createdBy: ana });
		createProposal(doc, clock, { title: 'U', createdBy: ana }, 'custom');
		expect(origins).toEqual([LOCAL_ORIGIN, 'custom']);
	});

	it('refuses an empty title and a duplicate id', () => {
		const { doc, clock } = fresh();
		expect(() => createProposal(doc, clock, { title: '   ', createdBy: ana })).toThrow(
			InvalidInputError
		);
		const id = 'p1' as ProposalId;
		createProposal(doc, clock, { title: 'T', createdBy: ana, id });
		expect(() => createProposal(doc, clock, { title: 'T', createdBy: ana, id })).toThrow(
			/already exists/
		);
		expect(listProposals(doc)).toHaveLength(1);
	});

	it('hands out the same body fragment the proposal was created with', () => {
		const { doc, clock } = fresh();
		const id = createProposal(doc, clock, { title: 'T', createdBy: ana });
		const body = proposalBody(doc, id);
		// The editor types into the paragraph the body was created with.
		const paragraph = body.get(0) as Y.XmlElement;
		(paragraph.get(0) as Y.XmlText).insert(0, 'typed in the editor');
		expect(readBodyText(doc, id)).toBe('typed in the editor');
		expect(proposalBody(doc, id)).toBe(body);
		expect(() => proposalBody(doc, 'nope' as ProposalId)).toThrow(NotFoundError);
	});
});

describe('proposal lifecycle', () => {
	it('opens a draft with deadline and reflection delay', () => {
		const { doc, clock } = fresh();
		const id = createProposal(doc, clock, { title: 'T', createdBy: ana });
		openProposal(doc, clock, {
			proposalId: id,
			deadline: NOW + 86_400_000,
			reflectionDelayMs: 3_600_000,
			now: NOW
		});
		const proposal = readProposal(doc, id);
		expect(proposal?.status).toBe('open');
		expect(proposal?.deadline).toBe(NOW + 86_400_000);
		expect(proposal?.reflectionDelayMs).toBe(3_600_000);
		expect(proposal?.openedAt).toEqual(expect.any(String));
	});

	it('refuses a deadline in the past or not a time, and opening twice', () => {
		const { doc, clock } = fresh();
		const id = createProposal(doc, clock, { title: 'T', createdBy: ana });
		expect(() => openProposal(doc, clock, { proposalId: id, deadline: NOW, now: NOW })).toThrow(
			/future/
		);
		expect(() =>
			openProposal(doc, clock, { proposalId: id, deadline: Number.NaN, now: NOW })
		).toThrow(RangeError);
		expect(() =>
			openProposal(doc, clock, { proposalId: id, deadline: null, reflectionDelayMs: -1, now: NOW })
		).toThrow(RangeError);
		expect(() => openProposal(doc, clock, { proposalId: id, deadline: 1e16, now: NOW })).toThrow(
			/deadline must be a time from 2000-01-01 to 2200-01-01/
		);
		expect(readProposal(doc, id)?.status).toBe('draft');
		openProposal(doc, clock, { proposalId: id, deadline: null, now: NOW });
		expect(() => openProposal(doc, clock, { proposalId: id, deadline: null, now: NOW })).toThrow(
			InvalidTransitionError
		);
	});

	it('amends only open proposals, bumping the revision and optionally the title', () => {
		const { doc, clock } = fresh();
		const id = createProposal(doc, clock, { title: 'Old', createdBy: ana });
		expect(() => amendProposal(doc, clock, { proposalId: id, by: ana, now: NOW })).toThrow(/draft/);
		openProposal(doc, clock, { proposalId: id, deadline: null, now: NOW });
		expect(amendProposal(doc, clock, { proposalId: id, by: ana, now: NOW })).toBe(2);
		expect(amendProposal(doc, clock, { proposalId: id, by: ana, title: 'New', now: NOW })).toBe(3);
		expect(readProposal(doc, id)).toMatchObject({ revision: 3, title: 'New' });
		withdrawProposal(doc, { proposalId: id, now: NOW });
		expect(() => amendProposal(doc, clock, { proposalId: id, by: ana, now: NOW })).toThrow(
			/withdrawn and cannot be amended/
		);
	});

	it('counts concurrent amendments from two replicas as two revisions', () => {
		const a = new Y.Doc();
		const clock = stepClock('a');
		const id = createProposal(a, clock, { title: 'T', createdBy: ana });
		openProposal(a, clock, { proposalId: id, deadline: null, now: NOW });
		const b = new Y.Doc();
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		amendProposal(a, clock, { proposalId: id, by: ana, now: NOW });
		amendProposal(b, stepClock('b'), { proposalId: id, by: 'ben' as MemberId, now: NOW });
		Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		expect(readProposal(a, id)?.revision).toBe(3);
		expect(readProposal(b, id)?.revision).toBe(3);
	});

	it('refuses to rename, review or withdraw a withdrawn proposal', () => {
		const { doc, clock } = fresh();
		const id = createProposal(doc, clock, { title: 'T', createdBy: ana });
		withdrawProposal(doc, { proposalId: id, now: NOW });
		expect(() => withdrawProposal(doc, { proposalId: id, now: NOW })).toThrow(
			InvalidTransitionError
		);
		expect(() => setProposalTitle(doc, { proposalId: id, title: 'X' })).toThrow(
			InvalidTransitionError
		);
		expect(() => setLensNote(doc, { proposalId: id, seat: 'keeper', note: 'x' })).toThrow(
			InvalidTransitionError
		);
		expect(() => openProposal(doc, clock, { proposalId: id, deadline: null, now: NOW })).toThrow(
			/only a draft/
		);
	});

	it('names the unknown proposal', () => {
		const { doc } = fresh();
		expect(() => withdrawProposal(doc, { proposalId: 'ghost' as ProposalId, now: NOW })).toThrow(
			'no proposal with id ghost in this workspace'
		);
	});
});

describe('concurrent edits', () => {
	it('merges title edits to different ends of the title', () => {
		const a = new Y.Doc();
		const id = createProposal(a, stepClock('a'), { title: 'Hire a designer', createdBy: ana });
		const b = new Y.Doc();
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		setProposalTitle(a, { proposalId: id, title: 'Hire a senior designer' });
		setProposalTitle(b, { proposalId: id, title: 'Hire a designer in May' });
		Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		expect(readProposal(a, id)?.title).toBe('Hire a senior designer in May');
		expect(readProposal(b, id)?.title).toBe('Hire a senior designer in May');
	});

	it('keeps each seat’s lens note when all three write at once', () => {
		const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()] as const;
		const id = createProposal(docs[0], stepClock('a'), { title: 'T', createdBy: ana });
		for (const doc of docs.slice(1)) Y.applyUpdate(doc, Y.encodeStateAsUpdate(docs[0]));
		setLensNote(docs[0], { proposalId: id, seat: 'keeper', note: 'sources?' });
		setLensNote(docs[1], { proposalId: id, seat: 'bearer', note: 'new enough' });
		setLensNote(docs[2], { proposalId: id, seat: 'navigator', note: 'two actions' });
		for (const to of docs) {
			for (const from of docs) Y.applyUpdate(to, Y.encodeStateAsUpdate(from));
		}
		for (const doc of docs) {
			expect(readProposal(doc, id)?.lensNotes).toEqual({
				keeper: 'sources?',
				bearer: 'new enough',
				navigator: 'two actions'
			});
		}
	});
});
