import { ROLE_LABEL } from '../domain/labels';
import type { DocumentId, MemberId } from '../domain/ids';
import type { Absence, Action, EpochMs, Member, SeatHolders } from '../domain/model';
import {
	isOwnNeed,
	noticesToShow,
	parseSeenState,
	triadNeeds,
	type Need,
	type Notice,
	type SeenState,
	type TriadNeedsSource
} from '../domain/needs';
import type { DeviceDb } from '../sync/device-db';

/*
 * The one way this device decides what to notify, shared by the page (when a sync brings news
 * while the app is open) and the service worker (when a push wakes it with the app closed): the
 * same needs, the same rule, one seen set in the device database, and the same notification for
 * the same thing, so that neither tells the member again what the other already told.
 *
 * Imported by the service worker: relative imports only, and nothing of the DOM.
 */

/** The settings key of what this device has notified or seen, page and worker alike. */
export const SEEN_SETTING = 'notices-seen';
/** Where the page kept the seen set before the worker shared it; read once, then removed. */
export const LEGACY_SEEN_STORAGE_KEY = 'triad:notices-seen';

/** What the needs of one triad are read from: the page's session, or the worker's document. */
export interface TriadRecords {
	holders: SeatHolders;
	absences: readonly Absence[];
	proposals: TriadNeedsSource['proposals'];
	actions: readonly Action[];
}

/** What waits for `me` in one triad; nothing on a device that may only read it. */
export function needsOfTriad(input: {
	triad: DocumentId;
	me: MemberId;
	records: TriadRecords;
	readOnly: boolean;
	now: EpochMs;
}): Need[] {
	if (input.readOnly) return [];
	return triadNeeds({ triad: input.triad, me: input.me, now: input.now, ...input.records });
}

/**
 * What the service worker shows for one triad it just synced: its needs for `me`, decided and
 * recorded by `takeNotices` as the page would, with the names its notifications use.
 */
export async function workerNotices(
	db: DeviceDb,
	input: {
		triad: DocumentId;
		me: MemberId;
		records: TriadRecords & { name: string | null; members: readonly Member[] };
		readOnly: boolean;
		now: EpochMs;
	}
): Promise<{ show: Notice[]; names: NoticeNames }> {
	const { triad, me, records, now } = input;
	const needs = needsOfTriad({ triad, me, records, readOnly: input.readOnly, now });
	const show = await takeNotices(db, {
		needs,
		triads: [triad],
		me: (id) => (id === triad ? me : undefined),
		// The worker stamps nothing: what the member opened on a page, that page already saw.
		node: null,
		now
	});
	const names: NoticeNames = {
		triad: records.name,
		member: (id) => records.members.find((member) => member.id === id)?.name ?? 'a member'
	};
	return { show, names };
}

/** The seen set as stored now (after any migration). */
export async function readSeen(db: DeviceDb): Promise<SeenState> {
	return parseSeenState(await db.get('settings', SEEN_SETTING));
}

/**
 * Decides which notices of `needs` to show and records them as seen, in one readwrite
 * transaction: a page and the worker deciding at once are serialized by IndexedDB, so the
 * second reads what the first wrote and never shows the same notice again.
 *
 * `isOwn` says which needs the member brought about (see `isOwnNeed`); `node` is the clock node
 * of the page asking, null for the worker, which stamps nothing.
 */
export async function takeNotices(
	db: DeviceDb,
	input: {
		needs: readonly Need[];
		triads: readonly DocumentId[];
		me: (triad: DocumentId) => MemberId | undefined;
		node: string | null;
		now: EpochMs;
	}
): Promise<Notice[]> {
	let show: Notice[] = [];
	await db.update<unknown>('settings', SEEN_SETTING, (stored) => {
		const previous = parseSeenState(stored);
		const decided = noticesToShow({
			needs: input.needs,
			seen: previous,
			triads: input.triads,
			now: input.now,
			isOwn: (need) => {
				const me = input.me(need.triad);
				if (me === undefined) return false;
				return isOwnNeed(need, me, input.node ?? '');
			}
		});
		show = decided.show;
		return unchanged(previous, decided.seen) ? undefined : decided.seen;
	});
	return show;
}

/** Keys are only ever added (the oldest dropped past the limit, which changes the first one). */
function unchanged(before: SeenState, after: SeenState): boolean {
	return (
		after.keys.length === before.keys.length &&
		after.keys[0] === before.keys[0] &&
		after.keys[after.keys.length - 1] === before.keys[before.keys.length - 1] &&
		after.triads.length === before.triads.length
	);
}

/**
 * Moves a seen set the page kept in localStorage into the device database, merged with what is
 * there, then removes it: the worker cannot read localStorage, and two sets would notify twice.
 */
export async function migrateLegacySeen(
	db: DeviceDb,
	storage: { getItem(key: string): string | null; removeItem(key: string): void } | null
): Promise<void> {
	const raw = storage?.getItem(LEGACY_SEEN_STORAGE_KEY);
	if (raw === null || raw === undefined) return;
	let legacy: SeenState;
	try {
		legacy = parseSeenState(JSON.parse(raw));
	} catch {
		legacy = parseSeenState(null);
	}
	await db.update<unknown>('settings', SEEN_SETTING, (stored) => {
		const current = parseSeenState(stored);
		return parseSeenState({
			triads: [...new Set([...legacy.triads, ...current.triads])],
			keys: [...new Set([...legacy.keys, ...current.keys])]
		});
	});
	storage?.removeItem(LEGACY_SEEN_STORAGE_KEY);
}

/** The names a notification shows: the triad's, and its members'. */
export interface NoticeNames {
	triad: string | null;
	member: (id: MemberId | null) => string;
}

/** One notification as the page and the worker both show it. */
export interface NoticeMessage {
	title: string;
	body: string;
	/** One per thing: a "closes soon" replaces the "your vote is asked" of the same proposal. */
	tag: string;
	/** The screen it opens (see `openNotified` in the service worker). */
	url: string;
}

export function noticeMessage(notice: Notice, names: NoticeNames): NoticeMessage {
	const triad = names.triad ?? 'Your triad';
	const when = (time: number) =>
		new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
	const { need } = notice;
	switch (need.kind) {
		case 'ballot': {
			const forWhom = need.forMember ? ` (for ${names.member(need.forMember)})` : '';
			const until = need.due === null ? '' : ` · closes ${when(need.due)}`;
			const title =
				notice.reason === 'deadline-soon'
					? `Vote closes soon: ${need.title}`
					: `Your vote is asked: ${need.title}`;
			return {
				title,
				body: `${triad} · ${ROLE_LABEL[need.seat]}${forWhom}${until}`,
				tag: `vote:${need.triad}:${need.proposal}`,
				url: `/t/${need.triad}/p/${need.proposal}`
			};
		}
		case 'cover':
			return {
				title: `You cover for ${names.member(need.member)} now`,
				body: `${triad} · until ${when(need.to)}`,
				tag: need.key,
				url: `/t/${need.triad}/people`
			};
		case 'action':
			return {
				title: `Action due: ${need.title}`,
				body: `${triad} · due ${when(need.due ?? 0)}`,
				tag: need.key,
				url: `/t/${need.triad}/actions`
			};
	}
}
