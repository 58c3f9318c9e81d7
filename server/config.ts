import { hostname } from 'node:os';
import type { ClusterOptions } from './cluster';
import { isLogLevel, type LogLevel } from './logger';
import { DEFAULT_PUSH_OPTIONS, type PushOptions } from './push/push-notifier';
import { DEFAULT_QUOTAS } from './quotas';
import type { RelayServerOptions } from './relay-server';
import { DEFAULT_SQLITE_CACHE_BYTES } from './storage/sqlite-cache';

/** Relay options read from the environment, and the log level for the CLI's logger. */
export interface RelayConfig extends RelayServerOptions {
	logLevel: LogLevel;
}

/**
 * Reads the relay's configuration from environment variables (see README.md, "Configuration").
 * Throws an Error naming the variable when a value is not usable, so the process fails at
 * start rather than misbehaving later.
 */
export function readRelayConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
	const integer = (name: string, fallback: number, min: number): number => {
		const raw = env[name];
		if (raw === undefined || raw === '') return fallback;
		const value = Number(raw);
		if (!Number.isSafeInteger(value) || value < min) {
			throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
		}
		return value;
	};
	const text = (name: string, fallback: string): string => {
		const raw = env[name];
		return raw === undefined || raw === '' ? fallback : raw;
	};
	const logLevel = text('LOG_LEVEL', 'info');
	if (!isLogLevel(logLevel)) {
		throw new Error(
			`LOG_LEVEL must be debug, info, warn or error, got ${JSON.stringify(logLevel)}`
		);
	}
	const port = integer('PORT', 8787, 0);
	if (port > 65535) throw new Error(`PORT must be at most 65535, got ${port}`);
	const maxMessageBytes = integer('MAX_MESSAGE_BYTES', 16 * 1024 * 1024, 1024);
	const messagesPerSecond = integer('MAX_MESSAGES_PER_SECOND', 200, 1);
	const maxConnectionsPerRoom = integer(
		'MAX_CONNECTIONS_PER_ROOM',
		DEFAULT_QUOTAS.maxConnectionsPerRoom,
		1
	);
	const fanOutPerSecond = integer('MAX_FANOUT_PER_SECOND', DEFAULT_QUOTAS.fanOutPerSecond, 1);
	if (fanOutPerSecond < maxConnectionsPerRoom) {
		// One presence message in a full room goes to every connection of it.
		throw new Error(
			`MAX_FANOUT_PER_SECOND must be at least MAX_CONNECTIONS_PER_ROOM (${maxConnectionsPerRoom}), got ${fanOutPerSecond}`
		);
	}
	const requestTimeoutMs = integer('REQUEST_TIMEOUT_MS', 30_000, 100);
	const headersTimeoutMs = integer('HEADERS_TIMEOUT_MS', 10_000, 100);
	if (headersTimeoutMs > requestTimeoutMs) {
		throw new Error(
			`HEADERS_TIMEOUT_MS must be at most REQUEST_TIMEOUT_MS (${requestTimeoutMs}), got ${headersTimeoutMs}`
		);
	}
	const flushDelayMs = integer('FLUSH_DELAY_MS', 10, 0);
	if (flushDelayMs > 500) {
		throw new Error(`FLUSH_DELAY_MS must be at most 500 (durability), got ${flushDelayMs}`);
	}
	return {
		cluster: readClusterConfig(env),
		push: readPushConfig(env, integer),
		port,
		host: text('HOST', '127.0.0.1'),
		dataDir: text('DATA_DIR', './data'),
		staticDir: text('STATIC_DIR', './build'),
		maxMessageBytes,
		messagesPerSecond,
		messageBurst: integer('MESSAGE_BURST', Math.max(messagesPerSecond, 200), 1),
		maxLoadedDocuments: integer('MAX_LOADED_DOCS', 10_000, 1),
		maxBufferedBytes: integer('MAX_BUFFERED_BYTES', 4 * maxMessageBytes, maxMessageBytes),
		pingIntervalMs: integer('PING_INTERVAL_MS', 30_000, 100),
		compactIdleMs: integer('COMPACT_IDLE_MS', 2000, 0),
		compactMaxAppendedUpdates: integer('COMPACT_MAX_APPENDED_UPDATES', 10_000, 1),
		compactMaxAppendedBytes: integer('COMPACT_MAX_APPENDED_BYTES', 8 * 1024 * 1024, 1),
		flushDelayMs,
		sqliteCacheBytes: integer('SQLITE_CACHE_BYTES', DEFAULT_SQLITE_CACHE_BYTES, 64 * 1024),
		maxDocumentBytes: integer('MAX_DOCUMENT_BYTES', DEFAULT_QUOTAS.maxDocumentBytes, 1024),
		maxStorageBytes: integer('MAX_STORAGE_BYTES', DEFAULT_QUOTAS.maxStorageBytes, 1024),
		newDocumentsPerAddressPerHour: integer(
			'MAX_NEW_DOCS_PER_HOUR',
			DEFAULT_QUOTAS.newDocumentsPerAddressPerHour,
			1
		),
		maxConnectionsPerAddress: integer(
			'MAX_CONNECTIONS_PER_ADDRESS',
			DEFAULT_QUOTAS.maxConnectionsPerAddress,
			1
		),
		maxConnectionsPerRoom,
		fanOutPerSecond,
		headersTimeoutMs,
		requestTimeoutMs,
		maxSocketsAwaitingHeaders: integer('MAX_SOCKETS_AWAITING_HEADERS', 1000, 1),
		logLevel
	};
}

