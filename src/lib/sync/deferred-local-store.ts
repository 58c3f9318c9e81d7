import { Listeners } from './listeners';
import type { LocalStore, LocalStoreFactory } from './local-store';
import { storageError, type StorageError } from './storage-error';

/**
 * A store factory whose stores attach (and start loading the saved copy) only once `gate`
 * settles. The app opens a large triad by painting its saved overview first: loading the
 * document is one long task on the main thread, and started at once it would run before that
 * first paint. Edits made before the store attaches are kept, as edits made while loading are.
 */
export function deferredLocalStore(
	factory: LocalStoreFactory,
	gate: Promise<unknown>
): LocalStoreFactory {
	return (docId, doc) => {
		const errors = new Listeners<[StorageError]>();
		const notAttached = Symbol('store not attached yet');
		let inner: LocalStore | null = null;
		let destroyed = false;

		const attached = gate
			.catch(() => undefined)
			.then(() => {
				if (destroyed) return null;
				const store = factory(docId, doc);
				inner = store;
				store.onError((error) => errors.emit(error));
				if (store.error !== null) errors.emit(store.error);
				return store;
			});
		const whenLoaded = attached.then((store) =>
			store === null ? Promise.reject(storageError('closed')) : store.whenLoaded
		);
		whenLoaded.catch(() => undefined);

		return {
			get origin() {
				return inner?.origin ?? notAttached;
			},
			whenLoaded,
			get error() {
				return inner?.error ?? null;
			},
			onError: (listener) => errors.add(listener),
			readSyncMarker: async () => {
				const store = await attached;
				return store === null ? null : store.readSyncMarker();
			},
			writeSyncMarker: async (marker) => {
				const store = await attached;
				if (store === null) throw storageError('closed');
				await store.writeSyncMarker(marker);
			},
			async destroy() {
				destroyed = true;
				const store = await attached;
				errors.clear();
				await store?.destroy();
			}
		};
	};
}
