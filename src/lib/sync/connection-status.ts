import { Listeners } from './listeners';
import type { ConnectionState, RelayRefusal, RelayTransport } from './relay-transport';

/**
 * The status every relay transport reports the same way: its connection state, the refusal that
 * stopped it, and the listeners told when either changes.
 */
export class ConnectionStatus {
	readonly #listeners = new Listeners<[ConnectionState]>();
	#state: ConnectionState = 'offline';
	/** The relay's refusal, kept until the next `connect()`; listeners hear of it through `set`. */
	refusal: RelayRefusal | null = null;

	/** The state listeners were last told about. */
	get state(): ConnectionState {
		return this.#state;
	}

	/**
	 * Moves to `next` and tells the listeners when it differs; `notifyAnyway` tells them also when
	 * the state stays (a refusal that arrives while already offline is still news).
	 */
	set(next: ConnectionState, notifyAnyway = false): void {
		if (next === this.#state && !notifyAnyway) return;
		this.#state = next;
		this.#listeners.emit(next);
	}

	/** Calls `listener` on every `set` that notifies; returns the unsubscribe function. */
	onStateChange(listener: (state: ConnectionState) => void): () => void {
		return this.#listeners.add(listener);
	}

	/** Forgets every listener, for a transport that is destroyed. */
	clear(): void {
		this.#listeners.clear();
	}
}

/** A transport made of `status` for its state, refusal and listeners, and `methods` for the rest. */
export function relayTransport(
	status: ConnectionStatus,
	methods: Omit<RelayTransport, 'state' | 'refusal' | 'onStateChange'>
): RelayTransport {
	return {
		get state() {
			return status.state;
		},
		get refusal() {
			return status.refusal;
		},
		onStateChange: (listener) => status.onStateChange(listener),
		...methods
	};
}
