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

describe('STORAGE, DATABASE_URL, REDIS_URL, NODE_ID', () => {
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
	});
});
