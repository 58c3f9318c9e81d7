import type { IncomingMessage, ServerResponse } from 'node:http';
import {
	MAX_ROTATION_BODY_BYTES,
	parseRotationRequest,
	type DocumentId
} from '../src/lib/protocol';
import { judge, tokenVerifier } from './access';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';
import type { RoomRegistry } from './room-registry';
import { readBody } from './request-body';
import { sendText } from './static-files';
import type { RelayStorage } from './storage/relay-storage';

/** What the rotation endpoint works with. */
export interface RotationContext {
	storage: RelayStorage;
	registry: RoomRegistry;
	metrics: RelayMetrics;
	logger: Logger;
	isClosing(): boolean;
	/** Closes every open connection of the document with CLOSE_ACCESS_CHANGED. */
	closeConnections(docId: DocumentId): void;
}

/**
 * `POST /access/<docId>/rotate` (see connection-params.ts for the request and its answers): a
 * member proves it holds the current member token and replaces the document's verifiers. The
 * swap is a compare-and-set in storage, so of two members rotating at once exactly one wins; the
 * other's token is retired by then and it is answered 410 like every holder of an old link.
 */
export async function rotateAccess(
	req: IncomingMessage,
	res: ServerResponse,
	docId: DocumentId,
	context: RotationContext
): Promise<void> {
	const { storage, registry, metrics, logger } = context;
	if (req.method !== 'POST') {
		sendText(res, 405, 'method not allowed\n', { Allow: 'POST' });
		return;
	}
	if (context.isClosing()) {
		sendText(res, 503, 'shutting down\n');
		return;
	}
	const body = await readBody(req, MAX_ROTATION_BODY_BYTES);
	if (body === 'too-large') {
		sendText(res, 413, 'request body too large\n', { Connection: 'close' });
		return;
	}
	let json: unknown;
	try {
		json = JSON.parse(body);
	} catch {
		json = null;
	}
	const request = parseRotationRequest(json);
	if (request === null) {
		sendText(res, 400, 'expected {"token", "member", "viewer"}: three distinct tokens\n');
		return;
	}
	const presented = tokenVerifier(request.token);
	const access = await storage.getAccess(docId);
	if (access === null) {
		sendText(res, 404, 'unknown document\n');
		return;
	}
	const decision = judge(access, presented);
	if (decision.kind === 'retired') {
		metrics.refused('retired_token');
		sendText(res, 410, 'access changed\n');
		return;
	}
	if (decision.kind !== 'granted' || decision.role !== 'member') {
		metrics.refused('wrong_token');
		logger.warn('rotation_refused', { docId, remote: req.socket.remoteAddress });
		sendText(res, 403, 'only a member can rotate access\n');
		return;
	}
	const next = { member: tokenVerifier(request.member), viewer: tokenVerifier(request.viewer) };
	const result = await storage.rotateAccess(docId, presented, next);
	const now = await storage.getAccess(docId);
	if (now !== null) registry.updateAccess(docId, now);
	if (result === 'stale') {
		// Another rotation won between our read and our swap: this token is retired now.
		metrics.refused('retired_token');
		sendText(res, 410, 'access changed\n');
		return;
	}
	metrics.accessRotations++;
	logger.info('access_rotated', { docId });
	context.closeConnections(docId);
	res.writeHead(204, { 'Cache-Control': 'no-store' });
	res.end();
}
