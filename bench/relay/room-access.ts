import { randomBytes } from 'node:crypto';
import {
	accessTokens,
	connectionParams,
	idFromBytes,
	ID_BYTES,
	SECRET_BYTES,
	TOKEN_PARAM,
	type AccessToken,
	type DocumentId
} from '../../src/lib/protocol';

/** A room the load generator joins: its document id and the tokens its secret derives. */
export interface RoomAccess {
	readonly room: DocumentId;
	/** What a member presents. */
	readonly member: AccessToken;
	/** The viewer token a member connection offers for registration, as the app's clients do. */
	readonly viewer: AccessToken;
}

/**
 * What a bench client puts in its connection URL, by the relay it talks to:
 * - `none`: nothing (the baseline has no access control);
 * - `stock`: the member token only, as a stock y-websocket client configured with it sends;
 * - `protocol-2`: what the app's member clients send, the protocol module's `connectionParams`
 *   (member token, viewer token, `protocol=2`), so the relay sends receipts.
 */
export type ClientParams = 'none' | 'stock' | 'protocol-2';

/** Creates a fresh random room with the tokens of its (random, never stored) secret. */
export async function createRoomAccess(): Promise<RoomAccess> {
	const room = idFromBytes<DocumentId>(randomBytes(ID_BYTES));
	const { member, viewer } = await accessTokens(room, randomBytes(SECRET_BYTES));
	return { room, member, viewer };
}

/** The query string (with its `?`, or empty) a client of kind `params` connects with. */
export function connectionQuery(access: RoomAccess, params: ClientParams): string {
	switch (params) {
		case 'none':
			return '';
		case 'stock':
			return `?${new URLSearchParams({ [TOKEN_PARAM]: access.member })}`;
		case 'protocol-2':
			return `?${new URLSearchParams(connectionParams({ token: access.member, viewer: access.viewer }))}`;
	}
}
