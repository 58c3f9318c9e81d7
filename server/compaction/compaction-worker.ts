/**
 * The compaction worker thread: merges and checks documents' states for `WorkerCompactor`, one
 * request at a time, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../logger';
import type {
	CompactionReply,
	CompactionRequest,
	CompactionWorkerData
} from './compaction-protocol';
import { mergeState } from './state-compactor';

const port = parentPort;
if (port === null) throw new Error('compaction-worker.ts runs as a worker thread only');
const { hold } = (workerData ?? {}) as CompactionWorkerData;

port.on('message', (request: CompactionRequest) => {
	let reply: CompactionReply;
	try {
		// A test holds the worker here, mid-compaction, to show the relay serving meanwhile.
		if (hold !== undefined) {
			port.postMessage({ type: 'holding', id: request.id } satisfies CompactionReply);
			Atomics.wait(new Int32Array(hold), 0, 0);
			Atomics.sub(new Int32Array(hold), 0, 1);
		}
		const result = mergeState(request.updates);
		reply = { type: 'merged', id: request.id, result };
	} catch (error) {
		reply = { type: 'failed', id: request.id, message: describeError(error) };
	}
	const transfer =
		reply.type === 'merged' && 'state' in reply.result ? [reply.result.state.buffer] : [];
	port.postMessage(reply, transfer as ArrayBuffer[]);
});
