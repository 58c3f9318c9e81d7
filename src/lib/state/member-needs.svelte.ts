import { combineNeeds, countNeeds, type Need } from '$lib/domain/needs';
import { createDeviceDb, type DeviceDb } from '$lib/sync/device-db';
import { deviceClock } from './device-clock';
import {
	legacyStorage,
	notificationSetting,
	showBadge,
	showNotification,
	turnNotificationsOff,
	turnNotificationsOn,
	type NotificationSetting
} from './device-alerts';
import { migrateLegacySeen, needsOfTriad, noticeMessage, takeNotices } from './notices';
import type { TriadSession } from './triad-session.svelte';

/** What waits for the member in one open triad; nothing on a device that may only read it. */
export function sessionNeeds(session: TriadSession): Need[] {
	return needsOfTriad({
		triad: session.docId,
		me: session.me,
		records: {
			holders: session.holders,
			absences: session.absences,
			proposals: session.summaries,
			actions: session.actions
		},
		readOnly: session.readOnly !== null,
		now: session.now
	});
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
	#db: DeviceDb;
	#deciding: Promise<void>;

	constructor(db: DeviceDb) {
		this.#db = db;
		if (typeof window !== 'undefined') this.#setting = notificationSetting();
		this.#deciding = migrateLegacySeen(db, legacyStorage()).catch((error: unknown) => {
			console.warn('seen notices not moved', error);
		});
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
		const decide = () =>
			takeNotices(this.#db, {
				needs,
				triads: loaded.map((session) => session.docId),
				me: (triad) => byTriad.get(triad)?.me,
				node: deviceClock.nodeId,
				now: Date.now()
			});
		// One decision at a time, in order, each after the seen set left the page's localStorage.
		this.#deciding = this.#deciding
			.then(decide)
			.then((show) => {
				if (this.#setting !== 'on') return;
				for (const notice of show) {
					const session = byTriad.get(notice.need.triad);
					if (!session) continue;
					const message = noticeMessage(notice, {
						triad: session.meta?.name ?? null,
						member: (id) => session.nameOf(id)
					});
					showNotification(message).catch((error: unknown) => {
						console.warn('notification not shown', error);
					});
				}
			})
			.catch((error: unknown) => {
				// The device database refused: nothing is shown rather than something twice.
				console.warn('notices not decided', error);
			});
	}

	/** Resolves once every decision asked for so far is made (for tests). */
	settled(): Promise<void> {
		return this.#deciding;
	}
}

/** The page's one instance. */
export const memberNeeds = new MemberNeeds(createDeviceDb());
