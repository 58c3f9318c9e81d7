import type * as Y from 'yjs';
import { parseDocumentId, type DocumentId, type MemberId, type ProposalId } from '../domain/ids';
import { parseHlc } from '../domain/hlc';
import {
	ESCALATION_ANSWERS,
	type EscalationAnswer,
	type EscalationId,
	type EscalationRaised,
	type FeedEntry,
	type FeedEntryId,
	type PublishedDecision,
	type TriadHealth
} from '../domain/organization';
import { DISSENT_LINE_MAX } from '../domain/organization-feed';
import { SETTLED_STATES } from '../domain/outcome-state';
import { InvalidInputError, WorkspaceStateError } from './errors';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { asRecord, finiteOr, idOr, instantOr, oneOf, textOr, type Fields } from './parse';
import { DOCUMENT_KIND, FEED_SCHEMA_VERSION, feedEntries, feedMeta } from './organization-schema';
import { readWith, type ReadResult, type SetAsideTally } from './set-aside';
import { NOTE_MAX, TITLE_MAX, optionalText, requireId, requireText } from './validate';

/**
 * A triad's feed: what it publishes to the organization, append-only. Only the triad's members
 * hold its secret, so only they write it; its strategic triad (and the whole organization, where
 * the triad chooses) reads it with a viewer link. Entries are plain values, never edited: a
 * health entry is followed by a newer one, a decision is published once (readers keep the first
 * entry of an id, so two devices of the triad publishing the same decision at once show it once).
 */

/** The most entries one append takes; publication appends a few at a time. */
export const FEED_APPEND_MAX = 1000;

/** Stamps a new feed as the feed of `triad`. Only a member of that triad calls this, once. */
export function initFeed(doc: Y.Doc, triad: DocumentId, origin: unknown = LOCAL_ORIGIN): void {
	const triadId = parseDocumentId(triad);
	if (triadId === null) throw new InvalidInputError('triad must be a document id');
	const meta = feedMeta(doc);
	if (meta.has('schemaVersion')) {
		throw new WorkspaceStateError('already-initialized', 'this document already exists');
	}
	doc.transact(() => {
		meta.set('kind', DOCUMENT_KIND.feed);
		meta.set('triad', triadId);
		meta.set('schemaVersion', FEED_SCHEMA_VERSION);
	}, origin);
}

/**
 * Turns automatic publication on or off: the triad's opt-in, kept in the feed, which only the
 * triad's members write. While off, nothing new is published; what was published stays.
 */
export function setPublishing(doc: Y.Doc, on: boolean, origin: unknown = LOCAL_ORIGIN): void {
	if (typeof on !== 'boolean') throw new InvalidInputError('publishing must be true or false');
	requireFeed(doc);
	doc.transact(() => feedMeta(doc).set('publishing', on), origin);
}

/** Whether the triad opted in to publishing; anything but `true` reads as not. */
export function readPublishing(doc: Y.Doc): boolean {
	return feedMeta(doc).get('publishing') === true;
}

/** The triad a feed belongs to, or null while it is not (yet) a feed. */
export function readFeedTriad(doc: Y.Doc): DocumentId | null {
	const meta = feedMeta(doc);
	if (meta.get('kind') !== DOCUMENT_KIND.feed) return null;
	return parseDocumentId(meta.get('triad'));
}

function requireFeed(doc: Y.Doc): void {
	const meta = feedMeta(doc);
	const version = finiteOr(meta.get('schemaVersion'), null);
	if (version === null || meta.get('kind') !== DOCUMENT_KIND.feed) {
		throw new WorkspaceStateError('not-initialized', 'this feed has not been created yet');
	}
	if (version > FEED_SCHEMA_VERSION) {
		throw new WorkspaceStateError(
			'newer-schema',
			'this feed was written by a newer version of Triad; update the app'
		);
	}
}

/** Checks an entry this device is about to publish: it must read back exactly as written. */
function requireEntry(entry: FeedEntry): FeedEntry {
	const parsed = parseEntry(asRecord(entry));
	if (parsed === null || canonical(parsed) !== canonical(entry)) {
		throw new InvalidInputError(
			`feed entry ${String(entry?.id)} is not a valid ${String(entry?.kind)}`
		);
	}
	return parsed;
}

