import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	accessTokens,
	deriveReadSecret,
	memberToken,
	parseAccessToken,
	secretBytes,
	viewerToken
} from './access';
import { encodeBase64url } from './base64url';
import { parseDocumentId, type DocumentId } from './ids';

const newDocId = () => parseDocumentId(randomBytes(16).toString('base64url')) as DocumentId;

// node:crypto is an independent implementation of the same primitives: the derivation is fixed so
// that other clients can be written against it, and these pin it.
describe('access derivation', () => {
	it('member token = base64url(HMAC-SHA256(secret, "triad-relay-access-v1:" + docId))', async () => {
		for (let i = 0; i < 5; i++) {
			const docId = newDocId();
			const secret = randomBytes(32);
			const expected = createHmac('sha256', secret)
				.update(`triad-relay-access-v1:${docId}`)
				.digest('base64url');
			expect(await memberToken(docId, secret)).toBe(expected);
			expect(parseAccessToken(expected)).toBe(expected);
		}
	});

	it('read secret = HKDF-SHA256(secret, empty salt, "triad-read-secret-v1", 32 bytes)', async () => {
		const secret = randomBytes(32);
		const expected = Buffer.from(
			hkdfSync('sha256', secret, Buffer.alloc(0), 'triad-read-secret-v1', 32)
		);
		expect(Buffer.from(await deriveReadSecret(secret))).toEqual(expected);
	});

	it('viewer token = base64url(HMAC-SHA256(read secret, "triad-relay-read-v1:" + docId))', async () => {
		const docId = newDocId();
		const secret = randomBytes(32);
		const readSecret = Buffer.from(
			hkdfSync('sha256', secret, Buffer.alloc(0), 'triad-read-secret-v1', 32)
		);
		const expected = createHmac('sha256', readSecret)
			.update(`triad-relay-read-v1:${docId}`)
			.digest('base64url');
		expect(await viewerToken(docId, readSecret)).toBe(expected);
		expect(await accessTokens(docId, secret)).toEqual({
			member: await memberToken(docId, secret),
			viewer: expected
		});
	});

	it('gives different tokens to documents sharing a secret, and to member and viewer', async () => {
		const secret = randomBytes(32);
		const a = await accessTokens(newDocId(), secret);
		const b = await accessTokens(newDocId(), secret);
		expect(new Set([a.member, a.viewer, b.member, b.viewer]).size).toBe(4);
	});

	it('refuses secrets of the wrong length', async () => {
		await expect(memberToken(newDocId(), new Uint8Array(31))).rejects.toThrow(RangeError);
		await expect(deriveReadSecret(new Uint8Array(33))).rejects.toThrow(RangeError);
		expect(secretBytes(encodeBase64url(new Uint8Array(31)))).toBeNull();
		expect(secretBytes('not base64url!')).toBeNull();
		expect(secretBytes(encodeBase64url(new Uint8Array(32)))).toHaveLength(32);
	});

	it('reads tokens strictly', () => {
		expect(parseAccessToken('A'.repeat(43))).toBe('A'.repeat(43));
		for (const bad of [
			'A'.repeat(42),
			'A'.repeat(44),
			`${'A'.repeat(42)}=`,
			`${'A'.repeat(42)}+`,
			43,
			null
		]) {
			expect(parseAccessToken(bad)).toBeNull();
		}
	});
});
