import { describe, expect, it } from 'vitest';
import { readRelayConfig } from '../../server/config';

describe('readRelayConfig: SQLITE_CACHE_BYTES', () => {
	it('defaults to 2 MiB', () => {
		expect(readRelayConfig({}).sqliteCacheBytes).toBe(2 * 1024 * 1024);
		expect(readRelayConfig({ SQLITE_CACHE_BYTES: '' }).sqliteCacheBytes).toBe(2 * 1024 * 1024);
	});

	it('takes a byte count of at least 64 KiB', () => {
		expect(readRelayConfig({ SQLITE_CACHE_BYTES: '65536' }).sqliteCacheBytes).toBe(65536);
		expect(readRelayConfig({ SQLITE_CACHE_BYTES: '33554432' }).sqliteCacheBytes).toBe(33554432);
	});

	it.each(['65535', '0', '-1', '2MiB', '100000.5', 'lots'])(
		'refuses %j, naming the variable',
		(raw) => {
			expect(() => readRelayConfig({ SQLITE_CACHE_BYTES: raw })).toThrow(
				/^SQLITE_CACHE_BYTES must be an integer >= 65536/
			);
		}
	);
});

describe('readRelayConfig: quotas', () => {
	it('has the documented defaults', () => {
		expect(readRelayConfig({})).toMatchObject({
			maxDocumentBytes: 64 * 1024 * 1024,
			maxStorageBytes: 8 * 1024 * 1024 * 1024,
			newDocumentsPerAddressPerHour: 20,
			maxConnectionsPerAddress: 256,
			maxConnectionsPerRoom: 32,
			fanOutPerSecond: 5000
		});
	});

	it('reads each from its variable', () => {
		expect(
			readRelayConfig({
				MAX_DOCUMENT_BYTES: '1048576',
				MAX_STORAGE_BYTES: '1073741824',
				MAX_NEW_DOCS_PER_HOUR: '5',
				MAX_CONNECTIONS_PER_ADDRESS: '10',
				MAX_CONNECTIONS_PER_ROOM: '12',
				MAX_FANOUT_PER_SECOND: '600'
			})
		).toMatchObject({
			maxDocumentBytes: 1048576,
			maxStorageBytes: 1073741824,
			newDocumentsPerAddressPerHour: 5,
			maxConnectionsPerAddress: 10,
			maxConnectionsPerRoom: 12,
			fanOutPerSecond: 600
		});
	});

	it.each([
		['MAX_DOCUMENT_BYTES', '1023'],
		['MAX_STORAGE_BYTES', '0'],
		['MAX_NEW_DOCS_PER_HOUR', '0'],
		['MAX_CONNECTIONS_PER_ADDRESS', '-1'],
		['MAX_CONNECTIONS_PER_ROOM', 'many'],
		['MAX_FANOUT_PER_SECOND', '1.5']
	])('refuses %s=%j, naming the variable', (name, raw) => {
		expect(() => readRelayConfig({ [name]: raw })).toThrow(new RegExp(`^${name} must be`));
	});

	it('refuses a fan-out too small for one message to a full room', () => {
		expect(() =>
			readRelayConfig({ MAX_CONNECTIONS_PER_ROOM: '40', MAX_FANOUT_PER_SECOND: '39' })
		).toThrow(/^MAX_FANOUT_PER_SECOND must be at least MAX_CONNECTIONS_PER_ROOM \(40\)/);
	});
});

describe('readRelayConfig: slow requests', () => {
	it('gives headers 10 s, a request 30 s, and holds 1000 sockets awaiting headers by default', () => {
		expect(readRelayConfig({})).toMatchObject({
			headersTimeoutMs: 10_000,
			requestTimeoutMs: 30_000,
			maxSocketsAwaitingHeaders: 1000
		});
	});

	it('refuses headers allowed longer than the whole request', () => {
		expect(() =>
			readRelayConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '4000' })
		).toThrow(/^HEADERS_TIMEOUT_MS must be at most REQUEST_TIMEOUT_MS \(4000\)/);
		expect(() => readRelayConfig({ MAX_SOCKETS_AWAITING_HEADERS: '0' })).toThrow(
			/^MAX_SOCKETS_AWAITING_HEADERS must be an integer >= 1/
		);
	});
});

