import { describe } from 'vitest';
import { runLocalStoreContract } from './local-store.contract';
import { createMemoryStorage } from './memory-local-store';

describe('memory local store', () => {
	runLocalStoreContract(() => {
		const storage = createMemoryStorage();
		return {
			open: storage.open,
			failWritesWithQuota() {
				storage.failWrites('quota');
				return () => storage.failWrites(null);
			}
		};
	});
});
