import type { WebSocket } from 'ws';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import {
	carriesUpdate,
	CLOSE_ACCESS_CHANGED,
	CLOSE_DOCUMENT_TOO_LARGE,
	CLOSE_GOING_AWAY,
	CLOSE_INTERNAL_ERROR,
	CLOSE_INVALID_PAYLOAD,
	CLOSE_INVALID_UPDATE,
	CLOSE_MESSAGE_TOO_BIG,
	CLOSE_POLICY_VIOLATION,
	CLOSE_READ_ONLY,
	CLOSE_TRY_AGAIN_LATER,
	CLOSE_UNSUPPORTED_DATA,
	CLOSE_WRONG_TOKEN,
	encodeReceipt,
	MESSAGE_AUTH,
	MESSAGE_AWARENESS,
	MESSAGE_QUERY_AWARENESS,
	MESSAGE_SYNC,
	SYNC_STEP1,
	SYNC_STEP2,
	SYNC_UPDATE,
	type DocumentId
} from '../src/lib/protocol';
import { judge, type AccessRole } from './access';
import { describeError, type Logger } from './logger';
import type { ErrorKind, RefusalReason, RelayMetrics } from './metrics';
import { TokenBucket } from './rate-limiter';
import type { RoomPeer } from './room';
import type { RoomEntry, RoomRegistry } from './room-registry';
import type { TokenVerifier } from './storage/relay-storage';

/** Limits applied to each connection. */
export interface ConnectionLimits {
	/** Messages a second on average (token bucket refill rate). */
	messagesPerSecond: number;
	/** Messages accepted in a burst (token bucket size). */
	messageBurst: number;
	/** Bytes queued for sending beyond which a peer too slow to read is dropped. */
	maxBufferedBytes: number;
	/** Bytes a document may take in storage; an update that would pass it is refused (4413). */
	maxDocumentBytes: number;
	/** Whether storage overall has room for `bytes` more; an update that does not fit gets 1013. */
	storageHasRoomFor(bytes: number): boolean;
}

/** Who is on the other end of a connection, as the upgrade established it. */
export interface ConnectionAccess {
	role: AccessRole;
	/** The verifier of the token it presented, re-checked against rotations. */
	verifier: TokenVerifier;
	/** 2 when the client asked for this protocol's additions (receipts); 1 for stock clients. */
	protocol: 1 | 2;
	/** The address quotas count the connection against (see `addressKey`). */
	address: string;
	/** The push device key the client named, or null. */
	pushDevice: string | null;
}

/** Messages a connection may send before its room finished loading; more is abuse. */
const MAX_QUEUED_MESSAGES = 1000;

let nextConnectionId = 1;

/**
 * One client's WebSocket in a room: enforces the limits and the connection's role, speaks the
 * y-websocket protocol (plus receipts for protocol 2), and closes itself with a code and one log
 * line on bad input, leaving everything else running.
 *
 * Receipts: the connection counts the messages it received that carry an update (sync step 2 and
 * sync update), whether or not they changed the document. Once storage has committed everything
 * the room appended up to the moment such a message was handled (an update the room knew already
 * may rest on another peer's append that is not durable yet), it sends `receipt(count)`. One
 * receipt is awaited at a time; the next covers everything that arrived meanwhile.
 */
export class Connection implements RoomPeer {
	readonly id = nextConnectionId++;
	readonly awarenessClients = new Set<number>();
	#alive = true;
	#closed = false;
	#queue: Buffer[] | null = [];
	lastHeardAt = performance.now();
	#updatesReceived = 0;
	#receiptInFlight = false;
	readonly #bucket: TokenBucket;
	readonly #entry: RoomEntry;

