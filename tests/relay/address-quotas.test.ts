import { describe, expect, it } from 'vitest';
import { parseDocumentId, type DocumentId } from '../../src/lib/protocol';
import { AddressQuotas, addressKey } from '../../server/quotas';

const doc = (fill: string) => parseDocumentId(fill.repeat(22)) as DocumentId;

describe('addressKey', () => {
	it('counts an IPv4 address alone, mapped or not', () => {
		expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
	});

	it('counts an IPv6 address by its /64, however it is written', () => {
		const key = '2001:db8:85a3:42::/64';
		expect(addressKey('2001:db8:85a3:42::1')).toBe(key);
		expect(addressKey('2001:0db8:85a3:0042:ffff:ffff:ffff:ffff')).toBe(key);
		expect(addressKey('2001:db8:85a3:42:1:2:3.4.5.6')).toBe(key);
		expect(addressKey('2001:db8:85a3:42::7%eth0')).toBe(key);
		expect(addressKey('2001:db8:85a3:43::1')).not.toBe(key);
		expect(addressKey('2001:db8::')).toBe('2001:db8:0:0::/64');
		expect(addressKey('::1')).toBe('0:0:0:0::/64');
	});

	it('has one key for a socket without an address', () => {
		expect(addressKey(undefined)).toBe('unknown');
	});
});

describe('AddressQuotas', () => {
	it("gives an address back one registration per hour's share as time passes", () => {
		const quotas = new AddressQuotas({
			newDocumentsPerAddressPerHour: 3,
			maxConnectionsPerAddress: 1
		});
		const hour = 3600 * 1000;
		expect([1, 2, 3, 4].map(() => quotas.takeRegistration('a', 0))).toEqual([
			true,
			true,
			true,
			false
		]);
		expect(quotas.takeRegistration('b', 0)).toBe(true);
		expect(quotas.takeRegistration('a', hour / 3 - 1)).toBe(false);
		expect(quotas.takeRegistration('a', hour / 3)).toBe(true);
		expect(quotas.takeRegistration('a', hour / 3)).toBe(false);
	});

	it('counts connections and the documents they hold, and forgets an address with none', () => {
		const quotas = new AddressQuotas({
			newDocumentsPerAddressPerHour: 1,
			maxConnectionsPerAddress: 2
		});
		expect(quotas.openConnection('a')).toBe(true);
		expect(quotas.openConnection('a')).toBe(true);
		expect(quotas.openConnection('a')).toBe(false);
		quotas.holdDocument('a', doc('x'));
		quotas.holdDocument('a', doc('x'));
		quotas.holdDocument('a', doc('y'));
		expect(quotas.documentsHeld('a')).toBe(2);
		quotas.releaseDocument('a', doc('x'));
		expect(quotas.documentsHeld('a')).toBe(2);
		quotas.releaseDocument('a', doc('x'));
		quotas.releaseDocument('a', doc('y'));
		expect(quotas.documentsHeld('a')).toBe(0);
		quotas.closeConnection('a');
		expect(quotas.openConnection('a')).toBe(true);
		quotas.closeConnection('a');
		quotas.closeConnection('a');
		expect(quotas.size).toBe(0);
	});

	it('forgets addresses whose registrations grew back once it remembers many', () => {
		const quotas = new AddressQuotas({
			newDocumentsPerAddressPerHour: 1,
			maxConnectionsPerAddress: 1
		});
		for (let i = 0; i < 1024; i++) quotas.takeRegistration(`10.0.${i >> 8}.${i & 255}`, 0);
		expect(quotas.size).toBe(1024);
		expect(quotas.takeRegistration('10.0.0.0', 1000)).toBe(false);
		quotas.takeRegistration('192.0.2.1', 3600 * 1000);
		expect(quotas.size).toBe(1);
		expect(quotas.takeRegistration('10.0.0.0', 3600 * 1000)).toBe(true);
	});
});
