import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/*
 * Test support: the project's relay (server/main.ts) as a child process on 127.0.0.1 with a
 * fresh DATA_DIR, which can be killed and restarted on the same port so that transport tests
 * see real outages.
 */

/** A running relay for tests. */
export interface TestRelay {
	/** `ws://127.0.0.1:<port>/sync` */
	readonly url: string;
	/** Stops the relay abruptly (connections drop); `start` brings it back on the same port. */
	stop(): Promise<void>;
	start(): Promise<void>;
	/** Stops it for good and removes its data. */
	dispose(): Promise<void>;
}

const REAL_RELAY = join(process.cwd(), 'server', 'main.ts');

/** Starts the relay on a free port; resolves once it logs that it is listening. */
export async function startTestRelay(): Promise<TestRelay> {
	const dataDir = mkdtempSync(join(tmpdir(), 'triad-sync-test-'));
	let port = 0;
	let child: ChildProcess | null = null;

	// One relay at a time: a test that timed out may still start it while its afterEach does, and a
	// second process would be left running when the first one is stopped.
	let starting: Promise<void> | null = null;
	const start = () => {
		if (child !== null && child.exitCode === null && starting !== null) return starting;
		starting = spawnRelay();
		return starting;
	};
	const spawnRelay = () =>
		new Promise<void>((resolve, reject) => {
			const process_ = spawn(process.execPath, ['--import', 'tsx', REAL_RELAY], {
				env: {
					...process.env,
					PORT: String(port),
					HOST: '127.0.0.1',
					DATA_DIR: dataDir,
					// The specs' clients all come from 127.0.0.1: one address for many devices.
					MAX_NEW_DOCS_PER_HOUR: '1000000',
					MAX_CONNECTIONS_PER_ADDRESS: '1000000'
				},
				stdio: ['ignore', 'pipe', 'inherit']
			});
			child = process_;
			process_.once('exit', (code) => reject(new Error(`relay exited early (${code})`)));
			const lines = createInterface({ input: process_.stdout as NodeJS.ReadableStream });
			lines.on('line', (line) => {
				try {
					const record = JSON.parse(line) as { event?: string; port?: number };
					if (record.event === 'listening' && typeof record.port === 'number') {
						port = record.port;
						resolve();
					}
				} catch {
					// not a JSON log line
				}
			});
		});
	const stop = () =>
		new Promise<void>((resolve) => {
			const running = child;
			child = null;
			if (running === null || running.exitCode !== null) return resolve();
			running.once('exit', () => resolve());
			running.kill('SIGKILL');
		});

	await start();
	return {
		url: `ws://127.0.0.1:${port}/sync`,
		start,
		stop,
		async dispose() {
			await stop();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
