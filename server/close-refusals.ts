import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';

/** Limits on sockets that were accepted only to be closed with a refusal. */
export interface CloseRefusalLimits {
	/** Refused sockets allowed to finish their close handshake at once (default 1000). */
	maxClosing?: number;
	/** How long a refused client gets to answer the close frame before it is cut off (default 1 s). */
	closeGraceMs?: number;
}

/*
 * A refused client has nothing to say: its first frames (a state vector, its presence) are read
 * only to reach its close frame and then dropped. A larger frame ends the socket gracefully after
 * our close frame went out, so the client still reads the refusal.
 */
const MAX_REFUSED_MESSAGE_BYTES = 64 * 1024;

/**
 * Refuses a connection (a token, a quota) with a close code instead of an HTTP status, because
 * browsers show pages the close code of a socket but hide the status of a refused upgrade:
 * completes the WebSocket handshake and closes at once, before any message, with no room and no
 * document involved.
 *
 * Against floods it costs no more than an HTTP refusal: no room is created and nothing is
 * loaded or buffered, a client that does not answer the close frame is cut off after
 * `closeGraceMs`, and while `maxClosing` refused sockets are still closing, {@link hasRoom}
 * is false so the caller refuses with an HTTP status as before.
 */
export class CloseRefusals {
	readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REFUSED_MESSAGE_BYTES });
	readonly #maxClosing: number;
	readonly #closeGraceMs: number;

	constructor(limits: CloseRefusalLimits = {}) {
		this.#maxClosing = limits.maxClosing ?? 1000;
		this.#closeGraceMs = limits.closeGraceMs ?? 1000;
	}

	/** Refused sockets whose close handshake has not finished. */
	get closing(): number {
		return this.#wss.clients.size;
	}

	/** Whether another refusal may use a close code now; false under a flood. */
	get hasRoom(): boolean {
		return this.#wss.clients.size < this.#maxClosing;
	}

	/** Completes the upgrade of `req` and closes it with `code` and `reason` before any message. */
	refuse(req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
		this.#wss.handleUpgrade(req, socket, head, (ws) => {
			// Whatever a refused client sends wrong (oversize, garbage) only ends its socket.
			ws.on('error', () => {});
			ws.close(code, reason);
			const cutOff = setTimeout(() => ws.terminate(), this.#closeGraceMs);
			cutOff.unref();
			ws.once('close', () => clearTimeout(cutOff));
		});
	}

	/** Cuts off every refused socket still closing (on shutdown). */
	terminateAll(): void {
		for (const ws of this.#wss.clients) ws.terminate();
	}
}
