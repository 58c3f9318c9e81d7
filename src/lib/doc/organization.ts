import * as Y from 'yjs';
import { parseDocumentId, type DocumentId } from '../domain/ids';
import { parseHlc } from '../domain/hlc';
import { LEVELS, type EpochMs, type HlcTimestamp, type Level } from '../domain/model';
import {
	UNIT_KINDS,
	type OrganizationIdentity,
	type RegisteredTriad,
	type Resource,
	type ResourceId,
	type Unit,
	type UnitId,
	type UnitKind,
	type UnitRecord
} from '../domain/organization';
import { resolveUnitTree, wouldCycle } from '../domain/organization-units';
import { readFragmentBlocks, type BodyBlock } from './body-read';
import { InvalidInputError, NotFoundError, WorkspaceStateError } from './errors';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { asRecord, compareStrings, finiteOr, idOr, instantOr, oneOf, textOr } from './parse';
import {
	DOCUMENT_KIND,
	ORGANIZATION_SCHEMA_VERSION,
	REGISTERED,
	RESOURCE,
	UNIT,
	cultureFragment,
	feedRootTypes,
	orgMeta,
	organizationRootTypes,
	registerMap,
	resourcesMap,
	unitsMap
} from './organization-schema';
import type { SetAsideTally } from './set-aside';
import {
	NOTE_MAX,
	TITLE_MAX,
	optionalText,
	requireId,
	requireInstant,
	requireOneOf,
	requireText
} from './validate';

/**
 * The organization document: identity, culture, resources, units and the register of triads.
 * Stewards (members of strategic triads) write it; everyone else in the organization holds a
 * viewer link, which the relay enforces. Writers check their input and refuse with
 * `InvalidInputError`; readers take whatever any steward's device wrote and set aside what they
 * cannot read whole.
 */

/** The longest culture text a writer stores (values and working agreements together). */
export const CULTURE_MAX = 20_000;
/** The most paragraphs the plain-text culture writer makes. */
const CULTURE_PARAGRAPHS_MAX = 500;

function schemaVersionOf(doc: Y.Doc): number | null {
	return finiteOr(orgMeta(doc).get('schemaVersion'), null);
}

function isOrganization(doc: Y.Doc): boolean {
	return orgMeta(doc).get('kind') === DOCUMENT_KIND.organization;
}

/**
 * Runs one write in one transaction, unless the document is not an organization yet or was
 * written by a newer schema, whose invariants this code cannot know.
 */
function transactOrganization(doc: Y.Doc, write: () => void, origin: unknown): void {
	const version = schemaVersionOf(doc);
	if (version === null || !isOrganization(doc)) {
		throw new WorkspaceStateError('not-initialized', 'this organization has not been created yet');
	}
	if (version > ORGANIZATION_SCHEMA_VERSION) {
		throw new WorkspaceStateError(
			'newer-schema',
			'this organization was written by a newer version of Triad; update the app'
		);
	}
	doc.transact(write, origin);
}

export interface NewOrganization {
	name: string;
	purpose?: string;
	/** Values and working agreements as plain text, one paragraph per line. */
	culture?: string;
	createdAt: EpochMs;
}

/** Writes the identity of a new organization. Only its creator calls this, once. */
export function initOrganization(
	doc: Y.Doc,
	input: NewOrganization,
	origin: unknown = LOCAL_ORIGIN
): void {
	const name = requireText('name', input.name, TITLE_MAX);
	const purpose = optionalText('purpose', input.purpose, NOTE_MAX);
	const culture = cultureParagraphs(input.culture ?? '');
	const createdAt = requireInstant('createdAt', input.createdAt);
	const meta = orgMeta(doc);
	if (meta.has('schemaVersion')) {
		throw new WorkspaceStateError('already-initialized', 'this document already exists');
	}
	doc.transact(() => {
		meta.set('kind', DOCUMENT_KIND.organization);
		meta.set('name', name);
		meta.set('purpose', purpose);
		meta.set('createdAt', createdAt);
		meta.set('schemaVersion', ORGANIZATION_SCHEMA_VERSION);
		writeParagraphs(cultureFragment(doc), culture);
	}, origin);
}