describe('STORAGE, DATABASE_URL, DATABASE_SCHEMA, REDIS_URL, NODE_ID', () => {
	it('uses SQLite by default, with no cluster', () => {
		expect(readRelayConfig({}).cluster).toBeUndefined();
		expect(readRelayConfig({ STORAGE: 'sqlite' }).cluster).toBeUndefined();
	});

	it('makes a cluster node of STORAGE=postgres', () => {
		const env = {
			STORAGE: 'postgres',
			DATABASE_URL: 'postgres://relay@db/triad',
			REDIS_URL: 'redis://cache:6379',
			NODE_ID: 'node-1'
		};
		expect(readRelayConfig(env).cluster).toEqual({
			databaseUrl: 'postgres://relay@db/triad',
			redisUrl: 'redis://cache:6379',
			nodeId: 'node-1'
		});
		const alone = readRelayConfig({ STORAGE: 'postgres', DATABASE_URL: 'postgresql://db/t' });
		expect(alone.cluster?.redisUrl).toBeUndefined();
		expect(alone.cluster?.nodeId).toMatch(/^[A-Za-z0-9_.-]+$/);
		expect(alone.cluster?.schema).toBeUndefined();
		const inSchema = { STORAGE: 'postgres', DATABASE_URL: 'postgres://db/t' };
		expect(readRelayConfig({ ...inSchema, DATABASE_SCHEMA: 'triad_1' }).cluster?.schema).toBe(
			'triad_1'
		);
	});

	it('refuses what would misconfigure a node', () => {
		expect(() => readRelayConfig({ STORAGE: 'mysql' })).toThrow(/STORAGE/);
		expect(() => readRelayConfig({ STORAGE: 'postgres' })).toThrow(/DATABASE_URL/);
		expect(() => readRelayConfig({ STORAGE: 'postgres', DATABASE_URL: 'db:5432' })).toThrow(
			/DATABASE_URL/
		);
		expect(() => readRelayConfig({ DATABASE_URL: 'postgres://db/t' })).toThrow(/STORAGE/);
		expect(() => readRelayConfig({ REDIS_URL: 'redis://cache' })).toThrow(/STORAGE/);
		const cluster = { STORAGE: 'postgres', DATABASE_URL: 'postgres://db/t' };
		expect(() => readRelayConfig({ ...cluster, REDIS_URL: 'cache:6379' })).toThrow(/REDIS_URL/);
		expect(() => readRelayConfig({ ...cluster, NODE_ID: 'a b' })).toThrow(/NODE_ID/);
		// Put into the connection's search path: never anything but a plain identifier.
		for (const schema of ['public; DROP TABLE x', 'Triad', '1abc', 'a-b', 'x'.repeat(64)]) {
			expect(() => readRelayConfig({ ...cluster, DATABASE_SCHEMA: schema })).toThrow(
				/DATABASE_SCHEMA/
			);
		}
		expect(() => readRelayConfig({ DATABASE_SCHEMA: 'triad' })).toThrow(/STORAGE/);
	});
});

describe('readRelayConfig: push', () => {
	const keys = {
		VAPID_PUBLIC_KEY: `B${'A'.repeat(86)}`,
		VAPID_PRIVATE_KEY: 'a'.repeat(43)
	};

	it('has the documented defaults: keys from storage, five minutes, the browsers’ push services', () => {
		expect(readRelayConfig({}).push).toMatchObject({
			vapidKeys: null,
			subject: 'mailto:relay@triad.invalid',
			minIntervalMs: 300_000,
			subscribesPerAddressPerHour: 60,
			maxSubscriptionsPerDocument: 64,
			allowedHosts: expect.arrayContaining(['fcm.googleapis.com', '*.push.apple.com'])
		});
	});

	it('reads each from its variable', () => {
		expect(
			readRelayConfig({
				...keys,
				VAPID_SUBJECT: 'https://triad.example/contact',
				PUSH_MIN_INTERVAL_MS: '60000',
				PUSH_ALLOWED_HOSTS: 'push.example, *.push.example.org',
				PUSH_SUBSCRIBES_PER_HOUR: '10',
				PUSH_MAX_DEVICES_PER_DOC: '8'
			}).push
		).toEqual({
			vapidKeys: { publicKey: keys.VAPID_PUBLIC_KEY, privateKey: keys.VAPID_PRIVATE_KEY },
			subject: 'https://triad.example/contact',
			minIntervalMs: 60_000,
			allowedHosts: ['push.example', '*.push.example.org'],
			subscribesPerAddressPerHour: 10,
			maxSubscriptionsPerDocument: 8
		});
	});

	it.each([
		[{ VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY }, /set together/],
		[{ VAPID_PRIVATE_KEY: keys.VAPID_PRIVATE_KEY }, /set together/],
		[{ ...keys, VAPID_PUBLIC_KEY: 'short' }, /^VAPID_PUBLIC_KEY must be/],
		[{ ...keys, VAPID_PRIVATE_KEY: 'short' }, /^VAPID_PRIVATE_KEY must be/],
		[{ VAPID_SUBJECT: 'admin@example.org' }, /^VAPID_SUBJECT must be/],
		[{ PUSH_MIN_INTERVAL_MS: '-1' }, /^PUSH_MIN_INTERVAL_MS must be/],
		[{ PUSH_SUBSCRIBES_PER_HOUR: '0' }, /^PUSH_SUBSCRIBES_PER_HOUR must be/]
	])('refuses %j', (env, message) => {
		expect(() => readRelayConfig(env)).toThrow(message);
	});
});
