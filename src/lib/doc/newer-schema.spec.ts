import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import { cancelAbsence, declareAbsence, setHandover } from './absences';
import { createAction, updateAction } from './actions';
import { castBallot } from './ballots';
import { WorkspaceStateError } from './errors';
import { appendLogEntry } from './keeper-log';
import { putMember } from './members';
import { initWorkspace, updateMeta } from './meta';
import {
	amendProposal,
	createProposal,
	openProposal,
	setLensNote,
	setProposalTitle,
	withdrawProposal
} from './proposals';
import { metaMap, SCHEMA_VERSION } from './schema';
import { claimSeat, releaseSeat } from './seats';
import { stepClock } from './testing/step-clock';
import { newBallot } from './testing/new-ballot';

const ana = 'ana' as MemberId;
const ben = 'ben' as MemberId;
const NOW = 1_750_000_000_000;
const UPDATE_MESSAGE = 'this triad was written by a newer version of Triad; update the app';

describe('a workspace written by a newer schema version', () => {
	it('refuses every write, changing nothing', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a');
		initWorkspace(doc, { name: 'T', purpose: '', level: 'operational', unit: '', createdAt: NOW });
		claimSeat(doc, clock, { seat: 'keeper', member: ana });
		const proposalId = createProposal(doc, clock, { title: 'P', createdBy: ana });
		const draft = createProposal(doc, clock, { title: 'D', createdBy: ana });
		openProposal(doc, clock, { proposalId, deadline: null, now: NOW });
		const absenceId = declareAbsence(doc, clock, {
			member: ana,
			from: NOW,
			to: NOW + 1,
			cover: ben
		});
		const actionId = createAction(doc, clock, {
			title: 'A',
			proposalId: null,
			owner: null,
			due: null
		});
		metaMap(doc).set('schemaVersion', SCHEMA_VERSION + 1);
		const before = Y.encodeStateVector(doc);

		const writes: [string, () => unknown][] = [
			['updateMeta', () => updateMeta(doc, { name: 'X' })],
			['putMember', () => putMember(doc, { id: ben, name: 'Ben', joinedAt: NOW })],
			['claimSeat', () => claimSeat(doc, clock, { seat: 'bearer', member: ben })],
			['releaseSeat', () => releaseSeat(doc, clock, { seat: 'keeper', member: ana })],
			['createProposal', () => createProposal(doc, clock, { title: 'Q', createdBy: ana })],
			['setProposalTitle', () => setProposalTitle(doc, { proposalId, title: 'R' })],
			['setLensNote', () => setLensNote(doc, { proposalId, seat: 'keeper', note: 'n' })],
			[
				'openProposal',
				() => openProposal(doc, clock, { proposalId: draft, deadline: null, now: NOW })
			],
			['amendProposal', () => amendProposal(doc, clock, { proposalId, by: ana, now: NOW })],
			['withdrawProposal', () => withdrawProposal(doc, { proposalId, now: NOW })],
			[
				'castBallot',
				() =>
					castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana, { deviceTime: NOW }))
			],
			[
				'declareAbsence',
				() => declareAbsence(doc, clock, { member: ana, from: NOW, to: NOW + 2, cover: ben })
			],
			['cancelAbsence', () => cancelAbsence(doc, { absenceId, by: ana, now: NOW })],
			['setHandover', () => setHandover(doc, { absenceId, by: ana, handover: 'h' })],
			['appendLogEntry', () => appendLogEntry(doc, clock, { author: ana, text: 't' })],
			[
				'createAction',
				() => createAction(doc, clock, { title: 'B', proposalId: null, owner: null, due: null })
			],
			['updateAction', () => updateAction(doc, { actionId, status: 'done' })]
		];
		for (const [name, write] of writes) {
			expect(write, name).toThrow(WorkspaceStateError);
			expect(write, name).toThrow(UPDATE_MESSAGE);
		}
		expect(Y.encodeStateVector(doc)).toEqual(before);
	});
});
