import type { DocumentId } from '$lib/domain/ids';
import {
	loadPushSetting,
	pushSupported,
	subscribePush,
	unsubscribePush,
	type PushContext
} from '$lib/sync/push-subscription';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { device, type DeviceState } from './device.svelte';

/**
 * Where this device stands with push notifications through the relay:
 * `unsupported` (no Push API here), `blocked` (the member refused notifications in the browser),
 * `off`, `on`, or `working` while a change is under way.
 */
export type PushOptInState = 'loading' | 'unsupported' | 'blocked' | 'off' | 'on' | 'working';

/**
 * The member's opt-in to pushes: nothing is asked of the browser or sent to the relay before
 * they press the button. Once on, the triads the relay pushes about follow the device's list.
 */
export class PushOptIn {
	#state = $state<PushOptInState>('loading');
	#error = $state<string | null>(null);
	#followed: DocumentId[] = [];
	#loading: Promise<void> | null = null;

	constructor(
		private readonly device: DeviceState,
		private readonly origin: () => string = () => location.origin
	) {}

	get state(): PushOptInState {
		return this.#state;
	}

	/** What went wrong with the last change, in words for the member; null when it went well. */
	get error(): string | null {
		return this.#error;
	}

	/** Reads the stored setting once. */
	load(): Promise<void> {
		this.#loading ??= (async () => {
			if (!pushSupported()) {
				this.#state = 'unsupported';
				return;
			}
			const setting = await this.device.change((db) => loadPushSetting(db)).catch(() => null);
			this.#followed = setting?.docIds ?? [];
			if (Notification.permission === 'denied') this.#state = 'blocked';
			else this.#state = setting === null ? 'off' : 'on';
		})();
		return this.#loading;
	}

	/** Asks the browser's permission, then subscribes this device to its triads. */
	async enable(): Promise<void> {
		await this.load();
		if (this.#state !== 'off') return;
		this.#error = null;
		this.#state = 'working';
		try {
			const permission = await Notification.requestPermission();
			if (permission !== 'granted') {
				this.#state = permission === 'denied' ? 'blocked' : 'off';
				return;
			}
			await this.#subscribe(this.device.workspaces);
			this.#state = 'on';
		} catch (error) {
			this.#error = describe(error);
			this.#state = 'off';
		}
	}

	/** Unsubscribes this device. */
	async disable(): Promise<void> {
		if (this.#state !== 'on') return;
		this.#error = null;
		this.#state = 'working';
		try {
			await this.device.change(async (db) => unsubscribePush(await this.#context(db)));
			this.#followed = [];
			this.#state = 'off';
		} catch (error) {
			this.#error = describe(error);
			this.#state = 'on';
		}
	}

	/** Sends the relay the device's triads again when they changed (joined, removed, new link). */
	async follow(entries: readonly WorkspaceEntry[]): Promise<void> {
		if (this.#state !== 'on') return;
		const wanted = entries
			.filter((entry) => !entry.accessChanged)
			.map((entry) => entry.docId)
			.sort();
		if (wanted.join() === [...this.#followed].sort().join()) return;
		try {
			await this.#subscribe(entries);
			this.#error = null;
		} catch (error) {
			this.#error = describe(error);
		}
	}

	async #subscribe(entries: readonly WorkspaceEntry[]): Promise<void> {
		const setting = await this.device.change(async (db) =>
			subscribePush(await this.#context(db), entries)
		);
		this.#followed = setting.docIds;
	}

	async #context(db: PushContext['db']): Promise<PushContext> {
		return { db, registration: await navigator.serviceWorker.ready, origin: this.origin() };
	}
}

function describe(error: unknown): string {
	if (!navigator.onLine) return 'You are offline. Try again once connected.';
	return error instanceof Error && error.message !== ''
		? `Notifications with the app closed could not be set up: ${error.message}`
		: 'Notifications with the app closed could not be set up.';
}

export const pushOptIn = new PushOptIn(device);
