import { dev } from '$app/environment';

/**
 * The service worker's life cycle as the page sees it. A new version installs in the background
 * and then waits; `ready` turns true so the UI can offer a reload, and `apply()` lets the waiting
 * worker take over and reloads once it controls the page.
 */
export class AppUpdate {
	#waiting = $state.raw<ServiceWorker | null>(null);
	#registration: ServiceWorkerRegistration | null = null;

	/** True when a new version is installed and waits for the user to reload into it. */
	get ready(): boolean {
		return this.#waiting !== null;
	}

	/**
	 * Registers the worker (SvelteKit's own registration is off so the page controls updates) and
	 * checks for a newer one whenever the app comes back to the foreground.
	 * Resolves once registered; does nothing where service workers are unavailable.
	 */
	async register(): Promise<void> {
		if (!('serviceWorker' in navigator)) return;
		const registration = await navigator.serviceWorker.register('/service-worker.js', {
			type: dev ? 'module' : 'classic'
		});
		this.#registration = registration;
		this.#watch(registration);
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible') void this.#checkForUpdate();
		});
	}

	/** Hands control to the waiting worker and reloads into the new version when it takes over. */
	apply(): void {
		const waiting = this.#waiting;
		if (!waiting) return;
		// Another tab applied it already: this page is controlled by the new worker (or an even
		// newer one replaced it) and only needs to reload; a `controllerchange` would never come.
		if (waiting.state !== 'installed') {
			location.reload();
			return;
		}
		navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), {
			once: true
		});
		waiting.postMessage({ type: 'SKIP_WAITING' });
	}

	#watch(registration: ServiceWorkerRegistration): void {
		// The very first install has no controller to replace: nothing to announce then.
		if (registration.waiting && navigator.serviceWorker.controller) {
			this.#waiting = registration.waiting;
		}
		registration.addEventListener('updatefound', () => {
			const installing = registration.installing;
			installing?.addEventListener('statechange', () => {
				if (installing.state === 'installed' && navigator.serviceWorker.controller) {
					this.#waiting = installing;
				}
			});
		});
	}

	async #checkForUpdate(): Promise<void> {
		try {
			await this.#registration?.update();
		} catch {
			// Offline: the next visibility change tries again.
		}
	}
}
