import type * as Y from 'yjs';
import type { Outcome, OutcomeState } from '../domain/decision';
import type { ActionId, BallotId, MemberId, ProposalId } from '../domain/ids';
import type {
	ActionStatus,
	Ballot,
	Choice,
	EpochMs,
	HlcTimestamp,
	Level,
	ProposalStatus,
	Role,
	SeatHolders
} from '../domain/model';
import { decideEach } from './outcome';
import { readWorkspace } from './workspace';

/** One ballot as the register shows it. */
export interface RegisterBallot {
	id: BallotId;
	seat: Role;
	choice: Choice;
	reason: string;
	castBy: MemberId;
	castFor: MemberId;
	/** Cast by a cover for the seat holder ("cast by X for Y"). */
	proxy: boolean;
	revision: number;
	at: HlcTimestamp;
	deviceTime: EpochMs | null;
}

export interface RegisterAction {
	id: ActionId;
	title: string;
	owner: MemberId | null;
	due: EpochMs | null;
	status: ActionStatus;
	outcome: string;
}

/** A proposal and what became of it. */
export interface RegisterEntry {
	id: ProposalId;
	title: string;
	status: ProposalStatus;
	revision: number;
	createdBy: MemberId;
	/** Null when the stored value is not a timestamp. */
	createdAt: HlcTimestamp | null;
	openedAt: HlcTimestamp | null;
	deadline: EpochMs | null;
	outcome: {
		state: OutcomeState;
		final: boolean;
		decidedAt: EpochMs | null;
		finalAt: EpochMs | null;
		balanceBroken: boolean;
		tally: Outcome['tally'];
		dissent: Outcome['dissent'];
		missingDissentReason: boolean;
	};
	/** The ballot that counts for each seat that has one. */
	counted: RegisterBallot[];
	/** Ballots on an earlier text that no ballot on the current text has replaced. */
	earlierText: RegisterBallot[];
	/** Ballots cast after the deadline: kept, not counted. */
	late: RegisterBallot[];
	actions: RegisterAction[];
}

/** The triad's decision register: a readable record of every proposal and its outcome. */
export interface DecisionRegister {
	workspace: {
		name: string;
		purpose: string;
		level: Level;
		unit: string;
		schemaVersion: number;
	} | null;
	members: { id: MemberId; name: string }[];
	seats: SeatHolders;
	/** The instant outcomes were judged at. */
	asOf: EpochMs;
	proposals: RegisterEntry[];
}

/** Builds the decision register of a workspace, judging outcomes at `now`. */
export function buildRegister(doc: Y.Doc, now: EpochMs): DecisionRegister {
	const snapshot = readWorkspace(doc);
	const meta = snapshot.meta;
	return {
		workspace: meta && {
			name: meta.name,
			purpose: meta.purpose,
			level: meta.level,
			unit: meta.unit,
			schemaVersion: meta.schemaVersion
		},
		members: snapshot.members.map(({ id, name }) => ({ id, name })),
		seats: snapshot.seats,
		asOf: now,
		proposals: decideEach(snapshot, now).map(({ proposal, outcome }) => {
			const counted = Object.values(outcome.counted).filter((b): b is Ballot => b !== null);
			return {
				id: proposal.id,
				title: proposal.title,
				status: proposal.status,
				revision: proposal.revision,
				createdBy: proposal.createdBy,
				createdAt: proposal.createdAt,
				openedAt: proposal.openedAt,
				deadline: proposal.deadline,
				outcome: {
					state: outcome.state,
					final: outcome.final,
					decidedAt: outcome.decidedAt,
					finalAt: outcome.finalAt,
					balanceBroken: outcome.balanceBroken,
					tally: outcome.tally,
					dissent: outcome.dissent,
					missingDissentReason: outcome.missingDissentReason
				},
				counted: counted.map(registerBallot),
				earlierText: outcome.stale.map(registerBallot),
				late: outcome.late.map(registerBallot),
				actions: snapshot.actions
					.filter((action) => action.proposalId === proposal.id)
					.map(({ id, title, owner, due, status, outcome }) => ({
						id,
						title,
						owner,
						due,
						status,
						outcome
					}))
			};
		})
	};
}

function registerBallot(ballot: Ballot): RegisterBallot {
	return {
		id: ballot.id,
		seat: ballot.seat,
		choice: ballot.choice,
		reason: ballot.reason,
		castBy: ballot.castBy,
		castFor: ballot.castFor,
		proxy: ballot.castBy !== ballot.castFor,
		revision: ballot.revision,
		at: ballot.at,
		deviceTime: ballot.deviceTime ?? null
	};
}
