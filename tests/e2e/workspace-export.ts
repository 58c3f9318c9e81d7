/**
 * Reads a downloaded workspace file the way the app's import does, so a test can see what a
 * member's own document holds, apart from what their screen draws.
 */
import * as Y from 'yjs';
import { importWorkspace } from '../../src/lib/doc/export';
import { listProposals, readBodyText } from '../../src/lib/doc/proposal-read';

/**
 * The body of the proposal titled `title` in an exported workspace file, as plain text with one
 * line per block. Throws when the file holds no such proposal.
 */
export function bodyTextInExport(json: string, title: string): string {
	const doc = new Y.Doc();
	try {
		Y.applyUpdate(doc, importWorkspace(json).update);
		const proposal = listProposals(doc).find((candidate) => candidate.title === title);
		if (!proposal) throw new Error(`the exported workspace has no proposal "${title}"`);
		return readBodyText(doc, proposal.id);
	} finally {
		doc.destroy();
	}
}
