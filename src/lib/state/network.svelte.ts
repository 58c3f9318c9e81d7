import { createSubscriber } from 'svelte/reactivity';

/**
 * Whether the browser believes it has a network. Listens to online/offline events only while
 * something reads `online`. A true value does not promise the relay is reachable; the sync
 * status of each open triad says that.
 */
export class NetworkState {
	#subscribe = createSubscriber((update) => {
		window.addEventListener('online', update);
		window.addEventListener('offline', update);
		return () => {
			window.removeEventListener('online', update);
			window.removeEventListener('offline', update);
		};
	});

	/** The browser's current idea of connectivity. */
	get online(): boolean {
		this.#subscribe();
		return navigator.onLine;
	}
}

/** One shared instance: connectivity is a property of the device. */
export const network = new NetworkState();