/** Changes the organization's name or purpose; each its own last-writer-wins field. */
export function updateOrganization(
	doc: Y.Doc,
	patch: { name?: string; purpose?: string },
	origin: unknown = LOCAL_ORIGIN
): void {
	const name = patch.name === undefined ? undefined : requireText('name', patch.name, TITLE_MAX);
	const purpose =
		patch.purpose === undefined ? undefined : optionalText('purpose', patch.purpose, NOTE_MAX);
	transactOrganization(
		doc,
		() => {
			if (name !== undefined) orgMeta(doc).set('name', name);
			if (purpose !== undefined) orgMeta(doc).set('purpose', purpose);
		},
		origin
	);
}

/** The organization's identity, or null while this is not (yet) an organization document. */
export function readOrganization(doc: Y.Doc): OrganizationIdentity | null {
	const schemaVersion = schemaVersionOf(doc);
	if (schemaVersion === null || !isOrganization(doc)) return null;
	const meta = orgMeta(doc);
	return {
		name: textOr(meta.get('name'), TITLE_MAX),
		purpose: textOr(meta.get('purpose'), NOTE_MAX),
		createdAt: instantOr(meta.get('createdAt'), 0),
		schemaVersion
	};
}

function cultureParagraphs(text: unknown): string[] {
	const culture = optionalText('culture', text, CULTURE_MAX);
	const paragraphs = culture
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => line !== '');
	if (paragraphs.length > CULTURE_PARAGRAPHS_MAX) {
		throw new InvalidInputError(`culture has more than ${CULTURE_PARAGRAPHS_MAX} paragraphs`);
	}
	return paragraphs;
}

function writeParagraphs(fragment: Y.XmlFragment, paragraphs: readonly string[]): void {
	if (fragment.length > 0) fragment.delete(0, fragment.length);
	fragment.insert(
		0,
		paragraphs.map((text) => {
			const element = new Y.XmlElement('paragraph');
			const content = new Y.XmlText();
			content.insert(0, text);
			element.insert(0, [content]);
			return element;
		})
	);
}

/**
 * Replaces the culture with plain paragraphs (one per non-empty line). A rich-text editor binds
 * to `organizationCulture` instead and edits it in place.
 */
export function setCulture(doc: Y.Doc, text: string, origin: unknown = LOCAL_ORIGIN): void {
	const paragraphs = cultureParagraphs(text);
	transactOrganization(doc, () => writeParagraphs(cultureFragment(doc), paragraphs), origin);
}

/** The culture's rich text, for an editor to bind to (a steward's device only). */
export function organizationCulture(doc: Y.Doc): Y.XmlFragment {
	return cultureFragment(doc);
}

/** The culture as blocks of runs, for reading without an editor. */
export function readCulture(doc: Y.Doc): BodyBlock[] {
	return readFragmentBlocks(cultureFragment(doc));
}

export interface NewResource {
	title: string;
	detail?: string;
	holder?: string;
}

/** Adds a shared resource. */
export function addResource(
	doc: Y.Doc,
	clock: StampSource,
	input: NewResource,
	origin: unknown = LOCAL_ORIGIN
): ResourceId {
	const title = requireText('title', input.title, TITLE_MAX);
	const detail = optionalText('detail', input.detail, NOTE_MAX);
	const holder = optionalText('holder', input.holder, TITLE_MAX);
	const id = newId<ResourceId>();
	transactOrganization(
		doc,
		() => {
			const resource = new Y.Map<unknown>();
			resourcesMap(doc).set(id, resource);
			resource.set(RESOURCE.title, title);
			resource.set(RESOURCE.detail, detail);
			resource.set(RESOURCE.holder, holder);
			resource.set(RESOURCE.createdAt, clock.now());
		},
		origin
	);
	return id;
}

