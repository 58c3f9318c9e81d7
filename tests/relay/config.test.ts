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
