import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import { castBallot } from './ballots';
import { putMember } from './members';
import { initWorkspace } from './meta';
import { observeWorkspace } from './observe';
import { LOCAL_ORIGIN } from './origin';
import { outcomeOf, outcomesOf } from './outcome';
import { createProposal, openProposal, proposalBody } from './proposals';
import { claimSeat, lostSeatClaims, readSeatHolders, releaseSeat } from './seats';
import { stepClock } from './testing/step-clock';
import { readWorkspace } from './workspace';
import { newBallot } from './testing/new-ballot';

const [kim, ben, nia] = ['kim', 'ben', 'nia'] as MemberId[] as [MemberId, MemberId, MemberId];
const NOW = 1_700_000_000_000;

function sync(...docs: Y.Doc[]) {
	for (const to of docs) {
		for (const from of docs) if (to !== from) Y.applyUpdate(to, Y.encodeStateAsUpdate(from));
	}
}

describe('seats', () => {
	it('gives a seat claimed by two people offline to the same one everywhere and tells the other', () => {
		const laptop = new Y.Doc();
		const phone = new Y.Doc();
		// Ben's clock runs later, so Kim's claim is first in HLC order.
		claimSeat(laptop, stepClock('kim', NOW), { seat: 'keeper', member: kim });
		claimSeat(phone, stepClock('ben', NOW + 5000), { seat: 'keeper', member: ben });
		sync(laptop, phone);
		for (const doc of [laptop, phone]) {
			expect(readSeatHolders(doc)).toEqual({ keeper: kim, bearer: null, navigator: null });
			expect(lostSeatClaims(doc, ben)).toEqual([
				{ claim: expect.objectContaining({ seat: 'keeper', member: ben }), heldBy: kim }
			]);
			expect(lostSeatClaims(doc, kim)).toEqual([]);
		}
	});

	it('frees a seat its holder releases', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		claimSeat(doc, clock, { seat: 'bearer', member: ben });
		releaseSeat(doc, clock, { seat: 'bearer', member: ben });
		claimSeat(doc, clock, { seat: 'navigator', member: nia });
		expect(readSeatHolders(doc)).toEqual({ keeper: null, bearer: null, navigator: nia });
	});
});

describe('outcomes', () => {
	function triad() {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		claimSeat(doc, clock, { seat: 'keeper', member: kim });
		claimSeat(doc, clock, { seat: 'bearer', member: ben });
		claimSeat(doc, clock, { seat: 'navigator', member: nia });
		const proposalId = createProposal(doc, clock, { title: 'T', createdBy: kim });
		openProposal(doc, clock, { proposalId, deadline: null, now: NOW });
		return { doc, clock, proposalId };
	}

	it('decides a proposal from the seats’ latest ballots', () => {
		const { doc, clock, proposalId } = triad();
		const vote = (
			seat: 'keeper' | 'bearer' | 'navigator',
			castBy: MemberId,
			choice: 'agree' | 'disagree'
		) => castBallot(doc, clock, newBallot(proposalId, seat, choice, castBy, { reason: 'because' }));
		vote('keeper', kim, 'agree');
		vote('bearer', ben, 'disagree');
		vote('bearer', ben, 'agree');
		expect(outcomeOf(doc, proposalId, NOW)?.state).toBe('open');
		vote('navigator', nia, 'agree');
		const outcome = outcomeOf(doc, proposalId, NOW);
		expect(outcome?.state).toBe('consensus');
		expect(outcome?.superseded).toHaveLength(1);
		expect(outcomesOf(doc, NOW).get(proposalId)).toEqual(outcome);
	});

	it('marks a 2-of-3 majority as balance broken, with the dissent', () => {
		const { doc, clock, proposalId } = triad();
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', kim));
		castBallot(doc, clock, newBallot(proposalId, 'bearer', 'agree', ben));
		castBallot(
			doc,
			clock,
			newBallot(proposalId, 'navigator', 'disagree', nia, { reason: 'too costly' })
		);
		const outcome = outcomeOf(doc, proposalId, NOW);
		expect(outcome).toMatchObject({
			state: 'majority',
			balanceBroken: true,
			dissent: { seat: 'navigator', member: nia, reason: 'too costly' }
		});
	});

	it('has no outcome for a proposal this replica does not have', () => {
		expect(outcomeOf(new Y.Doc(), 'ghost' as never, NOW)).toBeNull();
	});
});

describe('readWorkspace and observeWorkspace', () => {
	it('reads everything at once', () => {
		const doc = new Y.Doc();
		initWorkspace(doc, { name: 'Ops', level: 'strategic', createdAt: NOW });
		putMember(doc, { id: kim, name: 'Kim', joinedAt: NOW });
		const snapshot = readWorkspace(doc);
		expect(snapshot.schema).toEqual({ kind: 'current', version: 1 });
		expect(snapshot.meta?.name).toBe('Ops');
		expect(snapshot.members).toHaveLength(1);
		expect(snapshot.seats).toEqual({ keeper: null, bearer: null, navigator: null });
	});

	it('reports each transaction once with its origin, local or remote, until unsubscribed', () => {
		const doc = new Y.Doc();
		const changes: { origin: unknown; local: boolean }[] = [];
		const stop = observeWorkspace(doc, (change) => changes.push(change));
		const clock = stepClock('a');
		// Touches the proposals map and the ballot log in one transaction each.
		const proposalId = createProposal(doc, clock, { title: 'T', createdBy: kim });
		openProposal(doc, clock, { proposalId, deadline: null, now: NOW });
		const remote = new Y.Doc();
		putMember(remote, { id: ben, name: 'Ben', joinedAt: NOW });
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote), 'relay');
		expect(changes).toEqual([
			{ origin: LOCAL_ORIGIN, local: true },
			{ origin: LOCAL_ORIGIN, local: true },
			{ origin: 'relay', local: false }
		]);
		stop();
		putMember(doc, { id: kim, name: 'Kim', joinedAt: NOW });
		expect(changes).toHaveLength(3);
	});

	it('hears edits deep inside a proposal body', () => {
		const doc = new Y.Doc();
		const proposalId = createProposal(doc, stepClock('a'), {
			title: 'T',
			createdBy: kim,
			paragraphs: ['x']
		});
		let heard = 0;
		observeWorkspace(doc, () => heard++);
		(proposalBody(doc, proposalId).get(0) as Y.XmlElement).insert(0, [new Y.XmlText('more')]);
		expect(heard).toBe(1);
	});
});