/** Takes a resource off the list. */
export function removeResource(doc: Y.Doc, id: ResourceId, origin: unknown = LOCAL_ORIGIN): void {
	if (!resourcesMap(doc).has(id)) throw new NotFoundError('resource', id);
	transactOrganization(doc, () => resourcesMap(doc).delete(id), origin);
}

/** The shared resources, oldest first; anything not a map or without an id is set aside. */
export function listResources(doc: Y.Doc, aside?: SetAsideTally): Resource[] {
	const resources: Resource[] = [];
	for (const [key, value] of resourcesMap(doc).entries()) {
		const id = idOr(key);
		if (!(value instanceof Y.Map) || id === null) {
			aside?.add(null);
			continue;
		}
		resources.push({
			id: id as ResourceId,
			title: textOr(value.get(RESOURCE.title), TITLE_MAX),
			detail: textOr(value.get(RESOURCE.detail), NOTE_MAX),
			holder: textOr(value.get(RESOURCE.holder), TITLE_MAX),
			createdAt: parseHlc(value.get(RESOURCE.createdAt))
		});
	}
	return resources.sort(
		(a, b) => compareStrings(a.createdAt ?? '', b.createdAt ?? '') || compareStrings(a.id, b.id)
	);
}

export interface NewUnit {
	name: string;
	kind: UnitKind;
	/** The unit it sits in; null or absent for one directly under the organization. */
	parent?: UnitId | null;
}

function requireParent(doc: Y.Doc, parent: unknown): UnitId | null {
	if (parent === null || parent === undefined) return null;
	const id = requireId<UnitId>('parent', parent);
	if (!(unitsMap(doc).get(id) instanceof Y.Map)) throw new NotFoundError('unit', id);
	return id;
}

/** Adds a unit (team, cohort, department) under `parent`, or directly under the organization. */
export function addUnit(
	doc: Y.Doc,
	clock: StampSource,
	input: NewUnit,
	origin: unknown = LOCAL_ORIGIN
): UnitId {
	const name = requireText('name', input.name, TITLE_MAX);
	const kind = requireOneOf('kind', UNIT_KINDS, input.kind);
	const parent = requireParent(doc, input.parent);
	const id = newId<UnitId>();
	transactOrganization(
		doc,
		() => {
			const unit = new Y.Map<unknown>();
			unitsMap(doc).set(id, unit);
			const at = clock.now();
			unit.set(UNIT.name, name);
			unit.set(UNIT.kind, kind);
			unit.set(UNIT.parent, { unit: parent, at });
			unit.set(UNIT.createdAt, at);
		},
		origin
	);
	return id;
}

/**
 * Moves a unit under another (or to the top with null). A move that would put a unit inside
 * itself, as this device sees the tree, is refused; moves made concurrently elsewhere can still
 * close a cycle, which the tree rule breaks (`resolveUnitTree`).
 */
export function moveUnit(
	doc: Y.Doc,
	clock: StampSource,
	unitId: UnitId,
	parent: UnitId | null,
	origin: unknown = LOCAL_ORIGIN
): void {
	const unit = unitsMap(doc).get(unitId);
	if (!(unit instanceof Y.Map)) throw new NotFoundError('unit', unitId);
	const target = requireParent(doc, parent);
	if (wouldCycle(readUnitTree(doc), unitId, target)) {
		throw new InvalidInputError('a unit cannot move inside itself or a unit under it');
	}
	transactOrganization(doc, () => unit.set(UNIT.parent, { unit: target, at: clock.now() }), origin);
}

/** Renames a unit or changes its kind. */
export function updateUnit(
	doc: Y.Doc,
	unitId: UnitId,
	patch: { name?: string; kind?: UnitKind },
	origin: unknown = LOCAL_ORIGIN
): void {
	const name = patch.name === undefined ? undefined : requireText('name', patch.name, TITLE_MAX);
	const kind = patch.kind === undefined ? undefined : requireOneOf('kind', UNIT_KINDS, patch.kind);
	const unit = unitsMap(doc).get(unitId);
	if (!(unit instanceof Y.Map)) throw new NotFoundError('unit', unitId);
	transactOrganization(
		doc,
		() => {
			if (name !== undefined) unit.set(UNIT.name, name);
			if (kind !== undefined) unit.set(UNIT.kind, kind);
		},
		origin
	);
}

