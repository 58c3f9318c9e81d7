import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A redis-server of a test's own, on a port of its own, that the test may kill and restart. */
export interface RedisProcess {
	readonly port: number;
	readonly url: string;
	/** Sends `signal` (default SIGKILL) and resolves once the process is gone. */
	kill(signal?: NodeJS.Signals): Promise<void>;
	/** Starts it again on the same port (empty: it never saves), once it answers PING. */
	start(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
	const address = probe.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	await new Promise((closed) => probe.close(closed));
	return port;
}

/**
 * Starts `redis-server` as a child process on a free port, never saving to disk. Never the
 * shared Redis: other tests and sessions use that one. Throws when it does not answer PING.
 */
export async function startRedisProcess(): Promise<RedisProcess> {
	const port = await freePort();
	const url = `redis://127.0.0.1:${port}`;
	let child: ChildProcess | null = null;
	let exited: Promise<void> = Promise.resolve();
	const start = async () => {
		let output = '';
		const started = spawn(
			'redis-server',
			['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
			{ stdio: ['ignore', 'pipe', 'pipe'] }
		);
		started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		exited = new Promise((done) => started.once('exit', () => done()));
		child = started;
		const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
		probe.on('error', () => {});
		const deadline = Date.now() + 10_000;
		try {
			for (;;) {
				if (started.exitCode !== null) throw new Error(`redis-server exited:\n${output}`);
				const answered = await probe.connect().then(
					() => probe.ping(),
					() => null
				);
				if (answered === 'PONG') return;
				if (Date.now() > deadline) throw new Error(`redis-server never answered:\n${output}`);
				probe.disconnect();
				await new Promise((tick) => setTimeout(tick, 50));
			}
		} finally {
			probe.disconnect();
		}
	};
	await start();
	return {
		port,
		url,
		start,
		kill: async (signal = 'SIGKILL') => {
			const running = child;
			if (running !== null && running.exitCode === null && running.signalCode === null) {
				running.kill(signal);
			}
			await exited;
		}
	};
}
