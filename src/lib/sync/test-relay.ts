import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

/*
 * Test support: a relay on 127.0.0.1 that can be stopped and restarted on the same port, so
 * that transport tests see real outages. It runs the project's relay (server/main.ts) when it
 * exists, and until then y-websocket's reference server as a stand-in; the stand-in serves
 * rooms under /sync/<room> like DESIGN §4 but ignores tokens.
 */

/** A running relay for tests. */
export interface TestRelay {
	/** `ws://127.0.0.1:<port>/sync` */
	readonly url: string;
	/** Whether it checks tokens (the stand-in does not). */
	readonly enforcesTokens: boolean;
	/** Stops the relay abruptly (connections drop); `start` brings it back on the same port. */
	stop(): Promise<void>;
	start(): Promise<void>;
	/** Stops it for good and removes its data. */
	dispose(): Promise<void>;
}

const REAL_RELAY = join(process.cwd(), 'server', 'main.ts');

/** Starts the real relay if the project has one, otherwise the stand-in. */
export function startTestRelay(): Promise<TestRelay> {
	return existsSync(REAL_RELAY) ? startRealRelay() : startStandInRelay();
}

async function startStandInRelay(): Promise<TestRelay> {
	let port = 0;
	let server: Server | null = null;
	let sockets: WebSocketServer | null = null;

	const start = async () => {
		const wss = new WebSocketServer({ noServer: true });
		const http = createServer((_request, response) => response.writeHead(404).end());
		http.on('upgrade', (request, socket, head) => {
			const path = (request.url ?? '').split('?')[0] ?? '';
			if (!path.startsWith('/sync/')) {
				socket.destroy();
				return;
			}
			wss.handleUpgrade(request, socket, head, (ws) =>
				setupWSConnection(ws, request, { docName: path.slice('/sync/'.length) })
			);
		});
		await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
		port = (http.address() as AddressInfo).port;
		server = http;
		sockets = wss;
	};
	const stop = async () => {
		for (const client of sockets?.clients ?? []) client.terminate();
		sockets?.close();
		const http = server;
		server = null;
		if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
	};

	await start();
	return {
		url: `ws://127.0.0.1:${port}/sync`,
		enforcesTokens: false,
		start,
		stop,
		dispose: stop
	};
}

async function startRealRelay(): Promise<TestRelay> {
	const dataDir = mkdtempSync(join(tmpdir(), 'triad-sync-test-'));
	let port = 0;
	let child: ChildProcess | null = null;

	const start = () =>
		new Promise<void>((resolve, reject) => {
			const process_ = spawn(process.execPath, ['--import', 'tsx', REAL_RELAY], {
				env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir },
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
		enforcesTokens: true,
		start,
		stop,
		async dispose() {
			await stop();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
