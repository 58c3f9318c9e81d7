import { parseAccessToken, type AccessToken } from './access';
import { parseDocumentId, type DocumentId } from './ids';
import { parsePushDeviceKey, PUSH_DEVICE_PARAM } from './push';

/*
 * How a client opens a sync connection:
 * `ws(s)://HOST/sync/<docId>?token=…[&viewer=…][&role=viewer][&protocol=2]`. The path and `token`
 * are what a stock y-websocket client sends; the other parameters are this protocol's additions.
 */

/** The path prefix of sync connections; the document id follows it. */
export const SYNC_PATH = '/sync/';

/** Query parameter: the member or viewer token. */
export const TOKEN_PARAM = 'token';
/**
 * Query parameter, on a member connection only: the document's viewer token, registered as its
 * viewer verifier when the document has none yet.
 */
export const VIEWER_PARAM = 'viewer';
/**
 * Query parameter: `viewer` on a connection that presents a viewer token. Such a connection never
 * registers a document (trust on first use is for member tokens only: a viewer link opened before
 * any member reached this relay must not make its token the member token) and is only ever a
 * viewer.
 */
export const ROLE_PARAM = 'role';
/**
 * Query parameter: the protocol version the client speaks. With `2` the relay sends receipts
 * (a stock client, which logs an error for a message type it does not know, gets none).
 */
export const PROTOCOL_PARAM = 'protocol';
/** The version this code speaks. */
export const PROTOCOL_VERSION = 2;

/** The query parameters of a connection, as a client passes them to y-websocket's `params`. */
export function connectionParams(options: {
	token: AccessToken;
	/** A member's viewer token, to register; ignored for a viewer. */
	viewer?: AccessToken | null;
	role?: 'member' | 'viewer';
	/** This device's push device key, when it subscribed to pushes (see `pushDeviceKey`). */
	pushDevice?: string | null;
}): Record<string, string> {
	const params: Record<string, string> = {
		[TOKEN_PARAM]: options.token,
		[PROTOCOL_PARAM]: String(PROTOCOL_VERSION)
	};
	if (options.role === 'viewer') params[ROLE_PARAM] = 'viewer';
	else if (options.viewer) params[VIEWER_PARAM] = options.viewer;
	if (options.pushDevice) params[PUSH_DEVICE_PARAM] = options.pushDevice;
	return params;
}

/** A sync request as the relay reads it; each problem is told apart so it can be refused well. */
export type ParsedConnection =
	| {
			ok: true;
			docId: DocumentId;
			token: AccessToken;
			viewer: AccessToken | null;
			/** Whether the client said it holds a viewer token. */
			viewerOnly: boolean;
			protocol: 1 | 2;
			/** The push device key the client named, or null (a malformed one is ignored). */
			pushDevice: string | null;
	  }
	| { ok: false; problem: 'bad-path' | 'bad-room' | 'missing-token' | 'malformed-token' };

/** Reads a sync request's path and query. */
export function parseConnectionUrl(url: URL): ParsedConnection {
	if (!url.pathname.startsWith(SYNC_PATH)) return { ok: false, problem: 'bad-path' };
	const docId = parseDocumentId(url.pathname.slice(SYNC_PATH.length));
	if (docId === null) return { ok: false, problem: 'bad-room' };
	const rawToken = url.searchParams.get(TOKEN_PARAM);
	if (rawToken === null || rawToken === '') return { ok: false, problem: 'missing-token' };
	const token = parseAccessToken(rawToken);
	if (token === null) return { ok: false, problem: 'malformed-token' };
	const rawViewer = url.searchParams.get(VIEWER_PARAM);
	const viewer = rawViewer === null ? null : parseAccessToken(rawViewer);
	if (rawViewer !== null && viewer === null) return { ok: false, problem: 'malformed-token' };
	const protocol = url.searchParams.get(PROTOCOL_PARAM) === String(PROTOCOL_VERSION) ? 2 : 1;
	const viewerOnly = url.searchParams.get(ROLE_PARAM) === 'viewer';
	const pushDevice = parsePushDeviceKey(url.searchParams.get(PUSH_DEVICE_PARAM));
	return {
		ok: true,
		docId,
		token,
		viewer: viewerOnly ? null : viewer,
		viewerOnly,
		protocol,
		pushDevice
	};
}

/*
 * Rotation: `POST /access/<docId>/rotate` with a JSON body
 * `{"token": current member token, "member": next member token, "viewer": next viewer token}`.
 * The relay swaps the document's verifiers atomically if `token` is its current member token, then
 * closes every open connection of the document with CLOSE_ACCESS_CHANGED and refuses the old
 * tokens with it from then on. Answers:
 * 204 rotated · 400 malformed request · 403 wrong token · 404 unknown document ·
 * 410 `token` was retired by an earlier rotation · 413 body too large · 503 storage unavailable.
 */

/** Path prefix of the access endpoints; `<docId>/rotate` follows. */
export const ACCESS_PATH = '/access/';
/** The largest rotation request body the relay reads, in bytes. */
export const MAX_ROTATION_BODY_BYTES = 1024;

/** The rotation endpoint's path for a document. */
export function rotationPath(docId: DocumentId): string {
	return `${ACCESS_PATH}${docId}/rotate`;
}

/** A rotation request's body. */
export interface RotationRequest {
	token: AccessToken;
	member: AccessToken;
	viewer: AccessToken;
}

/** The document id in a rotation path, or null when the path is not one. */
export function parseRotationPath(path: string): DocumentId | null {
	if (!path.startsWith(ACCESS_PATH) || !path.endsWith('/rotate')) return null;
	return parseDocumentId(path.slice(ACCESS_PATH.length, -'/rotate'.length));
}

/** Reads a rotation body; null when it is not exactly three distinct well-formed tokens. */
export function parseRotationRequest(body: unknown): RotationRequest | null {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
	const record = body as Record<string, unknown>;
	if (Object.keys(record).length !== 3) return null;
	const token = parseAccessToken(record.token);
	const member = parseAccessToken(record.member);
	const viewer = parseAccessToken(record.viewer);
	if (token === null || member === null || viewer === null) return null;
	if (new Set([token, member, viewer]).size !== 3) return null;
	return { token, member, viewer };
}

/** How a rotation ended, by the relay's HTTP status. */
export type RotationResult =
	'rotated' | 'bad-request' | 'no-access' | 'unknown-document' | 'access-changed' | 'unavailable';

/** The result an HTTP status of the rotation endpoint stands for. */
export function rotationResult(status: number): RotationResult {
	switch (status) {
		case 204:
			return 'rotated';
		case 400:
		case 413:
			return 'bad-request';
		case 403:
			return 'no-access';
		case 404:
			return 'unknown-document';
		case 410:
			return 'access-changed';
		default:
			return 'unavailable';
	}
}
