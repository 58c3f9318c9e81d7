import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { inlineCompactor, type StateCompactor } from '../../server/compaction/state-compactor';
import { WorkerCompactor } from '../../server/compaction/worker-compactor';
import { createLogger } from '../../server/logger';
import { startRelayServer } from '../../server/relay-server';
import {
	makeToken,
	ONE_ADDRESS_FOR_MANY,
	randomDocId,
	randomSecret
} from '../../tests/relay/harness';

/**
 * How long an unrelated room stalls while the relay compacts a large document (about 30 MiB):
 * the relay (SQLite storage) runs in this process, one client writes the large document in 1 MiB
 * updates and goes quiet, and while the idle compaction runs another room carries an update
 * every 5 ms from one client to another. Printed: the longest gap between two deliveries in that
 * room and the
 * event loop's longest delay, from the large room's last append until its compaction is stored,
 * with the merge on the event loop (what the relay did before the compaction worker) and in the
 * worker. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/relay/compaction-stall.ts [--mib 30]
 */

const mib = numberArg('--mib', 30);

function numberArg(name: string, fallback: number): number {
	const index = process.argv.indexOf(name);
	const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
	return Number.isInteger(value) && value > 0 ? value : fallback;
}

function room() {
	const docId = randomDocId();
	return { docId, token: makeToken(randomSecret(), docId) };
}

function connect(url: string, target: ReturnType<typeof room>, doc: Y.Doc): WebsocketProvider {
	return new WebsocketProvider(url, target.docId, doc, {
		params: { token: target.token },
		WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true
	});
}

function synced(provider: WebsocketProvider): Promise<void> {
	return new Promise((resolve) => {
		if (provider.synced) resolve();
		else provider.once('sync', () => resolve());
	});
}

async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function measure(label: string, compactor: StateCompactor) {
	const dataDir = await mkdtemp(join(tmpdir(), 'compaction-stall-'));
	const relay = await startRelayServer({
		port: 0,
		dataDir,
		staticDir: null,
		compactor,
		compactIdleMs: 500,
		compactMaxAppendedUpdates: 1_000_000,
		compactMaxAppendedBytes: 1 << 30,
		maxDocumentBytes: 256 << 20,
		maxMessageBytes: 4 << 20,
		logger: createLogger('error'),
		...ONE_ADDRESS_FOR_MANY
	});
	const url = `${relay.url.replace(/^http/, 'ws')}/sync`;
	const providers: WebsocketProvider[] = [];
	const large = room();
	const writer = new Y.Doc();
	providers.push(connect(url, large, writer));
	await synced(providers[0]!);
	const pages = writer.getArray<string>('pages');
	for (let i = 0; i < mib; i++) pages.push([String(i % 10).repeat(1 << 20)]);
	await until(() => relay.metrics.storageAppends >= mib);

	const other = room();
	const [sender, receiver] = [new Y.Doc(), new Y.Doc()];
	for (const doc of [sender, receiver]) {
		const provider = connect(url, other, doc);
		providers.push(provider);
		await synced(provider);
	}
	// The sender's timer stalls with the event loop too, so what shows the stall is the longest
	// gap between two deliveries, not one delivery's time.
	let longest = 0;
	let lastReceived = performance.now();
	receiver.getMap<number>('ping').observe(() => {
		const now = performance.now();
		longest = Math.max(longest, now - lastReceived);
		lastReceived = now;
	});
	const loop = monitorEventLoopDelay({ resolution: 5 });
	loop.enable();
	let n = 0;
	const ticker = setInterval(() => sender.getMap<number>('ping').set('n', ++n), 5);
	await until(() => relay.metrics.storageCompactions >= 1);
	clearInterval(ticker);
	loop.disable();
	console.log(
		`  ${label.padEnd(22)} other room's longest gap between deliveries ${longest.toFixed(0).padStart(5)} ms, event loop's longest delay ${(loop.max / 1e6).toFixed(0).padStart(5)} ms`
	);
	for (const provider of providers) provider.destroy();
	await relay.close();
	await rm(dataDir, { recursive: true, force: true });
}

console.log(`Compaction of a ${mib} MiB document, another room's updates meanwhile:`);
await measure('merge on the event loop', inlineCompactor);
const worker = new WorkerCompactor();
await measure('merge in the worker', worker);
await worker.close();
