/**
 * The messages of the sync protocol. Every message is `varUint messageType` followed by its body
 * (lib0 encoding). Types 0–3 are y-websocket's, so a stock client syncs; later types are sent only
 * to clients that opened with `protocol=2` (see connection-params.ts).
 */

/** `varUint syncType, varUint8Array payload` (y-protocols/sync). */
export const MESSAGE_SYNC = 0;
/** `varUint8Array awarenessUpdate` (y-protocols/awareness). */
export const MESSAGE_AWARENESS = 1;
/** `varUint authType, varString reason` (y-protocols/auth); only servers send it. */
export const MESSAGE_AUTH = 2;
/** No body: asks for every awareness state of the room. */
export const MESSAGE_QUERY_AWARENESS = 3;
/**
 * `varUint updatesCovered`, relay to client: storage has committed every update this connection
 * sent in its first `updatesCovered` update-carrying messages (sync step 2 and sync update),
 * counted from the connection's start. Never sent for anything not yet durable.
 */
export const MESSAGE_RECEIPT = 4;

export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

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

/** A receipt covering the first `updatesCovered` update-carrying messages of a connection. */
export function encodeReceipt(updatesCovered: number): Uint8Array {
	const message = new Uint8Array(1 + varUintLength(updatesCovered));
	message[0] = MESSAGE_RECEIPT;
	writeVarUint(message, 1, updatesCovered);
	return message;
}

/** Whether a sync message of type `syncType` carries an update (and so counts for receipts). */
export function carriesUpdate(syncType: number): boolean {
	return syncType === SYNC_STEP2 || syncType === SYNC_UPDATE;
}
