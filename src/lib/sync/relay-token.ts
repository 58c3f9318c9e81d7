import {
	accessTokens,
	secretBytes,
	viewerToken,
	type AccessToken,
	type DocumentId
} from '../protocol';
import type { WorkspaceSecret } from './workspace-secret';

/**
 * What a device holds of a workspace: `member` holds the document secret (read and write, and
 * can derive viewer links and rotate access); `viewer` holds only the read secret.
 */
export type AccessLevel = 'member' | 'viewer';

/** The tokens a device presents to the relay for one workspace. */
export interface RelayCredentials {
	/** The member token, or the viewer token for a viewer. */
	token: AccessToken;
	/** On a member's connection, the viewer token it registers with the relay; null for viewers. */
	viewer: AccessToken | null;
}

/**
 * The credentials of a workspace for the secret this device holds (the document secret for a
 * member, the read secret for a viewer). WebCrypto: browsers on secure pages, and Node.
 */
export async function relayCredentials(
	docId: DocumentId,
	secret: WorkspaceSecret,
	access: AccessLevel
): Promise<RelayCredentials> {
	const bytes = secretBytes(secret);
	if (bytes === null) throw new TypeError('workspace secret is not 32 bytes of base64url');
	if (access === 'viewer') return { token: await viewerToken(docId, bytes), viewer: null };
	const tokens = await accessTokens(docId, bytes);
	return { token: tokens.member, viewer: tokens.viewer };
}
