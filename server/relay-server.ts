import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
	CLOSE_ACCESS_CHANGED,
	CLOSE_MISSING_TOKEN,
	CLOSE_TOO_MANY_REQUESTS,
	CLOSE_TRY_AGAIN_LATER,
	CLOSE_WRONG_TOKEN,
	parseConnectionUrl,
	parseRotationPath,
	SYNC_PATH,
	type DocumentId
} from '../src/lib/protocol';
import { checkAccess, type AccessDecision } from './access';
import { rotateAccess } from './access-rotation';
import { CloseRefusals, type CloseRefusalLimits } from './close-refusals';
import { Connection, type ConnectionLimits } from './connection';
import { createLogger, describeError, type Logger, type LogLevel } from './logger';
import { RelayMetrics, renderMetrics, type RefusalReason } from './metrics';
import { AddressQuotas, addressKey, DEFAULT_QUOTAS, type QuotaLimits } from './quotas';
import { IdleMemoryReclaimer } from './reclaim-memory';
import type { StateCompactor } from './compaction/state-compactor';
import { WorkerCompactor } from './compaction/worker-compactor';
import { RoomRegistry } from './room-registry';
import { createStaticHandler, sendText } from './static-files';
import type { RelayStorage } from './storage/relay-storage';
import { SqliteWorkerStorage } from './storage/sqlite-worker-storage';
import { openClusterNode, type ClusterOptions } from './cluster';
import { isPushPath, PushEndpoints } from './push/push-endpoints';
import { DEFAULT_PUSH_OPTIONS, PushNotifier, type PushOptions } from './push/push-notifier';

/** Everything `startRelayServer` can be told; each has a production default. */
export interface RelayServerOptions extends Partial<QuotaLimits> {
	/** TCP port; 0 picks a free one (default 8787). */
	port?: number;
	/** Interface to listen on (default 127.0.0.1). */
	host?: string;
	/** Directory of the SQLite database, used when `storage` is not given (default ./data). */
	dataDir?: string;
	/** Storage to use instead of SQLite in `dataDir`. The relay closes it on `close()`. */
	storage?: RelayStorage;
	/** Run as a node of a cluster: PostgreSQL instead of SQLite, and fan-out through Redis. */
	cluster?: ClusterOptions;
	/** The built app to serve, or null for none (default ./build). */
	staticDir?: string | null;
	/** Largest WebSocket message accepted, in bytes (default 16 MiB). */
	maxMessageBytes?: number;
	/** Messages a connection may send per second on average (default 200). */
	messagesPerSecond?: number;
	/** Messages a connection may send in a burst (default 200). */
	messageBurst?: number;
	/** Documents held in memory at most; new rooms are refused with 503 beyond (default 10000). */
	maxLoadedDocuments?: number;
	/** Bytes queued to a slow reader before it is dropped (default 4 × maxMessageBytes). */
	maxBufferedBytes?: number;
	/** How many refused sockets may be closing at once, and for how long (see CloseRefusals). */
	closeRefusals?: CloseRefusalLimits;
	/** How long a request's headers may take to arrive, in ms (default 10 s); then 408. */
	headersTimeoutMs?: number;
	/** How long a whole request may take to arrive, in ms (default 30 s; at least the above). */
	requestTimeoutMs?: number;
	/** Sockets that may be sending request headers at once; newer ones are closed (default 1000). */
	maxSocketsAwaitingHeaders?: number;
	/** Ping period; a connection that did not answer the previous ping is dropped (default 30 s). */
	pingIntervalMs?: number;
	/** Compact a document once it has had no update for this long, in ms (default 2000). */
	compactIdleMs?: number;
	/** Compact at once after this many appended updates, quiet or not (default 10000)... */
	compactMaxAppendedUpdates?: number;
	/** ...or this many appended bytes, at least the size of its last state (default 8 MiB). */
	compactMaxAppendedBytes?: number;
	/** How long SQLite appends are batched, in ms (default 10). */
	flushDelayMs?: number;
	/** Most memory SQLite's page cache may hold, in bytes (default 2 MiB). */
	sqliteCacheBytes?: number;
	/**
	 * How long a connection must be silent before another may take over a presence it announced
	 * (default 20 s; see Room).
	 */
	awarenessTakeoverMs?: number;
	/** Web Push through the relay (see `PushOptions`; each has a default). */
	push?: Partial<PushOptions>;
	/**
	 * What merges documents' states for compaction (default: a worker thread of this relay,
	 * stopped with it; a compactor given here is the caller's to close).
	 */
	compactor?: StateCompactor;
	/** Where log lines go (default: JSON lines on stdout at `logLevel`). */
	logger?: Logger;
	/** Level of the default logger (default info). */
	logLevel?: LogLevel;
}

