import { describe, expect, it } from 'vitest';
import { deriveReadSecret, encodeBase64url, parseDocumentId, secretBytes } from '../protocol';
import { feedIdFor, feedReadSecretFor, feedSecretFor } from './feed-capability';
import { newDocumentId, newWorkspaceSecret, parseWorkspaceSecret } from './workspace-secret';

describe('a triad feed’s capability', () => {
	it('derives the same feed id from a triad id on every device, and another one per triad', async () => {
		const triad = newDocumentId();
		const id = await feedIdFor(triad);
		expect(parseDocumentId(id)).toBe(id);
		expect(await feedIdFor(triad)).toBe(id);
		expect(id).not.toBe(triad);
		expect(await feedIdFor(newDocumentId())).not.toBe(id);
	});

	it('derives a feed secret from the triad secret that is neither it nor its read secret', async () => {
		const triadSecret = newWorkspaceSecret();
		const feedSecret = await feedSecretFor(triadSecret);
		expect(parseWorkspaceSecret(feedSecret)).toBe(feedSecret);
		expect(await feedSecretFor(triadSecret)).toBe(feedSecret);
		expect(feedSecret).not.toBe(triadSecret);
		const triadRead = encodeBase64url(await deriveReadSecret(secretBytes(triadSecret)!));
		expect(feedSecret).not.toBe(triadRead);
		expect(await feedSecretFor(newWorkspaceSecret())).not.toBe(feedSecret);
	});

	it('gives the strategic triad the feed’s read secret, the one its viewer token is made from', async () => {
		const triadSecret = newWorkspaceSecret();
		const read = await feedReadSecretFor(triadSecret);
		const expected = encodeBase64url(
			await deriveReadSecret(secretBytes(await feedSecretFor(triadSecret))!)
		);
		expect(read).toBe(expected);
	});

	it('refuses a secret that is not 32 bytes', async () => {
		await expect(feedSecretFor('short' as never)).rejects.toThrow(/32 bytes/);
	});
});
