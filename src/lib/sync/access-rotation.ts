import {
	accessTokens,
	deriveReadSecret,
	encodeBase64url,
	rotationPath,
	rotationResult,
	secretBytes,
	type DocumentId,
	type RotationResult
} from '../protocol';
import type { Invite } from './invite-link';
import { newWorkspaceSecret, type WorkspaceSecret } from './workspace-secret';

/** The viewer link's invite of a workspace a member holds: its read secret, derived offline. */
export async function viewerInvite(member: Invite): Promise<Invite> {
	if (member.access !== 'member') throw new TypeError('only a member can derive a viewer link');
	const bytes = secretBytes(member.secret);
	if (bytes === null) throw new TypeError('workspace secret is not 32 bytes of base64url');
	const readSecret = encodeBase64url(await deriveReadSecret(bytes)) as WorkspaceSecret;
	return { ...member, secret: readSecret, access: 'viewer' };
}

/** How a rotation ended; `secret` is the workspace's new secret when it was `rotated`. */
export type RotationOutcome =
	| { result: 'rotated'; secret: WorkspaceSecret }
	| { result: Exclude<RotationResult, 'rotated'> | 'offline' };

/** Where the relay answers HTTP: the app's own origin (`http(s)://host`). */
export interface RotateOptions {
	relayOrigin: string;
	docId: DocumentId;
	/** The current document secret: the relay checks its member token. */
	secret: WorkspaceSecret;
	/** The new secret; a fresh one by default. Tests pass their own. */
	nextSecret?: WorkspaceSecret;
	fetch?: typeof fetch;
}

/**
 * Rotates a workspace's access: makes a new secret, proves the current member token to the relay
 * and registers the new member and viewer tokens in one request. From then on the relay refuses
 * the old tokens as "access changed". Needs the relay: offline it resolves `offline` and nothing
 * changed. The caller stores the new secret only once `rotated`.
 */
export async function rotateWorkspaceAccess(options: RotateOptions): Promise<RotationOutcome> {
	const current = secretBytes(options.secret);
	const nextSecret = options.nextSecret ?? newWorkspaceSecret();
	const next = secretBytes(nextSecret);
	if (current === null || next === null) throw new TypeError('a secret is not 32 bytes');
	const [now, then] = await Promise.all([
		accessTokens(options.docId, current),
		accessTokens(options.docId, next)
	]);
	let response: Response;
	try {
		response = await (options.fetch ?? fetch)(
			`${options.relayOrigin.replace(/\/+$/, '')}${rotationPath(options.docId)}`,
			{
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ token: now.member, member: then.member, viewer: then.viewer }),
				cache: 'no-store'
			}
		);
	} catch {
		return { result: 'offline' };
	}
	const result = rotationResult(response.status);
	return result === 'rotated' ? { result, secret: nextSecret } : { result };
}
