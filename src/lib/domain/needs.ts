import type { OutcomeState } from './decision';
import { grantEnd, seatsActorMayActFor } from './cover';
import { hlcParts } from './hlc';
import type { ActionId, AbsenceId, DocumentId, MemberId, ProposalId } from './ids';
import type { Absence, Action, EpochMs, HlcTimestamp, Role, SeatHolders } from './model';

/*
 * What waits for a member: the ballots they are still to cast, the covers they hold or are about
 * to hold, the actions they own that fall due. One list across triads, most urgent first, so
 * that home, a triad's screen, the app badge and the notifications agree on what "needs me" is.
 *
 * Each kind is one member of the `Need` union with its own source function; the organization
 * layer adds its kind (escalations to answer) the same way: a type with `kind`, `key`, `triad`
 * and `due`, a source, and a line in `NOTICES_OF` if it should notify.
 */

/** How far ahead an action's due date or a cover's start counts as waiting now. */
export const LOOK_AHEAD_MS = 7 * 24 * 60 * 60 * 1000;
/** A ballot deadline or an action due within this is "soon", worth its own notification. */
export const SOON_MS = 24 * 60 * 60 * 1000;

interface NeedBase {
	/** Stable across recomputations and devices: what "seen" and "notified" remember. */
	key: string;
	triad: DocumentId;
	/** When it stops waiting or falls due (deadline, end of a cover, due date); null if never. */
	due: EpochMs | null;
}

/** An open proposal that waits for a ballot for `seat`, the member's own or one they cover. */
export interface BallotNeed extends NeedBase {
	kind: 'ballot';
	proposal: ProposalId;
	title: string;
	seat: Role;
	/** The text's revision: an amended text asks again for the ballots it lost. */
	revision: number;
	/** The member the ballot would be cast for, when it is a proxy; null for the member's own. */
	forMember: MemberId | null;
	createdBy: MemberId;
	openedAt: HlcTimestamp | null;
}

/** An absence in which the member is the cover, in force now or starting soon. */
export interface CoverNeed extends NeedBase {
	kind: 'cover';
	absence: AbsenceId;
	member: MemberId;
	from: EpochMs;
	to: EpochMs;
	started: boolean;
}

/** An action the member owns, not done or dropped, due within the look-ahead or overdue. */
export interface ActionNeed extends NeedBase {
	kind: 'action';
	action: ActionId;
	title: string;
	overdue: boolean;
}

export type Need = BallotNeed | CoverNeed | ActionNeed;

/** A triad's records, as far as what waits for one member depends on them. */
export interface TriadNeedsSource {
	triad: DocumentId;
	me: MemberId;
	holders: SeatHolders;
	absences: readonly Absence[];
	proposals: readonly {
		proposal: {
			id: ProposalId;
			title: string;
			revision: number;
			deadline: EpochMs | null;
			createdBy: MemberId;
			openedAt: HlcTimestamp | null;
		};
		outcome: { state: OutcomeState; waitingFor: readonly Role[] };
	}[];
	actions: readonly Action[];
	now: EpochMs;
}

/** The ballots waiting for `me`: one per open proposal and seat they may act for and still owe. */
export function ballotNeeds(source: TriadNeedsSource): BallotNeed[] {
	const { me, holders, absences, now, triad } = source;
	const seats = seatsActorMayActFor(me, holders, absences, now);
	const needs: BallotNeed[] = [];
	for (const { proposal, outcome } of source.proposals) {
		if (outcome.state !== 'open') continue;
		for (const seat of seats) {
			if (!outcome.waitingFor.includes(seat)) continue;
			const holder = holders[seat];
			needs.push({
				kind: 'ballot',
				key: `ballot:${triad}:${proposal.id}:${seat}`,
				triad,
				due: proposal.deadline,
				proposal: proposal.id,
				title: proposal.title,
				seat,
				revision: proposal.revision,
				forMember: holder === me ? null : holder,
				createdBy: proposal.createdBy,
				openedAt: proposal.openedAt
			});
		}
	}
	return needs;
}

/** The covers `me` holds now or starts within the look-ahead; cancelled spans end when cancelled. */
export function coverNeeds(source: TriadNeedsSource): CoverNeed[] {
	const { me, now, triad } = source;
	return source.absences
		.filter((absence) => absence.cover === me && absence.member !== me)
		.map((absence) => ({ absence, end: grantEnd(absence) }))
		.filter(
			({ absence, end }) => absence.from < end && now < end && absence.from <= now + LOOK_AHEAD_MS
		)
		.map(({ absence, end }) => ({
			kind: 'cover' as const,
			key: `cover:${triad}:${absence.id}`,
			triad,
			due: absence.from <= now ? end : absence.from,
			absence: absence.id,
			member: absence.member,
			from: absence.from,
			to: end,
			started: absence.from <= now
		}));
}

/** The actions `me` owns that are still to do and due within the look-ahead, overdue included. */
export function actionNeeds(source: TriadNeedsSource): ActionNeed[] {
	const { me, now, triad } = source;
	return source.actions
		.filter(
			(action) =>
				action.owner === me &&
				(action.status === 'todo' || action.status === 'doing') &&
				typeof action.due === 'number' &&
				Number.isFinite(action.due) &&
				action.due <= now + LOOK_AHEAD_MS
		)
		.map((action) => ({
			kind: 'action' as const,
			key: `action:${triad}:${action.id}`,
			triad,
			due: action.due,
			action: action.id,
			title: action.title,
			overdue: (action.due as EpochMs) < now
		}));
}

const KIND_ORDER: Record<Need['kind'], number> = { ballot: 0, cover: 1, action: 2 };

