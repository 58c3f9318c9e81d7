import type * as Y from 'yjs';
import type { EpochMs } from '../domain/model';
import { listAbsences } from './absences';
import { listActions } from './actions';
import { readMembers } from './members';
import { readMeta } from './meta';
import { decideProposals } from './outcome';
import { readSeatHolders } from './seats';

/**
 * What "what needs me" reads of a triad, straight from its document: for the service worker,
 * which has no session to ask. Signatures must be checked on `doc` first, as the page does,
 * so that only verified seats and ballots count.
 */
export function readNeedsRecords(doc: Y.Doc, now: EpochMs) {
	return {
		name: readMeta(doc)?.name ?? null,
		members: readMembers(doc),
		holders: readSeatHolders(doc, now),
		absences: listAbsences(doc),
		proposals: decideProposals(doc, now),
		actions: listActions(doc)
	};
}
