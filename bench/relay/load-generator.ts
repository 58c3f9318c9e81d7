/**
 * The load generator, run as its own process (`fork`) so its CPU is measured apart from the
 * relay's. It speaks the y-websocket sync protocol directly over `ws` instead of keeping a
 * Y.Doc per client: updates are pre-encoded, and a delivery is accounted for from the update's
 * clock range alone, so ~1,000 clients stay cheap on a machine the relay shares. Every client
 * sends the same messages whatever the relay; with `protocol-2` params it also reads the
 * relay's receipts, which a stock client never gets.
 */
import WebSocket from 'ws';
import type {
	FromGenerator,
	GeneratorPlan,
	GeneratorResult,
	GeneratorTarget,
	ToGenerator
} from './generator-protocol';
import { connectionQuery } from './room-access';
import type { RoomAccess } from './room-access';
import { percentileOfSorted } from './stats';
import {
	encodeClientUpdates,
	encodeEmptyStep1,
	encodeEmptyStep2,
	readRelayFrame
} from './yjs-messages';
import type { ClockRanges } from './yjs-messages';

/** Yjs client ids of bench clients are FIRST_CLIENT_ID + client index, so a delivery names its sender. */
const FIRST_CLIENT_ID = 1000;
const CONNECT_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 5_000;

interface BenchClient {
	readonly index: number;
	/** Index of its room in the plan; deliveries from another room are misrouted. */
	readonly room: number;
	readonly access: RoomAccess;
	readonly updates: Buffer[];
	/** performance.now() at which update n (= clock n) left this client; 0 while unsent. */
	readonly sentAt: Float64Array;
	/** Per room-mate Yjs client id: the next clock this client has not received yet. */
	readonly nextClock: Map<number, number>;
	/**
	 * One entry per update-carrying message sent (sync step 2 and sync update), in order, as the
	 * relay counts them for receipts: the send time of a window update, NaN for any other.
	 */
	readonly updateMessageSentAt: number[];
	/** How many of those messages the latest receipt covered. */
	receipted: number;
	socket?: WebSocket;
	connectMs?: number;
	closing: boolean;
}

function send(message: FromGenerator): void {
	process.send?.(message);
}

class LoadGenerator {
	readonly #plan: GeneratorPlan;
	readonly #clients: BenchClient[] = [];
	readonly #step1 = encodeEmptyStep1();
	readonly #step2 = encodeEmptyStep2();
	readonly #updatesPerClient: number;
	/** Global send slots: slot j is update floor(j / clients) of client j % clients. */
	readonly #slotMs: number;
	readonly #windowFirstSlot: number;
	readonly #windowEndSlot: number;
	readonly #latencies: Float64Array;
	readonly #receiptLatencies: Float64Array;
	readonly #sendLags: number[] = [];
	#latencyCount = 0;
	#receiptLatencyCount = 0;
	#receipts = 0;
	#invalidReceipts = 0;
	#updateMessagesSent = 0;
	#updateMessagesReceipted = 0;
	#startAt = 0;
	#countingDeadline = Number.POSITIVE_INFINITY;
	#windowSent = 0;
	#windowReceived = 0;
	#allSent = 0;
	#allReceived = 0;
	#misrouted = 0;
	#dropped = 0;
	#connectAllMs = 0;
	#connectFailures = 0;

