import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import type { Choice } from '../domain/model';
import { ballotsByProposal, castBallot, listBallots } from './ballots';
import { InvalidInputError, InvalidTransitionError, NotFoundError } from './errors';
import { amendProposal, createProposal, openProposal, withdrawProposal } from './proposals';
import { ballotLog } from './schema';
import { stepClock } from './testing/step-clock';

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
		const id = castBallot(doc, clock, {
			proposalId,
			seat: 'keeper',
			choice: 'agree',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
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
				deviceTime: NOW
			}
		]);
	});

	it('keeps every ballot when a member changes their vote, and records proxies', () => {
		const { doc, clock, proposalId } = openDoc();
		castBallot(doc, clock, {
			proposalId,
			seat: 'keeper',
			choice: 'agree',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
		castBallot(doc, clock, {
			proposalId,
			seat: 'keeper',
			choice: 'disagree',
			reason: 'changed my mind',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
		castBallot(doc, clock, {
			proposalId,
			seat: 'bearer',
			choice: 'abstain',
			castBy: ana,
			castFor: ben,
			revision: 1,
			deviceTime: NOW
		});
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
		castBallot(doc, clock, {
			proposalId,
			seat: 'keeper',
			choice: 'agree',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
		castBallot(doc, clock, {
			proposalId,
			seat: 'bearer',
			choice: 'agree',
			castBy: ben,
			revision: 2,
			deviceTime: NOW
		});
		expect(listBallots(doc, proposalId).map((b) => b.revision)).toEqual([1, 2]);
		expect(() =>
			castBallot(doc, clock, {
				proposalId,
				seat: 'keeper',
				choice: 'agree',
				castBy: ana,
				revision: 3,
				deviceTime: NOW
			})
		).toThrow(InvalidInputError);
	});

	it('refuses ballots on a draft, a withdrawn or an unknown proposal', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		const draft = createProposal(doc, clock, { title: 'T', createdBy: ana });
		expect(() =>
			castBallot(doc, clock, {
				proposalId: draft,
				seat: 'keeper',
				choice: 'agree',
				castBy: ana,
				revision: 1,
				deviceTime: NOW
			})
		).toThrow('proposal ' + draft + ' is draft; ballots are taken only while it is open');
		withdrawProposal(doc, { proposalId: draft, now: NOW });
		expect(() =>
			castBallot(doc, clock, {
				proposalId: draft,
				seat: 'keeper',
				choice: 'agree',
				castBy: ana,
				revision: 1,
				deviceTime: NOW
			})
		).toThrow(InvalidTransitionError);
		expect(() =>
			castBallot(doc, clock, {
				proposalId: 'x' as ProposalId,
				seat: 'keeper',
				choice: 'agree',
				castBy: ana,
				revision: 1,
				deviceTime: NOW
			})
		).toThrow(NotFoundError);
		expect(listBallots(doc)).toEqual([]);
	});

	it('refuses an unknown seat or choice', () => {
		const { doc, clock, proposalId } = openDoc();
		expect(() =>
			castBallot(doc, clock, {
				proposalId,
				seat: 'captain' as 'keeper',
				choice: 'agree',
				castBy: ana,
				revision: 1,
				deviceTime: NOW
			})
		).toThrow(/seat must be one of keeper, bearer, navigator/);
		expect(() =>
			castBallot(doc, clock, {
				proposalId,
				seat: 'keeper',
				choice: 'maybe' as Choice,
				castBy: ana,
				revision: 1,
				deviceTime: NOW
			})
		).toThrow(InvalidInputError);
	});
});

describe('reading the ballot log', () => {
	it('skips entries a misbehaving peer wrote in the wrong shape', () => {
		const { doc, clock, proposalId } = openDoc();
		castBallot(doc, clock, {
			proposalId,
			seat: 'keeper',
			choice: 'agree',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
		ballotLog(doc).push([{ id: 'junk' }, 'text', 42, null, { ...listBallots(doc)[0], seat: 'x' }]);
		expect(listBallots(doc)).toHaveLength(1);
	});

	it('orders ballots by timestamp whatever order the log merged them in', () => {
		const { doc, proposalId } = openDoc();
		const late = stepClock('z', NOW + 1000);
		const early = stepClock('y', NOW);
		castBallot(doc, late, {
			proposalId,
			seat: 'keeper',
			choice: 'agree',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
		castBallot(doc, early, {
			proposalId,
			seat: 'bearer',
			choice: 'agree',
			castBy: ben,
			revision: 1,
			deviceTime: NOW
		});
		expect(listBallots(doc).map((b) => b.seat)).toEqual(['bearer', 'keeper']);
	});

	it('indexes ballots by proposal in one pass', () => {
		const { doc, clock, proposalId } = openDoc();
		const other = createProposal(doc, clock, { title: 'U', createdBy: ana });
		openProposal(doc, clock, { proposalId: other, deadline: null, now: NOW });
		castBallot(doc, clock, {
			proposalId,
			seat: 'keeper',
			choice: 'agree',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
		castBallot(doc, clock, {
			proposalId: other,
			seat: 'keeper',
			choice: 'agree',
			castBy: ana,
			revision: 1,
			deviceTime: NOW
		});
		castBallot(doc, clock, {
			proposalId,
			seat: 'bearer',
			choice: 'agree',
			castBy: ben,
			revision: 1,
			deviceTime: NOW
		});
		const index = ballotsByProposal(doc);
		expect(index.get(proposalId)?.map((b) => b.seat)).toEqual(['keeper', 'bearer']);
		expect(index.get(other)).toHaveLength(1);
	});
});
