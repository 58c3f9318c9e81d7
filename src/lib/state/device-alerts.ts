import type { NoticeMessage } from './notices';

/*
 * The page's side of telling a member something waits: the app badge, notifications and
 * the member's choice. Kept in one small module so that the rules stay in
 * the domain and the state class, and tests of the app can watch these calls at the window.
 */

/** Whether this device shows notifications: the member's choice, and the browser's permission. */
export type NotificationSetting = 'unsupported' | 'off' | 'on' | 'blocked';

const CHOICE_KEY = 'triad:notifications';

function storage(): Storage | null {
	try {
		return typeof localStorage === 'undefined' ? null : localStorage;
	} catch {
		// A browser that blocks storage for this page throws on access.
		return null;
	}
}

/** The setting now: on only when the member chose it and the browser still grants it. */
export function notificationSetting(): NotificationSetting {
	if (typeof Notification === 'undefined') return 'unsupported';
	if (Notification.permission === 'denied') return 'blocked';
	const chosen = storage()?.getItem(CHOICE_KEY) === 'on';
	return chosen && Notification.permission === 'granted' ? 'on' : 'off';
}

/** Asks the browser's permission (call from a tap only) and records the member's choice. */
export async function turnNotificationsOn(): Promise<NotificationSetting> {
	if (typeof Notification === 'undefined') return 'unsupported';
	const permission =
		Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
	if (permission === 'granted') storage()?.setItem(CHOICE_KEY, 'on');
	return notificationSetting();
}

/** Records that the member wants no notifications; the browser's permission stays as it is. */
export function turnNotificationsOff(): NotificationSetting {
	storage()?.removeItem(CHOICE_KEY);
	return notificationSetting();
}

/** The page's localStorage, where the seen set was kept before it moved (see `notices.ts`). */
export function legacyStorage(): Storage | null {
	return storage();
}

type BadgingNavigator = Navigator & {
	setAppBadge?: (count?: number) => Promise<void>;
	clearAppBadge?: () => Promise<void>;
};

/** Puts `count` on the installed app's icon, or clears it at zero, where the browser can. */
export function showBadge(count: number): void {
	if (typeof navigator === 'undefined') return;
	const badging = navigator as BadgingNavigator;
	const done = count > 0 ? badging.setAppBadge?.(count) : badging.clearAppBadge?.();
	// Refused when the app is not installed or the browser says no: the count is on screen anyway.
	done?.catch(() => undefined);
}

/**
 * Shows one notification through the service worker where there is one (phones accept no other
 * kind), the page's own otherwise. `tag` replaces an earlier notification of the same thing.
 */
export async function showNotification(message: NoticeMessage): Promise<void> {
	const { title, url } = message;
	const details = { body: message.body, tag: message.tag, data: { url } };
	const registration = await navigator.serviceWorker?.getRegistration().catch(() => undefined);
	if (registration?.active) {
		await registration.showNotification(title, { ...details, icon: '/icons/icon-192.png' });
		return;
	}
	const notification = new Notification(title, details);
	notification.onclick = () => {
		window.focus();
		window.location.assign(url);
	};
}
