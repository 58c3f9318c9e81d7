import { parseHlc } from '../domain/hlc';
import type * as Y from 'yjs';
import type { LogEntryId, MemberId } from '../domain/ids';
import type { LogEntry } from '../domain/model';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { asRecord, compareStrings, idOr, textOr, type Fields } from './parse';
import { keeperLog } from './schema';
import type { SetAsideTally } from './set-aside';
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
	return idOr(record.get('member')) as MemberId | null;
}

/**
 * The Keeper's log in timestamp order (then id, the same on every replica), with the removals of
 * members among its entries (their `removed` field set). Entries without a well-formed id, author
 * or timestamp are set aside, and so is every entry whose id an earlier readable entry of the log
 * (in array order, which every replica shares) already has: the first one stands for the id. Text
 * longer than a writer stores is cut.
 */
export function listLog(doc: Y.Doc, aside?: SetAsideTally): LogEntry[] {
	const entries: LogEntry[] = [];
	const ids = new Set<string>();
	for (const value of keeperLog(doc).toArray()) {
		const record = asRecord(value);
		const id = idOr(record?.get('id'));
		const author = idOr(record?.get('author'));
		const at = parseHlc(record?.get('at'));
		if (!record || !id || !author || !at || ids.has(id)) {
			aside?.add(record?.get('author'));
			continue;
		}
		ids.add(id);
		const entry: LogEntry = {
			id: id as LogEntryId,
			author: author as MemberId,
			at,
			text: textOr(record.get('text'), NOTE_MAX)
		};
		const removed = removedMemberOf(record);
		if (removed !== null) entry.removed = removed;
		entries.push(entry);
	}
	return entries.sort((a, b) => compareStrings(a.at, b.at) || compareStrings(a.id, b.id));
}
