import type * as Y from 'yjs';
import type { LogEntryId, MemberId } from '../domain/ids';
import type { MemberRemoval } from '../domain/membership';
import type { SeatClaim } from '../domain/model';
import { seatOf } from '../domain/seats';
import { InvalidInputError } from './errors';
import { listLog, REMOVAL_KIND } from './keeper-log';
import { readMembers } from './members';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { keeperLog, seatLog } from './schema';
import { readSeatHolders } from './seats';
import { requireId } from './validate';
import { transactWrite } from './version';

/**
 * Removes a member from the triad, in one transaction: releases the seat they hold (if any) and
 * appends to the triad's log who removed them and when. Both are appends, so a removal made
 * offline merges with whatever the others did meanwhile; the membership rule (domain/membership.ts)
 * reads the record. Taking away the removed member's access to the relay is the sync layer's part
 * (access rotation), not the document's.
 *
 * The record is a log entry by `by` whose text says what happened, plus `kind` and `member`: an
 * app that knows no kinds of log entry shows it as a plain one.
 */
export function removeMember(
	doc: Y.Doc,
	clock: StampSource,
	input: { member: MemberId; by: MemberId },
	origin: unknown = LOCAL_ORIGIN
): LogEntryId {
	const member = requireId<MemberId>('member', input.member);
	const by = requireId<MemberId>('by', input.by);
	if (member === by) throw new InvalidInputError('a member cannot remove themselves');
	const name = readMembers(doc).find((entry) => entry.id === member)?.name || 'a member';
	const seat = seatOf(readSeatHolders(doc), member);
	const at = clock.now();
	const id = newId<LogEntryId>();
	transactWrite(
		doc,
		() => {
			if (seat !== null) {
				const release: SeatClaim = { seat, member, kind: 'release', at };
				seatLog(doc).push([release]);
			}
			keeperLog(doc).push([
				{
					id,
					author: by,
					at,
					text: `Removed ${name} from the triad.`,
					kind: REMOVAL_KIND,
					member
				}
			]);
		},
		origin
	);
	return id;
}

/** Every removal recorded in the triad's log, in timestamp order. */
export function listRemovals(doc: Y.Doc): MemberRemoval[] {
	const removals: MemberRemoval[] = [];
	for (const entry of listLog(doc)) {
		if (entry.removed !== undefined) {
			removals.push({ member: entry.removed, by: entry.author, at: entry.at });
		}
	}
	return removals;
}