/**
 * The units as stored. A unit that is not a map or has no id is set aside; a parent that is not
 * `{ unit, at }` with an id reads as none (with no stamp, so it loses any cycle it is in).
 */
export function listUnitRecords(doc: Y.Doc, aside?: SetAsideTally): UnitRecord[] {
	const units: UnitRecord[] = [];
	for (const [key, value] of unitsMap(doc).entries()) {
		const id = idOr(key);
		if (!(value instanceof Y.Map) || id === null) {
			aside?.add(null);
			continue;
		}
		const edge = asRecord(value.get(UNIT.parent));
		units.push({
			id: id as UnitId,
			name: textOr(value.get(UNIT.name), TITLE_MAX),
			kind: oneOf(UNIT_KINDS, value.get(UNIT.kind)) ?? 'team',
			parent: edge === null ? null : (idOr(edge.get('unit')) as UnitId | null),
			parentAt: edge === null ? null : parseHlc(edge.get('at')),
			createdAt: parseHlc(value.get(UNIT.createdAt))
		});
	}
	return units;
}

/** The unit tree: no cycle, no orphan, the same on every device (`resolveUnitTree`). */
export function readUnitTree(doc: Y.Doc, aside?: SetAsideTally): Unit[] {
	return resolveUnitTree(listUnitRecords(doc, aside));
}

export interface TriadRegistration {
	/** The triad's document id. */
	id: DocumentId;
	name: string;
	unit: UnitId | null;
	level: Level;
	/** For an operational triad: the registered strategic triad it reports to, or null. */
	reportsTo: DocumentId | null;
	feed: DocumentId;
}

function requireDocumentId(field: string, value: unknown): DocumentId {
	const id = parseDocumentId(value);
	if (id === null) throw new InvalidInputError(`${field} must be a document id`);
	return id;
}

function requireReportsTo(doc: Y.Doc, level: Level, reportsTo: unknown, self: DocumentId) {
	if (reportsTo === null || reportsTo === undefined) return null;
	if (level === 'strategic') {
		throw new InvalidInputError('a strategic triad reports to no other triad');
	}
	const target = requireDocumentId('reportsTo', reportsTo);
	const registered = listRegister(doc).find((t) => t.id === target);
	if (target === self || registered === undefined) throw new NotFoundError('triad', target);
	if (registered.level !== 'strategic') {
		throw new InvalidInputError('an operational triad reports to a strategic triad');
	}
	return target;
}

/**
 * Puts a triad in the register, or updates its entry (a triad attached later, moved to another
 * unit, relinked to another strategic triad). Its feed id never changes once registered.
 */
export function registerTriad(
	doc: Y.Doc,
	clock: StampSource,
	input: TriadRegistration,
	origin: unknown = LOCAL_ORIGIN
): void {
	const id = requireDocumentId('id', input.id);
	const name = requireText('name', input.name, TITLE_MAX);
	const level = requireOneOf('level', LEVELS, input.level);
	const unit = requireParent(doc, input.unit);
	const reportsTo = requireReportsTo(doc, level, input.reportsTo, id);
	const feed = requireDocumentId('feed', input.feed);
	if (feed === id) throw new InvalidInputError('a feed is a document of its own');
	const existing = registerMap(doc).get(id);
	if (existing instanceof Y.Map && existing.get(REGISTERED.feed) !== feed) {
		throw new InvalidInputError('a registered triad keeps its feed');
	}
	transactOrganization(
		doc,
		() => {
			let entry = existing;
			if (!(entry instanceof Y.Map)) {
				entry = new Y.Map<unknown>();
				registerMap(doc).set(id, entry);
				(entry as Y.Map<unknown>).set(REGISTERED.feed, feed);
				(entry as Y.Map<unknown>).set(REGISTERED.registeredAt, clock.now());
			}
			const map = entry as Y.Map<unknown>;
			map.set(REGISTERED.name, name);
			map.set(REGISTERED.unit, unit);
			map.set(REGISTERED.level, level);
			map.set(REGISTERED.reportsTo, reportsTo);
		},
		origin
	);
}

