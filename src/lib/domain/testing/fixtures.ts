import { encodeHlc } from '../hlc';
import type { AbsenceId, BallotId, MemberId, ProposalId } from '../ids';
import type {
	Absence,
	Ballot,
	Choice,
	EpochMs,
	HlcTimestamp,
	Proposal,
	Role,
	SeatClaim,
	SeatHolders
} from '../model';

/** Test fixtures shared by the domain specs: three members, each in their own seat. */

export const KIM = 'kimkimkimkimkimkimkim0' as MemberId;
export const BEA = 'beabeabeabeabeabeabea0' as MemberId;
export const NOA = 'noanoanoanoanoanoanoa0' as MemberId;
export const OUTSIDER = 'outoutoutoutoutoutout0' as MemberId;

export const HOLDERS: SeatHolders = { keeper: KIM, bearer: BEA, navigator: NOA };
export const HOLDER_OF: Record<Role, MemberId> = HOLDERS as Record<Role, MemberId>;

export const T0: EpochMs = Date.UTC(2026, 10, 29, 9, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const PROPOSAL_ID = 'propproppropproppropp0' as ProposalId;

export function proposal(overrides: Partial<Proposal> = {}): Proposal {
	return {
		id: PROPOSAL_ID,
		title: 'Move the weekly meeting to Tuesday',
		status: 'open',
		revision: 1,
		deadline: null,
		reflectionDelayMs: 0,
		createdBy: KIM,
		createdAt: hlc(T0 - DAY),
		openedAt: hlc(T0 - DAY),
		lensNotes: { keeper: '', bearer: '', navigator: '' },
		...overrides
	};
}

export function hlc(wall: EpochMs, counter = 0, node = 'dev'): HlcTimestamp {
	return encodeHlc({ wall, counter, node });
}

let nextBallot = 0;

/** A ballot by the seat's holder at `time` on revision 1, unless overridden. */
export function ballot(
	seat: Role,
	choice: Choice,
	time: EpochMs,
	overrides: Partial<Ballot> = {}
): Ballot {
	nextBallot += 1;
	const holder = HOLDER_OF[seat];
	return {
		id: `ballot${String(nextBallot).padStart(16, '0')}` as BallotId,
		proposalId: PROPOSAL_ID,
		revision: 1,
		seat,
		choice,
		reason: choice === 'disagree' ? 'It clashes with the planning call.' : '',
		castBy: holder,
		castFor: holder,
		at: hlc(time, 0, seat),
		deviceTime: time,
		...overrides
	};
}

let nextAbsence = 0;

export function absence(
	member: MemberId,
	cover: MemberId,
	from: EpochMs,
	to: EpochMs,
	overrides: Partial<Absence> = {}
): Absence {
	nextAbsence += 1;
	return {
		id: `absence${String(nextAbsence).padStart(15, '0')}` as AbsenceId,
		member,
		cover,
		from,
		to,
		handover: 'Notes are in the shared folder.',
		createdAt: hlc(from - HOUR),
		cancelled: false,
		cancelledAt: null,
		...overrides
	};
}

export function claim(
	seat: Role,
	member: MemberId,
	time: EpochMs,
	kind: SeatClaim['kind'] = 'claim',
	node = 'dev'
): SeatClaim {
	return { seat, member, kind, at: hlc(time, 0, node) };
}