/** A running relay. */
export interface RelayServer {
	/** The port actually listened on. */
	readonly port: number;
	/** `http://host:port`, where the app, /healthz and /metrics are served. */
	readonly url: string;
	/** `ws://host:port/sync`, the server URL for y-websocket providers. */
	readonly syncUrl: string;
	/** Live counters, as served on /metrics. */
	readonly metrics: RelayMetrics;
	/**
	 * Graceful shutdown: stops accepting, closes every socket with 1001, compacts and unloads
	 * every document, closes storage. Idempotent.
	 */
	close(): Promise<void>;
}

/**
 * How each refusal of a connection reaches the client: a close code after the handshake, or the
 * HTTP status under a flood (see CloseRefusals).
 */
const CLOSE_REFUSALS = {
	missing_token: { code: CLOSE_MISSING_TOKEN, status: 401, reason: 'missing token' },
	malformed_token: { code: CLOSE_MISSING_TOKEN, status: 401, reason: 'malformed token' },
	wrong_token: { code: CLOSE_WRONG_TOKEN, status: 403, reason: 'wrong token for this document' },
	retired_token: { code: CLOSE_ACCESS_CHANGED, status: 410, reason: 'access changed' },
	address_connection_limit: {
		code: CLOSE_TOO_MANY_REQUESTS,
		status: 429,
		reason: 'too many connections from this address'
	},
	address_registration_limit: {
		code: CLOSE_TOO_MANY_REQUESTS,
		status: 429,
		reason: 'too many new documents from this address'
	},
	address_loaded_document_limit: {
		code: CLOSE_TOO_MANY_REQUESTS,
		status: 429,
		reason: 'too many documents open from this address'
	},
	room_connection_limit: { code: CLOSE_TRY_AGAIN_LATER, status: 503, reason: 'room is full' },
	storage_limit: { code: CLOSE_TRY_AGAIN_LATER, status: 503, reason: 'relay storage is full' },
	// Transient on purpose: the viewer's client retries, and syncs once a member has been here.
	unknown_to_viewer: { code: CLOSE_TRY_AGAIN_LATER, status: 503, reason: 'no member here yet' }
} as const satisfies Partial<
	Record<RefusalReason, { code: number; status: number; reason: string }>
>;
type CloseRefusalReason = keyof typeof CLOSE_REFUSALS;

/** How long closing sockets get to finish their close handshake on shutdown. */
const CLOSE_GRACE_MS = 1000;

/**
 * Starts the relay and the static app server on one HTTP port. Resolves once listening, with
 * storage open.
 */