/**
 * The register, by name then id. An entry that is not a map, whose key is not a document id, or
 * whose feed is not one, is set aside. A unit that no longer exists reads as none, and so does a
 * `reportsTo` that is not a registered strategic triad (or is the triad itself, or set on a
 * strategic one): a register entry never points at something a screen cannot show.
 */
export function listRegister(doc: Y.Doc, aside?: SetAsideTally): RegisteredTriad[] {
	const raw: RegisteredTriad[] = [];
	const units = unitsMap(doc);
	for (const [key, value] of registerMap(doc).entries()) {
		const id = parseDocumentId(key);
		const feed = value instanceof Y.Map ? parseDocumentId(value.get(REGISTERED.feed)) : null;
		if (!(value instanceof Y.Map) || id === null || feed === null || feed === id) {
			aside?.add(null);
			continue;
		}
		const unit = idOr(value.get(REGISTERED.unit)) as UnitId | null;
		raw.push({
			id,
			name: textOr(value.get(REGISTERED.name), TITLE_MAX),
			unit: unit !== null && units.get(unit) instanceof Y.Map ? unit : null,
			level: oneOf(LEVELS, value.get(REGISTERED.level)) ?? 'operational',
			reportsTo: parseDocumentId(value.get(REGISTERED.reportsTo)),
			feed,
			registeredAt: parseHlc(value.get(REGISTERED.registeredAt))
		});
	}
	const strategic = new Set(raw.filter((t) => t.level === 'strategic').map((t) => t.id));
	for (const triad of raw) {
		if (
			triad.reportsTo !== null &&
			(triad.level === 'strategic' ||
				triad.reportsTo === triad.id ||
				!strategic.has(triad.reportsTo))
		) {
			triad.reportsTo = null;
		}
	}
	return raw.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.id, b.id));
}

/**
 * The latest timestamp the organization holds (unit moves, registrations, resources), for the
 * device clock to catch up with before it stamps a write here: a move made after seeing another
 * is then stamped after it, which the tree rule relies on.
 */
export function latestOrganizationStamp(doc: Y.Doc): HlcTimestamp | null {
	let latest: HlcTimestamp | null = null;
	const consider = (stamp: HlcTimestamp | null) => {
		if (stamp !== null && (latest === null || stamp > latest)) latest = stamp;
	};
	for (const unit of listUnitRecords(doc)) {
		consider(unit.parentAt);
		consider(unit.createdAt);
	}
	for (const triad of listRegister(doc)) consider(triad.registeredAt);
	for (const resource of listResources(doc)) consider(resource.createdAt);
	return latest;
}

/** Calls `onChange` once per transaction that changed the organization; returns the stop function. */
export function observeOrganization(doc: Y.Doc, onChange: () => void): () => void {
	return observeOnce(organizationRootTypes(doc), onChange);
}

/** Calls `onChange` once per transaction that changed the feed; returns the stop function. */
export function observeFeed(doc: Y.Doc, onChange: () => void): () => void {
	return observeOnce(feedRootTypes(doc), onChange);
}

function observeOnce(types: Y.AbstractType<unknown>[], onChange: () => void): () => void {
	// observeDeep fires once per root type a transaction touched; report each transaction once.
	const reported = new WeakSet<Y.Transaction>();
	const handler = (_events: unknown, transaction: Y.Transaction) => {
		if (reported.has(transaction)) return;
		reported.add(transaction);
		onChange();
	};
	for (const type of types) type.observeDeep(handler);
	return () => {
		for (const type of types) type.unobserveDeep(handler);
	};
}
