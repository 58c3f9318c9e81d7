import { fromBase64, toBase64 } from 'lib0/buffer';
import * as Y from 'yjs';
import { parseDocumentId, type DocumentId } from '../domain/ids';
import { validateUpdate } from '../protocol/validate-update';
import type { EpochMs } from '../domain/model';
import { buildRegister, type DecisionRegister } from './register';
import { registerToMarkdown } from './register-markdown';
import { schemaStatus, type SchemaStatus } from './version';

/**
 * The workspace export file: a JSON envelope that carries the whole document as a Yjs update
 * (base64 of `Y.encodeStateAsUpdate`), so it can be imported losslessly, and the decision register
 * as plain JSON beside it, so it stays readable without Triad. Markdown is produced alongside for
 * people.
 *
 * ```json
 * { "format": "triad-workspace", "version": 1, "docId": "…22 chars…", "exportedAt": 1750000000000,
 *   "schemaVersion": 1, "update": "<base64>", "register": { … } }
 * ```
 */
export const EXPORT_FORMAT = 'triad-workspace';
export const EXPORT_VERSION = 1;
/** Files larger than this are refused before parsing: 64 MiB of text. */
export const MAX_IMPORT_CHARS = 64 * 1024 * 1024;

export interface WorkspaceExportFile {
	format: typeof EXPORT_FORMAT;
	version: typeof EXPORT_VERSION;
	docId: DocumentId;
	exportedAt: EpochMs;
	schemaVersion: number | null;
	update: string;
	register: DecisionRegister;
}

/** Exports a workspace as the JSON file above and as a Markdown decision register. */
export function exportWorkspace(
	doc: Y.Doc,
	docId: DocumentId,
	now: EpochMs
): { json: string; markdown: string } {
	const register = buildRegister(doc, now);
	const status = schemaStatus(doc);
	const file: WorkspaceExportFile = {
		format: EXPORT_FORMAT,
		version: EXPORT_VERSION,
		docId,
		exportedAt: now,
		schemaVersion: status.kind === 'empty' ? null : status.version,
		update: toBase64(Y.encodeStateAsUpdate(doc)),
		register
	};
	return { json: JSON.stringify(file, null, '\t'), markdown: registerToMarkdown(register) };
}

export type ImportErrorCode =
	| 'oversize'
	| 'not-json'
	| 'truncated'
	| 'wrong-format'
	| 'unsupported-version'
	| 'invalid-field'
	| 'corrupt-update'
	| 'not-a-workspace';

/** Why an export file was refused. Nothing is applied to any workspace when this is thrown. */
export class ImportError extends Error {
	constructor(
		readonly code: ImportErrorCode,
		message: string
	) {
		super(message);
		this.name = 'ImportError';
	}
}

export interface ImportedWorkspace {
	docId: DocumentId;
	exportedAt: EpochMs;
	/** The whole document as one Yjs update, checked to apply cleanly to an empty document. */
	update: Uint8Array;
	schema: SchemaStatus;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads an export file and checks it thoroughly: size, JSON, format and version, document id,
 * base64, and that the update applies to a scratch document and holds a workspace. The caller
 * then applies `update` to the document for `docId`.
 */
export function importWorkspace(text: string): ImportedWorkspace {
	if (typeof text !== 'string') throw new ImportError('not-json', 'an export file is text');
	if (text.length > MAX_IMPORT_CHARS) {
		throw new ImportError('oversize', `the file is larger than ${MAX_IMPORT_CHARS / 2 ** 20} MiB`);
	}
	const envelope = parseEnvelope(text);
	if (envelope.format !== EXPORT_FORMAT) {
		throw new ImportError('wrong-format', 'this is not a Triad workspace export');
	}
	if (envelope.version !== EXPORT_VERSION) {
		throw new ImportError(
			'unsupported-version',
			`export format version ${String(envelope.version)} is not supported; this app reads version ${EXPORT_VERSION}`
		);
	}
	const docId = parseDocumentId(envelope.docId);
	if (!docId) throw new ImportError('invalid-field', 'the file has no valid document id');
	const exportedAt = envelope.exportedAt;
	if (typeof exportedAt !== 'number' || !Number.isSafeInteger(exportedAt) || exportedAt < 0) {
		throw new ImportError('invalid-field', 'the file has no valid export time');
	}
	const encoded = envelope.update;
	if (typeof encoded !== 'string' || encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
		throw new ImportError('invalid-field', 'the document data is not valid base64');
	}
	const update = fromBase64(encoded);
	return { docId, exportedAt, update, schema: checkUpdate(update) };
}

function parseEnvelope(text: string): Record<string, unknown> {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		// A file that starts like an export but does not parse was most likely cut short.
		const looksLikeExport = text.trimStart().startsWith('{') && text.includes(EXPORT_FORMAT);
		throw looksLikeExport
			? new ImportError('truncated', 'the file is incomplete; it may have been cut short')
			: new ImportError('not-json', 'the file is not a Triad export (not JSON)');
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new ImportError('wrong-format', 'this is not a Triad workspace export');
	}
	return parsed as Record<string, unknown>;
}

function checkUpdate(update: Uint8Array): SchemaStatus {
	// The check the relay runs: imported, an update that fails it would be saved on the device,
	// refused by the relay, and might keep the triad from loading again.
	if (validateUpdate(update) !== null) {
		throw new ImportError('corrupt-update', 'the document data is damaged and cannot be read');
	}
	const scratch = new Y.Doc();
	try {
		Y.applyUpdate(scratch, update);
	} catch {
		throw new ImportError('corrupt-update', 'the document data is damaged and cannot be read');
	}
	// A full-state update depends on nothing else; missing dependencies mean it is not one.
	if (scratch.store.pendingStructs !== null || scratch.store.pendingDs !== null) {
		throw new ImportError('corrupt-update', 'the document data is incomplete');
	}
	const schema = schemaStatus(scratch);
	scratch.destroy();
	if (schema.kind === 'empty') {
		throw new ImportError('not-a-workspace', 'the document data holds no Triad workspace');
	}
	return schema;
}
