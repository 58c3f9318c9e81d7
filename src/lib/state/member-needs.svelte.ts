import { ROLE_LABEL } from '$lib/domain/labels';
import {
	combineNeeds,
	countNeeds,
	isOwnNeed,
	noticesToShow,
	triadNeeds,
	type Need,
	type Notice
} from '$lib/domain/needs';
import { deviceClock } from './device-clock';
import {
	notificationSetting,
	readSeen,
	showBadge,
	showNotification,
	turnNotificationsOff,
	turnNotificationsOn,
	writeSeen,
	type NotificationSetting
} from './device-alerts';
import type { TriadSession } from './triad-session.svelte';

/** What waits for the member in one open triad; nothing on a device that may only read it. */
export function sessionNeeds(session: TriadSession): Need[] {
	if (session.readOnly !== null) return [];
	return triadNeeds({
		triad: session.docId,
		me: session.me,
		holders: session.holders,
		absences: session.absences,
		proposals: session.summaries,
		actions: session.actions,
		now: session.now
	});
}

/** The words of one notification, and the screen it opens. */
function noticeText(
	session: TriadSession,
	notice: Notice
): { title: string; body: string; url: string } {
	const triad = session.meta?.name ?? 'Your triad';
	const when = (time: number) =>
		new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
	const { need } = notice;
	switch (need.kind) {
		case 'ballot': {
			const url = `/t/${need.triad}/p/${need.proposal}`;
			const forWhom = need.forMember ? ` (for ${session.nameOf(need.forMember)})` : '';
			const until = need.due === null ? '' : ` · closes ${when(need.due)}`;
			const title =
				notice.reason === 'deadline-soon'
					? `Vote closes soon: ${need.title}`
					: `Your vote is asked: ${need.title}`;
			return { title, body: `${triad} · ${ROLE_LABEL[need.seat]}${forWhom}${until}`, url };
		}
		case 'cover':
			return {
				title: `You cover for ${session.nameOf(need.member)} now`,
				body: `${triad} · until ${when(need.to)}`,
				url: `/t/${need.triad}/people`
			};
		case 'action':
			return {
				title: `Action due: ${need.title}`,
				body: `${triad} · due ${when(need.due ?? 0)}`,
				url: `/t/${need.triad}/actions`
			};
	}
}

/**
 * What waits for the member across the open triads, and the signals that carry it off screen:
 * the app badge always, notifications when the member turned them on. `update` is called from
 * an effect whenever the open triads change; only triads whose document is loaded take part in
 * deciding what is new, so a saved overview shown at start never counts as news.
 */
export class MemberNeeds {
	#setting = $state<NotificationSetting>('off');
	#badge: number | null = null;

	constructor() {
		if (typeof window !== 'undefined') this.#setting = notificationSetting();
	}

	/** Whether notifications are on, off, blocked in the browser, or not available. */
	get setting(): NotificationSetting {
		return this.#setting;
	}

	/** Everything that waits, most urgent first. */
	needs(sessions: readonly TriadSession[]): Need[] {
		return combineNeeds(sessions.map(sessionNeeds));
	}

	/** Asks the browser's permission; only ever from the member's tap. */
	async turnOn(): Promise<void> {
		this.#setting = await turnNotificationsOn();
	}

	turnOff(): void {
		this.#setting = turnNotificationsOff();
	}

	/** Brings the badge and the notifications in line with what the sessions hold now. */
	update(sessions: readonly TriadSession[]): void {
		const loaded = sessions.filter((session) => session.live && session.readOnly === null);
		const needs = combineNeeds(loaded.map(sessionNeeds));
		const count = countNeeds(needs);
		if (count !== this.#badge) {
			this.#badge = count;
			showBadge(count);
		}
		// Read within this call only, never by a screen.
		// eslint-disable-next-line svelte/prefer-svelte-reactivity
		const byTriad = new Map(loaded.map((session) => [session.docId, session]));
		const previous = readSeen();
		const { show, seen } = noticesToShow({
			needs,
			seen: previous,
			triads: loaded.map((session) => session.docId),
			now: Date.now(),
			isOwn: (need) => {
				const session = byTriad.get(need.triad);
				return session !== undefined && isOwnNeed(need, session.me, deviceClock.nodeId);
			}
		});
		// Keys are only ever added (the oldest dropped past the limit, which changes the first one).
		if (
			seen.keys.length !== previous.keys.length ||
			seen.keys[0] !== previous.keys[0] ||
			seen.triads.length !== previous.triads.length
		) {
			writeSeen(seen);
		}
		if (this.#setting !== 'on') return;
		for (const notice of show) {
			const session = byTriad.get(notice.need.triad);
			if (!session) continue;
			const { title, body, url } = noticeText(session, notice);
			showNotification(title, { body, tag: notice.key, url }).catch((error: unknown) => {
				console.warn('notification not shown', error);
			});
		}
	}
}

/** The page's one instance. */
export const memberNeeds = new MemberNeeds();
