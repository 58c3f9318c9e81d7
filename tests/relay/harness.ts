/**
 * Helpers to run the relay for tests, in-process or as the real CLI child process, and to
 * talk to it with y-websocket providers and raw sockets. Generic on purpose: browser tests
 * reuse `spawnRelay`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket, type ClientOptions } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import pg from 'pg';
import { createLogger } from '../../server/logger';
import { MEMBER_TOKEN_LABEL } from '../../src/lib/protocol';
import {
	startRelayServer,
	type RelayServer,
	type RelayServerOptions
} from '../../server/relay-server';
import { TEST_DATABASE_URL } from './testing/postgres';
import { TEST_REDIS_URL } from './testing/redis';

/**
 * What the relays of this run store to: `sqlite` (the default), or `postgres` when the
 * `relay-postgres` project sets `RELAY_TEST_STORAGE` (see vite.config.ts). With `postgres`, every
 * relay these helpers start is a cluster node on the test PostgreSQL and Redis, in a schema of its
 * data directory's own: a relay restarted on the same directory finds what the previous one
 * stored, and the schema is dropped with the directory.
 */
export const TEST_STORAGE: 'sqlite' | 'postgres' =
	process.env.RELAY_TEST_STORAGE === 'postgres' ? 'postgres' : 'sqlite';

/** The PostgreSQL schema that stands for `dataDir` in a `postgres` run. */
export function schemaOfDataDir(dataDir: string): string {
	return `triad_dir_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 20)}`;
}

async function onTestDatabase(sql: string): Promise<void> {
	const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}

/**
 * In a `postgres` run, the cluster options of a node standing for a relay on `dataDir` (its
 * schema created if missing); undefined in a `sqlite` run.
 */
export async function testClusterOf(dataDir: string): Promise<RelayServerOptions['cluster']> {
	if (TEST_STORAGE === 'sqlite') return undefined;
	const schema = schemaOfDataDir(dataDir);
	await onTestDatabase(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
	return {
		databaseUrl: TEST_DATABASE_URL,
		redisUrl: TEST_REDIS_URL,
		nodeId: `test-${randomBytes(6).toString('hex')}`,
		schema
	};
}

/** The repository root, where `server/main.ts` lives. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A fresh random document id: 22 base64url characters (128 bits). */
export function randomDocId(): string {
	return randomBytes(16).toString('base64url');
}

/** A fresh 32-byte document secret, as invite links carry it. */
export function randomSecret(): Uint8Array {
	return randomBytes(32);
}

/**
 * A member token, as `memberToken` of the protocol derives it, computed synchronously with
 * node:crypto so that tests can make many at once.
 */
export function makeToken(secret: Uint8Array, docId: string): string {
	return createHmac('sha256', secret)
		.update(MEMBER_TOKEN_LABEL + docId)
		.digest('base64url');
}

/** A document id with its secret and token, ready to connect. */
export interface TestRoom {
	docId: string;
	token: string;
}

/** A new room with a random id and the token of a random secret. */
export function newRoom(): TestRoom {
	const docId = randomDocId();
	return { docId, token: makeToken(randomSecret(), docId) };
}

/** A temporary directory, removed by the returned function. */
export async function makeTempDir(prefix = 'triad-relay-'): Promise<{
	path: string;
	remove: () => Promise<void>;
}> {
	const path = await mkdtemp(join(tmpdir(), prefix));
	return {
		path,
		remove: async () => {
			await rm(path, { recursive: true, force: true });
			if (TEST_STORAGE === 'postgres') {
				await onTestDatabase(`DROP SCHEMA IF EXISTS ${schemaOfDataDir(path)} CASCADE`);
			}
		}
	};
}

/** Polls `condition` every 20 ms until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(
	condition: () => boolean | Promise<boolean>,
	what: string,
	timeoutMs = 10_000
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		}
		await new Promise((tick) => setTimeout(tick, 20));
	}
}

/**
 * Every client of a test comes from 127.0.0.1 and stands for many people at once, so the quotas
 * per address are lifted unless a test sets them (the quota tests do, with clients on addresses
 * of their own).
 */
export const ONE_ADDRESS_FOR_MANY: RelayServerOptions = {
	newDocumentsPerAddressPerHour: 1_000_000,
	maxConnectionsPerAddress: 1_000_000
};

/** {@link ONE_ADDRESS_FOR_MANY} as the environment of a relay process. */
export const ONE_ADDRESS_FOR_MANY_ENV: Record<string, string> = {
	MAX_NEW_DOCS_PER_HOUR: '1000000',
	MAX_CONNECTIONS_PER_ADDRESS: '1000000'
};

/** A relay running in this process, with its log lines captured. */
export interface InProcessRelay extends RelayServer {
	/** Every log line written so far, parsed. */
	readonly logs: Record<string, unknown>[];
	/** Closes the relay and removes its temporary data directory. */
	stop(): Promise<void>;
}

/**
 * Starts the relay in this process on a free port, with the run's storage (SQLite or a
 * PostgreSQL schema, see {@link TEST_STORAGE}) for a fresh temp directory unless `options` says
 * otherwise, no static app unless given, and no quotas per address unless given (see
 * {@link ONE_ADDRESS_FOR_MANY}).
 */
export async function startInProcessRelay(
	options: RelayServerOptions = {}
): Promise<InProcessRelay> {
	const dataDir = await makeTempDir();
	const logs: Record<string, unknown>[] = [];
	const cluster =
		options.storage === undefined
			? await testClusterOf(options.dataDir ?? dataDir.path)
			: undefined;
	const relay = await startRelayServer({
		port: 0,
		dataDir: dataDir.path,
		cluster,
		staticDir: null,
		logger: createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>)),
		...ONE_ADDRESS_FOR_MANY,
		...options
	});
	return {
		...relay,
		logs,
		stop: async () => {
			await relay.close();
			await dataDir.remove();
		}
	};
}

