import type { DocumentId } from '../domain/ids';
import { decodeBase64url, encodeBase64url } from './base64url';
import type { WorkspaceSecret } from './workspace-secret';

/** The domain-separation prefix of DESIGN §4; changing it invalidates every registered token. */
const TOKEN_CONTEXT = 'triad-relay-access-v1:';

/**
 * The relay access token of a workspace: base64url(HMAC-SHA256(secret, "triad-relay-access-v1:"
 * + docId)) without padding (43 characters). The relay only compares tokens, so it learns
 * nothing that would let it derive the secret, and a token for one document is useless for
 * another. Computed with WebCrypto, available in browsers and Node 20 alike.
 */
export async function computeRelayToken(
	docId: DocumentId,
	secret: WorkspaceSecret
): Promise<string> {
	const keyBytes = decodeBase64url(secret);
	if (keyBytes === null) throw new TypeError('workspace secret is not base64url');
	const key = await crypto.subtle.importKey(
		'raw',
		keyBytes as Uint8Array<ArrayBuffer>,
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign']
	);
	const mac = await crypto.subtle.sign(
		'HMAC',
		key,
		new TextEncoder().encode(TOKEN_CONTEXT + docId)
	);
	return encodeBase64url(new Uint8Array(mac));
}
