import { IDBObjectStore as FakeObjectStore } from 'fake-indexeddb';

/**
 * Makes every fake-indexeddb `put`/`add` fail inside its transaction the way a full disk does in
 * browsers: the request errors with QuotaExceededError and the transaction aborts.
 */
export function failWritesWithQuota(): () => void {
	const proto = FakeObjectStore.prototype;
	const original = { put: proto.put, add: proto.add };
	const failing = (method: 'put' | 'add') =>
		function (
			this: IDBObjectStore & { _rawObjectStore: { storeRecord: unknown } },
			...args: unknown[]
		) {
			const raw = this._rawObjectStore;
			const storeRecord = raw.storeRecord;
			raw.storeRecord = () => {
				throw new DOMException('disk full', 'QuotaExceededError');
			};
			try {
				return (original[method] as (...a: unknown[]) => IDBRequest).apply(this, args);
			} finally {
				raw.storeRecord = storeRecord;
			}
		};
	proto.put = failing('put') as typeof proto.put;
	proto.add = failing('add') as typeof proto.add;
	return () => {
		proto.put = original.put;
		proto.add = original.add;
	};
}
