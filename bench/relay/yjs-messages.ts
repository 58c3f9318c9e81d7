import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import {
	encodeSyncStep1,
	encodeSyncStep2,
	encodeSyncUpdate,
	MESSAGE_RECEIPT,
	MESSAGE_SYNC,
	SYNC_STEP1,
	SYNC_STEP2,
	SYNC_UPDATE
} from '../../src/lib/protocol';

/** A room-mate's edits as received: the clock range [from, to) of each Yjs client in it. */
export type ClockRanges = ReadonlyArray<{ client: number; from: number; to: number }>;

/**
 * What a relay frame means to a raw-protocol client: it must answer `step1`, `synced` marks the
 * end of the handshake, `edits` carry other clients' updates to account for, and a `receipt`
 * covers the first `covered` update-carrying messages this client sent (protocol 2 only).
 */
export type RelayFrame =
	| { kind: 'step1' }
	| { kind: 'synced'; edits: ClockRanges }
	| { kind: 'update'; edits: ClockRanges }
	| { kind: 'receipt'; covered: number }
	| { kind: 'other' };

/**
 * Pre-encodes `count` wire messages for one client, each a valid Yjs update that appends one
 * element to a shared array, so update number `n` is exactly the struct at clock `n` of
 * `clientId`. Receivers recover (sender, sequence) from the update's clock range alone, which
 * stays correct if a relay merges several updates into one message.
 */
export function encodeClientUpdates(
	clientId: number,
	count: number,
	payloadBytes: number
): Buffer[] {
	const scratch = new Y.Doc();
	scratch.clientID = clientId;
	const messages: Buffer[] = [];
	scratch.on('update', (update: Uint8Array) => {
		messages.push(Buffer.from(encodeSyncUpdate(update)));
	});
	const edits = scratch.getArray<string>('bench');
	const filler = 'x'.repeat(payloadBytes);
	for (let sequence = 0; sequence < count; sequence++) edits.push([filler]);
	scratch.destroy();
	return messages;
}

/**
 * The reply to the relay's sync step 1. A client that has not sent anything yet owes the
 * relay nothing, so its step 2 is the empty update; the bench only connects before sending.
 */
export function encodeEmptyStep2(): Buffer {
	return Buffer.from(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
}

/** Sync step 1 with an empty state vector: "send me everything the room has". */
export function encodeEmptyStep1(): Buffer {
	return Buffer.from(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
}

/** Decodes a frame from the relay just enough to account for the edits or receipt it carries. */
export function readRelayFrame(frame: Uint8Array): RelayFrame {
	const decoder = decoding.createDecoder(frame);
	switch (decoding.readVarUint(decoder)) {
		case MESSAGE_SYNC:
			break;
		case MESSAGE_RECEIPT:
			return { kind: 'receipt', covered: decoding.readVarUint(decoder) };
		default:
			return { kind: 'other' };
	}
	switch (decoding.readVarUint(decoder)) {
		case SYNC_STEP1:
			return { kind: 'step1' };
		case SYNC_STEP2:
			return { kind: 'synced', edits: clockRanges(decoding.readVarUint8Array(decoder)) };
		case SYNC_UPDATE:
			return { kind: 'update', edits: clockRanges(decoding.readVarUint8Array(decoder)) };
		default:
			return { kind: 'other' };
	}
}

function clockRanges(update: Uint8Array): ClockRanges {
	const { from, to } = Y.parseUpdateMeta(update);
	const ranges: Array<{ client: number; from: number; to: number }> = [];
	for (const [client, end] of to) ranges.push({ client, from: from.get(client) ?? 0, to: end });
	return ranges;
}
