import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SYNC_PATH } from '../../src/lib/protocol';
import type { RelayBundle } from './relay-builds';
import type { ClientParams } from './room-access';

/**
 * The three relays the bench compares: `@y/websocket-server` 0.1.1, the Triad relay at an
 * earlier revision with stock clients, and this checkout's relay with protocol-2 clients.
 */
export type RelayKind = 'baseline' | 'previous' | 'current';

/** The relays in the order of a round that does not reverse it. */
export const RELAY_KINDS: readonly RelayKind[] = ['baseline', 'previous', 'current'];

/** What each relay's clients put in their URLs. */
const CLIENT_PARAMS: Record<RelayKind, ClientParams> = {
	baseline: 'none',
	previous: 'stock',
	current: 'protocol-2'
};

/** A relay child process, listening and ready for WebSocket clients. */
export interface RunningRelay {
	readonly kind: RelayKind;
	readonly pid: number;
	/** `http://127.0.0.1:<port>`, for /healthz and /metrics. */
	readonly httpUrl: string;
	/** Base URL a room id is appended to. */
	readonly urlPrefix: string;
	/** What its clients put in their URLs. */
	readonly params: ClientParams;
	/** Where this run's CPU profiles go, when profiling. */
	readonly cpuProfileDir: string | undefined;
	/** Stops the process and deletes its data directory. */
	stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
/** The baseline's "running at …" and Triad's `"event":"listening"` line. */
const STARTUP_BANNER = /^running at |"event":"listening"/;

/**
 * Starts a relay as its own node process with a fresh DATA_DIR, so /proc/<pid> measures the
 * relay alone. The baseline (@y/websocket-server 0.1.1) keeps documents in memory only and takes
 * the room from the URL path; a Triad relay runs from `bundle` as `npm start` runs it (without
 * tsx's loader thread), stores to SQLite in DATA_DIR and checks tokens.
 */
export async function startRelay(
	kind: RelayKind,
	bundle: RelayBundle | undefined,
	cpuProfile?: { dir: string; name: string },
	/** More environment, e.g. STORAGE=postgres and its URLs for a cluster node. */
	extraEnv: Record<string, string> = {}
): Promise<RunningRelay> {
	let args: string[];
	if (kind === 'baseline') args = ['node_modules/@y/websocket-server/src/server.js'];
	else if (bundle !== undefined) args = ['--expose-gc', join(bundle.dir, 'main.js')];
	else throw new Error(`no bundle of the ${kind} relay`);
	const dataDir = mkdtempSync(join(tmpdir(), `triad-bench-${kind}-`));
	// The bench measures sync, not the app: an empty static root keeps the build out of it.
	const staticDir = join(dataDir, 'no-app');
	mkdirSync(staticDir);
	const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', DATA_DIR: dataDir };
	delete env.YPERSISTENCE;
	delete env.NODE_OPTIONS;
	const cpuProfileDir = cpuProfile && join(cpuProfile.dir, cpuProfile.name);
	if (cpuProfileDir !== undefined) mkdirSync(cpuProfileDir, { recursive: true });
	const profiling = cpuProfileDir
		? [
				'--import',
				'./bench/relay/exit-on-sigterm.mjs',
				'--cpu-prof',
				// One folder per run, default file names: the main thread and tsx's loader thread
				// each write a profile, and a shared name would let one overwrite the other.
				`--cpu-prof-dir=${cpuProfileDir}`
			]
		: [];
	// A port picked here rather than PORT=0: at LOG_LEVEL=warn the Triad relay need not print
	// its "listening" line, and the baseline never prints its port.
	const port = await findFreePort();
	const child = spawn(process.execPath, [...profiling, ...args], {
		env: {
			...env,
			PORT: String(port),
			LOG_LEVEL: 'warn',
			STATIC_DIR: staticDir,
			// The load generator is a thousand clients on one address, and a room of the bench's
			// loads never passes the default fan-out; only the per-address quotas are lifted.
			MAX_NEW_DOCS_PER_HOUR: '1000000',
			MAX_CONNECTIONS_PER_ADDRESS: '1000000',
			...extraEnv
		},
		stdio: ['ignore', 'pipe', 'inherit']
	});
	// The relay's own warnings and errors belong on the console; its start-up banner does not.
	createInterface({ input: child.stdout! }).on('line', (line) => {
		if (!STARTUP_BANNER.test(line)) process.stderr.write(`[${kind}] ${line}\n`);
	});
	await waitForHealth(child, port);
	const pid = child.pid;
	if (pid === undefined) throw new Error(`${kind} relay did not start`);
	return {
		kind,
		pid,
		httpUrl: `http://127.0.0.1:${port}`,
		urlPrefix: `ws://127.0.0.1:${port}${kind === 'baseline' ? '/' : SYNC_PATH}`,
		params: CLIENT_PARAMS[kind],
		cpuProfileDir,
		stop: async () => {
			await stopProcess(child);
			rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
		}
	};
}

function findFreePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			const port = typeof address === 'object' && address !== null ? address.port : 0;
			probe.close(() => resolve(port));
		});
	});
}

/** Polls GET /healthz (the baseline answers 200 on every path) until 200 or the process ends. */
async function waitForHealth(child: ChildProcess, port: number): Promise<void> {
	const deadline = performance.now() + READY_TIMEOUT_MS;
	while (performance.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`relay exited early with code ${child.exitCode}`);
		const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
			(response) => response.ok,
			() => false
		);
		if (healthy) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error('relay /healthz never answered 200');
}

async function stopProcess(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const killTimer = setTimeout(() => child.kill('SIGKILL'), 3_000);
	await exited;
	clearTimeout(killTimer);
}