/**
 * Web Push: `VAPID_PUBLIC_KEY` and `VAPID_PRIVATE_KEY` (both or neither; without them the relay
 * makes a pair on first start and keeps it in storage), `VAPID_SUBJECT`, `PUSH_MIN_INTERVAL_MS`,
 * `PUSH_ALLOWED_HOSTS` (comma-separated), `PUSH_SUBSCRIBES_PER_HOUR`,
 * `PUSH_MAX_DEVICES_PER_DOC`.
 */
function readPushConfig(
	env: NodeJS.ProcessEnv,
	integer: (name: string, fallback: number, min: number) => number
): Partial<PushOptions> {
	const value = (name: string) => (env[name] === '' ? undefined : env[name]);
	const publicKey = value('VAPID_PUBLIC_KEY');
	const privateKey = value('VAPID_PRIVATE_KEY');
	if ((publicKey === undefined) !== (privateKey === undefined)) {
		throw new Error('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together');
	}
	if (publicKey !== undefined && !/^[A-Za-z0-9_-]{87}$/.test(publicKey)) {
		throw new Error('VAPID_PUBLIC_KEY must be 87 base64url characters (a P-256 point)');
	}
	if (privateKey !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(privateKey)) {
		throw new Error('VAPID_PRIVATE_KEY must be 43 base64url characters');
	}
	const subject = value('VAPID_SUBJECT') ?? DEFAULT_PUSH_OPTIONS.subject;
	if (!/^(mailto:|https:\/\/)\S+$/.test(subject)) {
		throw new Error('VAPID_SUBJECT must be a mailto: or https:// URL');
	}
	const hosts = value('PUSH_ALLOWED_HOSTS');
	const allowedHosts =
		hosts === undefined
			? DEFAULT_PUSH_OPTIONS.allowedHosts
			: hosts
					.split(',')
					.map((host) => host.trim())
					.filter((host) => host !== '');
	return {
		vapidKeys:
			publicKey === undefined || privateKey === undefined ? null : { publicKey, privateKey },
		subject,
		allowedHosts,
		minIntervalMs: integer('PUSH_MIN_INTERVAL_MS', DEFAULT_PUSH_OPTIONS.minIntervalMs, 0),
		subscribesPerAddressPerHour: integer(
			'PUSH_SUBSCRIBES_PER_HOUR',
			DEFAULT_PUSH_OPTIONS.subscribesPerAddressPerHour,
			1
		),
		maxSubscriptionsPerDocument: integer(
			'PUSH_MAX_DEVICES_PER_DOC',
			DEFAULT_PUSH_OPTIONS.maxSubscriptionsPerDocument,
			1
		)
	};
}

/**
 * `STORAGE=postgres` makes the relay a cluster node (PostgreSQL at `DATABASE_URL`, fan-out
 * through Redis at `REDIS_URL` when set); `sqlite`, the default, needs neither and refuses their
 * URLs, so a node meant for the cluster never starts on a private SQLite file by mistake.
 */
function readClusterConfig(env: NodeJS.ProcessEnv): ClusterOptions | undefined {
	const value = (name: string) => (env[name] === '' ? undefined : env[name]);
	const storage = value('STORAGE') ?? 'sqlite';
	const databaseUrl = value('DATABASE_URL');
	const redisUrl = value('REDIS_URL');
	if (storage === 'sqlite') {
		for (const [name, url] of [
			['DATABASE_URL', databaseUrl],
			['REDIS_URL', redisUrl],
			['DATABASE_SCHEMA', value('DATABASE_SCHEMA')]
		]) {
			if (url !== undefined) {
				throw new Error(`${name} is set but STORAGE is sqlite (set STORAGE=postgres)`);
			}
		}
		return undefined;
	}
	if (storage !== 'postgres') {
		throw new Error(`STORAGE must be sqlite or postgres, got ${JSON.stringify(storage)}`);
	}
	if (databaseUrl === undefined) {
		throw new Error('DATABASE_URL is required when STORAGE is postgres');
	}
	if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
		throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
	}
	if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
		throw new Error('REDIS_URL must be a redis:// or rediss:// URL');
	}
	const nodeId = value('NODE_ID') ?? `${hostname()}-${process.pid}`;
	if (!/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) {
		throw new Error(`NODE_ID must be 1 to 64 of A-Z a-z 0-9 _ . -, got ${JSON.stringify(nodeId)}`);
	}
	const schema = value('DATABASE_SCHEMA');
	if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
		throw new Error(
			`DATABASE_SCHEMA must be 1 to 63 of a-z 0-9 _ (not starting with a digit), got ${JSON.stringify(schema)}`
		);
	}
	return { databaseUrl, redisUrl, nodeId, schema };
}
