/**
 * Entry of a worker thread started from the TypeScript sources (tests, `node --import tsx`):
 * Node does not apply a parent's `--import tsx` to workers, so this registers tsx in the
 * worker, then imports the real entry, `workerData.entry`. The bundled build starts its
 * compiled worker directly and never loads this file.
 */
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
