import * as Y from 'yjs';

/**
 * The Yjs schema of an organization document and of a triad's feed: the only place that knows
 * their keys. Both keep their identity in a top-level map named `meta`, like a triad, with a
 * `kind` that tells the three apart and a schema version of their own. These names are the wire
 * format: never rename one.
 */

/** The version of the organization schema this code writes. */
export const ORGANIZATION_SCHEMA_VERSION = 1;
/** The version of the feed schema this code writes. */
export const FEED_SCHEMA_VERSION = 1;

export const DOCUMENT_KIND = { organization: 'organization', feed: 'feed' } as const;

const ORG_ROOT = {
	meta: 'meta',
	culture: 'culture',
	resources: 'resources',
	units: 'units',
	register: 'register'
} as const;

const FEED_ROOT = { meta: 'meta', entries: 'entries' } as const;

/** Keys of a unit's Y.Map. `parent` holds `{ unit, at }` as one value, so the two never split. */
export const UNIT = {
	name: 'name',
	kind: 'kind',
	parent: 'parent',
	createdAt: 'createdAt'
} as const;

/** Keys of a resource's Y.Map. */
export const RESOURCE = {
	title: 'title',
	detail: 'detail',
	holder: 'holder',
	createdAt: 'createdAt'
} as const;

/** Keys of a registered triad's Y.Map: each its own last-writer-wins field. */
export const REGISTERED = {
	name: 'name',
	unit: 'unit',
	level: 'level',
	reportsTo: 'reportsTo',
	feed: 'feed',
	registeredAt: 'registeredAt'
} as const;

/** name, purpose, createdAt, kind and schemaVersion of an organization or a feed. */
export const orgMeta = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(ORG_ROOT.meta);
/** The culture (values and working agreements) as rich text, in TipTap's shape. */
export const cultureFragment = (doc: Y.Doc): Y.XmlFragment => doc.getXmlFragment(ORG_ROOT.culture);
/** Resource id → Y.Map with the `RESOURCE` keys. */
export const resourcesMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(ORG_ROOT.resources);
/** Unit id → Y.Map with the `UNIT` keys. */
export const unitsMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(ORG_ROOT.units);
/** Triad document id → Y.Map with the `REGISTERED` keys. */
export const registerMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(ORG_ROOT.register);

/** triadId, kind and schemaVersion of a feed. */
export const feedMeta = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(FEED_ROOT.meta);
/** The feed's append-only entries, plain values, never edited or deleted. */
export const feedEntries = (doc: Y.Doc): Y.Array<unknown> => doc.getArray(FEED_ROOT.entries);

/** Every top-level type of an organization document, for observers. */
export function organizationRootTypes(doc: Y.Doc): Y.AbstractType<unknown>[] {
	return [
		orgMeta(doc),
		cultureFragment(doc),
		resourcesMap(doc),
		unitsMap(doc),
		registerMap(doc)
	] as Y.AbstractType<unknown>[];
}

/** Every top-level type of a feed document, for observers. */
export function feedRootTypes(doc: Y.Doc): Y.AbstractType<unknown>[] {
	return [feedMeta(doc), feedEntries(doc)] as Y.AbstractType<unknown>[];
}
