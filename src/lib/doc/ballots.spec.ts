import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import type { Choice } from '../domain/model';
import { ballotsByProposal, castBallot, listBallots } from './ballots';
import { InvalidInputError, InvalidTransitionError, NotFoundError } from './errors';
import { amendProposal, createProposal, openProposal, withdrawProposal } from './proposals';
import { ballotLog } from './schema';
import { stepClock } from './testing/step-clock';
import { newBallot } from './testing/new-ballot';

const ana = 'ana' as MemberId;
const ben = 'ben' as MemberId;
const NOW = 1_700_000_000_000;

function openDoc() {
	const doc = new Y.Doc();
	const clock = stepClock('a');
	const proposalId = createProposal(doc, clock, { title: 'T', createdBy: ana });
	openProposal(doc, clock, { proposalId, deadline: null, now: NOW });
	return { doc, clock, proposalId };
}

describe('castBallot', () => {
	it('appends a ballot on the current revision, stamped by the clock', () => {
		const { doc, clock, proposalId } = openDoc();
		const id = castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		expect(listBallots(doc, proposalId)).toEqual([
			{
				id,
				proposalId,
				revision: 1,
				seat: 'keeper',
				choice: 'agree',
				reason: '',
				castBy: ana,
				castFor: ana,
				at: expect.stringMatching(/\.a$/),
				deviceTime: NOW,
				signature: 'unsigned'
			}
		]);
	});

	it('keeps every ballot when a member changes their vote, and records proxies', () => {
		const { doc, clock, proposalId } = openDoc();
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		castBallot(
			doc,
			clock,
			newBallot(proposalId, 'keeper', 'disagree', ana, { reason: 'changed my mind' })
		);
		castBallot(doc, clock, newBallot(proposalId, 'bearer', 'abstain', ana, { castFor: ben }));
		const ballots = listBallots(doc, proposalId);
		expect(ballots.map((b) => [b.seat, b.choice, b.castBy, b.castFor])).toEqual([
			['keeper', 'agree', ana, ana],
			['keeper', 'disagree', ana, ana],
			['bearer', 'abstain', ana, ben]
		]);
	});

	it('refuses a ballot that does not name the revision the voter saw', () => {
		const { doc, clock, proposalId } = openDoc();
		const input = { proposalId, seat: 'keeper', choice: 'agree', castBy: ana, deviceTime: NOW };
		expect(() => castBallot(doc, clock, input as Parameters<typeof castBallot>[2])).toThrow(
			InvalidInputError
		);
		expect(listBallots(doc)).toEqual([]);
	});

	it('records the revision the voter saw, and refuses one that does not exist yet', () => {
		const { doc, clock, proposalId } = openDoc();
		amendProposal(doc, clock, { proposalId, by: ana, now: NOW });
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		castBallot(doc, clock, newBallot(proposalId, 'bearer', 'agree', ben, { revision: 2 }));
		expect(listBallots(doc, proposalId).map((b) => b.revision)).toEqual([1, 2]);
		expect(() =>
			castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana, { revision: 3 }))
		).toThrow(InvalidInputError);
	});

	it('refuses ballots on a draft, a withdrawn or an unknown proposal', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		const draft = createProposal(doc, clock, { title: 'T', createdBy: ana });
		expect(() => castBallot(doc, clock, newBallot(draft, 'keeper', 'agree', ana))).toThrow(
			'proposal ' + draft + ' is draft; ballots are taken only while it is open'
		);
		withdrawProposal(doc, { proposalId: draft, now: NOW });
		expect(() => castBallot(doc, clock, newBallot(draft, 'keeper', 'agree', ana))).toThrow(
			InvalidTransitionError
		);
		expect(() =>
			castBallot(doc, clock, newBallot('x' as ProposalId, 'keeper', 'agree', ana))
		).toThrow(NotFoundError);
		expect(listBallots(doc)).toEqual([]);
	});

	it('refuses an unknown seat or choice', () => {
		const { doc, clock, proposalId } = openDoc();
		expect(() =>
			castBallot(doc, clock, newBallot(proposalId, 'captain' as 'keeper', 'agree', ana))
		).toThrow(/seat must be one of keeper, bearer, navigator/);
		expect(() =>
			castBallot(doc, clock, newBallot(proposalId, 'keeper', 'maybe' as Choice, ana))
		).toThrow(InvalidInputError);
	});
});

