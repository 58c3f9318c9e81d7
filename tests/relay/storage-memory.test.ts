import { MemoryStorage } from '../../server/storage/memory-storage';
import { runStorageTests } from './storage-suite';

runStorageTests('memory', async () => ({ storage: new MemoryStorage(), cleanup: async () => {} }));
