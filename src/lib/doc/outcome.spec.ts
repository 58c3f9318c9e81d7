import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import { ROLES, type Choice } from '../domain/model';
import { castBallot, listBallots } from './ballots';
import { decideProposals, outcomeOf, outcomesOf } from './outcome';
import { listProposals } from './proposal-read';
import { amendProposal, createProposal, openProposal, withdrawProposal } from './proposals';
import { claimSeat } from './seats';
import { newBallot } from './testing/new-ballot';
import { stepClock } from './testing/step-clock';

const MEMBERS = ['kim', 'ben', 'nia'] as MemberId[];
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

/**
 * A triad whose proposals cover what the shared reads must get right: no ballots, votes changed,
 * an amendment while open (ballots on both texts), one made offline after the outcome was final
 * (ignored by the revision rule), a draft and a withdrawn proposal.
 */
function busyTriad(): Y.Doc {
	const doc = new Y.Doc();
	const clock = stepClock('a', NOW);
	ROLES.forEach((seat, i) => claimSeat(doc, clock, { seat, member: MEMBERS[i]! }));
	const open = (title: string) => {
		const proposalId = createProposal(doc, clock, { title, createdBy: MEMBERS[0]! });
		openProposal(doc, clock, { proposalId, deadline: NOW + 100 * HOUR, now: NOW });
		return proposalId;
	};
	const vote = (proposalId: ReturnType<typeof open>, i: number, choice: Choice, more = {}) =>
		castBallot(doc, clock, newBallot(proposalId, ROLES[i]!, choice, MEMBERS[i]!, more));

	open('untouched');
	const changed = open('votes changed');
	vote(changed, 0, 'agree');
	vote(changed, 1, 'disagree', { deviceTime: NOW + HOUR });
	vote(changed, 1, 'agree', { deviceTime: NOW + 2 * HOUR });

	const amended = open('amended while open');
	vote(amended, 0, 'agree');
	amendProposal(doc, clock, { proposalId: amended, by: MEMBERS[1]!, now: NOW + HOUR });
	vote(amended, 1, 'agree', { revision: 2, deviceTime: NOW + 2 * HOUR });

	const decided = open('amended after it was decided');
	const offline = new Y.Doc();
	Y.applyUpdate(offline, Y.encodeStateAsUpdate(doc));
	for (let i = 0; i < 3; i++) vote(decided, i, 'agree', { deviceTime: NOW + (i + 1) * HOUR });
	amendProposal(offline, stepClock('b', NOW), {
		proposalId: decided,
		by: MEMBERS[1]!,
		now: NOW + 5 * HOUR
	});
	Y.applyUpdate(doc, Y.encodeStateAsUpdate(offline));

	createProposal(doc, clock, { title: 'draft', createdBy: MEMBERS[2]! });
	const withdrawn = open('withdrawn');
	vote(withdrawn, 2, 'disagree');
	withdrawProposal(doc, { proposalId: withdrawn, now: NOW + HOUR });
	return doc;
}

describe('decideProposals', () => {
	it('gives what reading each proposal, its ballots and its outcome one by one gives', () => {
		const doc = busyTriad();
		for (const now of [NOW + 3 * HOUR, NOW + 200 * HOUR]) {
			const oneByOne = listProposals(doc).map((proposal) => ({
				proposal,
				outcome: outcomeOf(doc, proposal.id, now),
				ballots: listBallots(doc, proposal.id)
			}));
			expect(decideProposals(doc, now)).toEqual(oneByOne);
			expect(outcomesOf(doc, now)).toEqual(
				new Map(oneByOne.map(({ proposal, outcome }) => [proposal.id, outcome]))
			);
		}
		const revisions = Object.fromEntries(
			decideProposals(doc, NOW).map(({ proposal }) => [proposal.title, proposal.revision])
		);
		expect(revisions).toMatchObject({
			'amended while open': 2,
			'amended after it was decided': 1
		});
	});
});