/** The relay CLI running as a child process. */
export interface RelayProcess {
	readonly child: ChildProcess;
	readonly port: number;
	readonly url: string;
	readonly syncUrl: string;
	/** Everything the process printed on stdout and stderr so far. */
	output(): string;
	/** Sends `signal` and resolves the exit code (null when killed by a signal). */
	stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link spawnRelay}; any other variable goes in `env`. */
export interface SpawnRelayOptions {
	dataDir: string;
	/** 0 (default) lets the relay pick a free port. */
	port?: number;
	staticDir?: string;
	logLevel?: 'debug' | 'info' | 'warn' | 'error';
	env?: Record<string, string>;
	/** How long to wait for the "listening" line (default 20 s). */
	startTimeoutMs?: number;
	/** Node arguments that start the relay (default: the sources through tsx). */
	nodeArgs?: string[];
}

/** `nodeArgs` of the bundled relay as `npm start` runs it, once `npm run build:server` ran. */
export const BUNDLED_RELAY_ARGS = ['--expose-gc', 'build-server/main.js'];

/**
 * Spawns `node --import tsx server/main.ts` (or `options.nodeArgs`) and resolves once it printed
 * its "listening" line. The caller must `stop()` it.
 */
export async function spawnRelay(options: SpawnRelayOptions): Promise<RelayProcess> {
	const args = options.nodeArgs ?? ['--import', 'tsx', 'server/main.ts'];
	const cluster =
		options.env?.STORAGE === undefined ? await testClusterOf(options.dataDir) : undefined;
	const clusterEnv: Record<string, string> =
		cluster === undefined
			? {}
			: {
					STORAGE: 'postgres',
					DATABASE_URL: cluster.databaseUrl,
					DATABASE_SCHEMA: cluster.schema ?? '',
					REDIS_URL: cluster.redisUrl ?? '',
					NODE_ID: cluster.nodeId
				};
	const child = spawn(process.execPath, args, {
		cwd: REPO_ROOT,
		env: {
			...process.env,
			HOST: '127.0.0.1',
			PORT: String(options.port ?? 0),
			DATA_DIR: options.dataDir,
			STATIC_DIR: options.staticDir ?? join(options.dataDir, 'no-app'),
			LOG_LEVEL: options.logLevel ?? 'info',
			...ONE_ADDRESS_FOR_MANY_ENV,
			...clusterEnv,
			...options.env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
	let port = 0;
	let exitedEarly = false;
	void exited.then(() => (exitedEarly = true));
	await waitFor(
		() => {
			if (exitedEarly) throw new Error(`relay exited before listening:\n${output}`);
			const match = /"event":"listening","port":(\d+)/.exec(output);
			if (match) port = Number(match[1]);
			return port !== 0;
		},
		'the relay to listen',
		options.startTimeoutMs ?? 20_000
	);
	return {
		child,
		port,
		url: `http://127.0.0.1:${port}`,
		syncUrl: `ws://127.0.0.1:${port}/sync`,
		output: () => output,
		stop: async (signal = 'SIGTERM') => {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		}
	};
}

// Each y-websocket provider adds a process 'exit' listener; tests open hundreds at once.
process.setMaxListeners(0);

/** Providers made by {@link connectProvider}, for {@link destroyProviders}. */
const liveProviders = new Set<WebsocketProvider>();

/** A y-websocket 3.1 provider on Node's `ws`, exactly as the app connects (minus BroadcastChannel). */
export function connectProvider(
	syncUrl: string,
	room: TestRoom,
	doc: Y.Doc = new Y.Doc()
): WebsocketProvider {
	const provider = new WebsocketProvider(syncUrl, room.docId, doc, {
		WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		params: { token: room.token }
	});
	liveProviders.add(provider);
	return provider;
}

/** Resolves once `provider` has completed a sync with the relay. */
export function synced(provider: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
	return waitFor(() => provider.synced, `provider of ${provider.roomname} to sync`, timeoutMs);
}

/** Destroys every provider made so far (call in afterEach). */
export function destroyProviders(): void {
	for (const provider of liveProviders) provider.destroy();
	liveProviders.clear();
}

/** A raw WebSocket to the relay with what it received. */
export interface RawClient {
	readonly ws: WebSocket;
	/** Binary and text messages received, in order. */
	readonly messages: Buffer[];
	/** Resolves the close code and reason once the socket closed. */
	readonly closed: Promise<{ code: number; reason: string }>;
	/** Resolves when open; rejects when the upgrade was refused. */
	readonly opened: Promise<void>;
	/** The HTTP status of a refused upgrade, once known. */
	status(): number | undefined;
}

/** Opens a WebSocket to `url` (e.g. `${syncUrl}/${docId}?token=...`) without any Yjs logic. */
export function openRawClient(url: string, options: ClientOptions = {}): RawClient {
	const ws = new WebSocket(url, options);
	const messages: Buffer[] = [];
	let status: number | undefined;
	ws.on('message', (data: Buffer) => messages.push(data));
	ws.on('unexpected-response', (_req, res) => {
		status = res.statusCode;
		res.resume();
		ws.terminate();
	});
	ws.on('error', () => {});
	const opened = new Promise<void>((done, failed) => {
		ws.once('open', () => done());
		ws.once('close', () => failed(new Error(`not opened (HTTP ${status})`)));
	});
	opened.catch(() => {});
	const closed = new Promise<{ code: number; reason: string }>((done) =>
		ws.once('close', (code, reason) => done({ code, reason: reason.toString() }))
	);
	return { ws, messages, closed, opened, status: () => status };
}

/** How the relay refused a raw socket. */
export interface Refusal {
	/** The close code: 4401 or 4403 for a token, 1006 when the upgrade itself was refused. */
	code: number;
	reason: string;
	/** The HTTP status when the upgrade was refused, otherwise undefined. */
	status: number | undefined;
	/** Messages received before the close. */
	received: number;
}

/** Opens a raw socket that the relay must refuse; resolves how, once it is closed. */
export async function refusalOf(url: string): Promise<Refusal> {
	const raw = openRawClient(url);
	const { code, reason } = await raw.closed;
	return { code, reason, status: raw.status(), received: raw.messages.length };
}

/** The raw socket URL of a room. */
export function roomUrl(syncUrl: string, room: TestRoom): string {
	return `${syncUrl}/${room.docId}?token=${room.token}`;
}

/** Reads one gauge or counter (without labels) from /metrics text. */
export async function readMetric(baseUrl: string, name: string): Promise<number> {
	const text = await (await fetch(`${baseUrl}/metrics`)).text();
	const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
	if (!match) throw new Error(`metric ${name} not found`);
	return Number(match[1]);
}
