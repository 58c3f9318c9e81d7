import * as Y from 'yjs';
import { Listeners } from './listeners';
import type { LocalStore } from './local-store';
import type { RelayTransport } from './relay-transport';
import { snapshotContains } from './snapshot-contains';
import { transactionChanged } from './transaction-changed';

/**
 * How often, at most, relay-only changes refresh the saved marker: the first one at once, the
 * rest of a burst together at the end of this interval.
 */
const MARKER_REFRESH_INTERVAL_MS = 2000;

/*
 * Whether this device holds changes the relay may not have.
 *
 * In a session: every update that did not come from the relay (edits here, updates from other
 * tabs) makes the flag true and bumps a generation counter. When the transport is synced we ask
 * it to confirm that the relay holds the doc as it is now (a barrier, see websocket-transport);
 * if no new change arrived meanwhile, the flag goes false. One confirmation is in flight at a
 * time and the next one covers everything since, so fast typing costs one round trip per reply.
 *
 * Across reloads: the flag cannot be recomputed from the saved doc alone, so whenever the flag is
 * false we save a marker next to the doc: the Yjs snapshot (state vector and delete set) of a
 * state the relay is known to hold. After loading, if the doc contains anything beyond that
 * snapshot, it may include edits the relay never saw and the flag starts true until the first
 * confirmation. Writes of marker and doc are not atomic, so a crash can only make the marker
 * stale (older than the doc), which errs on the side of reporting unsynced changes.
 *
 * Changes that came from the relay move the relay-held state too, so the marker follows them: at
 * once for the first, then at most once per interval (encoding a snapshot of a large document on
 * every keystroke of another member costs too much), and on `flush` when the connection drops or
 * the page is hidden. A
 * marker left behind by relay changes would make the next start report changes that were never
 * made on this device, "not yet on the relay" offline, for a member who only read.
 */

/** Tracks `unsyncedLocalChanges` for one open workspace. */
export class UnsyncedChangesTracker {
	readonly #doc: Y.Doc;
	#transport: RelayTransport | null = null;
	readonly #store: LocalStore;
	readonly #listeners = new Listeners<[boolean]>();
	#pending = false;
	#generation = 0;
	#confirming = false;
	#destroyed = false;
	#markerTimer: ReturnType<typeof setTimeout> | null = null;
	/** A relay-only change arrived while the marker was refreshed less than an interval ago. */
	#markerBehind = false;
	#stopTransport: () => void = () => undefined;

	/** Starts counting changes at once, so that edits made while the doc loads are not missed. */
	constructor(doc: Y.Doc, store: LocalStore) {
		this.#doc = doc;
		this.#store = store;
		// Not 'update': while anything listens to it, Yjs encodes every transaction, and encoding
		// the transaction that loads a large document from the device cost 350 ms of its opening.
		doc.on('afterTransaction', this.#onTransaction);
	}

	/**
	 * Connects the tracker to the relay transport that can confirm changes; a later call (the
	 * session reconnected with another secret) replaces the earlier transport.
	 */
	attach(transport: RelayTransport): void {
		this.#stopTransport();
		this.#transport = transport;
		this.#stopTransport = transport.onStateChange((state) => {
			if (state === 'synced') void this.#confirm();
			// The connection is gone: what the relay sent until now is all it will have sent, and
			// a page often closes soon after (a reload offline), too late to write anything.
			else this.flush();
		});
		void this.#confirm();
	}

	/** True while some change on this device is not confirmed to be on the relay. */
	get pending(): boolean {
		return this.#pending;
	}

	/** Calls `listener` when `pending` changes; returns the unsubscribe function. */
	onChange(listener: (pending: boolean) => void): () => void {
		return this.#listeners.add(listener);
	}

	/**
	 * Compares the freshly loaded doc with the saved marker. Call once, after the local store has
	 * loaded.
	 */
	async checkLoadedState(): Promise<void> {
		const marker = await this.#store.readSyncMarker().catch(() => null);
		if (this.#destroyed || Y.snapshot(this.#doc).sv.size === 0) return;
		const relayHeld = marker === null ? null : Y.decodeSnapshot(marker);
		if (relayHeld === null || !snapshotContains(relayHeld, Y.snapshot(this.#doc))) {
			this.#markChanged();
		}
	}

	/**
	 * Saves the marker now if everything is confirmed, for a page about to be hidden or closed:
	 * relay changes since the last refresh then count as held by the relay at the next start.
	 */
	flush(): void {
		if (this.#destroyed || this.#pending) return;
		this.#markerBehind = false;
		this.#saveMarker();
	}

	/** Stops tracking; saves the marker if everything is confirmed. */
	destroy(): void {
		if (this.#destroyed) return;
		if (this.#markerTimer !== null) clearTimeout(this.#markerTimer);
		if (!this.#pending) this.#saveMarker();
		this.#destroyed = true;
		this.#doc.off('afterTransaction', this.#onTransaction);
		this.#stopTransport();
		this.#listeners.clear();
	}

	readonly #onTransaction = (transaction: Y.Transaction) => {
		const { origin } = transaction;
		if (origin === this.#store.origin || !transactionChanged(transaction)) return;
		if (this.#transport?.isFromRelay(origin)) {
			if (!this.#pending) this.#refreshMarker();
			return;
		}
		this.#markChanged();
	};

	#markChanged(): void {
		this.#generation++;
		this.#setPending(true);
		// Not at once: this runs in the transaction's `afterTransaction`, before the transport's
		// `update` listener has sent the change. A barrier sent now would be answered as a receipt
		// for everything before it, that change not included.
		queueMicrotask(() => void this.#confirm());
	}

	async #confirm(): Promise<void> {
		const transport = this.#transport;
		if (this.#destroyed || this.#confirming || !this.#pending || transport?.state !== 'synced') {
			return;
		}
		this.#confirming = true;
		const generation = this.#generation;
		const confirmed = await transport.confirmRelayHasDoc();
		this.#confirming = false;
		if (this.#destroyed || !confirmed) return;
		if (generation === this.#generation) {
			this.#setPending(false);
			this.#saveMarker();
		} else {
			void this.#confirm();
		}
	}

	#setPending(pending: boolean): void {
		if (pending === this.#pending) return;
		this.#pending = pending;
		this.#listeners.emit(pending);
	}

	#refreshMarker(): void {
		if (this.#markerTimer !== null) {
			this.#markerBehind = true;
			return;
		}
		this.#saveMarker();
		this.#markerTimer = setTimeout(() => {
			this.#markerTimer = null;
			if (this.#markerBehind && !this.#pending) this.#refreshMarker();
			this.#markerBehind = false;
		}, MARKER_REFRESH_INTERVAL_MS);
	}

	#saveMarker(): void {
		if (this.#destroyed) return;
		// A failed write leaves an older marker, which only over-reports; the store has already
		// reported the storage failure itself.
		this.#store.writeSyncMarker(Y.encodeSnapshot(Y.snapshot(this.#doc))).catch(() => undefined);
	}
}
