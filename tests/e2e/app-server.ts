/**
 * The real relay + static server for browser tests and benches: `node --import tsx server/main.ts`
 * on a free port of 127.0.0.1, serving a private copy of the app build. Free of test-runner
 * imports so benches can use it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILD_DIR = join(ROOT, 'build');
const STARTUP_TIMEOUT_MS = 30_000;

/** A running relay + static server on a free port, with its own data and static directories. */
export interface AppServer {
	/** e.g. `http://127.0.0.1:41234`, without a trailing slash. */
	readonly url: string;
	/** The copy of the build this server serves; tests may change files in it. */
	readonly staticDir: string;
	readonly dataDir: string;
	/** Stops the process (SIGTERM, then SIGKILL) and leaves the directories in place. */
	stop(): Promise<void>;
}

/**
 * Starts `node --import tsx server/main.ts` on a free port with a fresh DATA_DIR and a fresh copy
 * of `build/` (or of `buildDir`, e.g. another commit's build for an A/B bench) as STATIC_DIR,
 * and resolves once it prints its `listening` line.
 */
export async function startServer(buildDir = BUILD_DIR): Promise<AppServer> {
	if (!existsSync(join(buildDir, 'index.html'))) {
		throw new Error(`no app build at ${buildDir}: run \`npm run test:e2e\` (it builds first)`);
	}
	const workDir = await mkdtemp(join(tmpdir(), 'triad-e2e-'));
	const staticDir = join(workDir, 'static');
	const dataDir = join(workDir, 'data');
	await cp(buildDir, staticDir, { recursive: true });
	await mkdir(dataDir);

	const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
		cwd: ROOT,
		env: {
			...process.env,
			PORT: '0',
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			STATIC_DIR: staticDir,
			// Every simulated member's browser connects from 127.0.0.1: one address for many people.
			MAX_NEW_DOCS_PER_HOUR: '1000000',
			MAX_CONNECTIONS_PER_ADDRESS: '1000000'
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const port = await waitForListening(child);
	return {
		url: `http://127.0.0.1:${port}`,
		staticDir,
		dataDir,
		stop: () => stopProcess(child)
	};
}

function waitForListening(child: ChildProcess): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const output: string[] = [];
		const fail = (why: string) => {
			clearTimeout(timer);
			child.kill('SIGKILL');
			reject(new Error(`server did not start: ${why}\n${output.join('\n')}`));
		};
		const timer = setTimeout(
			() => fail(`no listening line in ${STARTUP_TIMEOUT_MS} ms`),
			STARTUP_TIMEOUT_MS
		);
		child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
		child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
		createInterface({ input: child.stdout! }).on('line', (line) => {
			output.push(line);
			const port = listeningPort(line);
			if (port !== null) {
				clearTimeout(timer);
				child.removeAllListeners('exit');
				resolvePort(port);
			}
		});
	});
}

function listeningPort(line: string): number | null {
	try {
		const record = JSON.parse(line) as { event?: unknown; port?: unknown };
		return record.event === 'listening' && typeof record.port === 'number' ? record.port : null;
	} catch {
		return null;
	}
}

function stopProcess(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolveStop) => {
		const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
		child.once('exit', () => {
			clearTimeout(killer);
			resolveStop();
		});
		child.kill('SIGTERM');
	});
}
