import { describe, expect, it } from 'vitest';
import type { MemberId } from '$lib/domain/ids';
import { memberColor, type Peer } from '$lib/sync/presence';
import { namesHere } from './people-here';

const KAI = 'kaikaikaikaikaikaikaika' as MemberId;
const LEA = 'lealealealealealealeal' as MemberId;
const ADA = 'adaadaadaadaadaadaadaa' as MemberId;
const OTHER_ADA = 'adaadaadaadaadaadaadab' as MemberId;
const PROPOSAL = 'the-proposal';

let nextClientId = 1;

/** One tab's presence: a member looking at `editing`. */
function tab(memberId: MemberId, name: string, editing: string | null = PROPOSAL): Peer {
	return {
		clientId: nextClientId++,
		user: { memberId, name, color: memberColor(memberId), seat: null },
		editing
	};
}

describe('namesHere', () => {
	it('lists a member with several tabs on the proposal once', () => {
		const peers = [tab(LEA, 'Lea'), tab(LEA, 'Lea'), tab(LEA, 'Lea')];
		expect(namesHere(peers, KAI, PROPOSAL)).toEqual(['Lea']);
	});

	it('calls the viewer’s other tabs "you", once and first', () => {
		const peers = [tab(LEA, 'Lea'), tab(KAI, 'Kai'), tab(LEA, 'Lea'), tab(KAI, 'Kai')];
		expect(namesHere(peers, KAI, PROPOSAL)).toEqual(['you', 'Lea']);
	});

	it('leaves out tabs that look at something else or nothing', () => {
		const peers = [
			tab(LEA, 'Lea', 'another-proposal'),
			tab(ADA, 'Ada', null),
			tab(KAI, 'Kai', null)
		];
		expect(namesHere(peers, KAI, PROPOSAL)).toEqual([]);
	});

	it('counts a member here when any one of their tabs is', () => {
		const peers = [tab(LEA, 'Lea', null), tab(LEA, 'Lea'), tab(LEA, 'Lea', 'another-proposal')];
		expect(namesHere(peers, KAI, PROPOSAL)).toEqual(['Lea']);
	});

	it('keeps two members who share a name apart', () => {
		const peers = [tab(ADA, 'Ada'), tab(OTHER_ADA, 'Ada'), tab(ADA, 'Ada')];
		expect(namesHere(peers, KAI, PROPOSAL)).toEqual(['Ada', 'Ada']);
	});

	it('lists the others in the same order whatever order their presence arrived in', () => {
		const arrived = [tab(LEA, 'Lea'), tab(KAI, 'Kai'), tab(ADA, 'Ada')];
		expect(namesHere(arrived, KAI, PROPOSAL)).toEqual(['you', 'Ada', 'Lea']);
		expect(namesHere([...arrived].reverse(), KAI, PROPOSAL)).toEqual(['you', 'Ada', 'Lea']);
	});
});