/** JSON with keys in code-unit order, so two equal entries compare equal whatever their key order. */
function canonical(value: unknown): string {
	return JSON.stringify(value, (_key, field: unknown) =>
		field !== null && typeof field === 'object' && !Array.isArray(field)
			? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
			: field
	);
}

/**
 * Appends entries to the feed in one transaction. Each entry is checked against what readers
 * accept (a title of at most 200 characters, instants within 2000–2200, known outcomes…), and
 * nothing is written when one fails.
 */
export function appendFeedEntries(
	doc: Y.Doc,
	entries: readonly FeedEntry[],
	origin: unknown = LOCAL_ORIGIN
): void {
	requireFeed(doc);
	if (entries.length > FEED_APPEND_MAX) {
		throw new InvalidInputError(`at most ${FEED_APPEND_MAX} entries at once`);
	}
	const checked = entries.map(requireEntry);
	if (checked.length === 0) return;
	doc.transact(() => feedEntries(doc).push(checked.map((entry) => ({ ...entry }))), origin);
}

export interface NewEscalation {
	title: string;
	text?: string;
	proposalId?: ProposalId | null;
	raisedBy: MemberId;
}

/** Raises an escalation to the strategic triad, in this triad's own feed. */
export function raiseEscalation(
	doc: Y.Doc,
	clock: StampSource,
	input: NewEscalation,
	origin: unknown = LOCAL_ORIGIN
): EscalationId {
	const escalation = newId<EscalationId>();
	const entry: EscalationRaised = {
		kind: 'escalation',
		id: `escalation:${escalation}` as FeedEntryId,
		escalation,
		title: requireText('title', input.title, TITLE_MAX),
		text: optionalText('text', input.text, NOTE_MAX),
		proposalId:
			input.proposalId == null ? null : requireId<ProposalId>('proposalId', input.proposalId),
		raisedBy: requireId<MemberId>('raisedBy', input.raisedBy),
		raisedAt: clock.now()
	};
	appendFeedEntries(doc, [entry], origin);
	return escalation;
}

export interface NewAnswer {
	escalation: EscalationId;
	/** The feed of the operational triad that raised it. */
	fromFeed: DocumentId;
	answer: EscalationAnswer['answer'];
	/** The strategic triad's own proposal that decides it. */
	proposalId?: ProposalId | null;
	/** Required on `decided`. */
	outcome?: EscalationAnswer['outcome'];
	reason?: string;
}

/**
 * Answers an escalation in the strategic triad's own feed: `accepted` once it is one of the
 * triad's proposals, `decided` with the outcome the usual rule gave it and its reason.
 */
export function answerEscalation(
	doc: Y.Doc,
	clock: StampSource,
	input: NewAnswer,
	origin: unknown = LOCAL_ORIGIN
): FeedEntryId {
	const answer = oneOf(ESCALATION_ANSWERS, input.answer);
	if (answer === null) throw new InvalidInputError('answer must be accepted or decided');
	const outcome = input.outcome == null ? null : oneOf(SETTLED_STATES, input.outcome);
	if (answer === 'decided' && outcome === null) {
		throw new InvalidInputError(`a decided answer needs one of ${SETTLED_STATES.join(', ')}`);
	}
	const fromFeed = parseDocumentId(input.fromFeed);
	if (fromFeed === null) throw new InvalidInputError('fromFeed must be a document id');
	const escalation = requireId<EscalationId>('escalation', input.escalation);
	const id = `answer:${newId<string>()}` as FeedEntryId;
	appendFeedEntries(
		doc,
		[
			{
				kind: 'answer',
				id,
				escalation,
				fromFeed,
				answer,
				proposalId:
					input.proposalId == null ? null : requireId<ProposalId>('proposalId', input.proposalId),
				outcome: answer === 'decided' ? outcome : null,
				reason: answer === 'decided' ? optionalText('reason', input.reason, NOTE_MAX) : '',
				at: clock.now()
			}
		],
		origin
	);
	return id;
}

/**
 * Every entry of the feed in the order the log holds them, each id once (the first stands). An
 * entry that is not an object, of an unknown kind, or missing a field its kind needs, is set
 * aside; text longer than a writer stores is cut.
 */
