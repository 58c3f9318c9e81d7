import type * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import type { EpochMs, Member } from '../domain/model';
import { LOCAL_ORIGIN } from './origin';
import { asRecord, compareStrings, finiteOr, stringOr } from './parse';
import { membersMap } from './schema';
import { TITLE_MAX, requireId, requireInstant, requireText } from './validate';
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
	const name = requireText('name', entry.name, TITLE_MAX);
	const joinedAt = requireInstant('joinedAt', entry.joinedAt);
	const members = membersMap(doc);
	transactWrite(
		doc,
		() => {
			members.set(id, { id, name, joinedAt });
		},
		origin
	);
}

/** Every member who has joined, oldest first. */
export function readMembers(doc: Y.Doc): Member[] {
	const members: Member[] = [];
	for (const [key, value] of membersMap(doc).entries()) {
		const record = asRecord(value);
		if (!record) continue;
		members.push({
			id: key as MemberId,
			name: stringOr(record.get('name'), ''),
			joinedAt: finiteOr(record.get('joinedAt'), 0)
		});
	}
	return members.sort((a, b) => a.joinedAt - b.joinedAt || compareStrings(a.id, b.id));
}
