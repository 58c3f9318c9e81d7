/*
 * The close codes the relay sends. RFC 6455 codes for transport-level trouble; private-use codes
 * (4000–4999) for decisions about access. Browsers hide the HTTP status of a refused upgrade but
 * show a close code, and y-websocket stops reconnecting on 4400–4499: a refusal in that range
 * does not become right by retrying. Their last three digits mirror HTTP.
 */

/** The relay shuts down; reconnect. */
export const CLOSE_GOING_AWAY = 1001;
/** A text frame, or a message type the relay does not know. */
export const CLOSE_UNSUPPORTED_DATA = 1003;
/** A frame that does not decode (truncated, trailing bytes, a corrupt update). */
export const CLOSE_INVALID_PAYLOAD = 1007;
/** Rate limit, queue overflow or a reader too slow to keep up. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** A frame over the relay's size limit. */
export const CLOSE_MESSAGE_TOO_BIG = 1009;
/** The relay could not load or store the document. */
export const CLOSE_INTERNAL_ERROR = 1011;
/**
 * The relay is at capacity for now (documents loaded, storage full, the room full or too busy);
 * retry later, with backoff.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** No token, or one that is not 43 base64url characters. */
export const CLOSE_MISSING_TOKEN = 4401;
/** A well-formed token other than the ones registered for the document. */
export const CLOSE_WRONG_TOKEN = 4403;
/** A viewer sent a write (an update, a sync step 2, an awareness state): viewers only read. */
export const CLOSE_READ_ONLY = 4405;
/** The token was valid until a member rotated the document's access: ask for a new link. */
export const CLOSE_ACCESS_CHANGED = 4410;
/**
 * An update that fails validation (validate-update.ts): nothing of it is stored or passed on.
 * Sent again it would fail again, so the client does not reconnect.
 */
export const CLOSE_INVALID_UPDATE = 4422;
/**
 * The update would take the document past the relay's size limit. Nothing of it is stored; the
 * device keeps it, and the same update is refused again however often it is sent.
 */
export const CLOSE_DOCUMENT_TOO_LARGE = 4413;
/**
 * Too many connections, or too many new documents, from this network address. Reconnecting at
 * once would be refused again; the limit frees up as connections close or the hour passes.
 */
export const CLOSE_TOO_MANY_REQUESTS = 4429;

/**
 * What a permanent refusal means for the person holding the link:
 * - `no-access`: the token is missing, malformed or wrong (a damaged or foreign link);
 * - `read-only`: this device tried to write with viewer access;
 * - `access-changed`: a member rotated access; the old link no longer works;
 * - `invalid-update`: this device sent an update the relay refuses (a damaged copy, or a bug);
 * - `document-too-large`: the triad reached the relay's size limit; this device's newer changes
 *   stay on it and reach the others only through a relay with room for them;
 * - `too-many-requests`: this network (address) holds too many connections or created too many
 *   triads lately; the link is fine, and trying again later works.
 */
export type RefusalKind =
	| 'no-access'
	| 'read-only'
	| 'access-changed'
	| 'invalid-update'
	| 'document-too-large'
	| 'too-many-requests';

/** The refusal a close code stands for, or null for codes that mean an outage (retry). */
export function refusalKind(code: number): RefusalKind | null {
	switch (code) {
		case CLOSE_MISSING_TOKEN:
		case CLOSE_WRONG_TOKEN:
			return 'no-access';
		case CLOSE_READ_ONLY:
			return 'read-only';
		case CLOSE_ACCESS_CHANGED:
			return 'access-changed';
		case CLOSE_INVALID_UPDATE:
			return 'invalid-update';
		case CLOSE_DOCUMENT_TOO_LARGE:
			return 'document-too-large';
		case CLOSE_TOO_MANY_REQUESTS:
			return 'too-many-requests';
		default:
			return null;
	}
}
