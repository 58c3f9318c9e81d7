import { storageError, toStorageError } from './storage-error';

/**
 * The device's own small database: who the person is and which workspaces this device joined.
 * It is device-local by design (never a Yjs document): secrets of other workspaces must not
 * replicate anywhere, and an identity belongs to a person on a device.
 */

/**
 * Object stores of the device database. `overviews` holds, per joined workspace, what its main
 * screen showed last (src/lib/state/triad-overview.ts), keyed by document id. `organizations`
 * holds the organization documents and followed feeds this device holds
 * (src/lib/sync/organization-directory.ts), apart from the triads so no triad list shows them.
 */
export type DeviceStoreName = 'settings' | 'workspaces' | 'overviews' | 'organizations';

const DEFAULT_DB_NAME = 'triad-device';
/** Raised when a store is added: the upgrade creates whichever store is missing. */
const DB_VERSION = 3;

/** Promise-based access to the device database; every failure rejects with a StorageError. */
export interface DeviceDb {
	get<T>(store: DeviceStoreName, key: string): Promise<T | undefined>;
	getAll<T>(store: DeviceStoreName): Promise<T[]>;
	put(store: DeviceStoreName, value: unknown, key?: string): Promise<void>;
	delete(store: DeviceStoreName, key: string): Promise<void>;
	/**
	 * Reads one value and writes what `change` makes of it in one transaction, so that no other
	 * write (another tab's, or another step of this one) lands between the read and the write.
	 * `change` returns undefined to write nothing; it must not await. Resolves with what was
	 * written, or undefined.
	 */
	update<T>(
		store: DeviceStoreName,
		key: string,
		change: (value: T | undefined) => T | undefined
	): Promise<T | undefined>;
	/** Closes the connection; a later call opens it again. */
	close(): void;
}

/** Where to find IndexedDB and under which name; tests inject fake-indexeddb and fresh names. */
export interface DeviceDbOptions {
	indexedDB?: IDBFactory;
	name?: string;
}

function promisify<T>(request: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(toStorageError(request.error));
	});
}

/** Resolves when the transaction commits, so a write is reported only once it is durable. */
function committed(transaction: IDBTransaction): Promise<void> {
	return new Promise((resolve, reject) => {
		transaction.oncomplete = () => resolve();
		transaction.onabort = () => reject(toStorageError(transaction.error ?? 'AbortError'));
		transaction.onerror = () => reject(toStorageError(transaction.error));
	});
}

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		let request: IDBOpenDBRequest;
		try {
			request = factory.open(name, DB_VERSION);
		} catch (error) {
			reject(toStorageError(error, 'unavailable'));
			return;
		}
		request.onupgradeneeded = () => {
			const db = request.result;
			if (!db.objectStoreNames.contains('settings')) db.createObjectStore('settings');
			if (!db.objectStoreNames.contains('workspaces')) {
				db.createObjectStore('workspaces', { keyPath: 'docId' });
			}
			if (!db.objectStoreNames.contains('overviews')) db.createObjectStore('overviews');
			if (!db.objectStoreNames.contains('organizations')) {
				db.createObjectStore('organizations', { keyPath: 'docId' });
			}
		};
		request.onblocked = () => reject(storageError('blocked'));
		request.onerror = () => reject(toStorageError(request.error, 'unavailable'));
		request.onsuccess = () => resolve(request.result);
	});
}

/** Opens the device database lazily on first use, and again after it was closed. */
export function createDeviceDb(options: DeviceDbOptions = {}): DeviceDb {
	const name = options.name ?? DEFAULT_DB_NAME;
	let connection: Promise<IDBDatabase> | null = null;

	function database(): Promise<IDBDatabase> {
		if (connection === null) {
			const factory = options.indexedDB ?? globalThis.indexedDB;
			if (factory === undefined) return Promise.reject(storageError('unavailable'));
			const opening = openDatabase(factory, name).then((db) => {
				// Another tab upgrading or deleting the database, or the browser clearing site data,
				// ends this connection; forgetting it lets the next call reopen instead of failing.
				const forget = () => {
					if (connection === opening) connection = null;
				};
				db.onversionchange = () => {
					db.close();
					forget();
				};
				db.onclose = forget;
				return db;
			});
			opening.catch(() => {
				if (connection === opening) connection = null;
			});
			connection = opening;
		}
		return connection;
	}

	async function run<T>(
		store: DeviceStoreName,
		mode: IDBTransactionMode,
		operation: (objectStore: IDBObjectStore) => IDBRequest<T>
	): Promise<T> {
		const db = await database();
		let transaction: IDBTransaction;
		try {
			transaction = db.transaction(store, mode);
		} catch (error) {
			connection = null;
			throw toStorageError(error);
		}
		const [result] = await Promise.all([
			promisify(operation(transaction.objectStore(store))),
			committed(transaction)
		]);
		return result;
	}

	return {
		get: <T>(store: DeviceStoreName, key: string) =>
			run(store, 'readonly', (s) => s.get(key) as IDBRequest<T | undefined>),
		getAll: <T>(store: DeviceStoreName) =>
			run(store, 'readonly', (s) => s.getAll() as IDBRequest<T[]>),
		put: async (store, value, key) => {
			await run(store, 'readwrite', (s) => s.put(value, key));
		},
		delete: async (store, key) => {
			await run(store, 'readwrite', (s) => s.delete(key));
		},
		async update<T>(
			store: DeviceStoreName,
			key: string,
			change: (value: T | undefined) => T | undefined
		): Promise<T | undefined> {
			const db = await database();
			let transaction: IDBTransaction;
			try {
				transaction = db.transaction(store, 'readwrite');
			} catch (error) {
				connection = null;
				throw toStorageError(error);
			}
			const objectStore = transaction.objectStore(store);
			let written: T | undefined;
			const read = objectStore.get(key);
			read.onsuccess = () => {
				// An exception here aborts the transaction, so nothing is written.
				written = change(read.result as T | undefined);
				if (written === undefined) return;
				if (objectStore.keyPath === null) objectStore.put(written, key);
				else objectStore.put(written);
			};
			await committed(transaction);
			return written;
		},
		close() {
			const current = connection;
			connection = null;
			void current?.then((db) => db.close()).catch(() => undefined);
		}
	};
}

/**
 * Every readable record of a directory store, most recently opened first: `read` turns a stored
 * value into a record or null, so one unreadable record never hides the others.
 */
export async function listNewestFirst<T extends { lastOpened: number }>(
	db: DeviceDb,
	store: DeviceStoreName,
	read: (value: unknown) => T | null
): Promise<T[]> {
	const all = await db.getAll<unknown>(store);
	return all
		.map(read)
		.filter((entry) => entry !== null)
		.sort((a, b) => b.lastOpened - a.lastOpened);
}
