import type * as Y from 'yjs';
import { finiteOr } from './parse';
import { SCHEMA_VERSION, metaMap } from './schema';

/**
 * How a document's schema version relates to this code:
 * - `empty`: no workspace yet (a fresh doc, or one still waiting for its first sync);
 * - `current` / `older`: readable as is; older documents are read through the field fallbacks in
 *   the readers, and the next `updateMeta` stamps the current version;
 * - `newer`: written by a later release. Reading still works for the fields this code knows, but
 *   the app should ask the member to update before writing.
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
