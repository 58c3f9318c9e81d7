/**
 * The y-websocket wire protocol as the relay speaks it, and the close codes it uses. Every
 * message is `varUint messageType` followed by its body (lib0 encoding).
 */

/** `varUint syncType, varUint8Array payload` (y-protocols/sync). */
export const MESSAGE_SYNC = 0;
/** `varUint8Array awarenessUpdate` (y-protocols/awareness). */
export const MESSAGE_AWARENESS = 1;
/** `varUint authType, varString reason` (y-protocols/auth); only servers send it. */
export const MESSAGE_AUTH = 2;
/** No body: asks for every awareness state of the room. */
export const MESSAGE_QUERY_AWARENESS = 3;

export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

/** RFC 6455 close codes the relay sends, with the reason each stands for. */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;
export const CLOSE_INTERNAL_ERROR = 1011;
export const CLOSE_TRY_AGAIN_LATER = 1013;

/*
 * Refusals of a token, as private-use close codes: browsers hide the HTTP status of a refused
 * upgrade, but show a close code, and y-websocket stops reconnecting on 4400–4499 (a refused
 * token does not become right by retrying). The last three digits mirror HTTP.
 */
/** No token, or one that is not 43 base64url characters. */
export const CLOSE_MISSING_TOKEN = 4401;
/** A well-formed token other than the one registered for the document. */
export const CLOSE_WRONG_TOKEN = 4403;
/**
 * An update that fails validation (src/lib/protocol/validate-update.ts): nothing of it is stored
 * or passed on. Sent again it would fail again, so the client does not reconnect.
 */
export const CLOSE_INVALID_UPDATE = 4422;

/** Byte length of `value` as a lib0 varUint. */
function varUintLength(value: number): number {
	let length = 1;
	while (value > 0x7f) {
		value = Math.floor(value / 128);
		length++;
	}
	return length;
}

/** Writes `value` as a lib0 varUint at `offset`; returns the offset after it. */
function writeVarUint(target: Uint8Array, offset: number, value: number): number {
	while (value > 0x7f) {
		target[offset++] = 0x80 | (value & 0x7f);
		value = Math.floor(value / 128);
	}
	target[offset++] = value;
	return offset;
}

/**
 * `[messageType, subType, varUint8Array payload]` in one allocation: the relay builds each
 * broadcast once, so this is on the hot path.
 */
export function encodeEnvelope(
	messageType: number,
	subType: number,
	payload: Uint8Array
): Uint8Array {
	const message = new Uint8Array(2 + varUintLength(payload.length) + payload.length);
	message[0] = messageType;
	message[1] = subType;
	const offset = writeVarUint(message, 2, payload.length);
	message.set(payload, offset);
	return message;
}

/** A sync update message carrying `update`. */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
	return encodeEnvelope(MESSAGE_SYNC, SYNC_UPDATE, update);
}

/** A sync step 2 message carrying `update`. */
export function encodeSyncStep2(update: Uint8Array): Uint8Array {
	return encodeEnvelope(MESSAGE_SYNC, SYNC_STEP2, update);
}

/** A sync step 1 message carrying `stateVector`. */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
	return encodeEnvelope(MESSAGE_SYNC, SYNC_STEP1, stateVector);
}

/** An awareness message carrying `awarenessUpdate`. */
export function encodeAwareness(awarenessUpdate: Uint8Array): Uint8Array {
	const message = new Uint8Array(
		1 + varUintLength(awarenessUpdate.length) + awarenessUpdate.length
	);
	message[0] = MESSAGE_AWARENESS;
	message.set(awarenessUpdate, writeVarUint(message, 1, awarenessUpdate.length));
	return message;
}
