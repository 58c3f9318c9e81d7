import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The two relays the bench compares. */
export type RelayKind = 'baseline' | 'triad';

/** A relay child process, listening and ready for WebSocket clients. */
export interface RunningRelay {
	readonly kind: RelayKind;
	readonly pid: number;
	/** Base URL a room id is appended to. */
	readonly urlPrefix: string;
	/** Whether clients must present `?token=`. */
	readonly usesTokens: boolean;
	/** Stops the process and deletes its data directory. */
	stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Starts a relay as its own node process with a fresh DATA_DIR, so /proc/<pid> measures the
 * relay alone. The baseline (@y/websocket-server 0.1.1) keeps documents in memory only; it takes
 * the room from the URL path and prints no port, so it gets a port picked here.
 */
export async function startRelay(
	kind: RelayKind,
	cpuProfile?: { dir: string; name: string }
): Promise<RunningRelay> {
	const dataDir = mkdtempSync(join(tmpdir(), `triad-bench-${kind}-`));
	const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', DATA_DIR: dataDir };
	delete env.YPERSISTENCE;
	delete env.NODE_OPTIONS;
	const profiling = cpuProfile
		? [
				'--import',
				'./bench/relay/exit-on-sigterm.mjs',
				'--cpu-prof',
				`--cpu-prof-dir=${cpuProfile.dir}`,
				`--cpu-prof-name=${cpuProfile.name}.cpuprofile`
			]
		: [];
	let child: ChildProcess;
	let port: number;
	if (kind === 'baseline') {
		port = await findFreePort();
		child = spawn(
			process.execPath,
			[...profiling, 'node_modules/@y/websocket-server/src/server.js'],
			{
				env: { ...env, PORT: String(port) },
				stdio: ['ignore', 'pipe', 'inherit']
			}
		);
		await waitForLine(child, (line) => line.includes('running at'));
	} else {
		child = spawn(process.execPath, [...profiling, '--import', 'tsx', 'server/main.ts'], {
			env: { ...env, PORT: '0', LOG_LEVEL: 'warn', STATIC_DIR: dataDir },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		const line = await waitForLine(child, (text) => text.includes('"listening"'));
		port = (JSON.parse(line) as { port: number }).port;
		await waitForHealth(port);
	}
	const pid = child.pid;
	if (pid === undefined) throw new Error(`${kind} relay did not start`);
	return {
		kind,
		pid,
		urlPrefix: kind === 'baseline' ? `ws://127.0.0.1:${port}/` : `ws://127.0.0.1:${port}/sync/`,
		usesTokens: kind === 'triad',
		stop: async () => {
			await stopProcess(child);
			rmSync(dataDir, { recursive: true, force: true });
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

function waitForLine(child: ChildProcess, matches: (line: string) => boolean): Promise<string> {
	return new Promise((resolve, reject) => {
		const lines = createInterface({ input: child.stdout! });
		const timer = setTimeout(() => reject(new Error('relay not ready in time')), READY_TIMEOUT_MS);
		child.once('exit', (code) => reject(new Error(`relay exited early with code ${code}`)));
		let ready = false;
		lines.on('line', (line) => {
			// Past readiness, the relay's own warnings still belong on the console.
			if (ready || !matches(line)) return void process.stderr.write(`[relay] ${line}\n`);
			ready = true;
			clearTimeout(timer);
			resolve(line);
		});
	});
}

async function waitForHealth(port: number): Promise<void> {
	const deadline = performance.now() + READY_TIMEOUT_MS;
	while (performance.now() < deadline) {
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
