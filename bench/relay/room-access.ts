import { createHmac, randomBytes } from 'node:crypto';

/** The HMAC label that binds a relay access token to one document (DESIGN §4). */
const ACCESS_LABEL = 'triad-relay-access-v1:';

/** A room the load generator joins: its document id and the capability token for it. */
export interface RoomAccess {
	/** 22 characters of base64url (128 random bits), the document id. */
	readonly room: string;
	/** base64url(HMAC-SHA256(secret, label + room)) without padding. */
	readonly token: string;
}

/** Creates a fresh random room with the token its (random, never stored) secret yields. */
export function createRoomAccess(): RoomAccess {
	const room = randomBytes(16).toString('base64url');
	const secret = randomBytes(32);
	const token = createHmac('sha256', secret)
		.update(ACCESS_LABEL + room)
		.digest('base64url');
	return { room, token };
}