describe('reading the ballot log', () => {
	it('skips entries a misbehaving peer wrote in the wrong shape', () => {
		const { doc, clock, proposalId } = openDoc();
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		ballotLog(doc).push([{ id: 'junk' }, 'text', 42, null, { ...listBallots(doc)[0], seat: 'x' }]);
		expect(listBallots(doc)).toHaveLength(1);
		// Once more, now that every entry has been read: a rejected entry stays rejected.
		expect(listBallots(doc)).toHaveLength(1);
		expect(listBallots(doc, proposalId)).toEqual(listBallots(doc));
	});

	it('orders ballots by timestamp whatever order the log merged them in', () => {
		const { doc, proposalId } = openDoc();
		const late = stepClock('z', NOW + 1000);
		const early = stepClock('y', NOW);
		castBallot(doc, late, newBallot(proposalId, 'keeper', 'agree', ana));
		castBallot(doc, early, newBallot(proposalId, 'bearer', 'agree', ben));
		expect(listBallots(doc).map((b) => b.seat)).toEqual(['bearer', 'keeper']);
	});

	it('reads a ballot anew when a peer replaces or deletes its entry after it was read', () => {
		const { doc, clock, proposalId } = openDoc();
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		const peer = new Y.Doc();
		Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
		expect(listBallots(doc).map((b) => b.choice)).toEqual(['agree']);
		// The log is append-only by contract, but a faulty or hostile replica can still rewrite it.
		const entry = { ...listBallots(peer)[0], choice: 'disagree', reason: 'rewritten' };
		peer.transact(() => {
			ballotLog(peer).delete(0, 1);
			ballotLog(peer).insert(0, [entry]);
		});
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(doc)));
		expect(listBallots(doc).map((b) => [b.choice, b.reason])).toEqual([['disagree', 'rewritten']]);
		expect(
			ballotsByProposal(doc)
				.get(proposalId)
				?.map((b) => b.choice)
		).toEqual(['disagree']);
		peer.transact(() => ballotLog(peer).delete(0, 1));
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(doc)));
		expect(listBallots(doc)).toEqual([]);
	});

	it('hands out frozen ballots, so a caller cannot change what later reads return', () => {
		const { doc, clock, proposalId } = openDoc();
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		const ballot = listBallots(doc)[0] as { choice: string };
		expect(() => (ballot.choice = 'disagree')).toThrow(TypeError);
		expect(listBallots(doc, proposalId).map((b) => b.choice)).toEqual(['agree']);
	});

	it('rejects entries whose fields are only inherited, on every read', () => {
		const { doc, clock, proposalId } = openDoc();
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		const fields = JSON.stringify({ ...listBallots(doc)[0], id: 'inherited' });
		const writer = new Y.Doc();
		// An own `__proto__` key survives encoding, and decoding it sets the entry's prototype.
		ballotLog(writer).push([JSON.parse(`{"__proto__": ${fields}}`)]);
		ballotLog(doc).push([Object.create(JSON.parse(fields))]);
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer));
		expect(
			ballotLog(doc)
				.toArray()
				.filter((e) => (e as { id?: string }).id === 'inherited')
		).toHaveLength(2);
		for (let read = 0; read < 2; read++) {
			expect(listBallots(doc).map((b) => b.id)).not.toContain('inherited');
			expect(listBallots(doc)).toHaveLength(1);
			expect(listBallots(doc, proposalId)).toHaveLength(1);
		}
	});

	it('indexes ballots by proposal in one pass', () => {
		const { doc, clock, proposalId } = openDoc();
		const other = createProposal(doc, clock, { title: 'U', createdBy: ana });
		openProposal(doc, clock, { proposalId: other, deadline: null, now: NOW });
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
		castBallot(doc, clock, newBallot(other, 'keeper', 'agree', ana));
		castBallot(doc, clock, newBallot(proposalId, 'bearer', 'agree', ben));
		const index = ballotsByProposal(doc);
		expect(index.get(proposalId)?.map((b) => b.seat)).toEqual(['keeper', 'bearer']);
		expect(index.get(other)).toHaveLength(1);
	});
});