export async function startRelayServer(options: RelayServerOptions = {}): Promise<RelayServer> {
	const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
	const metrics = new RelayMetrics();
	const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
	const maxLoadedDocuments = options.maxLoadedDocuments ?? 10_000;
	const quotas: QuotaLimits = {
		maxDocumentBytes: options.maxDocumentBytes ?? DEFAULT_QUOTAS.maxDocumentBytes,
		maxStorageBytes: options.maxStorageBytes ?? DEFAULT_QUOTAS.maxStorageBytes,
		newDocumentsPerAddressPerHour:
			options.newDocumentsPerAddressPerHour ?? DEFAULT_QUOTAS.newDocumentsPerAddressPerHour,
		maxConnectionsPerAddress:
			options.maxConnectionsPerAddress ?? DEFAULT_QUOTAS.maxConnectionsPerAddress,
		maxConnectionsPerRoom: options.maxConnectionsPerRoom ?? DEFAULT_QUOTAS.maxConnectionsPerRoom,
		fanOutPerSecond: options.fanOutPerSecond ?? DEFAULT_QUOTAS.fanOutPerSecond
	};
	// One address never keeps more than half of the loadable documents in memory: made-up rooms
	// from one place cannot lock every member out of their own triad with 503s.
	const maxDocumentsPerAddress = Math.max(1, Math.floor(maxLoadedDocuments / 2));
	const limits: ConnectionLimits = {
		messagesPerSecond: options.messagesPerSecond ?? 200,
		messageBurst: options.messageBurst ?? 200,
		maxBufferedBytes: options.maxBufferedBytes ?? 4 * maxMessageBytes,
		maxDocumentBytes: quotas.maxDocumentBytes,
		storageHasRoomFor: (bytes) => storage.storedBytes + bytes <= quotas.maxStorageBytes
	};
	let storageFailed = false;
	// Batched writes fail (a full disk, say) and are retried until one commits: until then what
	// members send is not kept, and /healthz says so.
	let storageWritesFailing = false;
	const cluster =
		options.storage === undefined && options.cluster !== undefined
			? await openClusterNode(options.cluster, options.flushDelayMs, metrics, logger)
			: null;
	const storage =
		options.storage ??
		cluster?.storage ??
		(await SqliteWorkerStorage.open({
			dataDir: options.dataDir ?? './data',
			flushDelayMs: options.flushDelayMs,
			cacheBytes: options.sqliteCacheBytes,
			onBackgroundError: (error) => {
				storageWritesFailing = true;
				metrics.failed('storage_write');
				logger.error('storage_write_failed', { error: describeError(error) });
			},
			onWritesRecovered: () => {
				storageWritesFailing = false;
				logger.info('storage_write_recovered', {});
			},
			onWorkerFailure: (error) => {
				// Nothing is stored any more: /healthz turns 503 so a supervisor restarts the relay.
				storageFailed = true;
				metrics.failed('storage_write');
				logger.error('storage_failed', { error: describeError(error) });
			}
		}));
	let closing: Promise<void> | null = null;
	const reclaimer = new IdleMemoryReclaimer({
		isIdle: () => registry.size === 0 && closing === null,
		logger
	});
	const compactor = options.compactor ?? new WorkerCompactor();
	const ownCompactor = options.compactor === undefined ? compactor : null;
	const registry = new RoomRegistry(
		storage,
		{
			idleMs: options.compactIdleMs ?? 2000,
			maxAppendedUpdates: options.compactMaxAppendedUpdates ?? 10_000,
			maxAppendedBytes: options.compactMaxAppendedBytes ?? 8 * 1024 * 1024
		},
		quotas.fanOutPerSecond,
		metrics,
		logger,
		() => reclaimer.start(),
		cluster?.fanout ?? null,
		options.awarenessTakeoverMs,
		(docId, writer) => notifier.documentChanged(docId, writer?.pushDevice ?? null),
		compactor
	);
	const accessOf = async (docId: DocumentId) =>
		registry.cachedAccess(docId) ?? (await storage.getAccess(docId));
	let notifier: PushNotifier;
	try {
		notifier = await PushNotifier.open(
			{ ...DEFAULT_PUSH_OPTIONS, ...options.push },
			storage,
			accessOf,
			metrics,
			logger
		);
	} catch (error) {
		await cluster?.fanout?.close();
		await storage.close();
		await ownCompactor?.close();
		throw error;
	}
	const pushEndpoints = new PushEndpoints({
		notifier,
		storage,
		accessOf,
		metrics,
		logger,
		isClosing: () => closing !== null
	});
	const serveStatic = createStaticHandler(
		options.staticDir === undefined ? './build' : options.staticDir
	);
	const connections = new Set<Connection>();
	const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
	const closeRefusals = new CloseRefusals(options.closeRefusals);
	const addresses = new AddressQuotas(quotas);

	const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
		const path = (req.url ?? '/').split('?', 1)[0];
		if (path === '/healthz' || path === '/metrics') {
			if (req.method !== 'GET' && req.method !== 'HEAD') {
				sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
			} else if (path === '/metrics') {
				metrics.storedBytes = storage.storedBytes;
				sendText(res, 200, renderMetrics(metrics), {
					'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'
				});
			} else if (closing !== null) {
				sendText(res, 503, 'shutting down');
			} else if (storageFailed) {
				sendText(res, 503, 'storage failed');
			} else if (storageWritesFailing) {
				sendText(res, 503, 'storage writes failing');
			} else if (cluster !== null && !cluster.storage.reachable) {
				// Not ready while PostgreSQL is out of reach: a load balancer sends clients elsewhere.
				sendText(res, 503, 'storage unreachable');
			} else if (metrics.clusterBrokerUp === 0) {
				// Still ready: this node serves its clients and stores their edits; only the other
				// nodes' clients see them late, once the broker is back and every node repairs.
				sendText(res, 200, 'ok, fan-out broker unreachable');
			} else {
				sendText(res, 200, 'ok');
			}
		} else if (path !== undefined && parseRotationPath(path) !== null) {
			rotateAccess(req, res, parseRotationPath(path) as DocumentId, {
				storage,
				registry,
				metrics,
				logger,
				isClosing: () => closing !== null,
				closeConnections: (docId) => {
					for (const connection of connections) {
						if (connection.docId === docId) connection.accessChanged();
					}
				}
			}).catch((error: unknown) => {
				logger.error('rotation_failed', { error: describeError(error) });
				if (!res.headersSent) sendText(res, 503, 'storage unavailable\n');
				else res.destroy();
			});
		} else if (path !== undefined && isPushPath(path)) {
			pushEndpoints.handle(path, req, res).catch((error: unknown) => {
				logger.error('push_request_failed', { error: describeError(error) });
				if (!res.headersSent) sendText(res, 503, 'storage unavailable\n');
				else res.destroy();
			});
		} else if (path?.startsWith(SYNC_PATH)) {
			sendText(res, 426, 'this endpoint speaks WebSocket only\n', { Upgrade: 'websocket' });
		} else {
			serveStatic(req, res).catch((error: unknown) => {
				logger.error('static_failed', { error: describeError(error) });
				if (!res.headersSent) sendText(res, 500, 'internal error\n');
				else res.destroy();
			});
		}
	};

	const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
	const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeoutMs);
	const server = createServer(
		{
			headersTimeout: headersTimeoutMs,
			requestTimeout: requestTimeoutMs,
			// How often Node looks for requests past those timeouts (by default every 30 s, which
			// would let a stalled socket live up to 30 s longer).
			connectionsCheckingInterval: Math.min(1000, headersTimeoutMs)
		},
		handleRequest
	);

	/*
	 * Sockets that have not finished their first request's headers: a slow sender (or one that
	 * never finishes) costs a descriptor and parser state, so beyond a cap the newest is closed at
	 * once. Later requests on a kept-alive socket are bounded by the timeouts alone.
	 */
	const maxSocketsAwaitingHeaders = options.maxSocketsAwaitingHeaders ?? 1000;
	const awaitingHeaders = new Set<Socket>();
	const headersDone = (socket: Socket) => {
		if (awaitingHeaders.delete(socket)) metrics.socketsAwaitingHeaders = awaitingHeaders.size;
	};
	server.on('connection', (socket: Socket) => {
		if (awaitingHeaders.size >= maxSocketsAwaitingHeaders) {
			metrics.refused('pending_headers_limit');
			logger.warn('socket_refused', {
				reason: 'pending_headers_limit',
				remote: socket.remoteAddress
			});
			socket.destroy();
			return;
		}
		awaitingHeaders.add(socket);
		metrics.socketsAwaitingHeaders = awaitingHeaders.size;
		socket.once('close', () => headersDone(socket));
	});
	server.on('request', (req: IncomingMessage) => headersDone(req.socket));

	const refuse = (
		req: IncomingMessage,
		socket: Duplex,
		status: number,
		reason: RefusalReason,
		docId?: string
	) => {
		metrics.refused(reason);
		// Never the URL: its query string holds the token.
		logger.warn('upgrade_refused', { reason, status, docId, remote: req.socket.remoteAddress });
		const body = `${STATUS_CODES[status] ?? 'refused'}\n`;
		socket.once('finish', () => socket.destroy());
		socket.end(
			`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
				`Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`
		);
	};

	/*
	 * Browsers hide the status of a refused upgrade: a member with a refused token would only see
	 * a relay that never answers. So a token, or a quota, is refused after the handshake, with a
	 * close code and before any document content, decided without loading or creating a room.
	 */
	const refuseWithCloseCode = (
		req: IncomingMessage,
		socket: Duplex,
		head: Buffer,
		reason: CloseRefusalReason,
		docId: string
	) => {
		const { code, status, reason: text } = CLOSE_REFUSALS[reason];
		if (!closeRefusals.hasRoom) return refuse(req, socket, status, reason, docId);
		metrics.refused(reason);
		logger.warn('upgrade_refused', { reason, code, docId, remote: req.socket.remoteAddress });
		if (!socket.destroyed) closeRefusals.refuse(req, socket, head, code, text);
	};

	const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		socket.on('error', () => socket.destroy());
		if (closing !== null) return refuse(req, socket, 503, 'shutting_down');
		const parsed = parseConnectionUrl(new URL(req.url ?? '/', 'http://relay'));
		if (!parsed.ok) {
			switch (parsed.problem) {
				case 'bad-path':
					return refuse(req, socket, 404, 'bad_path');
				case 'bad-room':
					return refuse(req, socket, 400, 'bad_room');
				case 'missing-token':
					return refuseWithCloseCode(req, socket, head, 'missing_token', docIdOf(req));
				case 'malformed-token':
					return refuseWithCloseCode(req, socket, head, 'malformed_token', docIdOf(req));
			}
		}
		const { docId, token, viewer, viewerOnly, protocol, pushDevice } = parsed;
		const address = addressKey(req.socket.remoteAddress);
		// Counted from now until the socket closes, so that the upgrades an address has under way
		// count too. (A socket destroyed already may have emitted its close.)
		if (socket.destroyed) return;
		if (!addresses.openConnection(address)) {
			return refuseWithCloseCode(req, socket, head, 'address_connection_limit', docId);
		}
		socket.once('close', () => addresses.closeConnection(address));
		const atCapacity = () => !registry.isLive(docId) && registry.size >= maxLoadedDocuments;
		if (atCapacity()) return refuse(req, socket, 503, 'too_many_documents', docId);
		const addressHoldsItsShare = () =>
			!registry.isLive(docId) && addresses.documentsHeld(address) >= maxDocumentsPerAddress;
		// Asked before access is checked too, so that a made-up room refused here is not registered.
		if (addressHoldsItsShare()) {
			return refuseWithCloseCode(req, socket, head, 'address_loaded_document_limit', docId);
		}
		// A made-up room is a registration: it costs the address one of its new documents, and is
		// refused outright while storage is full.
		let registrationRefused: CloseRefusalReason | null = null;
		const mayRegister = () => {
			if (storage.storedBytes >= quotas.maxStorageBytes) registrationRefused = 'storage_limit';
			else if (!addresses.takeRegistration(address)) {
				registrationRefused = 'address_registration_limit';
			}
			return registrationRefused === null;
		};
		let decision: AccessDecision;
		try {
			decision = await checkAccess(
				docId,
				token,
				viewer,
				viewerOnly,
				registry,
				storage,
				mayRegister
			);
		} catch (error) {
			logger.error('access_check_failed', { docId, error: describeError(error) });
			return refuse(req, socket, 503, 'storage_error', docId);
		}
		if (decision.kind === 'unregistered') {
			const reason = registrationRefused ?? 'address_registration_limit';
			return refuseWithCloseCode(req, socket, head, reason, docId);
		}
		if (decision.kind === 'not-yet') {
			return refuseWithCloseCode(req, socket, head, 'unknown_to_viewer', docId);
		}
		if (decision.kind === 'denied' || decision.kind === 'retired') {
			const reason = decision.kind === 'denied' ? 'wrong_token' : 'retired_token';
			return refuseWithCloseCode(req, socket, head, reason, docId);
		}
		if (decision.kind === 'registered') {
			logger.info('document_registered', { docId, remote: address });
		}
		const access = {
			role: decision.role,
			verifier: decision.verifier,
			protocol,
			address,
			pushDevice
		};
		if (socket.destroyed) return;
		if (closing !== null) return refuse(req, socket, 503, 'shutting_down', docId);
		if (atCapacity()) return refuse(req, socket, 503, 'too_many_documents', docId);
		// From here to the connection joining its room nothing waits, so the counts stay true.
		if (addressHoldsItsShare()) {
			return refuseWithCloseCode(req, socket, head, 'address_loaded_document_limit', docId);
		}
		if (registry.peerCount(docId) >= quotas.maxConnectionsPerRoom) {
			return refuseWithCloseCode(req, socket, head, 'room_connection_limit', docId);
		}
		wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
			const connection = new Connection(ws, docId, access, registry, limits, metrics, logger);
			connections.add(connection);
			addresses.holdDocument(address, docId);
			ws.once('close', () => {
				connections.delete(connection);
				addresses.releaseDocument(address, docId);
			});
		});
	};

	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		headersDone(req.socket);
		upgrade(req, socket, head).catch((error: unknown) => {
			logger.error('upgrade_failed', { error: describeError(error) });
			socket.destroy();
		});
	});

	const keepalive = setInterval(() => {
		for (const connection of connections) connection.heartbeat();
	}, options.pingIntervalMs ?? 30_000);
	keepalive.unref();

	await new Promise<void>((listening, failed) => {
		server.once('error', failed);
		server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => {
			server.off('error', failed);
			listening();
		});
	}).catch(async (error: unknown) => {
		clearInterval(keepalive);
		await notifier.close();
		await cluster?.fanout?.close();
		await storage.close();
		await ownCompactor?.close();
		throw error;
	});
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	const host = options.host ?? '127.0.0.1';
	const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

	const shutdown = async () => {
		clearInterval(keepalive);
		reclaimer.stop();
		const stopped = new Promise<void>((done) => server.close(() => done()));
		for (const connection of connections) connection.shutdown();
		await registry.settle();
		await notifier.close();
		await ownCompactor?.close();
		await cluster?.fanout?.close();
		await storage.close();
		await waitUntil(() => wss.clients.size + closeRefusals.closing === 0, CLOSE_GRACE_MS);
		for (const ws of wss.clients) ws.terminate();
		closeRefusals.terminateAll();
		server.closeAllConnections();
		await stopped;
	};

	return {
		port,
		url: `http://${authority}`,
		syncUrl: `ws://${authority}/sync`,
		metrics,
		close: () => (closing ??= shutdown())
	};
}

/** The room part of a sync path, for log lines about requests refused before it was parsed. */
function docIdOf(req: IncomingMessage): string {
	const path = (req.url ?? '').split('?', 1)[0] ?? '';
	return path.startsWith(SYNC_PATH) ? path.slice(SYNC_PATH.length) : '';
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition() && Date.now() < deadline) {
		await new Promise((tick) => setTimeout(tick, 20));
	}
}
