import { toBase64 } from 'lib0/buffer';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId, MemberId, ProposalId } from '../domain/ids';
import { declareAbsence } from './absences';
import { createAction } from './actions';
import { castBallot } from './ballots';
import { ImportError, MAX_IMPORT_CHARS, exportWorkspace, importWorkspace } from './export';
import { putMember } from './members';
import { initWorkspace } from './meta';
import { amendProposal, createProposal, openProposal } from './proposals';
import { claimSeat } from './seats';
import { stepClock } from './testing/step-clock';
import { readWorkspace } from './workspace';
import { newBallot } from './testing/new-ballot';

const DOC_ID = 'AAAAAAAAAAAAAAAAAAAAAA' as DocumentId;
const [kim, ben, nia] = ['kim', 'ben', 'nia'] as MemberId[] as [MemberId, MemberId, MemberId];
const T = 1_750_000_000_000;
const HOUR = 3_600_000;

/** A triad with a majority decision (Nia covering for Kim), an action, and a ballot on old text. */
function decidedTriad() {
	const doc = new Y.Doc();
	const clock = stepClock('a', T);
	initWorkspace(doc, { name: 'Cohort *3*', purpose: 'Run it', level: 'operational', createdAt: T });
	putMember(doc, { id: kim, name: 'Kim', joinedAt: T });
	putMember(doc, { id: ben, name: 'Ben', joinedAt: T + 1 });
	putMember(doc, { id: nia, name: 'Nia', joinedAt: T + 2 });
	claimSeat(doc, clock, { seat: 'keeper', member: kim });
	claimSeat(doc, clock, { seat: 'bearer', member: ben });
	claimSeat(doc, clock, { seat: 'navigator', member: nia });
	declareAbsence(doc, clock, { member: kim, cover: nia, from: T, to: T + 10 * HOUR });
	const proposalId = createProposal(doc, clock, {
		title: '# Move demo day',
		createdBy: ben,
		id: 'prop-1' as ProposalId
	});
	openProposal(doc, clock, { proposalId, deadline: T + 5 * HOUR, now: T });
	castBallot(doc, clock, newBallot(proposalId, 'bearer', 'agree', ben, { deviceTime: T + 1 }));
	amendProposal(doc, clock, { proposalId, by: ben, now: T + 2 });
	castBallot(
		doc,
		clock,
		newBallot(proposalId, 'keeper', 'agree', nia, { castFor: kim, revision: 2, deviceTime: T + 2 })
	);
	castBallot(
		doc,
		clock,
		newBallot(proposalId, 'navigator', 'disagree', nia, {
			reason: 'Clashes\nwith review',
			revision: 2,
			deviceTime: T + 3
		})
	);
	castBallot(
		doc,
		clock,
		newBallot(proposalId, 'bearer', 'agree', ben, { revision: 2, deviceTime: T + 4 })
	);
	castBallot(
		doc,
		clock,
		newBallot(proposalId, 'bearer', 'abstain', ben, { revision: 2, deviceTime: T + 6 * HOUR })
	);
	createAction(doc, clock, { title: 'Book room', proposalId, owner: nia, due: T + 24 * HOUR });
	return { doc, proposalId };
}

describe('exportWorkspace', () => {
	it('round-trips the whole document through the file', () => {
		const { doc } = decidedTriad();
		const { json } = exportWorkspace(doc, DOC_ID, T + 7 * HOUR);
		const imported = importWorkspace(json);
		expect(imported).toMatchObject({
			docId: DOC_ID,
			exportedAt: T + 7 * HOUR,
			schema: { kind: 'current' }
		});
		const copy = new Y.Doc();
		Y.applyUpdate(copy, imported.update);
		expect(readWorkspace(copy)).toEqual(readWorkspace(doc));
	});

	it('carries a readable register: outcome, dissent, proxies, earlier-text and late ballots, actions', () => {
		const { doc } = decidedTriad();
		const file = JSON.parse(exportWorkspace(doc, DOC_ID, T + 7 * HOUR).json);
		expect(file).toMatchObject({
			format: 'triad-workspace',
			version: 1,
			docId: DOC_ID,
			schemaVersion: 1
		});
		const [entry] = file.register.proposals;
		expect(entry).toMatchObject({
			title: '# Move demo day',
			status: 'open',
			revision: 2,
			outcome: {
				state: 'majority',
				balanceBroken: true,
				dissent: { seat: 'navigator', member: nia, reason: 'Clashes\nwith review' }
			},
			actions: [{ title: 'Book room', owner: nia, status: 'todo' }]
		});
		expect(entry.counted.map((b: { seat: string; proxy: boolean }) => [b.seat, b.proxy])).toEqual([
			['keeper', true],
			['bearer', false],
			['navigator', false]
		]);
		expect(entry.late).toHaveLength(1);
		expect(entry.late[0].choice).toBe('abstain');
	});

	it('writes a Markdown register with member names and escaped text', () => {
		const { doc } = decidedTriad();
		const { markdown } = exportWorkspace(doc, DOC_ID, T + 7 * HOUR);
		expect(markdown).toContain('# Cohort \\*3\\* — decision register');
		expect(markdown).toContain('## \\# Move demo day');
		expect(markdown).toContain('- Outcome: Majority (balance broken)');
		expect(markdown).toContain('- Dissent: Navigator Nia: “Clashes with review”');
		expect(markdown).toContain('  - Keeper (cast by Nia for Kim): agree');
		expect(markdown).toContain('- Late ballots (not counted):');
		expect(markdown).toContain('  - [todo] Book room (owner Nia, due 2025-06-16T15:06:40Z)');
	});

	it('lists voters on an earlier text when they have not voted again', () => {
		const doc = new Y.Doc();
		const clock = stepClock('a', T);
		claimSeat(doc, clock, { seat: 'keeper', member: kim });
		const proposalId = createProposal(doc, clock, { title: 'T', createdBy: kim });
		openProposal(doc, clock, { proposalId, deadline: null, now: T });
		castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', kim, { deviceTime: T }));
		amendProposal(doc, clock, { proposalId, by: kim, now: T + 1 });
		const { markdown, json } = exportWorkspace(doc, DOC_ID, T + HOUR);
		expect(JSON.parse(json).register.proposals[0].earlierText).toHaveLength(1);
		expect(markdown).toContain('- Voted on an earlier text:\n  - Keeper (kim): agree');
	});
});

