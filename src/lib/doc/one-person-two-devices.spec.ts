import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import { castBallot, listBallots } from './ballots';
import { putMember, readMembers } from './members';
import { outcomeOf } from './outcome';
import { createProposal, openProposal } from './proposals';
import { claimSeat, readSeatHolders } from './seats';
import { latestTimestamp } from './timestamps';
import { newBallot } from './testing/new-ballot';
import { stepClock } from './testing/step-clock';

/*
 * A person who took a device link has one member id on two devices. Each device runs its own
 * clock (its node id is per page session, not per member), so their writes never share a
 * timestamp, and the document sees one member: one entry, one seat, one current ballot per seat.
 */

const kim = 'S2ltS2ltS2ltS2ltS2ltSw' as MemberId;
const NOW = 1_700_000_000_000;

function twoDevices() {
	const phone = new Y.Doc();
	const laptop = new Y.Doc();
	const sync = () => {
		Y.applyUpdate(laptop, Y.encodeStateAsUpdate(phone, Y.encodeStateVector(laptop)));
		Y.applyUpdate(phone, Y.encodeStateAsUpdate(laptop, Y.encodeStateVector(phone)));
	};
	return { phone, laptop, sync, phoneClock: stepClock('phone'), laptopClock: stepClock('laptop') };
}

describe('one person on two devices', () => {
	it('is one member holding one seat, whose later ballot (by HLC) counts on both devices', () => {
		const { phone, laptop, sync, phoneClock, laptopClock } = twoDevices();
		putMember(phone, { id: kim, name: 'Kim', joinedAt: NOW });
		claimSeat(phone, phoneClock, { seat: 'keeper', member: kim });
		const proposalId = createProposal(phone, phoneClock, { title: 'Budget', createdBy: kim });
		openProposal(phone, phoneClock, { proposalId, deadline: null, now: NOW });
		castBallot(phone, phoneClock, newBallot(proposalId, 'keeper', 'agree', kim));
		sync();

		// The laptop announces the same entry when it opens the triad, and votes again later: its
		// clock takes in the document's latest timestamp first, as the state layer does.
		putMember(laptop, { id: kim, name: 'Kim', joinedAt: NOW });
		const latest = latestTimestamp(laptop);
		if (latest !== null) laptopClock.receive(latest);
		castBallot(laptop, laptopClock, newBallot(proposalId, 'keeper', 'disagree', kim));
		sync();

		for (const doc of [phone, laptop]) {
			expect(readMembers(doc)).toEqual([{ id: kim, name: 'Kim', joinedAt: NOW }]);
			expect(readSeatHolders(doc).keeper).toBe(kim);
			const outcome = outcomeOf(doc, proposalId, NOW + 60_000);
			expect(outcome?.counted.keeper?.choice).toBe('disagree');
			expect(outcome?.superseded.map((ballot) => ballot.choice)).toEqual(['agree']);
			expect(listBallots(doc, proposalId).map((ballot) => ballot.castBy)).toEqual([kim, kim]);
		}
	});

	it('settles ballots cast on both devices offline the same way on each', () => {
		const { phone, laptop, sync, phoneClock, laptopClock } = twoDevices();
		claimSeat(phone, phoneClock, { seat: 'bearer', member: kim });
		const proposalId = createProposal(phone, phoneClock, { title: 'Rota', createdBy: kim });
		openProposal(phone, phoneClock, { proposalId, deadline: null, now: NOW });
		sync();
		// Neither device has seen the other's ballot: the later wall time wins, ties by clock id.
		castBallot(laptop, laptopClock, newBallot(proposalId, 'bearer', 'abstain', kim));
		castBallot(phone, phoneClock, newBallot(proposalId, 'bearer', 'agree', kim));
		sync();
		const counted = [phone, laptop].map(
			(doc) => outcomeOf(doc, proposalId, NOW + 60_000)?.counted.bearer
		);
		expect(counted[0]).toEqual(counted[1]);
		expect(counted[0]?.castBy).toBe(kim);
	});
});
