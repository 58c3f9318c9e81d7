import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * One message between relay nodes. Server-internal: clients never see this format.
 *
 * `epoch` numbers a node's publishing sessions of one document (one per time it loaded it) and
 * `seq` that session's updates from 1, so a receiver notices a lost update as a gap. `sentAt`
 * (the sender's wall clock, ms) only feeds the lag metric: nothing is decided on it.
 */
export type ClusterMessage =
	| {
			kind: 'update';
			node: string;
			epoch: number;
			seq: number;
			sentAt: number;
			payload: Uint8Array;
	  }
	/** The last update seq of a session, sent after publications of it failed. */
	| { kind: 'head'; node: string; epoch: number; seq: number }
	| { kind: 'awareness'; node: string; payload: Uint8Array };

const KINDS = ['update', 'head', 'awareness'] as const;

export function encodeClusterMessage(message: ClusterMessage): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, KINDS.indexOf(message.kind));
	encoding.writeVarString(encoder, message.node);
	if (message.kind !== 'awareness') {
		encoding.writeVarUint(encoder, message.epoch);
		encoding.writeVarUint(encoder, message.seq);
	}
	if (message.kind === 'update') encoding.writeVarUint(encoder, message.sentAt);
	if (message.kind !== 'head') encoding.writeVarUint8Array(encoder, message.payload);
	return encoding.toUint8Array(encoder);
}

/** Decodes a message; null for anything malformed. */
export function decodeClusterMessage(bytes: Uint8Array): ClusterMessage | null {
	try {
		const decoder = decoding.createDecoder(bytes);
		const kind = KINDS[decoding.readVarUint(decoder)];
		const node = decoding.readVarString(decoder);
		let message: ClusterMessage;
		if (kind === 'awareness') {
			message = { kind, node, payload: decoding.readVarUint8Array(decoder) };
		} else if (kind === 'update' || kind === 'head') {
			const epoch = decoding.readVarUint(decoder);
			const seq = decoding.readVarUint(decoder);
			if (kind === 'head') {
				message = { kind, node, epoch, seq };
			} else {
				const sentAt = decoding.readVarUint(decoder);
				message = { kind, node, epoch, seq, sentAt, payload: decoding.readVarUint8Array(decoder) };
			}
		} else {
			return null;
		}
		return decoding.hasContent(decoder) ? null : message;
	} catch {
		return null;
	}
}

/**
 * The last update seq heard from each publishing session of one document. The first message of
 * a session is taken as it comes: what that node published before this one subscribed was
 * stored before it was published, so the room's load read it.
 */
export class GapDetector {
	readonly #last = new Map<string, number>();

	/** Records an update; true when updates of its session were missed before it. */
	missedBefore(node: string, epoch: number, seq: number): boolean {
		const key = `${epoch}:${node}`;
		const last = this.#last.get(key);
		this.#last.set(key, seq);
		return last !== undefined && seq !== last + 1;
	}

	/**
	 * Records a session's announced last seq; true unless every update up to it was heard (an
	 * unknown session may have published them all while this node heard nothing).
	 */
	missedUpTo(node: string, epoch: number, seq: number): boolean {
		const key = `${epoch}:${node}`;
		const last = this.#last.get(key);
		this.#last.set(key, Math.max(seq, last ?? 0));
		return last === undefined || last < seq;
	}
}