/**
 * Most urgent first: by when it falls due (what has no date after what has one), then ballots
 * before covers before actions, then by key, so that the order never depends on record order.
 */
export function compareNeeds(a: Need, b: Need): number {
	const dueA = a.due ?? Infinity;
	const dueB = b.due ?? Infinity;
	if (dueA !== dueB) return dueA < dueB ? -1 : 1;
	const kinds = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
	if (kinds !== 0) return kinds;
	return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Everything in one triad that waits for `me`, most urgent first. */
export function triadNeeds(source: TriadNeedsSource): Need[] {
	return [...ballotNeeds(source), ...coverNeeds(source), ...actionNeeds(source)].sort(compareNeeds);
}

/** Several lists (triads, later the organization) as one, most urgent first. */
export function combineNeeds(lists: readonly (readonly Need[])[]): Need[] {
	return lists.flat().sort(compareNeeds);
}

/** How many distinct things wait: a proposal waiting for two seats the member acts for is one. */
export function countNeeds(needs: readonly Need[]): number {
	return new Set(needs.map(thingOf)).size;
}

function thingOf(need: Need): string {
	return need.kind === 'ballot' ? `ballot:${need.triad}:${need.proposal}` : need.key;
}

/**
 * Whether the member brought a need about themselves: a ballot on a proposal they drafted, or
 * one opened for vote by the clock `node` (the page they use now; its stamps carry its node id).
 * Opened on another device of theirs, it counts as news there like anyone else's.
 */
export function isOwnNeed(need: Need, me: MemberId, node: string): boolean {
	if (need.kind !== 'ballot') return false;
	if (need.createdBy === me) return true;
	return need.openedAt !== null && hlcParts(need.openedAt)?.node === node;
}

/** Why the member hears of a need: each reason notifies once. */
export type NoticeReason = 'vote-opened' | 'deadline-soon' | 'cover-starting' | 'action-due';

/** One notification the app may show. */
export interface Notice {
	/** What the device remembers as notified; one per thing and reason. */
	key: string;
	reason: NoticeReason;
	need: Need;
}

/** The notices a need gives at `now`. */
export function noticesOf(need: Need, now: EpochMs): Notice[] {
	const notices: Notice[] = [];
	const add = (reason: NoticeReason, thing: string) =>
		notices.push({ key: `${reason}:${thing}`, reason, need });
	switch (need.kind) {
		case 'ballot':
			// The first text keeps the plain key, so what was seen of it before stays seen.
			add(
				'vote-opened',
				need.revision === 1
					? `${need.triad}:${need.proposal}`
					: `${need.triad}:${need.proposal}:${need.revision}`
			);
			if (need.due !== null && need.due - now <= SOON_MS) {
				add('deadline-soon', `${need.triad}:${need.proposal}`);
			}
			break;
		case 'cover':
			if (need.started) add('cover-starting', need.key);
			break;
		case 'action':
			if (need.due !== null && need.due - now <= SOON_MS) add('action-due', need.key);
			break;
	}
	return notices;
}

/** What the device remembers: the triads it has looked at, and every notice key it has seen. */
export interface SeenState {
	triads: readonly DocumentId[];
	keys: readonly string[];
}

/** How many notice keys a device keeps; the oldest go first (they are long past). */
export const SEEN_LIMIT = 2000;

/**
 * Which of the notices of `needs` to show now, and what the device remembers afterwards.
 *
 * - A notice shows once: its key joins the seen keys whether or not it was shown.
 * - Nothing shows for a triad the device has not looked at before (a triad just joined, or the
 *   first run of this rule): what was there already is not news, and is only remembered.
 * - Nothing shows for the member's own doing (`isOwn`: a proposal they drafted or opened).
 * - One notification per thing: a proposal that needs two seats the member acts for, and whose
 *   deadline is also near, shows one notice (the first reason, in the order of `noticesOf`).
 */
export function noticesToShow(input: {
	needs: readonly Need[];
	seen: SeenState;
	/** The triads whose records are loaded now; the others are left as they are. */
	triads: readonly DocumentId[];
	now: EpochMs;
	isOwn: (need: Need) => boolean;
}): { show: Notice[]; seen: SeenState } {
	const known = new Set(input.seen.triads);
	const seenKeys = new Set(input.seen.keys);
	const added: string[] = [];
	const show: Notice[] = [];
	const shownThings = new Set<string>();
	for (const need of input.needs) {
		if (!input.triads.includes(need.triad)) continue;
		for (const notice of noticesOf(need, input.now)) {
			if (seenKeys.has(notice.key)) continue;
			seenKeys.add(notice.key);
			added.push(notice.key);
			const thing = thingOf(need);
			if (!known.has(need.triad) || input.isOwn(need) || shownThings.has(thing)) continue;
			shownThings.add(thing);
			show.push(notice);
		}
	}
	const triads = [...input.seen.triads, ...input.triads.filter((triad) => !known.has(triad))];
	const keys = [...input.seen.keys, ...added].slice(-SEEN_LIMIT);
	return { show, seen: { triads, keys } };
}

/** Reads a stored seen state; anything malformed is an empty one (nothing is lost but news). */
export function parseSeenState(value: unknown): SeenState {
	const empty: SeenState = { triads: [], keys: [] };
	if (typeof value !== 'object' || value === null) return empty;
	const { triads, keys } = value as Partial<Record<keyof SeenState, unknown>>;
	if (!Array.isArray(triads) || !Array.isArray(keys)) return empty;
	const strings = (list: unknown[]) => list.filter((item) => typeof item === 'string');
	return {
		triads: strings(triads) as DocumentId[],
		keys: strings(keys).slice(-SEEN_LIMIT)
	};
}
