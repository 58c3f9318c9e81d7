import { timingSafeEqual } from 'node:crypto';
import type { AccessToken, DocId } from './doc-id';
import type { RoomRegistry } from './room-registry';
import type { RelayStorage } from './storage/relay-storage';

/** Whether a token opens a document; 'registered' when it was the first and is now its token. */
export type AccessDecision = 'granted' | 'registered' | 'denied';

/**
 * Trust on first use: the first token presented for an unknown document becomes its token,
 * registered durably before the connection is accepted; every later token must equal it.
 * Compared in constant time, so response timing reveals nothing about the right token.
 */
export async function checkAccess(
	docId: DocId,
	token: AccessToken,
	registry: RoomRegistry,
	storage: RelayStorage
): Promise<AccessDecision> {
	let registered = registry.cachedToken(docId) ?? (await storage.getToken(docId));
	if (registered === null) {
		if ((await storage.registerToken(docId, token)) === 'registered') return 'registered';
		// Another first connection won the race; compare with the token it registered.
		registered = await storage.getToken(docId);
	}
	return registered !== null && tokensEqual(registered, token) ? 'granted' : 'denied';
}

function tokensEqual(expected: AccessToken, presented: AccessToken): boolean {
	const a = Buffer.from(expected);
	const b = Buffer.from(presented);
	// Both are validated 43-character tokens, so the lengths only differ for corrupt data.
	return a.length === b.length && timingSafeEqual(a, b);
}
