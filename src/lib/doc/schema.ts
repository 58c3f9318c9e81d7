import * as Y from 'yjs';

/**
 * The version of the workspace schema this code writes. Readers accept every version up to this
 * one; see `version.ts` for what a document with a newer version means.
 */
export const SCHEMA_VERSION = 1;

/**
 * Top-level keys of a workspace document. Top-level types are created by name on every replica,
 * so two devices that reach for them at once get the same type instead of overwriting each other.
 * These names are the wire format: never rename one.
 */
const ROOT = {
	meta: 'meta',
	members: 'members',
	seats: 'seats',
	proposals: 'proposals',
	ballots: 'ballots',
	absences: 'absences',
	log: 'log',
	actions: 'actions',
	keys: 'keys'
} as const;

/** Keys inside a proposal's Y.Map. Nested Y types among them are created with the proposal. */
export const PROPOSAL = {
	id: 'id',
	title: 'title',
	body: 'body',
	status: 'status',
	amendments: 'amendments',
	deadline: 'deadline',
	reflectionDelayMs: 'reflectionDelayMs',
	createdBy: 'createdBy',
	createdAt: 'createdAt',
	openedAt: 'openedAt',
	lens: 'lens'
} as const;

/** A plain JSON-like value as Yjs stores it inside maps and arrays. */
export type Stored = unknown;

export const metaMap = (doc: Y.Doc): Y.Map<Stored> => doc.getMap(ROOT.meta);
/** Member id → plain member record; each member writes only their own key. */
export const membersMap = (doc: Y.Doc): Y.Map<Stored> => doc.getMap(ROOT.members);
/** Append-only log of seat claims and releases. */
export const seatLog = (doc: Y.Doc): Y.Array<Stored> => doc.getArray(ROOT.seats);
/** Proposal id → Y.Map with the `PROPOSAL` keys. */
export const proposalsMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap(ROOT.proposals);
/** Append-only log of ballots, never edited or deleted. */
export const ballotLog = (doc: Y.Doc): Y.Array<Stored> => doc.getArray(ROOT.ballots);
/** Absence id → Y.Map of fields; only its creator writes it. */
export const absencesMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap(ROOT.absences);
/** Append-only Keeper's log. */
export const keeperLog = (doc: Y.Doc): Y.Array<Stored> => doc.getArray(ROOT.log);
/** Action id → Y.Map of fields. */
export const actionsMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap(ROOT.actions);
/**
 * Append-only log of members' public signing keys (`signing-keys.ts`): the first entry of a
 * member in the log's order stands. A log rather than a field of the member's entry in `members`,
 * which is last-writer-wins: there anyone could replace someone's key by writing after them.
 */
export const keyLog = (doc: Y.Doc): Y.Array<Stored> => doc.getArray(ROOT.keys);

/** Every top-level type, for observers that want to hear about any change. */
export function rootTypes(doc: Y.Doc): Y.AbstractType<unknown>[] {
	return [
		metaMap(doc),
		membersMap(doc),
		seatLog(doc),
		proposalsMap(doc),
		ballotLog(doc),
		absencesMap(doc),
		keeperLog(doc),
		actionsMap(doc),
		keyLog(doc)
	] as Y.AbstractType<unknown>[];
}
