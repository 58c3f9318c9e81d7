import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64url } from './base64url';
import { computeRelayToken } from './relay-token';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';

describe('relay token', () => {
	it('equals base64url(HMAC-SHA256(secret, context + docId)) computed by node:crypto', async () => {
		for (let i = 0; i < 5; i++) {
			const docId = newDocumentId();
			const secret = newWorkspaceSecret();
			const expected = createHmac('sha256', decodeBase64url(secret) as Uint8Array)
				.update(`triad-relay-access-v1:${docId}`)
				.digest('base64url');
			const token = await computeRelayToken(docId, secret);
			expect(token).toBe(expected);
			expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		}
	});

	it('differs between documents sharing a secret', async () => {
		const secret = newWorkspaceSecret();
		const a = await computeRelayToken(newDocumentId(), secret);
		const b = await computeRelayToken(newDocumentId(), secret);
		expect(a).not.toBe(b);
	});
});
