import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

/** y-websocket's outer message type for sync traffic (awareness is 1 and ignored here). */
const MESSAGE_SYNC = 0;

/** A room-mate's edits as received: the clock range [from, to) of each Yjs client in it. */
export type ClockRanges = ReadonlyArray<{ client: number; from: number; to: number }>;

/**
 * What a relay frame means to a raw-protocol client: it must answer `step1`, `synced` marks the
 * end of the handshake, and `edits` carry other clients' updates to account for.
 */
export type RelayFrame =
	| { kind: 'step1' }
	| { kind: 'synced'; edits: ClockRanges }
	| { kind: 'update'; edits: ClockRanges }
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
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, MESSAGE_SYNC);
		syncProtocol.writeUpdate(encoder, update);
		messages.push(Buffer.from(encoding.toUint8Array(encoder)));
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
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep2(encoder, new Y.Doc());
	return Buffer.from(encoding.toUint8Array(encoder));
}

/** Sync step 1 with an empty state vector: "send me everything the room has". */
export function encodeEmptyStep1(): Buffer {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep1(encoder, new Y.Doc());
	return Buffer.from(encoding.toUint8Array(encoder));
}

/** Decodes a frame from the relay just enough to account for the edits it carries. */
export function readRelayFrame(frame: Uint8Array): RelayFrame {
	const decoder = decoding.createDecoder(frame);
	if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return { kind: 'other' };
	switch (decoding.readVarUint(decoder)) {
		case syncProtocol.messageYjsSyncStep1:
			return { kind: 'step1' };
		case syncProtocol.messageYjsSyncStep2:
			return { kind: 'synced', edits: clockRanges(decoding.readVarUint8Array(decoder)) };
		case syncProtocol.messageYjsUpdate:
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
