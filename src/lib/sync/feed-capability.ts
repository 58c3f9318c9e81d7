import type { DocumentId } from '../domain/ids';
import { deriveReadSecret, encodeBase64url, secretBytes } from '../protocol';
import type { WorkspaceSecret } from './workspace-secret';

/*
 * A triad's feed is a document of its own on the relay, with its own id and secret, both derived
 * from the triad's: every member's device finds and writes its triad's feed offline, with nothing
 * stored or handed over, and nobody outside the triad can compute its secret.
 *
 * - The feed id comes from the triad id alone (public, like the register that lists it), so any
 *   reader of the register can check that a triad's listed feed is the one the triad writes: a
 *   steward cannot point a triad's entry at a feed they made up.
 * - The feed secret comes from the triad secret, so only the triad's members can write it. Its
 *   read secret (what a viewer link carries) is derived from the feed secret as for any document:
 *   the strategic triad is given that, never the triad's own.
 */

const FEED_ID_LABEL = 'triad-feed-id-v1:';
const FEED_SECRET_INFO = 'triad-feed-secret-v1';

/** The document id of `triad`'s feed: the first 16 bytes of SHA-256 of a label and the id. */
export async function feedIdFor(triad: DocumentId): Promise<DocumentId> {
	const digest = await crypto.subtle.digest(
		'SHA-256',
		new TextEncoder().encode(FEED_ID_LABEL + triad)
	);
	return encodeBase64url(new Uint8Array(digest).slice(0, 16)) as DocumentId;
}

/** The feed's secret, from the triad's (HMAC-SHA256 keyed by the triad secret). */
export async function feedSecretFor(triadSecret: WorkspaceSecret): Promise<WorkspaceSecret> {
	const bytes = secretBytes(triadSecret);
	if (bytes === null) throw new TypeError('a triad secret is 32 bytes of base64url');
	const key = await crypto.subtle.importKey(
		'raw',
		bytes,
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign']
	);
	const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(FEED_SECRET_INFO));
	return encodeBase64url(new Uint8Array(mac)) as WorkspaceSecret;
}

/** The feed's read secret: what the strategic triad holds to follow it (viewer access). */
export async function feedReadSecretFor(triadSecret: WorkspaceSecret): Promise<WorkspaceSecret> {
	const feedSecret = secretBytes(await feedSecretFor(triadSecret))!;
	return encodeBase64url(await deriveReadSecret(feedSecret)) as WorkspaceSecret;
}