export function readFeed(doc: Y.Doc): ReadResult<FeedEntry> {
	return readWith((aside) => listFeedEntries(doc, aside));
}

function listFeedEntries(doc: Y.Doc, aside: SetAsideTally): FeedEntry[] {
	const seen = new Set<string>();
	const entries: FeedEntry[] = [];
	for (const value of feedEntries(doc).toArray()) {
		const fields = asRecord(value);
		const entry = parseEntry(fields);
		if (entry === null || seen.has(entry.id)) {
			aside.add(fields?.get('raisedBy') ?? null);
			continue;
		}
		seen.add(entry.id);
		entries.push(entry);
	}
	return entries;
}

function parseEntry(fields: Fields | null): FeedEntry | null {
	if (fields === null) return null;
	const id = idOr(fields.get('id')) as FeedEntryId | null;
	if (id === null) return null;
	switch (fields.get('kind')) {
		case 'decision':
			return parseDecision(fields, id);
		case 'health':
			return parseHealth(fields, id);
		case 'escalation':
			return parseRaised(fields, id);
		case 'answer':
			return parseAnswer(fields, id);
		default:
			return null;
	}
}

function parseDecision(fields: Fields, id: FeedEntryId): PublishedDecision | null {
	const proposalId = idOr(fields.get('proposalId')) as ProposalId | null;
	const outcome = oneOf(SETTLED_STATES, fields.get('outcome'));
	const decidedAt = instantOr(fields.get('decidedAt'), null);
	if (proposalId === null || outcome === null || decidedAt === null) return null;
	return {
		kind: 'decision',
		id,
		proposalId,
		title: textOr(fields.get('title'), TITLE_MAX),
		outcome,
		balanceBroken: fields.get('balanceBroken') === true,
		dissent: textOr(fields.get('dissent'), DISSENT_LINE_MAX),
		decidedAt
	};
}

function count(value: unknown, max: number): number | null {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max
		? value
		: null;
}

function parseHealth(fields: Fields, id: FeedEntryId): TriadHealth | null {
	const at = instantOr(fields.get('at'), null);
	const seatsFilled = count(fields.get('seatsFilled'), 3);
	if (at === null || seatsFilled === null) return null;
	const share = fields.get('consensusShare');
	return {
		kind: 'health',
		id,
		seatsFilled,
		consensusShare:
			typeof share === 'number' && Number.isFinite(share) && share >= 0 && share <= 1
				? share
				: null,
		coversActive: count(fields.get('coversActive'), 3) ?? 0,
		actionsOverdue: count(fields.get('actionsOverdue'), Number.MAX_SAFE_INTEGER) ?? 0,
		at
	};
}

function parseRaised(fields: Fields, id: FeedEntryId): EscalationRaised | null {
	const escalation = idOr(fields.get('escalation')) as EscalationId | null;
	const raisedBy = idOr(fields.get('raisedBy')) as MemberId | null;
	const raisedAt = parseHlc(fields.get('raisedAt'));
	if (escalation === null || raisedBy === null || raisedAt === null) return null;
	return {
		kind: 'escalation',
		id,
		escalation,
		title: textOr(fields.get('title'), TITLE_MAX),
		text: textOr(fields.get('text'), NOTE_MAX),
		proposalId: idOr(fields.get('proposalId')) as ProposalId | null,
		raisedBy,
		raisedAt
	};
}

function parseAnswer(fields: Fields, id: FeedEntryId): EscalationAnswer | null {
	const escalation = idOr(fields.get('escalation')) as EscalationId | null;
	const fromFeed = parseDocumentId(fields.get('fromFeed'));
	const answer = oneOf(ESCALATION_ANSWERS, fields.get('answer'));
	const at = parseHlc(fields.get('at'));
	if (escalation === null || fromFeed === null || answer === null || at === null) return null;
	return {
		kind: 'answer',
		id,
		escalation,
		fromFeed,
		answer,
		proposalId: idOr(fields.get('proposalId')) as ProposalId | null,
		outcome: oneOf(SETTLED_STATES, fields.get('outcome')),
		reason: textOr(fields.get('reason'), NOTE_MAX),
		at
	};
}
