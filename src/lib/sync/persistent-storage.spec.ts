import { describe, expect, it } from 'vitest';
import { requestPersistentStorage } from './persistent-storage';

function manager(persisted: boolean, grant: boolean | Error) {
	let asked = 0;
	return {
		get asked() {
			return asked;
		},
		persisted: async () => persisted,
		persist: async () => {
			asked++;
			if (grant instanceof Error) throw grant;
			return grant;
		}
	};
}

describe('requestPersistentStorage', () => {
	it('reports granted without asking again when storage is already persistent', async () => {
		const storage = manager(true, false);
		expect(await requestPersistentStorage(storage)).toBe('granted');
		expect(storage.asked).toBe(0);
	});

	it('asks and reports the browser decision', async () => {
		expect(await requestPersistentStorage(manager(false, true))).toBe('granted');
		expect(await requestPersistentStorage(manager(false, false))).toBe('denied');
		expect(await requestPersistentStorage(manager(false, new Error('nope')))).toBe('denied');
	});

	it('reports unsupported without a StorageManager', async () => {
		const noPersist = {} as Parameters<typeof requestPersistentStorage>[0];
		expect(await requestPersistentStorage(noPersist)).toBe('unsupported');
	});
});
