import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import { ROLES, type EpochMs } from '../domain/model';
import { castBallot } from './ballots';
import { InvalidTransitionError } from './errors';
import { outcomeOf } from './outcome';
import { readProposal } from './proposal-read';
import { amendProposal, createProposal, openProposal, withdrawProposal } from './proposals';
import { claimSeat } from './seats';
import { stepClock } from './testing/step-clock';
import { newBallot } from './testing/new-ballot';

const MEMBERS = ['kim', 'ben', 'nia'] as MemberId[];
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const DEADLINE = NOW + 10 * HOUR;

/** A triad with every seat held and one open proposal with a deadline ten hours out. */
function triad() {
	const doc = new Y.Doc();
	const clock = stepClock('a');
	ROLES.forEach((seat, i) => claimSeat(doc, clock, { seat, member: MEMBERS[i]! }));
	const proposalId = createProposal(doc, clock, { title: 'T', createdBy: MEMBERS[0]! });
	openProposal(doc, clock, { proposalId, deadline: DEADLINE, now: NOW });
	return { doc, clock, proposalId };
}

function agreeAll(doc: Y.Doc, clock: ReturnType<typeof stepClock>, proposalId: ProposalId) {
	ROLES.forEach((seat, i) =>
		castBallot(
			doc,
			clock,
			newBallot(proposalId, seat, 'agree', MEMBERS[i]!, { deviceTime: NOW + (i + 1) * HOUR })
		)
	);
}

function sync(a: Y.Doc, b: Y.Doc): void {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
}

describe('a decided proposal', () => {
	it('cannot be amended or withdrawn once its outcome is final', () => {
		const { doc, clock, proposalId } = triad();
		agreeAll(doc, clock, proposalId);
		const at = (now: EpochMs) => ({ proposalId, by: MEMBERS[0]!, now });
		expect(outcomeOf(doc, proposalId, NOW + 4 * HOUR)).toMatchObject({ final: true });
		expect(() => amendProposal(doc, clock, at(NOW + 4 * HOUR))).toThrow(InvalidTransitionError);
		expect(() => amendProposal(doc, clock, at(NOW + 4 * HOUR))).toThrow(/decided/);
		expect(() => withdrawProposal(doc, { proposalId, now: NOW + 4 * HOUR })).toThrow(/decided/);
		expect(readProposal(doc, proposalId)).toMatchObject({ status: 'open', revision: 1 });
	});

	it('cannot be amended or withdrawn after its deadline', () => {
		const { doc, clock, proposalId } = triad();
		const twelve = NOW + 12 * HOUR;
		expect(() => amendProposal(doc, clock, { proposalId, by: MEMBERS[0]!, now: twelve })).toThrow(
			/deadline/
		);
		expect(() => withdrawProposal(doc, { proposalId, now: twelve })).toThrow(/deadline/);
		expect(outcomeOf(doc, proposalId, twelve)).toMatchObject({ state: 'no-decision' });
	});

	it('ignores, on every replica, an amendment made offline after the outcome became final', () => {
		const { doc: online, clock, proposalId } = triad();
		const offline = new Y.Doc();
		sync(online, offline);
		agreeAll(online, clock, proposalId);
		// Still open as far as this replica knows, so the write is allowed here.
		amendProposal(offline, stepClock('b'), {
			proposalId,
			by: MEMBERS[1]!,
			now: NOW + 5 * HOUR
		});
		expect(readProposal(offline, proposalId)?.revision).toBe(2);
		sync(online, offline);
		for (const doc of [online, offline]) {
			expect(readProposal(doc, proposalId)?.revision).toBe(1);
			expect(outcomeOf(doc, proposalId, NOW + 12 * HOUR)).toMatchObject({
				state: 'consensus',
				final: true
			});
		}
	});

	it('still takes an amendment while open, and a withdrawal of a draft', () => {
		const { doc, clock, proposalId } = triad();
		expect(amendProposal(doc, clock, { proposalId, by: MEMBERS[0]!, now: NOW + HOUR })).toBe(2);
		const draft = createProposal(doc, clock, { title: 'D', createdBy: MEMBERS[0]! });
		withdrawProposal(doc, { proposalId: draft, now: NOW + 20 * HOUR });
		expect(readProposal(doc, draft)?.status).toBe('withdrawn');
	});
});
