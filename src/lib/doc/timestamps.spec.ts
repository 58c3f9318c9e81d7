import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MAX_ADOPT_AHEAD_MS, wallTimeOf } from '../domain/hlc';
import type { MemberId } from '../domain/ids';
import { declareAbsence, listAbsences } from './absences';
import { createAction, listActions } from './actions';
import { castBallot } from './ballots';
import { appendLogEntry } from './keeper-log';
import { listProposals, readProposal } from './proposal-read';
import { createProposal, openProposal } from './proposals';
import { absencesMap, actionsMap, proposalsMap } from './schema';
import { claimSeat } from './seats';
import { latestTimestamp } from './timestamps';
import { stepClock } from './testing/step-clock';
import { newBallot } from './testing/new-ballot';

const ana = 'ana' as MemberId;
const ben = 'ben' as MemberId;
const NOW = 1_700_000_000_000;
/** Sorts above every real timestamp, which starts with a digit. */
const GARBAGE = 'zz-not-a-timestamp';

function workspace() {
	const doc = new Y.Doc();
	const clock = stepClock('a');
	claimSeat(doc, clock, { seat: 'keeper', member: ana });
	const proposalId = createProposal(doc, clock, { title: 'T', createdBy: ana });
	openProposal(doc, clock, { proposalId, deadline: null, now: NOW });
	castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', ana));
	appendLogEntry(doc, clock, { author: ana, text: 'note' });
	const absenceId = declareAbsence(doc, clock, {
		member: ana,
		from: NOW,
		to: NOW + 1000,
		cover: ben
	});
	const actionId = createAction(doc, clock, {
		title: 'Do it',
		proposalId: null,
		owner: null,
		due: null
	});
	return { doc, clock, proposalId, absenceId, actionId };
}

describe('timestamps read from a document', () => {
	it('read as null where the stored value is not a timestamp', () => {
		const { doc, proposalId, absenceId, actionId } = workspace();
		const other = createProposal(doc, stepClock('b'), { title: 'U', createdBy: ana });
		proposalsMap(doc).get(proposalId)!.set('openedAt', GARBAGE);
		proposalsMap(doc).get(other)!.set('createdAt', GARBAGE);
		absencesMap(doc).get(absenceId)!.set('createdAt', GARBAGE);
		actionsMap(doc).get(actionId)!.set('createdAt', 42);
		expect(readProposal(doc, proposalId)?.openedAt).toBeNull();
		expect(readProposal(doc, other)?.createdAt).toBeNull();
		// Sorted first, the same on every replica.
		expect(listProposals(doc).map((p) => p.id)).toEqual([other, proposalId]);
		expect(listAbsences(doc)[0]?.createdAt).toBeNull();
		expect(listActions(doc)[0]?.createdAt).toBeNull();
	});

	it('latestTimestamp is the largest valid timestamp, whatever garbage sorts above it', () => {
		const { doc, clock } = workspace();
		const newest = clock.latest();
		proposalsMap(doc).forEach((p) => p.set('openedAt', GARBAGE));
		expect(latestTimestamp(doc)).toBe(newest);
	});

	it('latestTimestamp can leave out timestamps too far ahead for a clock to adopt', () => {
		const { doc, clock } = workspace();
		const newest = clock.latest()!;
		const far = stepClock('far', NOW + 2 * MAX_ADOPT_AHEAD_MS);
		appendLogEntry(doc, far, { author: ana, text: 'from the far future' });
		expect(wallTimeOf(latestTimestamp(doc)!)).toBeGreaterThan(NOW + MAX_ADOPT_AHEAD_MS);
		expect(latestTimestamp(doc, { notAheadOf: wallTimeOf(newest) })).toBe(newest);
		expect(latestTimestamp(new Y.Doc())).toBeNull();
	});
});
