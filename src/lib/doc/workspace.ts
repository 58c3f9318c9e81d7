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
}

/** Reads the whole workspace. Proposal bodies are left out: read them with `readBodyXml`. */
export function readWorkspace(doc: Y.Doc): WorkspaceSnapshot {
	const seatClaims = listSeatClaims(doc);
	const { holders, lost } = resolveSeats(seatClaims);
	return {
		schema: schemaStatus(doc),
		meta: readMeta(doc),
		members: readMembers(doc),
		seatClaims,
		seats: holders,
		lostSeatClaims: lost,
		proposals: listProposals(doc),
		ballots: listBallots(doc),
		absences: listAbsences(doc),
		log: listLog(doc),
		actions: listActions(doc)
	};
}
