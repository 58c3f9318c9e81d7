import type * as Y from 'yjs';
import { LEVELS, type EpochMs, type Level, type WorkspaceMeta } from '../domain/model';
import { WorkspaceStateError } from './errors';
import { LOCAL_ORIGIN } from './origin';
import { finiteOr, instantOr, oneOf, textOr } from './parse';
import { SCHEMA_VERSION, metaMap } from './schema';
import {
	TITLE_MAX,
	NOTE_MAX,
	optionalText,
	requireInstant,
	requireOneOf,
	requireText
} from './validate';
import { transactWrite } from './version';

export interface NewWorkspace {
	name: string;
	purpose?: string;
	level: Level;
	unit?: string;
	createdAt: EpochMs;
}

/**
 * Writes the identity of a new workspace and stamps it with the current schema version. Only the
 * member who creates the triad calls this; everyone else receives it through sync.
 */
export function initWorkspace(
	doc: Y.Doc,
	input: NewWorkspace,
	origin: unknown = LOCAL_ORIGIN
): void {
	const name = requireText('name', input.name, TITLE_MAX);
	const purpose = optionalText('purpose', input.purpose, NOTE_MAX);
	const level = requireOneOf('level', LEVELS, input.level);
	const unit = optionalText('unit', input.unit, TITLE_MAX);
	const createdAt = requireInstant('createdAt', input.createdAt);
	const meta = metaMap(doc);
	if (meta.has('schemaVersion')) {
		throw new WorkspaceStateError('already-initialized', 'this workspace already exists');
	}
	transactWrite(
		doc,
		() => {
			meta.set('name', name);
			meta.set('purpose', purpose);
			meta.set('level', level);
			meta.set('unit', unit);
			meta.set('createdAt', createdAt);
			meta.set('schemaVersion', SCHEMA_VERSION);
		},
		origin
	);
}

export type MetaPatch = Partial<Pick<WorkspaceMeta, 'name' | 'purpose' | 'level' | 'unit'>>;

/** Changes the triad's name, purpose, level or unit; each field is its own last-writer-wins key. */
export function updateMeta(doc: Y.Doc, patch: MetaPatch, origin: unknown = LOCAL_ORIGIN): void {
	const meta = metaMap(doc);
	if (!meta.has('schemaVersion')) {
		throw new WorkspaceStateError('not-initialized', 'this workspace has not been created yet');
	}
	const name = patch.name === undefined ? undefined : requireText('name', patch.name, TITLE_MAX);
	const purpose =
		patch.purpose === undefined ? undefined : optionalText('purpose', patch.purpose, NOTE_MAX);
	const level = patch.level === undefined ? undefined : requireOneOf('level', LEVELS, patch.level);
	const unit = patch.unit === undefined ? undefined : optionalText('unit', patch.unit, TITLE_MAX);
	transactWrite(
		doc,
		() => {
			if (name !== undefined) meta.set('name', name);
			if (purpose !== undefined) meta.set('purpose', purpose);
			if (level !== undefined) meta.set('level', level);
			if (unit !== undefined) meta.set('unit', unit);
			// A replica running newer code may have stamped a higher version; never lower it.
			const stamped = finiteOr(meta.get('schemaVersion'), 0);
			if (stamped < SCHEMA_VERSION) meta.set('schemaVersion', SCHEMA_VERSION);
		},
		origin
	);
}

/**
 * The triad's identity, or null while the document has not received it yet. Text longer than a
 * writer stores is cut; a creation time outside 2000–2200 reads as 0.
 */
export function readMeta(doc: Y.Doc): WorkspaceMeta | null {
	const meta = metaMap(doc);
	const schemaVersion = finiteOr(meta.get('schemaVersion'), null);
	if (schemaVersion === null) return null;
	return {
		name: textOr(meta.get('name'), TITLE_MAX),
		purpose: textOr(meta.get('purpose'), NOTE_MAX),
		level: oneOf(LEVELS, meta.get('level')) ?? 'operational',
		unit: textOr(meta.get('unit'), TITLE_MAX),
		schemaVersion,
		createdAt: instantOr(meta.get('createdAt'), 0)
	};
}