	constructor(plan: GeneratorPlan) {
		this.#plan = plan;
		const clientCount = plan.rooms.length * plan.clientsPerRoom;
		const intervalMs = 1000 / plan.updatesPerSecond;
		this.#slotMs = intervalMs / clientCount;
		this.#windowFirstSlot = Math.ceil(plan.warmupMs / this.#slotMs);
		this.#windowEndSlot = Math.ceil((plan.warmupMs + plan.windowMs) / this.#slotMs);
		this.#updatesPerClient = Math.ceil(this.#windowEndSlot / clientCount);
		this.#latencies = new Float64Array(
			(this.#windowEndSlot - this.#windowFirstSlot) * (plan.clientsPerRoom - 1)
		);
		this.#receiptLatencies = new Float64Array(this.#windowEndSlot - this.#windowFirstSlot);
		plan.rooms.forEach((access, room) => {
			for (let seat = 0; seat < plan.clientsPerRoom; seat++) {
				const index = this.#clients.length;
				this.#clients.push({
					index,
					room,
					access,
					updates: encodeClientUpdates(
						FIRST_CLIENT_ID + index,
						this.#updatesPerClient,
						plan.payloadBytes
					),
					sentAt: new Float64Array(this.#updatesPerClient),
					nextClock: new Map(),
					updateMessageSentAt: [],
					receipted: 0,
					closing: false
				});
			}
		});
	}

	/** Opens every socket, at most `connectConcurrency` handshakes at once, until each is synced. */
	async connect(target: GeneratorTarget): Promise<void> {
		const started = performance.now();
		let next = 0;
		const worker = async (): Promise<void> => {
			while (next < this.#clients.length) {
				const client = this.#clients[next++] as BenchClient;
				const seat = client.index % this.#plan.clientsPerRoom;
				const prefix = target.urlPrefixes[seat % target.urlPrefixes.length] as string;
				const url = prefix + client.access.room + connectionQuery(client.access, target.params);
				if (!(await this.#connectOne(client, url))) this.#connectFailures++;
			}
		};
		await Promise.all(Array.from({ length: this.#plan.connectConcurrency }, worker));
		this.#connectAllMs = performance.now() - started;
	}

	#connectOne(client: BenchClient, url: string): Promise<boolean> {
		return new Promise((resolve) => {
			const opened = performance.now();
			const socket = new WebSocket(url);
			client.socket = socket;
			const timer = setTimeout(() => {
				socket.terminate();
				resolve(false);
			}, CONNECT_TIMEOUT_MS);
			socket.on('open', () => socket.send(this.#step1));
			socket.on('message', (data: Buffer) => {
				const frame = readRelayFrame(data);
				if (frame.kind === 'step1') {
					socket.send(this.#step2);
					this.#sentUpdateMessage(client, Number.NaN);
				} else if (frame.kind === 'synced') {
					this.#account(client, frame.edits);
					if (client.connectMs === undefined) {
						client.connectMs = performance.now() - opened;
						clearTimeout(timer);
						resolve(true);
					}
				} else if (frame.kind === 'update') {
					this.#account(client, frame.edits);
				} else if (frame.kind === 'receipt') {
					this.#receipt(client, frame.covered);
				}
			});
			socket.on('error', () => undefined);
			socket.on('close', () => {
				clearTimeout(timer);
				if (client.connectMs === undefined) resolve(false);
				else if (!client.closing) this.#dropped++;
			});
		});
	}

	#account(receiver: BenchClient, edits: ClockRanges): void {
		const now = performance.now();
		const clientCount = this.#clients.length;
		for (const { client: clientId, from, to } of edits) {
			const sender = this.#clients[clientId - FIRST_CLIENT_ID];
			if (sender === undefined || sender === receiver) continue;
			if (sender.room !== receiver.room) {
				this.#misrouted += to - from;
				continue;
			}
			const expected = receiver.nextClock.get(clientId) ?? 0;
			for (let clock = Math.max(from, expected); clock < to; clock++) {
				this.#allReceived++;
				const slot = clock * clientCount + sender.index;
				if (slot < this.#windowFirstSlot || slot >= this.#windowEndSlot) continue;
				if (now > this.#countingDeadline) continue;
				this.#windowReceived++;
				this.#latencies[this.#latencyCount++] = now - (sender.sentAt[clock] as number);
			}
			if (to > expected) receiver.nextClock.set(clientId, to);
		}
	}

	#sentUpdateMessage(client: BenchClient, windowSentAt: number): void {
		client.updateMessageSentAt.push(windowSentAt);
		this.#updateMessagesSent++;
	}

	/** Accounts for a receipt covering the first `covered` update-carrying messages of `client`. */
	#receipt(client: BenchClient, covered: number): void {
		this.#receipts++;
		if (covered < client.receipted || covered > client.updateMessageSentAt.length) {
			this.#invalidReceipts++;
			return;
		}
		const now = performance.now();
		if (now <= this.#countingDeadline) {
			for (let message = client.receipted; message < covered; message++) {
				const sentAt = client.updateMessageSentAt[message] as number;
				if (!Number.isNaN(sentAt)) {
					this.#receiptLatencies[this.#receiptLatencyCount++] = now - sentAt;
				}
			}
		}
		this.#updateMessagesReceipted += covered - client.receipted;
		client.receipted = covered;
	}

	/** Sends on schedule through warm-up and window, then waits out the grace period. */
	async run(): Promise<GeneratorResult> {
		const { warmupMs, windowMs, graceMs } = this.#plan;
		this.#startAt = performance.now() + 20;
		const windowEndAt = this.#startAt + warmupMs + windowMs;
		this.#countingDeadline = windowEndAt + graceMs;
		setTimeout(() => send({ type: 'window-start' }), this.#startAt + warmupMs - performance.now());
		await this.#sendAllSlots();
		await sleep(windowEndAt - performance.now());
		send({ type: 'window-end' });
		await sleep(this.#countingDeadline - performance.now());
		return this.#result();
	}

	#sendAllSlots(): Promise<void> {
		const clientCount = this.#clients.length;
		let slot = 0;
		return new Promise((resolve) => {
			const tick = (): void => {
				const now = performance.now();
				while (slot < this.#windowEndSlot && this.#startAt + slot * this.#slotMs <= now) {
					this.#sendSlot(slot, clientCount, now);
					slot++;
				}
				if (slot >= this.#windowEndSlot) return resolve();
				setTimeout(tick, Math.max(0, this.#startAt + slot * this.#slotMs - performance.now()));
			};
			tick();
		});
	}

	#sendSlot(slot: number, clientCount: number, now: number): void {
		const client = this.#clients[slot % clientCount] as BenchClient;
		const clock = Math.floor(slot / clientCount);
		const socket = client.socket;
		if (socket?.readyState !== WebSocket.OPEN) return;
		client.sentAt[clock] = now;
		socket.send(client.updates[clock] as Buffer);
		this.#allSent++;
		this.#sentUpdateMessage(client, slot >= this.#windowFirstSlot ? now : Number.NaN);
		if (slot >= this.#windowFirstSlot) {
			this.#windowSent++;
			this.#sendLags.push(now - (this.#startAt + slot * this.#slotMs));
		}
	}

	#result(): GeneratorResult {
		const others = this.#plan.clientsPerRoom - 1;
		const connectTimes = this.#clients
			.map((client) => client.connectMs)
			.filter((ms): ms is number => ms !== undefined)
			.sort((a, b) => a - b);
		const latencies = this.#latencies.subarray(0, this.#latencyCount).sort();
		const lags = Float64Array.from(this.#sendLags).sort();
		const receiptLatencies = this.#receiptLatencies.subarray(0, this.#receiptLatencyCount).sort();
		return {
			sockets: this.#clients.length,
			connectAllMs: this.#connectAllMs,
			connectP50Ms: percentileOfSorted(connectTimes, 50),
			connectP99Ms: percentileOfSorted(connectTimes, 99),
			connectFailures: this.#connectFailures,
			deflateNegotiated: this.#clients.some((c) =>
				c.socket?.extensions.includes('permessage-deflate')
			),
			windowUpdatesSent: this.#windowSent,
			windowDeliveriesExpected: this.#windowSent * others,
			windowDeliveriesReceived: this.#windowReceived,
			latencyP50Ms: percentileOfSorted(latencies, 50),
			latencyP99Ms: percentileOfSorted(latencies, 99),
			latencyMaxMs: percentileOfSorted(latencies, 100),
			sendLagP99Ms: percentileOfSorted(lags, 99),
			receipts: this.#receipts,
			windowUpdatesReceipted: this.#receiptLatencyCount,
			receiptLatencyP50Ms: percentileOfSorted(receiptLatencies, 50),
			receiptLatencyP99Ms: percentileOfSorted(receiptLatencies, 99),
			updateMessagesSent: this.#updateMessagesSent,
			updateMessagesReceipted: this.#updateMessagesReceipted,
			invalidReceipts: this.#invalidReceipts,
			allDeliveriesExpected: this.#allSent * others,
			allDeliveriesReceived: this.#allReceived,
			misroutedDeliveries: this.#misrouted,
			socketsDroppedDuringRun: this.#dropped
		};
	}

	/** Closes every socket the way a leaving client does and waits for the relay to confirm. */
	async close(): Promise<void> {
		const closed = this.#clients.map((client) => {
			const socket = client.socket;
			client.closing = true;
			if (socket === undefined || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
			return new Promise<void>((resolve) => {
				socket.once('close', () => resolve());
				socket.close();
			});
		});
		const timedOut = sleep(CLOSE_TIMEOUT_MS);
		await Promise.race([Promise.all(closed), timedOut]);
		for (const client of this.#clients) client.socket?.terminate();
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

let generator: LoadGenerator | undefined;

async function handle(message: ToGenerator): Promise<void> {
	switch (message.type) {
		case 'plan':
			generator = new LoadGenerator(message.plan);
			send({ type: 'prepared' });
			return;
		case 'connect':
			if (generator === undefined) throw new Error('connect before plan');
			await generator.connect(message.target);
			send({ type: 'connected' });
			return;
		case 'run':
			if (generator === undefined) throw new Error('run before plan');
			send({ type: 'result', result: await generator.run() });
			return;
		case 'close':
			await generator?.close();
			send({ type: 'closed' });
			process.disconnect();
			return;
	}
}

process.on('message', (message: ToGenerator) => {
	handle(message).catch((error: unknown) => {
		send({
			type: 'failed',
			message: error instanceof Error ? (error.stack ?? error.message) : String(error)
		});
	});
});
