import type { DocumentId } from '$lib/domain/ids';
import { ImportError, importWorkspace, type ImportErrorCode } from '$lib/doc/export';

/** A workspace file read and checked, ready to merge into the triad it belongs to. */
export interface CheckedWorkspaceFile {
	ok: true;
	docId: DocumentId;
	exportedAt: number;
	update: Uint8Array;
}

/** Why a file cannot be imported, in words for the member. */
export interface RefusedWorkspaceFile {
	ok: false;
	code: ImportErrorCode;
	problem: string;
}

const PROBLEM: Record<ImportErrorCode, (detail: string) => string> = {
	oversize: () => 'The file is too large to be a Triad workspace file.',
	'not-json': () => 'This is not a Triad workspace file: it is not JSON.',
	truncated: () =>
		'The file is incomplete; it may have been cut off while it was saved. Download it again.',
	'wrong-format': () => 'This is not a Triad workspace file.',
	'unsupported-version': (detail) =>
		`This workspace file comes from another version of Triad: ${detail}.`,
	'invalid-field': (detail) => `The workspace file is damaged: ${detail}.`,
	'corrupt-update': (detail) => `The workspace file is damaged: ${detail}.`,
	'not-a-workspace': (detail) => `The file holds no triad: ${detail}.`
};

/**
 * Reads a file chosen for import and checks it with the doc layer's validator; nothing is
 * applied anywhere. Refusals carry the validator's code and a sentence to show as is.
 */
export function readWorkspaceFile(text: string): CheckedWorkspaceFile | RefusedWorkspaceFile {
	try {
		const { docId, exportedAt, update } = importWorkspace(text);
		return { ok: true, docId, exportedAt, update };
	} catch (error) {
		if (!(error instanceof ImportError)) throw error;
		return { ok: false, code: error.code, problem: PROBLEM[error.code](error.message) };
	}
}

/** A file name made of the triad's name: lower case, words joined by dashes. */
export function fileNameFor(triadName: string, suffix: string): string {
	const base = triadName
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '');
	return `${base || 'triad'}${suffix}`;
}
