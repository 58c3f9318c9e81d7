import type * as Y from 'yjs';
import { WorkspaceStateError } from './errors';
import { finiteOr } from './parse';
import { SCHEMA_VERSION, metaMap } from './schema';

/**
 * How a document's schema version relates to this code:
 * - `empty`: no workspace yet (a fresh doc, or one still waiting for its first sync);
 * - `current` / `older`: readable as is; older documents are read through the field fallbacks in
 *   the readers, and the next `updateMeta` stamps the current version;
 * - `newer`: written by a later release. Reading still works for the fields this code knows, but
 *   every writer of this layer refuses with WorkspaceStateError `newer-schema` (`transactWrite`).
 */
export type SchemaStatus =
	| { kind: 'empty' }
	| { kind: 'current'; version: number }
	| { kind: 'older'; version: number }
	| { kind: 'newer'; version: number };

/** Reads the schema version a workspace was stamped with and classifies it against this code. */
export function schemaStatus(doc: Y.Doc): SchemaStatus {
	const version = finiteOr(metaMap(doc).get('schemaVersion'), null);
	if (version === null) return { kind: 'empty' };
	if (version === SCHEMA_VERSION) return { kind: 'current', version };
	return version < SCHEMA_VERSION ? { kind: 'older', version } : { kind: 'newer', version };
}

/**
 * Runs one write as `doc.transact(write, origin)`, unless the document was written by a newer
 * schema version: then it throws WorkspaceStateError (`newer-schema`) and writes nothing. This
 * code cannot know which invariants a later schema added, and a write from it (say, `updateMeta`
 * stamping its own, older version) could break them for every member. Every writer of the doc
 * layer goes through here.
 */
export function transactWrite(doc: Y.Doc, write: () => void, origin: unknown): void {
	if (schemaStatus(doc).kind === 'newer') {
		throw new WorkspaceStateError(
			'newer-schema',
			'this triad was written by a newer version of Triad; update the app'
		);
	}
	doc.transact(write, origin);
}
