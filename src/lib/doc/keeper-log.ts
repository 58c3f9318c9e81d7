import { parseHlc } from '../domain/hlc';
import type * as Y from 'yjs';
import type { LogEntryId, MemberId } from '../domain/ids';
import type { LogEntry } from '../domain/model';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { asRecord, compareStrings, nonEmptyString, stringOr, type Fields } from './parse';
import { keeperLog } from './schema';
import { NOTE_MAX, requireId, requireText } from './validate';
import { transactWrite } from './version';

/** Appends an entry to the Keeper's log. The log is append-only: entries are never edited. */
export function appendLogEntry(
	doc: Y.Doc,
	clock: StampSource,
	input: { author: MemberId; text: string; id?: LogEntryId },
	origin: unknown = LOCAL_ORIGIN
): LogEntryId {
	const author = requireId<MemberId>('author', input.author);
	const text = requireText('log entry', input.text, NOTE_MAX);
	const id = input.id === undefined ? newId<LogEntryId>() : requireId<LogEntryId>('id', input.id);
	const entry: LogEntry = { id, author, at: clock.now(), text };
	transactWrite(doc, () => keeperLog(doc).push([entry]), origin);
	return id;
}

/**
 * The kind of log record that says a member was removed (see removals.ts). Every log record has
 * the fields of a plain entry, so readers that know no kinds show it as one.
 */
export const REMOVAL_KIND = 'removal';

/** The member a removal record names, or null for any other record (or a malformed one). */
function removedMemberOf(record: Fields): MemberId | null {
	if (record.get('kind') !== REMOVAL_KIND) return null;
	return nonEmptyString(record.get('member')) as MemberId | null;
}

/**
 * The Keeper's log in timestamp order, with the removals of members among its entries (their
 * `removed` field set).
 */
export function listLog(doc: Y.Doc): LogEntry[] {
	const entries: LogEntry[] = [];
	for (const value of keeperLog(doc).toArray()) {
		const record = asRecord(value);
		const id = nonEmptyString(record?.get('id'));
		const author = nonEmptyString(record?.get('author'));
		const at = parseHlc(record?.get('at'));
		if (!record || !id || !author || !at) continue;
		const entry: LogEntry = {
			id: id as LogEntryId,
			author: author as MemberId,
			at,
			text: stringOr(record.get('text'), '')
		};
		const removed = removedMemberOf(record);
		if (removed !== null) entry.removed = removed;
		entries.push(entry);
	}
	return entries.sort((a, b) => compareStrings(a.at, b.at) || compareStrings(a.id, b.id));
}
