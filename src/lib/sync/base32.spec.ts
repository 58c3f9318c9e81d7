import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase32, encodeBase32 } from './base32';
import { crc32 } from './crc32';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('base32', () => {
	it('encodes the RFC 4648 test vectors, unpadded', () => {
		const vectors: [string, string][] = [
			['', ''],
			['f', 'MY'],
			['fo', 'MZXQ'],
			['foo', 'MZXW6'],
			['foob', 'MZXW6YQ'],
			['fooba', 'MZXW6YTB'],
			['foobar', 'MZXW6YTBOI']
		];
		for (const [plain, encoded] of vectors) {
			expect(encodeBase32(bytes(plain))).toBe(encoded);
			expect(decodeBase32(encoded)).toEqual(bytes(plain));
		}
	});

	it('round-trips any bytes, and only the canonical text decodes', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
				const text = encodeBase32(data);
				expect(text).toMatch(/^[A-Z2-7]*$/);
				expect(decodeBase32(text)).toEqual(data);
			})
		);
	});

	it('refuses lower case, padding, foreign characters, impossible lengths and stray bits', () => {
		for (const text of ['mzxw6', 'MY======', 'MZ1W6', 'MZ-W6', 'M', 'MZX', 'MZXW6Y', 'MZ']) {
			expect(decodeBase32(text), text).toBeNull();
		}
	});
});

describe('crc32', () => {
	it('matches the standard check value', () => {
		expect(crc32(bytes('123456789'))).toBe(0xcbf43926);
		expect(crc32(new Uint8Array())).toBe(0);
	});
});
