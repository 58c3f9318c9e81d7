import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { exportWorkspace } from '$lib/doc/export';
import { initWorkspace, readMeta } from '$lib/doc/meta';
import { newDocumentId } from '$lib/sync/workspace-secret';
import { fileNameFor, readWorkspaceFile } from './workspace-file';

function exported(): { json: string; docId: ReturnType<typeof newDocumentId> } {
	const doc = new Y.Doc();
	initWorkspace(doc, {
		name: 'Harbour',
		purpose: '',
		level: 'operational',
		unit: '',
		createdAt: Date.UTC(2026, 0, 1)
	});
	const docId = newDocumentId();
	return { json: exportWorkspace(doc, docId, Date.UTC(2026, 0, 2)).json, docId };
}

describe('readWorkspaceFile', () => {
	it('accepts an export and hands back its document id and update', () => {
		const { json, docId } = exported();
		const result = readWorkspaceFile(json);
		if (!result.ok) throw new Error(result.problem);
		expect(result.docId).toBe(docId);
		const copy = new Y.Doc();
		Y.applyUpdate(copy, result.update);
		expect(readMeta(copy)?.name).toBe('Harbour');
	});

	it('refuses garbage, other JSON and a cut-off file in plain words', () => {
		expect(readWorkspaceFile('hello, not a file')).toMatchObject({
			ok: false,
			code: 'not-json',
			problem: 'This is not a Triad workspace file: it is not JSON.'
		});
		expect(readWorkspaceFile('{"a": 1}')).toMatchObject({
			ok: false,
			code: 'wrong-format',
			problem: 'This is not a Triad workspace file.'
		});
		const { json } = exported();
		const cut = readWorkspaceFile(json.slice(0, json.length / 2));
		expect(cut.ok).toBe(false);
		if (!cut.ok) expect(cut.problem).not.toBe('');
	});
});

describe('fileNameFor', () => {
	it('makes a dashed lower-case name and falls back to "triad"', () => {
		expect(fileNameFor('Harbour Triad: Café 2027', '.json')).toBe('harbour-triad-cafe-2027.json');
		expect(fileNameFor('…', '.md')).toBe('triad.md');
	});
});
