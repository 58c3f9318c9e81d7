import type * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import type { EpochMs, Member } from '../domain/model';
import { LOCAL_ORIGIN } from './origin';
import { asRecord, compareStrings, idOr, sortKeyOr, textOr } from './parse';
import { membersMap } from './schema';
import type { SetAsideTally } from './set-aside';
import { NAME_MAX, requireId, requireSortKey, requireText } from './validate';
import { transactWrite } from './version';

export interface MemberEntry {
	id: MemberId;
	name: string;
	joinedAt: EpochMs;
}

/**
 * Writes the local member's own entry (join, or rename). Entries are keyed by member id so each
 * person only ever writes their own key and no two devices of different people collide.
 */
export function putMember(doc: Y.Doc, entry: MemberEntry, origin: unknown = LOCAL_ORIGIN): void {
	const id = requireId<MemberId>('member id', entry.id);
	const name = requireText('name', entry.name, NAME_MAX);
	const joinedAt = requireSortKey('joinedAt', entry.joinedAt);
	const members = membersMap(doc);
	transactWrite(
		doc,
		() => {
			members.set(id, { id, name, joinedAt });
		},
		origin
	);
}

/**
 * Every member who has joined, oldest first. An entry that is not a record, or whose key is not an
 * id, is set aside; a name longer than `NAME_MAX` is cut. The join time only orders the list and
 * is never shown: one that is not a non-negative whole number reads as 0 (listed first).
 */
export function readMembers(doc: Y.Doc, aside?: SetAsideTally): Member[] {
	const members: Member[] = [];
	for (const [key, value] of membersMap(doc).entries()) {
		const record = asRecord(value);
		const id = idOr(key);
		if (!record || !id) {
			aside?.add(key);
			continue;
		}
		members.push({
			id: id as MemberId,
			name: textOr(record.get('name'), NAME_MAX),
			joinedAt: sortKeyOr(record.get('joinedAt'), 0)
		});
	}
	return members.sort((a, b) => a.joinedAt - b.joinedAt || compareStrings(a.id, b.id));
}
