import type * as Y from 'yjs';
import type {
	Absence,
	Action,
	Ballot,
	LogEntry,
	Member,
	Proposal,
	SeatClaim,
	SeatHolders,
	WorkspaceMeta
} from '../domain/model';
import { resolveSeats } from '../domain/seats';
import { listAbsences } from './absences';
import { listActions } from './actions';
import { listBallots } from './ballots';
import { listLog } from './keeper-log';
import { readMembers } from './members';
import { readMeta } from './meta';
import { listProposals } from './proposal-read';
import { listSeatClaims, type LostSeatClaim } from './seats';
import { SetAsideTally, type SetAside } from './set-aside';
import { schemaStatus, type SchemaStatus } from './version';

/** Everything in a workspace as plain records, each list in the same order on every replica. */
export interface WorkspaceSnapshot {
	schema: SchemaStatus;
	meta: WorkspaceMeta | null;
	members: Member[];
	seatClaims: SeatClaim[];
	seats: SeatHolders;
	/** Every claim that lost its seat to an earlier holder. */
	lostSeatClaims: LostSeatClaim[];
	proposals: Proposal[];
	ballots: Ballot[];
	absences: Absence[];
	log: LogEntry[];
	actions: Action[];
	/** Records the readers set aside as malformed, by the member each names as its writer. */
	setAside: SetAside;
}

/**
 * Reads the whole workspace, each log and map once. Proposal bodies are left out: read them with
 * `readBodyXml`. `setAside` counts what every reader set aside (see `set-aside.ts`).
 */
export function readWorkspace(doc: Y.Doc): WorkspaceSnapshot {
	const aside = new SetAsideTally();
	const seatClaims = listSeatClaims(doc, aside);
	const { holders, lost } = resolveSeats(seatClaims);
	return {
		schema: schemaStatus(doc),
		meta: readMeta(doc),
		members: readMembers(doc, aside),
		seatClaims,
		seats: holders,
		lostSeatClaims: lost,
		proposals: listProposals(doc, aside),
		ballots: listBallots(doc, undefined, aside),
		absences: listAbsences(doc, aside),
		log: listLog(doc, aside),
		actions: listActions(doc, aside),
		setAside: aside.result
	};
}
