import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ProposalId } from '../domain/ids';
import { WorkspaceStateError } from './errors';
import { initWorkspace, readMeta, updateMeta } from './meta';
import { outcomeOf } from './outcome';
import { readBodyXml, readProposal } from './proposal-read';
import { SCHEMA_VERSION } from './schema';
import { schemaStatus } from './version';
import { readWorkspace } from './workspace';

const T = 1_750_000_000_000;

/**
 * `fixtures/workspace-v1.yjs` was written by the schema-1 writers and is frozen: if a change to
 * the schema stops this code from reading it, members' stored workspaces would break too.
 */
function fixtureDoc(): Y.Doc {
	const doc = new Y.Doc();
	Y.applyUpdate(doc, readFileSync(new URL('./fixtures/workspace-v1.yjs', import.meta.url)));
	return doc;
}

describe('schema version', () => {
	it('reads a workspace stored by schema version 1', () => {
		const doc = fixtureDoc();
		const snapshot = readWorkspace(doc);
		expect(snapshot.schema).toEqual(
			SCHEMA_VERSION === 1 ? { kind: 'current', version: 1 } : { kind: 'older', version: 1 }
		);
		expect(snapshot.meta).toEqual({
			name: 'Cohort 3',
			purpose: 'Run the cohort',
			level: 'operational',
			unit: 'Learning',
			schemaVersion: 1,
			createdAt: T
		});
		expect(snapshot.members.map((m) => m.name)).toEqual(['Kim', 'Ben', 'Nia']);
		expect(snapshot.seats).toEqual({ keeper: 'kim', bearer: 'ben', navigator: 'nia' });
		const proposalId = 'prop-1' as ProposalId;
		expect(readProposal(doc, proposalId)).toMatchObject({
			title: 'Move demo day',
			status: 'open',
			revision: 2,
			deadline: T + 86_400_000,
			reflectionDelayMs: 3_600_000,
			createdBy: 'ben',
			lensNotes: { keeper: 'Room is free', bearer: '', navigator: '' }
		});
		expect(readBodyXml(doc, proposalId)).toBe(
			'<paragraph>From Friday</paragraph><paragraph>to Thursday</paragraph>'
		);
		expect(snapshot.ballots.map((b) => [b.id, b.revision, b.choice, b.reason])).toEqual([
			['ballot-1', 1, 'agree', ''],
			['ballot-2', 2, 'agree', ''],
			['ballot-3', 2, 'disagree', 'Clashes with review']
		]);
		expect(snapshot.absences).toMatchObject([{ member: 'kim', cover: 'nia', handover: 'Ask Nia' }]);
		expect(snapshot.log).toMatchObject([{ text: 'Demo day discussed' }]);
		expect(snapshot.actions).toMatchObject([{ title: 'Book room', owner: 'nia', status: 'todo' }]);
		// Kim's ballot was on the first text, so only Ben's agree and Nia's disagree count.
		const outcome = outcomeOf(doc, proposalId, T + 1000);
		expect(outcome?.stale.map((b) => b.id)).toEqual(['ballot-1']);
		expect(outcome?.tally).toMatchObject({ agree: 1, disagree: 1 });
	});

	it('reads records missing fields that later versions added, with defaults', () => {
		const doc = new Y.Doc();
		doc.getMap('meta').set('schemaVersion', 0);
		const bare = new Y.Map<unknown>();
		doc.getMap('proposals').set('old', bare);
		bare.set('title', 'plain string title');
		bare.set('status', 'open');
		doc.getArray('ballots').push([
			{
				id: 'b',
				proposalId: 'old',
				seat: 'keeper',
				choice: 'agree',
				castBy: 'kim',
				at: '001750000000000.000000.x'
			}
		]);
		expect(schemaStatus(doc)).toEqual({ kind: 'older', version: 0 });
		expect(readProposal(doc, 'old' as ProposalId)).toMatchObject({
			title: 'plain string title',
			status: 'open',
			revision: 1,
			deadline: null,
			lensNotes: { keeper: '', bearer: '', navigator: '' }
		});
		expect(readMeta(doc)).toMatchObject({ name: '', level: 'operational', schemaVersion: 0 });
		expect(readWorkspace(doc).ballots).toEqual([
			{
				id: 'b',
				proposalId: 'old',
				revision: 1,
				seat: 'keeper',
				choice: 'agree',
				reason: '',
				castBy: 'kim',
				castFor: 'kim',
				at: '001750000000000.000000.x',
				signature: 'unsigned'
			}
		]);
	});

	it('classifies empty, current and newer documents', () => {
		const doc = new Y.Doc();
		expect(schemaStatus(doc)).toEqual({ kind: 'empty' });
		initWorkspace(doc, { name: 'Ops', level: 'strategic', createdAt: T });
		expect(schemaStatus(doc)).toEqual({ kind: 'current', version: SCHEMA_VERSION });
		doc.getMap('meta').set('schemaVersion', SCHEMA_VERSION + 1);
		expect(schemaStatus(doc)).toEqual({ kind: 'newer', version: SCHEMA_VERSION + 1 });
		// Older code must not write to a newer document at all, nor stamp it back down.
		expect(() => updateMeta(doc, { name: 'Ops 2' })).toThrow(/update the app/);
		expect(readMeta(doc)).toMatchObject({ name: 'Ops', schemaVersion: SCHEMA_VERSION + 1 });
	});

	it('stamps an older document with the current version on its next metadata write', () => {
		const doc = new Y.Doc();
		initWorkspace(doc, { name: 'Ops', level: 'strategic', createdAt: T });
		doc.getMap('meta').set('schemaVersion', 0);
		updateMeta(doc, { purpose: 'why' });
		expect(readMeta(doc)).toMatchObject({ schemaVersion: SCHEMA_VERSION, purpose: 'why' });
	});

	it('creates a workspace once and refuses to update one that does not exist', () => {
		const doc = new Y.Doc();
		expect(() => updateMeta(doc, { name: 'x' })).toThrow(WorkspaceStateError);
		initWorkspace(doc, { name: 'Ops', level: 'strategic', createdAt: T });
		expect(() => initWorkspace(doc, { name: 'Again', level: 'strategic', createdAt: T })).toThrow(
			/already exists/
		);
		expect(() => updateMeta(doc, { level: 'tactical' as 'strategic' })).toThrow(/level must be/);
		expect(readMeta(doc)?.name).toBe('Ops');
	});
});
