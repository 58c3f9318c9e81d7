import type { ClientParams, RoomAccess } from './room-access';

/** Where the clients connect, and what they put in the URL. */
export interface GeneratorTarget {
	/**
	 * Base WebSocket URLs a room is appended to, e.g. `ws://127.0.0.1:1234/sync/`: the client in
	 * seat s of each room connects through the (s mod length)-th, so with one URL per relay node
	 * the clients of a room sit on different nodes.
	 */
	readonly urlPrefixes: readonly string[];
	/** The query each client adds; only `protocol-2` makes a relay send receipts. */
	readonly params: ClientParams;
}

/** Everything the load generator needs to drive one load, wherever it connects. */
export interface GeneratorPlan {
	readonly rooms: readonly RoomAccess[];
	readonly clientsPerRoom: number;
	readonly updatesPerSecond: number;
	readonly payloadBytes: number;
	/** Handshakes in flight at once while connecting. */
	readonly connectConcurrency: number;
	readonly warmupMs: number;
	readonly windowMs: number;
	/** How long after the window deliveries and receipts of window updates still count. */
	readonly graceMs: number;
}

/** What the load generator measured, all times in milliseconds. */
export interface GeneratorResult {
	readonly sockets: number;
	readonly connectAllMs: number;
	readonly connectP50Ms: number;
	readonly connectP99Ms: number;
	readonly connectFailures: number;
	readonly deflateNegotiated: boolean;
	readonly windowUpdatesSent: number;
	readonly windowDeliveriesExpected: number;
	readonly windowDeliveriesReceived: number;
	readonly latencyP50Ms: number;
	readonly latencyP99Ms: number;
	readonly latencyMaxMs: number;
	/** How late the generator sent, versus its schedule: shows when it, not the relay, lagged. */
	readonly sendLagP99Ms: number;
	/** Receipt messages received over the whole run (a stock client must get none). */
	readonly receipts: number;
	/** Window updates whose sender got a receipt covering them within window + grace. */
	readonly windowUpdatesReceipted: number;
	/** Send of a window update → the first receipt covering it. */
	readonly receiptLatencyP50Ms: number;
	readonly receiptLatencyP99Ms: number;
	/** Self-check over the whole run: update-carrying messages sent, and those receipts covered. */
	readonly updateMessagesSent: number;
	readonly updateMessagesReceipted: number;
	/** Receipts that went backwards or covered more messages than the client had sent: must be 0. */
	readonly invalidReceipts: number;
	/** Self-check over every update of the run, warm-up included. */
	readonly allDeliveriesExpected: number;
	readonly allDeliveriesReceived: number;
	/** Edits that reached a client outside the sender's room: must be 0. */
	readonly misroutedDeliveries: number;
	readonly socketsDroppedDuringRun: number;
}

/**
 * Parent → generator. `plan` pre-encodes every update (answered by `prepared`), which can
 * overlap the relay's start; `connect` then opens the sockets.
 */
export type ToGenerator =
	| { type: 'plan'; plan: GeneratorPlan }
	| { type: 'connect'; target: GeneratorTarget }
	| { type: 'run' }
	| { type: 'close' };

/** Generator → parent. `window-start`/`window-end` let the parent sample CPU at the edges. */
export type FromGenerator =
	| { type: 'prepared' }
	| { type: 'connected' }
	| { type: 'window-start' }
	| { type: 'window-end' }
	| { type: 'result'; result: GeneratorResult }
	| { type: 'closed' }
	| { type: 'failed'; message: string };
