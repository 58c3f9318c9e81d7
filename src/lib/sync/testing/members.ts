import type * as Y from 'yjs';
import { putMember, readMembers } from '../../doc/members';
import { newMemberId } from '../workspace-secret';

/** Adds a member called `name`, with a fresh id: the edit sync specs make and look for. */
export function addMember(doc: Y.Doc, name: string): void {
	putMember(doc, { id: newMemberId(), name, joinedAt: 1 });
}

/** The names of the members in `doc`, sorted, so replicas compare equal however they merged. */
export function memberNames(doc: Y.Doc): string[] {
	return readMembers(doc)
		.map((member) => member.name)
		.sort();
}
