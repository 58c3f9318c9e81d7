import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccessToken, DocumentId } from '../src/lib/protocol';
import type { RoomRegistry } from './room-registry';
import type { DocumentAccess, RelayStorage, TokenVerifier } from './storage/relay-storage';

/** What a connection may do with a document. */
export type AccessRole = 'member' | 'viewer';

/**
 * How a token fares against a document:
 * - `granted`, with the role and the verifier it matched;
 * - `registered`: the first token of an unknown document, now its member token;
 * - `unregistered`: the document is unknown and the caller did not allow registering it;
 * - `not-yet`: the document is unknown and the connection holds a viewer token, which never
 *   registers one: no member has reached this relay yet;
 * - `retired`: a token that a rotation replaced ("access changed");
 * - `denied`: any other token.
 */
export type AccessDecision =
	| { kind: 'granted'; role: AccessRole; verifier: TokenVerifier }
	| { kind: 'registered'; role: 'member'; verifier: TokenVerifier }
	| { kind: 'unregistered' }
	| { kind: 'not-yet' }
	| { kind: 'retired' }
	| { kind: 'denied' };

/** What storage keeps of a token: base64url(SHA-256(token)). */
export function tokenVerifier(token: AccessToken): TokenVerifier {
	return createHash('sha256').update(token).digest('base64url') as TokenVerifier;
}

/**
 * Trust on first use: the first token presented for an unknown document becomes its member token,
 * registered durably before the connection is accepted (with the viewer token it offered, if
 * any), if `mayRegister` allows it (it is asked once, right before registering: the relay's
 * quotas), unless the connection said it holds a viewer token (`viewerOnly`): those never register
 * and are only ever viewers. Later tokens must match the member or the viewer verifier. A member
 * connection that offers a viewer token registers it when the document has none yet. Verifiers
 * are compared in constant time.
 */
export async function checkAccess(
	docId: DocumentId,
	token: AccessToken,
	offeredViewer: AccessToken | null,
	viewerOnly: boolean,
	registry: RoomRegistry,
	storage: RelayStorage,
	mayRegister: () => boolean = () => true
): Promise<AccessDecision> {
	const presented = tokenVerifier(token);
	const viewer = offeredViewer === null ? null : tokenVerifier(offeredViewer);
	let access = registry.cachedAccess(docId) ?? (await storage.getAccess(docId));
	if (access === null && viewerOnly) return { kind: 'not-yet' };
	if (access === null) {
		if (!mayRegister()) return { kind: 'unregistered' };
		if ((await storage.registerAccess(docId, presented, viewer)) === 'registered') {
			registry.updateAccess(docId, { member: presented, viewer, retired: [] });
			return { kind: 'registered', role: 'member', verifier: presented };
		}
		// Another first connection won the race; compare with what it registered.
		access = await storage.getAccess(docId);
		if (access === null) return { kind: 'denied' };
	}
	const decision = judge(access, presented);
	if (decision.kind === 'granted' && viewerOnly) return { ...decision, role: 'viewer' };
	if (decision.kind === 'granted' && decision.role === 'member' && viewer !== null) {
		if (access.viewer === null && viewer !== presented) {
			if ((await storage.registerViewer(docId, presented, viewer)) === 'registered') {
				registry.updateAccess(docId, { ...access, viewer });
			}
		}
	}
	return decision;
}

/** The decision for a presented verifier against a document's access. */
export function judge(access: DocumentAccess, presented: TokenVerifier): AccessDecision {
	if (verifiersEqual(access.member, presented)) {
		return { kind: 'granted', role: 'member', verifier: presented };
	}
	if (access.viewer !== null && verifiersEqual(access.viewer, presented)) {
		return { kind: 'granted', role: 'viewer', verifier: presented };
	}
	if (access.retired.some((retired) => verifiersEqual(retired, presented))) {
		return { kind: 'retired' };
	}
	return { kind: 'denied' };
}

function verifiersEqual(expected: TokenVerifier, presented: TokenVerifier): boolean {
	const a = Buffer.from(expected);
	const b = Buffer.from(presented);
	// Both are 43-character hashes, so the lengths only differ for corrupt data.
	return a.length === b.length && timingSafeEqual(a, b);
}
