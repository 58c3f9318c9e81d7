/**
 * The storage worker thread: owns the SQLite file, so its disk work (batched appends, WAL
 * checkpoints and their fsyncs, compactions, loads) never blocks the relay's event loop.
 * Started by `SqliteWorkerStorage`; handles its requests strictly in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../logger';
import { SqliteDatabase, type AppendRow } from './sqlite-database';
import {
	unpackAppends,
	type SqliteWorkerData,
	type WorkerEvent,
	type WorkerRequest,
	type WorkerResults
} from './sqlite-worker-protocol';

const RETRY_DELAY_MS = 1000;

const port = parentPort;
if (port === null) throw new Error('sqlite-worker.ts runs as a worker thread only');
const { dataDir, cacheBytes } = workerData as SqliteWorkerData;
const post = (event: WorkerEvent) => port.postMessage(event);

let db: SqliteDatabase;
try {
	db = new SqliteDatabase(dataDir, cacheBytes);
	post({
		type: 'ready',
		lastSeq: db.lastSeq(),
		cacheBytes: db.cacheBytes(),
		storedBytes: db.storedBytes()
	});
} catch (error) {
	post({ type: 'openFailed', message: describeError(error) });
	port.close();
	process.exit(1);
}

/** Appends received but not written yet: only after a failed write, until a retry succeeds. */
let pending: AppendRow[] = [];
let retryTimer: NodeJS.Timeout | null = null;

/** Writes every pending append in one transaction; throws and keeps them pending on failure. */
function writePending(): void {
	if (retryTimer !== null) {
		clearTimeout(retryTimer);
		retryTimer = null;
	}
	if (pending.length === 0) return;
	db.appendAll(pending);
	const upToSeq = (pending.at(-1) as AppendRow).seq;
	pending = [];
	post({ type: 'committed', upToSeq });
}

/** Writes what the main thread batched at once; on failure tells it and retries later. */
function writeInBackground(): void {
	try {
		writePending();
	} catch (error) {
		post({ type: 'backgroundError', message: describeError(error) });
		retryTimer ??= setTimeout(writeInBackground, RETRY_DELAY_MS);
	}
}

function handle(request: Exclude<WorkerRequest, { type: 'append' }>): unknown {
	// Every request sees the appends posted before it, as if they were written already.
	writePending();
	switch (request.type) {
		case 'load':
			return db.loadDocument(request.docId) satisfies WorkerResults['load'];
		case 'getAccess':
			return db.getAccess(request.docId) satisfies WorkerResults['getAccess'];
		case 'registerAccess':
			return db.registerAccess(
				request.docId,
				request.member,
				request.viewer
			) satisfies WorkerResults['registerAccess'];
		case 'registerViewer':
			return db.registerViewer(
				request.docId,
				request.member,
				request.viewer
			) satisfies WorkerResults['registerViewer'];
		case 'rotateAccess':
			return db.rotateAccess(
				request.docId,
				request.current,
				request.next
			) satisfies WorkerResults['rotateAccess'];
		case 'compact':
			return db.compact(
				request.docId,
				request.state,
				request.upToSeq
			) satisfies WorkerResults['compact'];
		case 'savePushSubscription':
			db.savePushSubscription(request.subscription, request.documents);
			return null satisfies WorkerResults['savePushSubscription'];
		case 'deletePushSubscription':
			return db.deletePushSubscription(
				request.endpoint
			) satisfies WorkerResults['deletePushSubscription'];
		case 'pushTargets':
			return db.pushTargets(request.docId) satisfies WorkerResults['pushTargets'];
		case 'vapidKeys':
			return db.vapidKeys(request.candidate) satisfies WorkerResults['vapidKeys'];
		case 'flush':
			return null;
		case 'close':
			db.close();
			return null;
	}
}

port.on('message', (request: WorkerRequest) => {
	if (request.type === 'append') {
		for (const row of unpackAppends(request)) pending.push(row);
		// After a failure, the retry writes them: one error report per second, not per batch.
		if (retryTimer === null) writeInBackground();
		return;
	}
	try {
		post({ type: 'reply', id: request.id, ok: true, value: handle(request) });
	} catch (error) {
		post({ type: 'reply', id: request.id, ok: false, message: describeError(error) });
	}
	if (request.type === 'close') port.close();
});