	constructor(
		private readonly ws: WebSocket,
		readonly docId: DocumentId,
		readonly access: ConnectionAccess,
		private readonly registry: RoomRegistry,
		private readonly limits: ConnectionLimits,
		private readonly metrics: RelayMetrics,
		private readonly logger: Logger
	) {
		this.#bucket = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
		metrics.connections++;
		ws.on('message', this.#onMessage);
		ws.on('pong', () => (this.#alive = true));
		ws.on('error', this.#onError);
		ws.on('close', this.#onClose);
		this.#entry = registry.join(docId, this);
		this.#entry.ready.then(
			() => this.#start(),
			() => this.#fail(CLOSE_INTERNAL_ERROR, 'document could not be loaded', 'load_failed')
		);
		if (logger.enabled('debug')) logger.debug('connected', { docId, connection: this.id });
	}

	get pushDevice(): string | null {
		return this.access.pushDevice;
	}

	send(message: Uint8Array): void {
		if (this.#closed) return;
		if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
			this.#fail(CLOSE_POLICY_VIOLATION, 'too slow to receive', 'slow_consumer');
			return;
		}
		this.ws.send(message);
		this.metrics.messagesSent++;
		this.metrics.bytesSent += message.length;
	}

	/**
	 * Called by the keepalive timer: drops a connection that did not answer the previous ping
	 * (or send anything) since the last call, then pings again.
	 */
	heartbeat(): void {
		if (this.#closed) return;
		if (!this.#alive) {
			this.#fail(CLOSE_GOING_AWAY, 'no pong', 'pong_timeout');
			this.ws.terminate();
			return;
		}
		this.#alive = false;
		this.ws.ping();
	}

	/** Closes with 1001 because the relay shuts down; the client will reconnect. */
	shutdown(): void {
		if (this.#closed) return;
		this.#detach();
		this.ws.close(CLOSE_GOING_AWAY, 'server shutting down');
	}

	/** Closes with CLOSE_ACCESS_CHANGED: a member rotated the document's access. */
	accessChanged(): void {
		if (this.#closed) return;
		this.#detach();
		this.metrics.accessChangedCloses++;
		this.logger.info('connection_closed_access_changed', {
			docId: this.docId,
			connection: this.id
		});
		this.ws.close(CLOSE_ACCESS_CHANGED, 'access changed');
	}

	#start(): void {
		if (this.#closed) return;
		// A rotation may have come between the upgrade's access check and now.
		const current = this.#entry.access;
		if (current !== null) {
			const decision = judge(current, this.access.verifier);
			if (decision.kind === 'retired') return this.accessChanged();
			if (decision.kind !== 'granted') {
				return this.#fail(CLOSE_WRONG_TOKEN, 'wrong token for this document', 'wrong_token');
			}
		}
		for (const message of this.#entry.room.greeting()) this.send(message);
		const queued = this.#queue ?? [];
		this.#queue = null;
		for (const message of queued) {
			if (this.#closed) return;
			this.#handle(message);
		}
	}

	#onMessage = (data: Buffer, isBinary: boolean): void => {
		if (this.#closed) return;
		this.#alive = true;
		this.lastHeardAt = performance.now();
		this.metrics.messagesReceived++;
		this.metrics.bytesReceived += data.length;
		if (!isBinary) {
			this.#fail(CLOSE_UNSUPPORTED_DATA, 'text frames are not supported', 'text_frame');
		} else if (!this.#bucket.take()) {
			this.#fail(CLOSE_POLICY_VIOLATION, 'rate limit exceeded', 'rate_limited');
		} else if (this.#queue === null) {
			this.#handle(data);
		} else if (this.#queue.length < MAX_QUEUED_MESSAGES) {
			this.#queue.push(data);
		} else {
			this.#fail(CLOSE_POLICY_VIOLATION, 'too many messages while loading', 'queue_overflow');
		}
	};

	#handle(message: Uint8Array): void {
		const decoder = decoding.createDecoder(message);
		let messageType: number;
		try {
			messageType = decoding.readVarUint(decoder);
		} catch {
			this.#fail(CLOSE_INVALID_PAYLOAD, 'malformed message', 'malformed_message');
			return;
		}
		switch (messageType) {
			case MESSAGE_SYNC:
				this.#handleSync(decoder);
				return;
			case MESSAGE_AWARENESS:
				this.#handleAwareness(decoder);
				return;
			case MESSAGE_QUERY_AWARENESS: {
				if (decoding.hasContent(decoder)) {
					this.#fail(CLOSE_INVALID_PAYLOAD, 'malformed message', 'malformed_message');
					return;
				}
				const snapshot = this.#entry.room.awarenessSnapshot();
				if (snapshot !== null) this.send(snapshot);
				return;
			}
			case MESSAGE_AUTH:
				// Auth messages flow from server to client only (permission denied); a client has
				// nothing to say with one. Checked for form and ignored, like the reference server.
				if (this.#readBody(decoder, (d) => decoding.readVarString(d)) !== null) return;
				this.#fail(CLOSE_INVALID_PAYLOAD, 'malformed message', 'malformed_message');
				return;
			default:
				this.#fail(CLOSE_UNSUPPORTED_DATA, 'unknown message type', 'unknown_message_type');
		}
	}

	#handleSync(decoder: decoding.Decoder): void {
		const syncType = this.#readBody(decoder, (d) => decoding.readVarUint(d), false);
		if (syncType === null) {
			this.#fail(CLOSE_INVALID_PAYLOAD, 'malformed message', 'malformed_message');
			return;
		}
		if (syncType !== SYNC_STEP1 && syncType !== SYNC_STEP2 && syncType !== SYNC_UPDATE) {
			this.#fail(CLOSE_UNSUPPORTED_DATA, 'unknown sync message type', 'unknown_message_type');
			return;
		}
		const payload = this.#readBody(decoder, (d) => decoding.readVarUint8Array(d));
		if (payload === null) {
			this.#fail(CLOSE_INVALID_PAYLOAD, 'malformed message', 'malformed_message');
			return;
		}
		const room = this.#entry.room;
		if (syncType === SYNC_STEP1) {
			let reply: Uint8Array;
			try {
				reply = room.syncStep2For(payload);
			} catch {
				this.#fail(CLOSE_INVALID_PAYLOAD, 'invalid state vector', 'malformed_message');
				return;
			}
			this.send(reply);
			return;
		}
		if (carriesUpdate(syncType) && this.access.role === 'viewer') {
			this.#fail(CLOSE_READ_ONLY, 'viewers cannot write', 'read_only');
			return;
		}
		if (!this.#updateFits(payload)) return;
		if (!this.#fanOut(room.peers.size - 1)) return;
		if (room.applyClientUpdate(payload, this) === 'invalid') {
			this.#fail(CLOSE_INVALID_UPDATE, 'invalid update: refused', 'invalid_update');
			return;
		}
		if (this.access.protocol === 2) {
			this.#updatesReceived++;
			this.#requestReceipt();
		}
	}

	/**
	 * Whether `update` fits the document's and the relay's storage quotas; otherwise closes the
	 * connection, the update unapplied. Only an update that would add to the document counts: a
	 * client's sync answer that brings nothing new (every member's, once the document is full)
	 * passes, so members can still read a full document. Telling that costs a snapshot of the
	 * document, which is why it is asked only when the sizes alone say the update does not fit.
	 */
	#updateFits(update: Uint8Array): boolean {
		const room = this.#entry.room;
		const tooLarge = room.storedBytes + update.length > this.limits.maxDocumentBytes;
		const storageFull = !this.limits.storageHasRoomFor(update.length);
		if (!tooLarge && !storageFull) return true;
		if (!addsToDocument(room.doc, update)) return true;
		if (tooLarge) {
			this.#refuse(CLOSE_DOCUMENT_TOO_LARGE, 'document too large', 'document_size_limit');
		} else {
			this.#refuse(CLOSE_TRY_AGAIN_LATER, 'relay storage is full', 'storage_limit');
		}
		return false;
	}

	/**
	 * Takes `recipients` deliveries from the room's fan-out budget; when it is spent, closes this
	 * connection, its message unhandled. Closing the sender rather than dropping its message keeps
	 * every peer's copy whole: y-websocket reconnects after 1013 and sends the update again.
	 */
	#fanOut(recipients: number): boolean {
		if (this.#entry.fanOut.take(recipients)) return true;
		this.#refuse(CLOSE_TRY_AGAIN_LATER, 'room too busy', 'room_fanout_limit');
		return false;
	}

	#requestReceipt(): void {
		if (this.#receiptInFlight) return;
		this.#receiptInFlight = true;
		const covered = this.#updatesReceived;
		this.#entry.room.whenDurable().then(
			() => {
				this.#receiptInFlight = false;
				if (this.#closed) return;
				this.send(encodeReceipt(covered));
				this.metrics.receiptsSent++;
				if (this.#updatesReceived > covered) this.#requestReceipt();
			},
			(error: unknown) => {
				this.#receiptInFlight = false;
				this.logger.error('receipt_storage_failed', {
					docId: this.docId,
					error: describeError(error)
				});
				// The client keeps what it sent and resends it to whichever relay it reaches next.
				this.#fail(CLOSE_INTERNAL_ERROR, 'storage failed', 'storage_write');
			}
		);
	}

	#handleAwareness(decoder: decoding.Decoder): void {
		const update = this.#readBody(decoder, (d) => decoding.readVarUint8Array(d));
		if (update === null) {
			this.#fail(CLOSE_INVALID_PAYLOAD, 'malformed message', 'malformed_message');
			return;
		}
		if (this.access.role === 'viewer') {
			// y-websocket sends every awareness change back to the relay, its peers' included, so a
			// viewer echoes what it heard, and removes states it timed out. Neither changes anything
			// here and both are dropped; a state the room does not hold yet is a write.
			let announces: boolean;
			try {
				announces = this.#entry.room.awarenessAnnouncesState(update);
			} catch {
				this.#fail(CLOSE_INVALID_PAYLOAD, 'invalid awareness update', 'invalid_awareness');
				return;
			}
			if (announces) this.#fail(CLOSE_READ_ONLY, 'viewers cannot write', 'read_only');
			return;
		}
		// The sender gets its own state back, so every peer of the room is a recipient.
		if (!this.#fanOut(this.#entry.room.peers.size)) return;
		try {
			this.#entry.room.applyAwarenessUpdate(update, this);
		} catch {
			this.#fail(CLOSE_INVALID_PAYLOAD, 'invalid awareness update', 'invalid_awareness');
		}
	}

	/**
	 * Reads with `read`; null when the bytes run out, or when `last` and bytes remain after it
	 * (no client message carries trailing bytes, so they mean a corrupt frame).
	 */
	#readBody<T>(
		decoder: decoding.Decoder,
		read: (decoder: decoding.Decoder) => T,
		last = true
	): T | null {
		try {
			const value = read(decoder);
			return last && decoding.hasContent(decoder) ? null : value;
		} catch {
			return null;
		}
	}

	#onError = (error: Error & { code?: string }): void => {
		// ws has already started closing the socket with the matching code (1009, 1002, ...).
		if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
			this.#failed(CLOSE_MESSAGE_TOO_BIG, 'message too big', 'message_too_big');
		} else if (error.code?.startsWith('WS_ERR_')) {
			this.#failed(1002, error.message, 'malformed_message');
		} else {
			this.#detach();
			this.metrics.failed('socket_error');
			this.logger.debug('socket_error', {
				docId: this.docId,
				connection: this.id,
				code: error.code
			});
		}
	};

	#onClose = (code: number): void => {
		this.metrics.connections--;
		if (this.logger.enabled('debug')) {
			this.logger.debug('disconnected', { docId: this.docId, connection: this.id, code });
		}
		this.#detach();
	};

	/** Closes with `code` and logs the one line this connection's failure gets. */
	#fail(code: number, reason: string, kind: ErrorKind): void {
		if (this.#closed) return;
		this.#failed(code, reason, kind);
		this.ws.close(code, reason);
	}

	/** Closes with `code` because a quota does not allow what the client sent, with one log line. */
	#refuse(code: number, reason: string, refusal: RefusalReason): void {
		if (this.#closed) return;
		this.#detach();
		this.metrics.refused(refusal);
		this.logger.warn('quota_exceeded', {
			docId: this.docId,
			connection: this.id,
			reason: refusal,
			code,
			remote: this.access.address
		});
		this.ws.close(code, reason);
	}

	#failed(code: number, reason: string, kind: ErrorKind): void {
		if (this.#closed) return;
		this.#detach();
		this.metrics.failed(kind);
		this.logger.warn('connection_closed_on_error', {
			docId: this.docId,
			connection: this.id,
			kind,
			code,
			reason
		});
	}

	#detach(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#queue = null;
		this.registry.leave(this.#entry, this);
	}
}

/** Whether applying `update` would change `doc`; true for an update that does not decode. */
function addsToDocument(doc: Y.Doc, update: Uint8Array): boolean {
	try {
		return !Y.snapshotContainsUpdate(Y.snapshot(doc), update);
	} catch {
		return true;
	}
}