describe('importWorkspace refuses bad files', () => {
	const valid = () => exportWorkspace(decidedTriad().doc, DOC_ID, T).json;
	const withField = (field: string, value: unknown) =>
		JSON.stringify({ ...JSON.parse(valid()), [field]: value });

	function refusal(text: string): ImportError {
		try {
			importWorkspace(text);
		} catch (error) {
			if (error instanceof ImportError) return error;
			throw error;
		}
		throw new Error('the file was accepted');
	}

	it.each([
		['garbage', '\u0000\u0001 not json at all', 'not-json'],
		['an empty file', '', 'not-json'],
		['a JSON array', '[1,2,3]', 'wrong-format'],
		['another app’s JSON', '{"format":"something-else","version":1}', 'wrong-format'],
		['JSON null', 'null', 'wrong-format']
	])('%s', (_name, text, code) => {
		expect(refusal(text).code).toBe(code);
	});

	it('a truncated file', () => {
		const text = valid();
		expect(refusal(text.slice(0, Math.floor(text.length / 2))).code).toBe('truncated');
	});

	it('an unsupported format version', () => {
		expect(refusal(withField('version', 2))).toMatchObject({
			code: 'unsupported-version',
			message: expect.stringContaining('version 2 is not supported')
		});
	});

	it('a bad document id, export time or base64', () => {
		expect(refusal(withField('docId', 'short')).code).toBe('invalid-field');
		expect(refusal(withField('exportedAt', 'yesterday')).code).toBe('invalid-field');
		expect(refusal(withField('update', 'not*base64!')).code).toBe('invalid-field');
		expect(refusal(withField('update', 42)).code).toBe('invalid-field');
	});

	it('a corrupt update', () => {
		const random = new Uint8Array(64).map((_, i) => (i * 97 + 13) % 256);
		expect(refusal(withField('update', toBase64(random))).code).toBe('corrupt-update');
		const full = Y.encodeStateAsUpdate(decidedTriad().doc);
		expect(refusal(withField('update', toBase64(full.slice(0, full.length - 9)))).code).toBe(
			'corrupt-update'
		);
	});

	it('an update that Yjs reads but that fails validation', () => {
		const doc = decidedTriad().doc;
		let deep: unknown = 1;
		for (let level = 0; level < 300; level++) deep = [deep];
		doc.getMap('extra').set('deep', deep);
		expect(refusal(withField('update', toBase64(Y.encodeStateAsUpdate(doc))))).toMatchObject({
			code: 'corrupt-update',
			message: 'the document data is damaged and cannot be read'
		});
	});

	it('an update that depends on changes it does not carry', () => {
		const doc = decidedTriad().doc;
		const before = Y.encodeStateVector(doc);
		putMember(doc, { id: kim, name: 'Kim Renamed', joinedAt: T });
		const diffOnly = Y.encodeStateAsUpdate(doc, before);
		expect(refusal(withField('update', toBase64(diffOnly)))).toMatchObject({
			code: 'corrupt-update',
			message: 'the document data is incomplete'
		});
	});

	it('an update that holds no workspace', () => {
		const other = new Y.Doc();
		other.getText('unrelated').insert(0, 'hello');
		expect(refusal(withField('update', toBase64(Y.encodeStateAsUpdate(other)))).code).toBe(
			'not-a-workspace'
		);
	});

	it('an oversize file, before parsing it', () => {
		expect(refusal(' '.repeat(MAX_IMPORT_CHARS + 1)).code).toBe('oversize');
	});
});
